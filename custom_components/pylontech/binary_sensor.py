"""Binary sensors: every alarm, protection, fault and status flag a pack reports, and summaries.

Which flags exist is the dialect's business (its alarm table names them); this module only
decides how Home Assistant shows each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory

from .bms.models import FlagCategory
from .entity import PylontechPackEntity, add_pack_entities

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .bms.models import Flag, PackAlarmInfo, PackData
    from .coordinator import PylontechConfigEntry, PylontechCoordinator

PARALLEL_UPDATES = 0  # values come from the coordinator; nothing is polled per entity

DEVICE_CLASSES = {
    FlagCategory.WARNING: BinarySensorDeviceClass.PROBLEM,
    FlagCategory.PROTECTION: BinarySensorDeviceClass.SAFETY,
    FlagCategory.FAULT: BinarySensorDeviceClass.PROBLEM,
    FlagCategory.STATUS: None,
}
# Status flags shown on the device page rather than among its sensors.
DIAGNOSTIC_STATUS = frozenset(
    {"charge_mosfet", "discharge_mosfet", "buzzer", "using_battery_power",
     "effective_charge_current", "effective_discharge_current"}
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class PackBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no state of one pack, from its alarm answer."""

    is_on_fn: Callable[[PackAlarmInfo], bool | None]


def _rarely_useful(flag: Flag) -> bool:
    """Individual warnings (summed up by the warning summary), per-cell bits and the buzzer."""
    return (
        flag.category is FlagCategory.WARNING
        or (flag.key.startswith("cell_") and flag.key.endswith("_voltage_error"))
        or flag.key in {"buzzer", "effective_charge_current", "effective_discharge_current"}
    )


def _cell_number(key: str) -> int:
    """N of a per-cell flag "cell_N_voltage_error", else 0."""
    if key.startswith("cell_") and key.endswith("_voltage_error"):
        return int(key.split("_")[1])
    return 0


def _flag(index: int, flag: Flag) -> PackBinarySensorDescription:
    key = flag.key

    def is_on(alarm: PackAlarmInfo) -> bool | None:
        flags = alarm.flags
        if index < len(flags) and flags[index].key == key:  # the dialect's fixed order
            return flags[index].active
        return next((item.active for item in flags if item.key == key), None)

    cell = key.startswith("cell_") and key.endswith("_voltage_error")
    return PackBinarySensorDescription(
        key=key,
        translation_key="cell_voltage_error" if cell else key,
        device_class=DEVICE_CLASSES[flag.category],
        entity_category=EntityCategory.DIAGNOSTIC if key in DIAGNOSTIC_STATUS else None,
        entity_registry_enabled_default=not _rarely_useful(flag),
        is_on_fn=is_on,
    )


def _any(category: FlagCategory) -> PackBinarySensorDescription:
    return PackBinarySensorDescription(
        key=str(category),
        translation_key=str(category),
        device_class=DEVICE_CLASSES[category],
        is_on_fn=lambda alarm: any(f.active for f in alarm.flags if f.category is category),
    )


BALANCING = PackBinarySensorDescription(
    key="balancing",
    translation_key="balancing",
    is_on_fn=lambda alarm: (
        bool(alarm.balancing_cells) if alarm.balancing_cells is not None else None
    ),
)


def descriptions_for(alarm: PackAlarmInfo) -> list[PackBinarySensorDescription]:
    """The binary sensors a pack's alarm answer supports."""
    categories = {flag.category for flag in alarm.flags}
    found = [
        _any(category)
        for category in (FlagCategory.WARNING, FlagCategory.PROTECTION, FlagCategory.FAULT)
        if category in categories
    ]
    cells = len(alarm.cell_states)
    found += (
        _flag(index, flag)
        for index, flag in enumerate(alarm.flags)
        if _cell_number(flag.key) <= cells
    )
    if alarm.balancing_cells is not None:
        found.append(BALANCING)
    return found


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PylontechConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add each pack's binary sensors as soon as the pack has answered."""
    coordinator = entry.runtime_data

    def entities_for(address: int, pack: PackData) -> list[PackBinarySensor] | None:
        if pack.alarm is None:
            return None
        return [
            PackBinarySensor(coordinator, description, address)
            for description in descriptions_for(pack.alarm)
        ]

    add_pack_entities(entry, async_add_entities, entities_for)


class PackBinarySensor(PylontechPackEntity, BinarySensorEntity):
    """One flag or summary of one pack."""

    entity_description: PackBinarySensorDescription

    def __init__(
        self,
        coordinator: PylontechCoordinator,
        description: PackBinarySensorDescription,
        address: int,
    ) -> None:
        """Number the per-cell flags."""
        if description.translation_key == "cell_voltage_error":
            self._attr_translation_placeholders = {"cell": description.key.split("_")[1]}
        super().__init__(coordinator, description, address)

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        if not self.coordinator.last_update_success or pack is None or pack.alarm is None:
            return (False, None)
        return (True, self.entity_description.is_on_fn(pack.alarm))

    @property
    def is_on(self) -> bool | None:
        """The flag as of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]
