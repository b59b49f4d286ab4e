"""The Pylontech BMS integration: Home Assistant glue around the `bms` library.

The protocol lives in `bms/`, which never imports Home Assistant; this package never parses
bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.helpers import config_validation as cv, device_registry as dr

from .bms import Transport, client_for, open_transport
from .const import CONF_ALL_PACKS_AT, CONF_BAUDRATE, CONF_DEVICE, CONF_DIALECT, DOMAIN
from .coordinator import PylontechConfigEntry, PylontechCoordinator
from .entity import pack_identifier, stack_device_info, stack_identifier
from .seed import is_seed_entry, take_over

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.device_registry import DeviceEntry
    from homeassistant.helpers.typing import ConfigType

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration; batteries are added as config entries (see the README)."""
    return True


def transport_for(data: Mapping[str, object]) -> Transport:
    """The transport an entry's data describes: a TCP gateway or a serial port."""
    if data.get(CONF_DEVICE):
        baudrate = data[CONF_BAUDRATE]
        assert isinstance(baudrate, int)
        return open_transport(serial=str(data[CONF_DEVICE]), baudrate=baudrate)
    port = data[CONF_PORT]
    assert isinstance(port, int)
    return open_transport(host=str(data[CONF_HOST]), port=port)


async def async_setup_entry(hass: HomeAssistant, entry: PylontechConfigEntry) -> bool:
    """Connect to the stack, read it once, and add its devices and entities.

    An entry of the integration this one grew from is taken over first (`seed.take_over`).
    """
    if is_seed_entry(entry):
        await take_over(hass, entry)
    client = client_for(
        transport_for(entry.data),
        entry.data[CONF_DIALECT],
        all_packs_at=entry.data.get(CONF_ALL_PACKS_AT),
    )
    coordinator = PylontechCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await client.close()
        raise
    entry.runtime_data = coordinator
    # The stack device first: every pack device is connected via it.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **stack_device_info(coordinator)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PylontechConfigEntry) -> bool:
    """Remove the entities and close the connection."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.client.close()
    return unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PylontechConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a pack that no longer answers; it is no longer polled.

    The stack device and packs that still answer stay.
    """
    coordinator = entry.runtime_data
    for address in coordinator.addresses:
        if pack_identifier(coordinator, address) not in device.identifiers:
            continue
        pack = coordinator.data.packs.get(address)
        if address == coordinator.addresses[0] or (pack is not None and pack.analog is not None):
            return False
        coordinator.set_addresses([a for a in coordinator.addresses if a != address])
        return True
    return stack_identifier(coordinator) not in device.identifiers
