"""Entries of the integration this one grew from (`jtubb/HA-Pylontech-BMS`, the same domain).

Such an entry holds `host`, `port`, `device_name` and `protocol_type` and none of what ours
needs (the dialect, the pack addresses). It is taken over when it is set up: the stack is found
on its host and port, the entry's data becomes ours (its name kept), its pack devices get our
identifiers (keeping their ids, areas and names), and each of its entities that means the same
as one of ours takes that one's unique id, so that its entity id and history stay. The rest of
its entities, for which there is no equivalent, are removed. While the battery does not answer,
the setup is retried (`ConfigEntryNotReady`) and the entry is left as it was.

The facts of its data, devices and unique ids: `shared/seed-integration.md` (README, Upgrading
from HA-Pylontech-BMS).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .bms import get_dialect
from .const import CONF_CONNECTION, CONF_DIALECT, CONNECTION_NETWORK, DOMAIN, LOGGER

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

SEED_NAME = "device_name"
SEED_PROTOCOL = "protocol_type"

SAME_MEANING = {
    "pack_voltage": "voltage",
    "pack_current": "current",
    "soc": "soc",
    "power": "power",
    "remaining_capacity": "remaining_capacity",
    "cycle_count": "cycles",
    "alarm_status": "alarms",
    "cell_volt_low": "cell_voltage_min",
    "cell_volt_high": "cell_voltage_max",
}
"""The seed's sensor keys and ours that show the same quantity (the seed's status texts other
than its alarm text, and its console extras, have none)."""

BINARY_TEMPERATURES = ("temp_cells_1_4", "temp_cells_5_8", "temp_cells_9_12", "temp_cells_13_16",
                       "temp_mos", "temp_env")  # fmt: skip
"""The seed's names for the binary protocol's temperatures, in the order of the frame: they are
taken by position (what was measured), whatever the name says (on Pylontech packs the first is
the BMS board's)."""

UNIQUE_ID = re.compile(r"(?P<key>.+)-pack(?P<number>\d+)-(?P<barcode>.+)-v2")


def is_seed_entry(entry: ConfigEntry) -> bool:
    """Whether `entry` was made by the seed integration (no dialect, the seed's keys)."""
    return CONF_DIALECT not in entry.data and SEED_PROTOCOL in entry.data


def our_key(seed_key: str, *, design_total: bool) -> str | None:
    """Our sensor key for the seed's `seed_key`, or None where ours has none.

    `design_total`: the seed's `total_capacity` is the design capacity (PACE), else the full.
    """
    if seed_key in SAME_MEANING:
        return SAME_MEANING[seed_key]
    if seed_key == "total_capacity":
        return "design_capacity" if design_total else "full_capacity"
    if found := re.fullmatch(r"cell_voltage_(\d+)", seed_key):
        return f"cell_voltage_{int(found[1]) + 1}"  # the seed counts cells from 0
    if seed_key in BINARY_TEMPERATURES:
        return f"temperature_{BINARY_TEMPERATURES.index(seed_key) + 1}"
    if found := re.fullmatch(r"temp_sensor_(\d+)", seed_key):
        return f"temperature_{int(found[1]) + 1}"
    return None


async def take_over(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Find the seed entry's stack and make the entry, its devices and entities ours.

    Raises `ConfigEntryNotReady` (the entry unchanged) when the stack cannot be found now.
    """
    # The config flow's search, imported here: config_forms imports the package's root.
    from .config_flow import stack_data
    from .config_forms import find_stack

    connection: dict[str, Any] = {
        CONF_CONNECTION: CONNECTION_NETWORK,
        CONF_HOST: entry.data[CONF_HOST],
        CONF_PORT: int(entry.data[CONF_PORT]),
    }
    detection, error, placeholders, connection = await find_stack(connection)
    if detection is None:
        msg = f"the battery of this entry (set up before the upgrade) did not answer: {error}"
        raise ConfigEntryNotReady(f"{msg} ({placeholders})")
    dialect = get_dialect(detection.dialect)
    first = dialect.first_address
    name = str(entry.data.get(SEED_NAME) or "Battery")
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    moved = removed = 0
    for item in er.async_entries_for_config_entry(entities, entry.entry_id):
        found = UNIQUE_ID.fullmatch(item.unique_id)
        if found is None:
            continue  # not the seed's (ours already, should a take-over have been cut short)
        key = our_key(found["key"], design_total=dialect.name == "pace")
        if key is None:
            entities.async_remove(item.entity_id)
            removed += 1
            continue
        # A pack that is silent now keeps its entities: they come back with it.
        address = first + int(found["number"]) - 1
        entities.async_update_entity(
            item.entity_id, new_unique_id=f"{entry.entry_id}_{address}_{key}"
        )
        moved += 1
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        for domain, identifier in list(device.identifiers):
            number = re.fullmatch(r".+_pack(\d+)", identifier) if domain == DOMAIN else None
            if number is not None:
                address = first + int(number[1]) - 1
                devices.async_update_device(
                    device.id, new_identifiers={(DOMAIN, f"{entry.entry_id}_{address}")}
                )
    hass.config_entries.async_update_entry(
        entry,
        title=name,
        data={**connection, CONF_NAME: name, **stack_data(detection)},
        options={},
    )
    LOGGER.info(
        "Took over %s from the integration it was set up with: %s stack, %d entities kept, "
        "%d without an equivalent removed",
        name, dialect.brand, moved, removed,
    )  # fmt: skip
