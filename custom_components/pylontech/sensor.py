"""Sensors: a pack's and the stack's values (tables in sensor_descriptions.py), and energy counters.

A pack's entities are created when it first answers, and only for the values it reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import RestoreSensor, SensorEntity

from .entity import PylontechPackEntity, PylontechStackEntity, add_pack_entities
from .sensor_descriptions import (
    ENERGY_SENSORS,
    LIMIT_SENSORS,
    PACK_ENERGY_SENSORS,
    PACK_SENSORS,
    STACK_SENSORS,
    LimitSensorDescription,
    PackSensorDescription,
    StackSensorDescription,
    cell_voltage_description,
    temperature_description,
)
from .sensor_values import reports_cell_temperatures

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .bms import EnergyTotals, PackData
    from .coordinator import PylontechConfigEntry, PylontechCoordinator

PARALLEL_UPDATES = 0  # values come from the coordinator; nothing is polled per entity


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PylontechConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the stack's sensors now and each pack's as soon as the pack has answered."""
    coordinator = entry.runtime_data
    packs = coordinator.data.stack.packs if coordinator.data else ()
    with_alarms = any(pack.alarm is not None for pack in packs)
    async_add_entities(
        [
            *(
                PylontechStackSensor(coordinator, description)
                for description in STACK_SENSORS
                if with_alarms or not description.needs_alarms
            ),
            *(StackEnergySensor(coordinator, description) for description in ENERGY_SENSORS),
        ]
    )

    def entities_for(address: int, pack: PackData) -> list[SensorEntity] | None:
        analog, alarm = pack.analog, pack.alarm
        if analog is None:
            return None
        # Where the pack shows its lowest and highest cell temperature, the single sensors are
        # off by default (RECORDED_BY_DEFAULT); consoles, which report their own, keep them on.
        single_temperatures = not reports_cell_temperatures(analog, alarm)
        descriptions = [
            *PACK_SENSORS,
            *(cell_voltage_description(index) for index in range(len(analog.cell_voltages))),
            *(
                temperature_description(index, name, enabled=single_temperatures)
                for index, name in enumerate(analog.temperature_names)
            ),
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
                for description in PACK_ENERGY_SENSORS
            ),
            *(
                PackLimitSensor(coordinator, description, address)
                for description in (LIMIT_SENSORS if pack.limits is not None else ())
            ),
        ]

    add_pack_entities(entry, async_add_entities, entities_for)


class PylontechPackSensor(PylontechPackEntity, SensorEntity):
    """A value of one pack."""

    entity_description: PackSensorDescription

    def __init__(
        self, coordinator: PylontechCoordinator, description: PackSensorDescription, address: int
    ) -> None:
        """Name cells and numbered temperatures by their number.

        Cells are numbered with two digits in a pack of ten or more ("Cell 01 voltage"), so that
        a device page, which sorts by name, lists them in order.
        """
        if description.key.startswith("cell_voltage_") and description.key[-1].isdigit():
            pack = coordinator.data.packs.get(address) if coordinator.data else None
            cells = len(pack.analog.cell_voltages) if pack and pack.analog else 0
            number = int(description.key.rsplit("_", 1)[1])
            self._attr_translation_placeholders = {"cell": f"{number:0{2 if cells >= 10 else 1}d}"}
        elif description.translation_key == "temperature_numbered":
            self._attr_translation_placeholders = {"sensor": description.key.rsplit("_", 1)[1]}
        super().__init__(coordinator, description, address)

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        if not self.coordinator.last_update_success or pack is None or pack.analog is None:
            return (False, None, None)
        description = self.entity_description
        attributes = description.attributes_fn
        return (
            True,
            description.value_fn(pack.analog, pack.alarm),
            attributes(pack.analog, pack.alarm) if attributes else None,
        )

    @property
    def native_value(self) -> StateType:
        """The value of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Which alarms are active, for the alarm summary."""
        return self._shown[2]  # type: ignore[no-any-return]


class PackLimitSensor(PylontechPackEntity, SensorEntity):
    """A charge/discharge limit one pack asks for; unavailable in a poll that did not read it."""

    entity_description: LimitSensorDescription

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        if not self.coordinator.last_update_success or pack is None or pack.limits is None:
            return (False, None)
        return (True, self.entity_description.value_fn(pack.limits))

    @property
    def native_value(self) -> StateType:
        """The limit of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]


class PylontechStackSensor(PylontechStackEntity, SensorEntity):
    """A value of the whole stack; unavailable unless every pack answered."""

    entity_description: StackSensorDescription

    def _current(self) -> tuple[Any, ...]:
        if not self.coordinator.last_update_success:
            return (False, None, None)
        summary = self.coordinator.data.summary
        description = self.entity_description
        value = description.value_fn(summary)
        attributes = description.attributes_fn(summary) if description.attributes_fn else None
        return (value is not None, value, attributes)

    @property
    def native_value(self) -> StateType:
        """The value of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Where an extreme value is (pack and cell, from 1), which alarms are active."""
        return self._shown[2]  # type: ignore[no-any-return]


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
