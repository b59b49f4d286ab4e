"""An entry of the seed integration (`jtubb/HA-Pylontech-BMS`, the same domain) taken over.

The entry, its devices and its entities are built as that integration stores them (facts in
`shared/seed-integration.md`: entry data, device identifiers `<barcode>_pack<N>`, unique ids
`<key>-pack<N>-<barcode>-v2`, entity ids from the device name and the sensor's name); then ours
sets the entry up against the simulator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pylontech.const import CONF_ADDRESSES, CONF_DIALECT, DOMAIN

from .snapshot_helpers import served, shown

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from custom_components.pylontech.bms.simulator import Simulator

KEPT = {
    # seed key -> (our key, what the simulator serves for pack 1)
    "pack_voltage": "voltage",
    "pack_current": "current",
    "soc": "soc",
    "cycle_count": "cycles",
    "cell_voltage_0": "cell_voltage_1",
    "temp_cells_1_4": "temperature_1",
}
GONE = ("protect_status", "system_status", "charge_wh")
"""Seed sensors with no equivalent here (status texts; a console figure)."""


def seed_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """The seed's entry for a SOK (PACE) stack, its two pack devices and some entities."""
    barcode = simulator.stack.master.identity.barcode
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        title=f"Pylontech BMS ({barcode})",
        unique_id=barcode,
        data={
            "host": "127.0.0.1",
            "port": simulator.port,
            "device_name": "Shed battery",
            "protocol_type": "binary",
            "battery_variant": "sok",
        },
        options={"device_name": "Shed battery"},
    )
    entry.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    for number in (1, 2):
        device = devices.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, f"{barcode}_pack{number}")},
            name=f"SOK Shed battery Pack {number}",
        )
        for key in (*KEPT, *GONE):
            entities.async_get_or_create(
                "sensor",
                DOMAIN,
                f"{key}-pack{number}-{barcode}-v2",
                suggested_object_id=f"shed_battery_pack_{number}_{key}",
                config_entry=entry,
                device_id=device.id,
            )
    return entry


async def test_a_seed_entry_is_taken_over(hass: HomeAssistant, pace: Simulator) -> None:
    """It loads; its entities that mean the same keep their entity ids and show our values;
    the others are gone; its pack devices are ours; its name is kept. A third pack, silent
    now, keeps its entities; an entity already ours (a take-over cut short) is left alone."""
    entry = seed_entry(hass, pace)
    barcode = pace.stack.master.identity.barcode
    entities = er.async_get(hass)
    entities.async_get_or_create(
        "sensor", DOMAIN, f"pack_voltage-pack3-{barcode}-v2",
        suggested_object_id="shed_battery_pack_3_pack_voltage", config_entry=entry,
    )  # fmt: skip
    entities.async_get_or_create(
        "sensor", DOMAIN, f"{entry.entry_id}_1_power",
        suggested_object_id="shed_battery_pack_1_power_taken_over", config_entry=entry,
    )  # fmt: skip
    devices_before = {
        d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.title, entry.data["name"], entry.data[CONF_DIALECT]) == (
        "Shed battery", "Shed battery", "pace",
    )  # fmt: skip
    assert entry.data[CONF_ADDRESSES] == [1, 2]
    analog, _alarm = served(pace, 1)
    expected = {
        "voltage": analog.voltage,
        "current": analog.current,
        "soc": analog.soc,
        "cycles": analog.cycles,
        "cell_voltage_1": analog.cell_voltages[0],
        "temperature_1": analog.temperatures[0],
    }
    for seed_key, key in KEPT.items():
        entity_id = f"sensor.shed_battery_pack_1_{seed_key}"
        item = entities.async_get(entity_id)
        assert item is not None, entity_id
        assert item.unique_id == f"{entry.entry_id}_1_{key}"
        assert float(shown(hass.states.get(entity_id))) == expected[key]  # type: ignore[arg-type]
    for number in (1, 2):
        for seed_key in GONE:
            assert entities.async_get(f"sensor.shed_battery_pack_{number}_{seed_key}") is None
    silent = entities.async_get("sensor.shed_battery_pack_3_pack_voltage")
    assert silent is not None and silent.unique_id == f"{entry.entry_id}_3_voltage"
    ours = entities.async_get("sensor.shed_battery_pack_1_power_taken_over")
    assert ours is not None and ours.unique_id == f"{entry.entry_id}_1_power"
    packs = {
        d.id: d.identifiers
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    assert devices_before <= set(packs)  # the same devices, with ours beside (the stack)
    assert {(DOMAIN, f"{entry.entry_id}_1"), (DOMAIN, f"{entry.entry_id}_2")} <= {
        identifier for identifiers in packs.values() for identifier in identifiers
    }
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_seed_entry_waits_for_its_battery(hass: HomeAssistant, pace: Simulator) -> None:
    """While nothing answers on its port the setup is retried and the entry is left as it was."""
    entry = seed_entry(hass, pace)
    data = dict(entry.data)
    await pace.stop()
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert dict(entry.data) == data
    assert er.async_get(hass).async_get("sensor.shed_battery_pack_1_pack_voltage") is not None
