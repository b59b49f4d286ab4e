"""The physical range of every quantity a BMS reports, and the one screen values pass through.

A reading outside its quantity's range is no reading: damage on the line, a firmware bug or a
placeholder the field tables do not know. It becomes None, never a number, and is logged once
at debug level (once per quantity and reason, not on every poll). The binary decoders and the
console conversion both build their pack models through `screen` (derive/pack_values.py),
and the derived values (power, cell statistics, SOC from capacities) are computed from the
screened values, so an absurd input never yields an absurd derived value.

Every real capture in tests/vectors/ lies well inside these ranges (tests/bms/test_plausible.py
checks each one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import logging
import math
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Mapping

_LOGGER = logging.getLogger(__name__)


class Quantity(StrEnum):
    """What a reported number measures."""

    CELL_VOLTAGE = "cell_voltage"
    PACK_VOLTAGE = "pack_voltage"
    """A pack's (or a string's) voltage when its cell count is not known."""
    VOLTAGE_PER_CELL = "voltage_per_cell"
    """A pack's voltage divided by its cell count, where the pack reports its cells."""
    CURRENT = "current"
    TEMPERATURE = "temperature"
    REMAINING_CAPACITY = "remaining_capacity"
    CAPACITY = "capacity"
    """A full or design capacity."""
    PERCENT = "percent"
    """SOC or SOH."""
    CYCLES = "cycles"
    ENERGY = "energy"
    """Remaining energy of a string (Wh)."""


@dataclass(frozen=True, slots=True)
class Range:
    """The values a quantity can physically take: `low` (exclusive if `open_low`) to `high`."""

    low: float
    high: float
    reason: str
    open_low: bool = False

    def holds(self, value: float) -> bool:
        """Whether `value` is in the range (NaN and infinities never are)."""
        if self.open_low:
            return self.low < value <= self.high
        return self.low <= value <= self.high


RANGES: Mapping[Quantity, Range] = {
    Quantity.CELL_VOLTAGE: Range(0.0, 5.0, open_low=True, reason=(
        "no lithium cell holds 5 V (LiFePO4 stops at 3.65 V, NMC at 4.2-4.35 V); "
        "0 V is an unconnected cell")),
    Quantity.VOLTAGE_PER_CELL: Range(1.0, 5.0, reason=(
        "below any chemistry's deep-discharge cut-off (LiFePO4 2.5 V, LTO 1.5 V), above any "
        "charge: a pack of N cells reads N x 1.0 to N x 5.0 V")),
    Quantity.PACK_VOLTAGE: Range(0.0, 1000.0, open_low=True, reason=(
        "cell count unknown: above every string the consoles report (a Force H2 of 7 modules "
        "is 7 x 96 V); 1000 V is the top of the residential DC range")),
    Quantity.CURRENT: Range(-500.0, 500.0, reason=(
        "no pack's BMS here is rated above 300 A (PACE, Seplos: 200 A; US5000: 100 A) and the "
        "binary fields stop at 327.67 A; real captures stay under 12 A")),
    Quantity.TEMPERATURE: Range(-50.0, 150.0, reason=(
        "beyond any NTC's range and any BMS's shut-off; the dialects already null their "
        "sensor placeholders (-60 °C and the like) below this")),
    Quantity.REMAINING_CAPACITY: Range(0.0, 1000.0, reason=(
        "an empty pack reads 0 Ah; no single pack holds 1000 Ah (2P 314 Ah packs hold 628 Ah, "
        "the largest captured 307 Ah); Pylontech's 3-byte field reaches 16,777 Ah")),
    Quantity.CAPACITY: Range(0.0, 1000.0, open_low=True, reason=(
        "as the remaining capacity; a full or design capacity of 0 Ah is no capacity")),
    Quantity.PERCENT: Range(0.0, 100.0, reason="SOC and SOH are percentages"),
    Quantity.CYCLES: Range(0.0, 20_000.0, reason=(
        "LiFePO4 cells are rated for 6000-8000 cycles; two a day for 25 years is 18,250")),
    Quantity.ENERGY: Range(0.0, 1_000_000.0, reason=(
        "Wh: 1000 V x 1000 Ah, the bounds above")),
}  # fmt: skip

