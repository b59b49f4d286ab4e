"""Sensors: description tables for a pack and for the stack, plus energy counters.

A pack's entities are created when it first answers, and only for the values it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
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
from .entity import PylontechPackEntity, PylontechStackEntity, add_pack_entities

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .bms import (
        EnergyTotals,
        ExtremeCell,
        PackAlarmInfo,
        PackAnalogValues,
        PackData,
        StackSummary,
    )
    from .coordinator import PylontechConfigEntry, PylontechCoordinator

PARALLEL_UPDATES = 0  # values come from the coordinator; nothing is polled per entity

AMPERE_HOURS = "Ah"
IDLE_CURRENT = 0.1  # A; below this a pack is neither charging nor discharging
ALARM_LEVELS = [level.value for level in AlarmLevel]


def _battery_state(analog: PackAnalogValues) -> str | None:
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
        # Only packs whose BMS reports a state of health (Seplos, EG4) get the sensor.
        exists_fn=lambda analog, _: analog.soh is not None,
    ),
    PackSensorDescription(
        key="battery_state",
        translation_key="battery_state",
        device_class=SensorDeviceClass.ENUM,
        options=["charging", "discharging", "idle"],
        value_fn=lambda analog, _: _battery_state(analog),
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
        **_voltage("cell_voltage_delta", suggested_display_precision=3),
        value_fn=lambda analog, _: analog.cell_voltage_delta,
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


def _cell_voltage(index: int) -> PackSensorDescription:
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


def _temperature(index: int, name: str) -> PackSensorDescription:
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


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PylontechConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the stack's sensors now and each pack's as soon as the pack has answered."""
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *(PylontechStackSensor(coordinator, description) for description in STACK_SENSORS),
            *(StackEnergySensor(coordinator, description) for description in ENERGY_SENSORS),
        ]
    )

    def entities_for(address: int, pack: PackData) -> list[SensorEntity] | None:
        analog, alarm = pack.analog, pack.alarm
        if analog is None:
            return None
        descriptions = [
            *PACK_SENSORS,
            *(_cell_voltage(index) for index in range(len(analog.cell_voltages))),
            *(_temperature(index, name) for index, name in enumerate(analog.temperature_names)),
        ]
        return [
            *(
                PylontechPackSensor(coordinator, description, address)
                for description in descriptions
                if (
                    description.exists_fn(analog, alarm)
                    if description.exists_fn
                    else description.value_fn(analog, alarm) is not None
                )
            ),
            *(
                PackEnergySensor(coordinator, description, address)
                for description in ENERGY_SENSORS
            ),
        ]

    add_pack_entities(entry, async_add_entities, entities_for)


class PylontechPackSensor(PylontechPackEntity, SensorEntity):
    """A value of one pack."""

    entity_description: PackSensorDescription

    def __init__(
        self, coordinator: PylontechCoordinator, description: PackSensorDescription, address: int
    ) -> None:
        """Name cells and numbered temperatures by their number."""
        if description.key.startswith("cell_voltage_") and description.key[-1].isdigit():
            self._attr_translation_placeholders = {"cell": description.key.rsplit("_", 1)[1]}
        elif description.translation_key == "temperature_numbered":
            self._attr_translation_placeholders = {"sensor": description.key.rsplit("_", 1)[1]}
        super().__init__(coordinator, description, address)

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        if not self.coordinator.last_update_success or pack is None or pack.analog is None:
            return (False, None)
        return (True, self.entity_description.value_fn(pack.analog, pack.alarm))

    @property
    def native_value(self) -> StateType:
        """The value of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]


class PylontechStackSensor(PylontechStackEntity, SensorEntity):
    """A value of the whole stack; unavailable unless every pack answered."""

    entity_description: StackSensorDescription

    def _current(self) -> tuple[Any, ...]:
        if not self.coordinator.last_update_success:
            return (False, None, None)
        summary = self.coordinator.data.summary
        value = self.entity_description.value_fn(summary)
        cell = self.entity_description.cell_fn(summary) if self.entity_description.cell_fn else None
        return (value is not None, value, cell)

    @property
    def native_value(self) -> StateType:
        """The value of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, int] | None:
        """For the extreme cells: the pack (from 1) and the cell (from 1) it is in."""
        cell: ExtremeCell | None = self._shown[2]
        if cell is None:
            return None
        return {"pack": cell.pack, "cell": cell.cell}


class _EnergySensor(RestoreSensor):
    """kWh restored from before the restart plus what was counted since."""

    _base = 0.0

    async def async_added_to_hass(self) -> None:
        """Start from the value this sensor had before Home Assistant restarted."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, int | float):
            self._base = float(last.native_value)
        self._shown = self._current()  # type: ignore[attr-defined]

    def _counted(self) -> float:
        raise NotImplementedError

    @property
    def native_value(self) -> float:
        """Restored base plus energy counted since Home Assistant started."""
        return round(self._base + self._counted(), 6)

    def _totals_value(self, totals: EnergyTotals) -> float:
        key = self.entity_description.key
        return totals.charged if key == "charged_energy" else totals.discharged


class PackEnergySensor(PylontechPackEntity, _EnergySensor):
    """Energy into or out of one pack."""

    def _counted(self) -> float:
        return self._totals_value(self.coordinator.energy.total(self.address))

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        available = (
            self.coordinator.last_update_success and pack is not None and pack.analog is not None
        )
        return (available, self.native_value)


class StackEnergySensor(PylontechStackEntity, _EnergySensor):
    """Energy into or out of the whole stack: the sum over its packs."""

    def _counted(self) -> float:
        energy = self.coordinator.energy
        return sum(self._totals_value(energy.total(address)) for address in energy.totals)

    def _current(self) -> tuple[Any, ...]:
        available = (
            self.coordinator.last_update_success and self.coordinator.data.summary.power is not None
        )
        return (available, self.native_value)
