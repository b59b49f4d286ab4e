"""Version-independent projections of an entry's entities and devices, for syrupy snapshots.

The same snapshot files are checked on Home Assistant 2025.4 and 2026.2, whose registry entries
serialize differently (new fields, renamed ones), so HA's `snapshot_platform` cannot be used:
these helpers keep only what this integration decides, as plain dicts and lists. Also the
lookups and expected values the platform tests share.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.pylontech.bms.binary.frame import parse_frame
from custom_components.pylontech.bms.models import AlarmInfo, AnalogValues
from custom_components.pylontech.const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant, State

    from custom_components.pylontech.bms.models import PackAlarmInfo, PackAnalogValues
    from custom_components.pylontech.bms.simulator import Simulator

ENTRY_ID = "<entry_id>"
"""Stands for the config entry's id, which is random, in unique ids."""


def _plain(value: Any) -> Any:
    """Enums (StrEnum device classes, categories, ...) as their values; containers as lists."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return str(value)


def _precision(entry: er.RegistryEntry) -> int | None:
    """The suggested display precision: from the registry options if there, else capabilities."""
    options = entry.options.get("sensor", {})
    if "suggested_display_precision" in options:
        return options["suggested_display_precision"]  # type: ignore[no-any-return]
    capabilities = entry.capabilities or {}
    return capabilities.get("suggested_display_precision")


def entity_projection(hass: HomeAssistant, entry: er.RegistryEntry, entry_id: str) -> dict:
    """What this integration decides about one entity, and its state (None if it has none)."""
    capabilities = entry.capabilities or {}
    state = hass.states.get(entry.entity_id)
    return {
        "entity_id": entry.entity_id,
        "unique_id": entry.unique_id.replace(entry_id, ENTRY_ID),
        "original_name": entry.original_name,
        "translation_key": entry.translation_key,
        "device_class": _plain(entry.original_device_class),
        "entity_category": _plain(entry.entity_category),
        "disabled_by": _plain(entry.disabled_by),
        "unit": _plain(entry.unit_of_measurement),
        "state_class": _plain(capabilities.get("state_class")),
        "options": _plain(capabilities.get("options")),
        "suggested_display_precision": _precision(entry),
        "state": None
        if state is None
        else {
            "state": state.state,
            "attributes": _plain(dict(sorted(state.attributes.items()))),
        },
    }


def platform_projection(hass: HomeAssistant, config_entry: ConfigEntry, platform: str) -> list:
    """Every entity of `platform` (e.g. "sensor") of the entry, registry order by entity_id."""
    registry = er.async_get(hass)
    entries = sorted(
        (
            entry
            for entry in er.async_entries_for_config_entry(registry, config_entry.entry_id)
            if entry.domain == platform
        ),
        key=lambda entry: entry.entity_id,
    )
    return [entity_projection(hass, entry, config_entry.entry_id) for entry in entries]


def device_projection(hass: HomeAssistant, config_entry: ConfigEntry) -> list:
    """The entry's devices by name, with the device they are connected through."""
    registry = dr.async_get(hass)
    devices = dr.async_entries_for_config_entry(registry, config_entry.entry_id)
    names = {device.id: device.name for device in devices}
    return sorted(
        (
            {
                "name": device.name,
                "manufacturer": device.manufacturer,
                "model": device.model,
                "serial_number": device.serial_number,
                "sw_version": device.sw_version,
                "hw_version": device.hw_version,
                "entry_type": _plain(device.entry_type),
                "via_device": names.get(device.via_device_id) if device.via_device_id else None,
            }
            for device in devices
        ),
        key=lambda device: device["name"] or "",
    )


# -- lookups shared by the platform tests --------------------------------------------------------


def entity_id_for(
    hass: HomeAssistant, config_entry: ConfigEntry, key: str, address: int | None = None,
    platform: str = "sensor",
) -> str:  # fmt: skip
    """The entity id of a pack's (`address`) or the stack's (None) entity `key`."""
    where = "stack" if address is None else str(address)
    unique_id = f"{config_entry.entry_id}_{where}_{key}"
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, f"no {platform} with unique id {unique_id}"
    return entity_id


def served(simulator: Simulator, address: int) -> tuple[PackAnalogValues, PackAlarmInfo]:
    """The pack's 0x42 and 0x44 answers at the simulator's current clock, as the wire has them.

    The simulator's models (`stack.analog_values`) carry values finer than some fields of the
    wire (a Pylontech current has 0.1 A steps, the model 0.01 A): this is what a client reads.
    """
    dialect = simulator.stack.dialect
    analog = dialect.decode(0x42, parse_frame(simulator.stack.pack_answer(0x42, address).frame))
    alarm = dialect.decode(0x44, parse_frame(simulator.stack.pack_answer(0x44, address).frame))
    assert isinstance(analog, AnalogValues)
    assert isinstance(alarm, AlarmInfo)
    return analog.packs[0], alarm.packs[0]


def battery_state(current: float | None) -> str | None:
    """What the battery state sensor should show for a pack current (A, + is charging)."""
    if current is None:
        return None
    if current > 0.1:
        return "charging"
    if current < -0.1:
        return "discharging"
    return "idle"


def expected_pack_sensors(analog: PackAnalogValues, alarm: PackAlarmInfo) -> dict[str, object]:
    """Sensor key -> the value a pack's sensor must show for what the simulator served."""
    values: dict[str, object] = {
        "voltage": analog.voltage,
        "current": analog.current,
        "power": analog.power,
        "soc": analog.soc,
        "remaining_capacity": analog.remaining_capacity,
        "full_capacity": analog.full_capacity,
        "cycles": analog.cycles,
        "cell_voltage_min": min(analog.cell_voltages),  # type: ignore[type-var]
        "cell_voltage_max": max(analog.cell_voltages),  # type: ignore[type-var]
        "cell_voltage_average": analog.cell_voltage_average,
        "cell_voltage_delta": None  # in mV
        if analog.cell_voltage_delta is None
        else round(analog.cell_voltage_delta * 1000),
        "battery_state": battery_state(analog.current),
        "voltage_state": alarm.voltage_state.value,
        "charge_current_state": alarm.charge_current_state.value,
        "discharge_current_state": alarm.discharge_current_state.value,
    }
    if analog.design_capacity is not None:
        values["design_capacity"] = analog.design_capacity
    for index, voltage in enumerate(analog.cell_voltages):
        values[f"cell_voltage_{index + 1}"] = voltage
    for index, temperature in enumerate(analog.temperatures):
        values[f"temperature_{index + 1}"] = temperature
    return values


def shown(state: State | None) -> object:
    """A state as the value it shows: a number where it is one, else its text."""
    assert state is not None
    try:
        return float(state.state)
    except ValueError:
        return state.state
