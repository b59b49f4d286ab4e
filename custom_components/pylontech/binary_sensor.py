"""Binary sensors: every alarm, protection, fault and status flag a pack reports, and summaries.

Which flags exist is the dialect's business (its alarm table names them); this module only
decides how Home Assistant shows each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING, Any

# From 2026.10 the device classes live in binary_sensor.const (absent before) and the package
# re-exports them only implicitly, which mypy --strict refuses; the import works on every version.
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined, unused-ignore]
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory

from .bms import FlagCategory
from .entity import PylontechPackEntity, add_pack_entities

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .bms import ChargeDischargeManagement, Flag, PackAlarmInfo, PackData
    from .coordinator import PylontechConfigEntry, PylontechCoordinator

PARALLEL_UPDATES = 0  # values come from the coordinator; nothing is polled per entity

DEVICE_CLASSES = {
    FlagCategory.WARNING: BinarySensorDeviceClass.PROBLEM,
    FlagCategory.PROTECTION: BinarySensorDeviceClass.SAFETY,
    FlagCategory.FAULT: BinarySensorDeviceClass.PROBLEM,
    FlagCategory.STATUS: None,
}


MAIN_CARD_FLAGS = frozenset({"charge_mosfet", "discharge_mosfet"})
"""The single flags a pack's main card shows; the others are diagnostic. The card shows the
summaries (any warning, protection, fault), balancing and the MOSFETs, not twenty rows that
read "OK"."""


@dataclass(frozen=True, kw_only=True)
class PackBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no state of one pack, from its alarm answer."""

    is_on_fn: Callable[[PackAlarmInfo], bool | None]
    attributes_fn: Callable[[PackAlarmInfo], dict[str, Any] | None] | None = None


@dataclass(frozen=True, kw_only=True)
class LimitBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no the pack asks of the inverter in its charge/discharge limits (Pylontech 0x92)."""

    is_on_fn: Callable[[ChargeDischargeManagement], bool]


LIMIT_BINARY_SENSORS: tuple[LimitBinarySensorDescription, ...] = tuple(
    LimitBinarySensorDescription(
        key=key, translation_key=key, entity_category=EntityCategory.DIAGNOSTIC, is_on_fn=is_on
    )
    for key, is_on in (
        ("charge_allowed", lambda limits: limits.charge_enable),
        ("discharge_allowed", lambda limits: limits.discharge_enable),
        # Two bits, two SOC bands (protocol.md 2.6): either is a request to charge now.
        (
            "charge_request",
            lambda limits: limits.charge_immediately_1 or limits.charge_immediately_2,
        ),
        ("full_charge_request", lambda limits: limits.full_charge_request),
    )
)


_PER_CELL = re.compile(r"cell_(\d+)_(voltage_error|disconnected)")
"""Flags with one bit per cell: Pylontech's voltage errors, Seplos' disconnections."""


def _per_cell(key: str) -> tuple[int, str] | None:
    """(cell number, kind) of a per-cell flag such as "cell_3_disconnected", else None."""
    found = _PER_CELL.fullmatch(key)
    return (int(found[1]), found[2]) if found else None


def _rarely_useful(flag: Flag) -> bool:
    """Individual warnings (summed up by the warning summary), per-cell bits and the buzzer."""
    return (
        flag.category is FlagCategory.WARNING
        or _per_cell(flag.key) is not None
        or flag.key in {"buzzer", "effective_charge_current", "effective_discharge_current"}
    )


def _flag(index: int, flag: Flag) -> PackBinarySensorDescription:
    key = flag.key

    def is_on(alarm: PackAlarmInfo) -> bool | None:
        flags = alarm.flags
        if index < len(flags) and flags[index].key == key:  # the dialect's fixed order
            return flags[index].active
        return next((item.active for item in flags if item.key == key), None)

    cell = _per_cell(key)
    return PackBinarySensorDescription(
        key=key,
        translation_key=f"cell_{cell[1]}" if cell else key,
        device_class=DEVICE_CLASSES[flag.category],
        entity_category=None if key in MAIN_CARD_FLAGS else EntityCategory.DIAGNOSTIC,
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
    attributes_fn=lambda alarm: (
        {"cells": list(alarm.balancing_cells)} if alarm.balancing_cells is not None else None
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
        if (cell := _per_cell(flag.key)) is None or cell[0] <= cells
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

    def entities_for(address: int, pack: PackData) -> list[BinarySensorEntity] | None:
        if pack.alarm is None:
            return None
        return [
            *(
                PackBinarySensor(coordinator, description, address)
                for description in descriptions_for(pack.alarm)
            ),
            *(
                PackLimitBinarySensor(coordinator, description, address)
                for description in (LIMIT_BINARY_SENSORS if pack.limits is not None else ())
            ),
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
        if (cell := _per_cell(description.key)) is not None:
            self._attr_translation_placeholders = {"cell": str(cell[0])}
        super().__init__(coordinator, description, address)

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        if not self.coordinator.last_update_success or pack is None or pack.alarm is None:
            return (False, None, None)
        description = self.entity_description
        attributes = description.attributes_fn
        return (
            True,
            description.is_on_fn(pack.alarm),
            attributes(pack.alarm) if attributes else None,
        )

    @property
    def is_on(self) -> bool | None:
        """The flag as of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """For balancing: which cells (from 1) are being balanced."""
        return self._shown[2]  # type: ignore[no-any-return]


class PackLimitBinarySensor(PylontechPackEntity, BinarySensorEntity):
    """What one pack allows or asks for; unavailable in a poll that did not read its limits."""

    entity_description: LimitBinarySensorDescription

    def _current(self) -> tuple[Any, ...]:
        pack = self.pack
        if not self.coordinator.last_update_success or pack is None or pack.limits is None:
            return (False, None)
        return (True, self.entity_description.is_on_fn(pack.limits))

    @property
    def is_on(self) -> bool | None:
        """As of the last refresh."""
        return self._shown[1]  # type: ignore[no-any-return]
