"""The sensors' description tables: which values a pack and the stack show, and how.

`sensor.py` creates the entities from them; nothing here touches Home Assistant's state.
"""

from __future__ import annotations

import dataclasses
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

from . import sensor_values as values
from .bms import AlarmLevel, active_alarms

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.helpers.typing import StateType

    from .bms import (
        ChargeDischargeManagement,
        ExtremeCell,
        ExtremeTemperature,
        PackAlarmInfo,
        PackAnalogValues,
        StackSummary,
    )
    from .sensor_values import Attributes


AMPERE_HOURS = "Ah"
ALARM_LEVELS = [level.value for level in AlarmLevel]


@dataclass(frozen=True, kw_only=True)
class PackSensorDescription(SensorEntityDescription):
    """A value of one pack, from its analog values and its alarm answer of the same poll."""

    value_fn: Callable[[PackAnalogValues, PackAlarmInfo | None], StateType]
    exists_fn: Callable[[PackAnalogValues, PackAlarmInfo | None], bool] | None = None
    """Whether the pack reports the value at all; by default, whether it has one now."""
    attributes_fn: Callable[[PackAnalogValues, PackAlarmInfo | None], Attributes] | None = None


@dataclass(frozen=True, kw_only=True)
class LimitSensorDescription(SensorEntityDescription):
    """A charge/discharge limit one pack asks for (Pylontech 0x92)."""

    value_fn: Callable[[ChargeDischargeManagement], StateType]


@dataclass(frozen=True, kw_only=True)
class StackSensorDescription(SensorEntityDescription):
    """A value of the whole stack."""

    value_fn: Callable[[StackSummary], StateType]
    attributes_fn: Callable[[StackSummary], Attributes] | None = None
    """Attributes shown beside the state: where the extreme cell is, which alarms are active."""
    needs_alarms: bool = False
    """Created only for stacks whose packs answer alarm requests."""


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
DISCHARGE_POWER = _measurement(
    "discharge_power", UnitOfPower.WATT, SensorDeviceClass.POWER, suggested_display_precision=0
)
"""The power with the sign the Energy dashboard's battery power sensor takes (HA 2025.12+)."""
CELL_DELTA = _measurement(
    # In mV: a spread of a few mV, shown in V beside the pack voltage (History puts both on one
    # 0-60 V axis), would be a flat line.
    "cell_voltage_delta",
    UnitOfElectricPotential.MILLIVOLT,
    SensorDeviceClass.VOLTAGE,
    suggested_display_precision=0,
)
ALARMS: dict[str, Any] = {"key": "alarms", "translation_key": "alarms"}


def _temperature(key: str) -> dict[str, Any]:
    return _measurement(
        key, UnitOfTemperature.CELSIUS, SensorDeviceClass.TEMPERATURE,
        suggested_display_precision=1,
    )  # fmt: skip


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
        **DISCHARGE_POWER,
        # The stack's is the one the Energy dashboard wants; a pack's is one option away.
        entity_registry_enabled_default=False,
        value_fn=lambda analog, _: values.discharging_positive(analog.power),
    ),
    PackSensorDescription(
        **SOC,
        value_fn=lambda analog, _: analog.soc,
    ),
    PackSensorDescription(
        **_temperature("cell_temperature_min"),
        value_fn=values.coldest,
        exists_fn=values.reports_cell_temperatures,
    ),
    PackSensorDescription(
        **_temperature("cell_temperature_max"),
        value_fn=values.warmest,
        exists_fn=values.reports_cell_temperatures,
    ),
    PackSensorDescription(
        **ALARMS,
        value_fn=lambda _, alarm: values.pack_alarms(alarm),
        exists_fn=lambda _, alarm: alarm is not None,
        attributes_fn=lambda _, alarm: {"alarms": list(active_alarms(alarm))} if alarm else None,
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
        value_fn=lambda analog, _: values.battery_state(analog),
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
        **_voltage(
            "cell_voltage_average",
            suggested_display_precision=3,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,  # the pack voltage over the cell count
        ),
        value_fn=lambda analog, _: analog.cell_voltage_average,
    ),
    PackSensorDescription(
        **CELL_DELTA,
        value_fn=lambda analog, _: values.millivolts(analog.cell_voltage_delta),
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
            entity_registry_enabled_default=False,  # RECORDED_BY_DEFAULT
        ),
        value_fn=lambda analog, _: (
            analog.cell_voltages[index] if index < len(analog.cell_voltages) else None
        ),
        exists_fn=lambda analog, _: index < len(analog.cell_voltages),
    )