REMAINING_SLACK = 1.2
"""A remaining capacity up to 20 % over the full one is a BMS that has not relearned its full
capacity yet (SOC from capacities then reads 100 %); beyond, one of the two is wrong and no
SOC is derived from them."""

MAX_LOGGED = 64
"""At most this many (quantity, reason) pairs are remembered as logged; there are ~30."""
_logged: set[tuple[Quantity, str]] = set()


def screen[T: float](quantity: Quantity, value: T | None, cells: int = 0) -> T | None:
    """`value` if it is a plausible `quantity`, else None (logged once at debug level).

    A `PACK_VOLTAGE` with `cells` > 0 is judged per cell (`VOLTAGE_PER_CELL`).
    """
    if value is None:
        return None
    if cells > 0 and quantity is Quantity.PACK_VOLTAGE:
        if _PER_CELL.holds(value / cells):
            return value
        _refused(Quantity.VOLTAGE_PER_CELL, value / cells, f" ({value!r} V, {cells} cells)")
        return None
    if RANGES[quantity].holds(value):
        return value
    _refused(quantity, value, "")
    return None


def screen_all[T: float](quantity: Quantity, values: tuple[T | None, ...]) -> tuple[T | None, ...]:
    """Each of `values` screened; the same tuple when all are plausible (the common case)."""
    bounds = RANGES[quantity]
    numbers = cast("tuple[float, ...]", values)  # min() raises TypeError if a None is among them
    try:  # a decode's hot path: a few passes in C, the bounds compared inline
        if (
            numbers
            and (min(numbers) > bounds.low if bounds.open_low else min(numbers) >= bounds.low)
            and max(numbers) <= bounds.high
            and not math.isnan(sum(numbers))  # a NaN that min() and max() passed over
        ):
            return values
    except TypeError:
        pass
    return tuple([screen(quantity, value) for value in values])


_PER_CELL = RANGES[Quantity.VOLTAGE_PER_CELL]

_LIMITS: Mapping[str, Quantity] = {
    **dict.fromkeys(
        ("cell_high_voltage_limit", "cell_low_voltage_limit", "cell_under_voltage_limit"),
        Quantity.CELL_VOLTAGE,
    ),
    **dict.fromkeys(
        ("module_high_voltage_limit", "module_low_voltage_limit", "module_under_voltage_limit",
         "charge_voltage_limit", "discharge_voltage_limit"),
        Quantity.PACK_VOLTAGE,
    ),
    **dict.fromkeys(
        ("charge_high_temperature_limit", "charge_low_temperature_limit",
         "discharge_high_temperature_limit", "discharge_low_temperature_limit"),
        Quantity.TEMPERATURE,
    ),
    **dict.fromkeys(("charge_current_limit", "discharge_current_limit"), Quantity.CURRENT),
}  # fmt: skip
"""The thresholds of the limit answers (Pylontech 0x47, 0x92), by field name."""


def screen_record(values: dict[str, object]) -> dict[str, object]:
    """A record's fields with each known threshold screened as its quantity (in place)."""
    for key, quantity in _LIMITS.items():
        value = values.get(key)
        if isinstance(value, float | int):
            values[key] = screen(quantity, value)
    return values


def _refused(quantity: Quantity, value: float, detail: str) -> None:
    bounds = RANGES[quantity]
    reason = "not a number" if math.isnan(value) else "above" if value > bounds.high else "below"
    key = (quantity, reason)
    if key in _logged or len(_logged) >= MAX_LOGGED:
        return
    _logged.add(key)
    _LOGGER.debug(
        "Implausible %s %r%s (%s %s..%s: %s): read as no value; further ones are not logged",
        quantity, value, detail, reason, bounds.low, bounds.high,
        bounds.reason,
    )  # fmt: skip
