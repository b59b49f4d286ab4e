"""The Pylontech BMS integration: Home Assistant glue around the `bms` library.

The protocol lives in `bms/`, which never imports Home Assistant; this package never parses
bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers import config_validation as cv

from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration; batteries are added as config entries (see the README)."""
    return True