def temperature_description(
    index: int, name: str, *, enabled: bool = True
) -> PackSensorDescription:
    """The temperature at `index` of the pack's list, named by the dialect's `name` for it.

    Off by default (`enabled=False`) where the pack's lowest and highest cell temperature are
    shown instead (`RECORDED_BY_DEFAULT`).
    """
    numbered = name.startswith("temperature_")
    return PackSensorDescription(
        key=f"temperature_{index + 1}",
        translation_key="temperature_numbered" if numbered else f"temperature_{name}",
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=enabled,
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
        attributes_fn=lambda summary: values.where_cell(cell_fn(summary)),
    )


def _extreme_temperature(
    key: str, where_fn: Callable[[StackSummary], ExtremeTemperature | None]
) -> StackSensorDescription:
    return StackSensorDescription(
        **_temperature(key),
        value_fn=lambda summary: extreme.temperature if (extreme := where_fn(summary)) else None,
        attributes_fn=lambda summary: values.where_temperature(where_fn(summary)),
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
        **DISCHARGE_POWER,
        value_fn=lambda summary: values.discharging_positive(summary.power),
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
    StackSensorDescription(
        **CELL_DELTA,
        value_fn=lambda summary: values.millivolts(summary.cell_voltage_delta),
    ),
    _extreme_temperature("cell_temperature_min", lambda summary: summary.temperature_min),
    _extreme_temperature("cell_temperature_max", lambda summary: summary.temperature_max),
    StackSensorDescription(
        **ALARMS,
        value_fn=values.stack_alarms,
        attributes_fn=lambda summary: (
            None
            if summary.alarms is None
            else {"alarms": {f"pack_{number}": list(keys) for number, keys in summary.alarms}}
        ),
        needs_alarms=True,
    ),
)


def _limit(key: str, unit: str, device_class: SensorDeviceClass, **kwargs: Any) -> dict[str, Any]:
    return {
        "key": key,
        "translation_key": key,
        "native_unit_of_measurement": unit,
        "device_class": device_class,
        "entity_category": EntityCategory.DIAGNOSTIC,
        **kwargs,
    }


LIMIT_SENSORS: tuple[LimitSensorDescription, ...] = (
    LimitSensorDescription(
        **_limit("charge_voltage_limit", UnitOfElectricPotential.VOLT, SensorDeviceClass.VOLTAGE,
                 suggested_display_precision=2),
        value_fn=lambda limits: limits.charge_voltage_limit,
    ),
    LimitSensorDescription(
        **_limit("discharge_voltage_limit", UnitOfElectricPotential.VOLT,
                 SensorDeviceClass.VOLTAGE, suggested_display_precision=2),
        value_fn=lambda limits: limits.discharge_voltage_limit,
    ),
    LimitSensorDescription(
        **_limit("charge_current_limit", UnitOfElectricCurrent.AMPERE, SensorDeviceClass.CURRENT,
                 suggested_display_precision=1),
        value_fn=lambda limits: limits.charge_current_limit,
    ),
    LimitSensorDescription(
        # The BMS sends it negative (a current out of the pack); shown as its size.
        **_limit("discharge_current_limit", UnitOfElectricCurrent.AMPERE,
                 SensorDeviceClass.CURRENT, suggested_display_precision=1),
        value_fn=lambda limits: (
            None if limits.discharge_current_limit is None else abs(limits.discharge_current_limit)
        ),
    ),
)  # fmt: skip

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
PACK_ENERGY_SENSORS: tuple[SensorEntityDescription, ...] = tuple(
    # The stack's counters feed the Energy dashboard; a pack's are one option away.
    dataclasses.replace(description, entity_registry_enabled_default=False)
    for description in ENERGY_SENSORS
)

RECORDED_BY_DEFAULT = """What a pack records by default, so that a 16-pack stack fits a Raspberry Pi's
database: the values that change on most polls are voltage, current, power, remaining capacity,
one energy counter, the lowest and highest cell voltage and their difference, and the lowest and
highest cell temperature. The single cells' voltages, the single temperature sensors, the
average cell voltage and a pack's own energy counters change as often, add about two thirds to
that, and are off by default (diagnostic, enabled from the entity's settings); see
`bench/bench_recorder.py`."""
