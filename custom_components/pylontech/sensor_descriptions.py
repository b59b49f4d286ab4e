"""The sensors' description tables: which values a pack and the stack show, and how.

`sensor.py` creates the entities from them; nothing here touches Home Assistant's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)

from .bms import AlarmLevel

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.helpers.typing import StateType

    from .bms import ExtremeCell, PackAlarmInfo, PackAnalogValues, StackSummary


AMPERE_HOURS = "Ah"
IDLE_CURRENT = 0.1  # A; below this a pack is neither charging nor discharging
ALARM_LEVELS = [level.value for level in AlarmLevel]


def battery_state(analog: PackAnalogValues) -> str | None:
    """Charging, discharging or idle, from the pack's current."""
    if analog.current is None:
        return None
    if analog.current > IDLE_CURRENT:
        return "charging"
    if analog.current < -IDLE_CURRENT:
        return "discharging"
    return "idle"


@dataclass(frozen=True, kw_only=True)
class PackSensorDescription(SensorEntityDescription):
    """A value of one pack, from its analog values and its alarm answer of the same poll."""

    value_fn: Callable[[PackAnalogValues, PackAlarmInfo | None], StateType]
    exists_fn: Callable[[PackAnalogValues, PackAlarmInfo | None], bool] | None = None
    """Whether the pack reports the value at all; by default, whether it has one now."""


@dataclass(frozen=True, kw_only=True)
class StackSensorDescription(SensorEntityDescription):
    """A value of the whole stack."""

    value_fn: Callable[[StackSummary], StateType]
    cell_fn: Callable[[StackSummary], ExtremeCell | None] | None = None
    """For the extreme cell voltages: where the cell is, shown as attributes."""


def _measurement(
    key: str, unit: str, device_class: SensorDeviceClass, **kwargs: Any
) -> dict[str, Any]:
    """Description fields of a measured value whose translation key is its key."""
    return {
        "key": key,
        "translation_key": key,
        "native_unit_of_measurement": unit,
        "device_class": device_class,
        "state_class": SensorStateClass.MEASUREMENT,
        **kwargs,
    }


def _millivolts(volts: float | None) -> float | None:
    """Volts as whole millivolts (the BMS reports cells to the mV)."""
    return None if volts is None else round(volts * 1000)


def _voltage(key: str, **kwargs: Any) -> dict[str, Any]:
    return _measurement(key, UnitOfElectricPotential.VOLT, SensorDeviceClass.VOLTAGE, **kwargs)


# Shared by a pack's and the stack's descriptions.
CURRENT = _measurement(
    "current", UnitOfElectricCurrent.AMPERE, SensorDeviceClass.CURRENT,
    suggested_display_precision=2,
)  # fmt: skip
POWER = _measurement(
    "power", UnitOfPower.WATT, SensorDeviceClass.POWER, suggested_display_precision=0
)
SOC = _measurement("soc", PERCENTAGE, SensorDeviceClass.BATTERY, suggested_display_precision=0)


def _capacity(key: str, **kwargs: Any) -> dict[str, Any]:
    return {
        "key": key,
        "translation_key": key,
        "native_unit_of_measurement": AMPERE_HOURS,
        "state_class": SensorStateClass.MEASUREMENT,
        "suggested_display_precision": 1,
        **kwargs,
    }


def _alarm_level(key: str) -> PackSensorDescription:
    return PackSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENUM,
        options=ALARM_LEVELS,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _, alarm: getattr(alarm, key).value if alarm else None,
        exists_fn=lambda _, alarm: alarm is not None,
    )


