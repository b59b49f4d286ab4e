"""The integration loads in Home Assistant, and its manifest satisfies hassfest and HACS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from homeassistant.loader import async_get_custom_components
from homeassistant.setup import async_setup_component

from custom_components.pylontech.const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "custom_components" / "pylontech" / "manifest.json").read_text())


async def test_integration_is_found_and_loads(hass: HomeAssistant) -> None:
    """Home Assistant finds the custom integration and sets it up."""
    integrations = await async_get_custom_components(hass)
    assert DOMAIN in integrations
    assert integrations[DOMAIN].version is not None
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components


def test_manifest_keys() -> None:
    """hassfest: domain and name first, the rest sorted; every key custom integrations need."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    required = {"domain", "name", "codeowners", "documentation", "iot_class", "version",
                "issue_tracker", "integration_type", "requirements", "dependencies"}  # fmt: skip
    assert required <= set(keys)
    assert MANIFEST["domain"] == DOMAIN
    assert MANIFEST["iot_class"] == "local_polling"
    assert MANIFEST["config_flow"] is True  # added from the UI only
    assert MANIFEST["loggers"] == ["custom_components.pylontech"]


def test_hacs_json() -> None:
    """HACS: a name, and the oldest Home Assistant we test on (design.md section 5)."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == MANIFEST["name"]
    assert hacs["homeassistant"] == "2025.4.4"