PACK_SENSORS: tuple[PackSensorDescription, ...] = (
    PackSensorDescription(
        **_voltage("voltage", suggested_display_precision=2),
        value_fn=lambda analog, _: analog.voltage,
    ),
    PackSensorDescription(
        **CURRENT,
        value_fn=lambda analog, _: analog.current,
    ),
    PackSensorDescription(
        **POWER,
        value_fn=lambda analog, _: analog.power,
    ),
    PackSensorDescription(
        **SOC,
        value_fn=lambda analog, _: analog.soc,
    ),
    PackSensorDescription(
        key="soh",
        translation_key="soh",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda analog, _: analog.soh,
        # Only packs whose BMS reports a state of health (Seplos, EG4, some PACE firmware) get it.
        exists_fn=lambda analog, _: analog.soh is not None,
    ),
    PackSensorDescription(
        key="battery_state",
        translation_key="battery_state",
        device_class=SensorDeviceClass.ENUM,
        options=["charging", "discharging", "idle"],
        value_fn=lambda analog, _: battery_state(analog),
    ),
    PackSensorDescription(
        **_capacity("remaining_capacity"), value_fn=lambda analog, _: analog.remaining_capacity
    ),
    PackSensorDescription(
        **_capacity("full_capacity"), value_fn=lambda analog, _: analog.full_capacity
    ),
    PackSensorDescription(
        **_capacity("design_capacity", entity_category=EntityCategory.DIAGNOSTIC),
        value_fn=lambda analog, _: analog.design_capacity,
    ),
    PackSensorDescription(
        key="cycles",
        translation_key="cycles",
        native_unit_of_measurement="cycles",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda analog, _: analog.cycles,
    ),
    PackSensorDescription(
        **_voltage("cell_voltage_min", suggested_display_precision=3),
        value_fn=lambda analog, _: analog.cell_voltage_min,
    ),
    PackSensorDescription(
        **_voltage("cell_voltage_max", suggested_display_precision=3),
        value_fn=lambda analog, _: analog.cell_voltage_max,
    ),
    PackSensorDescription(
        **_voltage("cell_voltage_average", suggested_display_precision=3),
        value_fn=lambda analog, _: analog.cell_voltage_average,
    ),
    PackSensorDescription(
        # In mV: a spread of a few mV, shown in V beside the pack voltage (History puts both on
        # one 0-60 V axis), would be a flat line.
        **_measurement(
            "cell_voltage_delta",
            UnitOfElectricPotential.MILLIVOLT,
            SensorDeviceClass.VOLTAGE,
            suggested_display_precision=0,
        ),
        value_fn=lambda analog, _: _millivolts(analog.cell_voltage_delta),
    ),
    PackSensorDescription(
        key="cell_voltage_min_cell",
        translation_key="cell_voltage_min_cell",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda analog, _: analog.cell_voltage_min_cell,
    ),
    PackSensorDescription(
        key="cell_voltage_max_cell",
        translation_key="cell_voltage_max_cell",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda analog, _: analog.cell_voltage_max_cell,
    ),
    _alarm_level("voltage_state"),
    _alarm_level("charge_current_state"),
    _alarm_level("discharge_current_state"),
)


def cell_voltage_description(index: int) -> PackSensorDescription:
    """The voltage of cell `index` (from 0), numbered from 1 in its name."""
    return PackSensorDescription(
        **_voltage(
            f"cell_voltage_{index + 1}",
            translation_key="cell_voltage",
            suggested_display_precision=3,
            entity_category=EntityCategory.DIAGNOSTIC,
        ),
        value_fn=lambda analog, _: (
            analog.cell_voltages[index] if index < len(analog.cell_voltages) else None
        ),
        exists_fn=lambda analog, _: index < len(analog.cell_voltages),
    )


def temperature_description(index: int, name: str) -> PackSensorDescription:
    """The temperature at `index` of the pack's list, named by the dialect's `name` for it."""
    numbered = name.startswith("temperature_")
    return PackSensorDescription(
        key=f"temperature_{index + 1}",
        translation_key="temperature_numbered" if numbered else f"temperature_{name}",
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda analog, _: (
            analog.temperatures[index] if index < len(analog.temperatures) else None
        ),
        exists_fn=lambda analog, _: index < len(analog.temperatures),
    )


def _extreme(
    key: str, cell_fn: Callable[[StackSummary], ExtremeCell | None]
) -> StackSensorDescription:
    return StackSensorDescription(
        **_voltage(key, suggested_display_precision=3),
        value_fn=lambda summary: cell.voltage if (cell := cell_fn(summary)) else None,
        cell_fn=cell_fn,
    )


STACK_SENSORS: tuple[StackSensorDescription, ...] = (
    StackSensorDescription(
        **_voltage("voltage", suggested_display_precision=2),
        value_fn=lambda summary: summary.voltage,
    ),
    StackSensorDescription(
        **CURRENT,
        value_fn=lambda summary: summary.current,
    ),
    StackSensorDescription(
        **POWER,
        value_fn=lambda summary: summary.power,
    ),
    StackSensorDescription(
        **SOC,
        value_fn=lambda summary: summary.soc,
    ),
    StackSensorDescription(
        **_capacity("remaining_capacity"), value_fn=lambda summary: summary.remaining_capacity
    ),
    StackSensorDescription(
        **_capacity("full_capacity"), value_fn=lambda summary: summary.full_capacity
    ),
    _extreme("cell_voltage_min", lambda summary: summary.cell_voltage_min),
    _extreme("cell_voltage_max", lambda summary: summary.cell_voltage_max),
)

ENERGY_SENSORS: tuple[SensorEntityDescription, ...] = tuple(
    SensorEntityDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
    )
    for key in ("charged_energy", "discharged_energy")
)
