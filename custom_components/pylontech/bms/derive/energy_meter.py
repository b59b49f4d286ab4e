"""Charged and discharged energy, integrated from each poll's power.

The BMS reports power (voltage x current) but no energy counter, so energy is the area under the
power readings: the trapezoid between two polls, split where the power crosses zero so that a
swing from charging to discharging counts on both sides. An interval longer than `max_gap`
(the stack did not answer for a while) is left out: nobody knows what the pack did meanwhile.

A reading whose power the pack could not deliver is refused, with both intervals it ends and
starts: the totals are `total_increasing` and restored after restarts, so one absurd reading
would stay in the Energy dashboard for good. The bound is `C_RATE` times the pack's capacity
(full, else design) times its voltage; with `max_gap` it also bounds the energy of one interval
(at most C_RATE x max_gap / 3600 of the pack's capacity in Wh).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
from typing import Protocol

from ..plausible import Quantity, screen

JOULES_PER_KWH = 3_600_000.0
C_RATE = 3.0
"""Hour-rates of its capacity a pack may charge or discharge at: the packs here are rated 0.5-1C
continuous and 2C for seconds (US2000C: 100 A peak on 50 Ah); 3C leaves margin for a surge."""
MAX_POWER_UNKNOWN_CAPACITY = 25_000.0
"""W, for a pack that reports no capacity: above any one pack here (a 200 A BMS at 58 V is
11.6 kW, a Force H2 unit 96 V x 37 Ah x 3C is 10.7 kW)."""

_LOGGER = logging.getLogger(__name__)


class PackReading(Protocol):
    """What the meter reads of one pack's poll (a `PackAnalogValues`)."""

    @property
    def power(self) -> float | None:
        """W; positive while charging."""

    @property
    def voltage(self) -> float | None:
        """V."""

    @property
    def full_capacity(self) -> float | None:
        """Ah."""

    @property
    def design_capacity(self) -> float | None:
        """Ah."""


def max_power(reading: PackReading) -> float:
    """The most power (W, either way) the pack of `reading` can plausibly carry.

    Zero for a voltage outside the library's range (bms/plausible.py): its power is no reading.
    """
    voltage = reading.voltage
    if voltage is not None and screen(Quantity.PACK_VOLTAGE, voltage) is None:
        return 0.0
    capacity = screen(Quantity.CAPACITY, reading.full_capacity or reading.design_capacity)
    if capacity is None or voltage is None:
        return MAX_POWER_UNKNOWN_CAPACITY
    return C_RATE * capacity * voltage


@dataclass(slots=True)
class EnergyTotals:
    """kWh counted since Home Assistant started; both only ever grow."""

    charged: float = 0.0
    discharged: float = 0.0


@dataclass(slots=True)
class EnergyMeter:
    """Integrates one power reading per pack and poll into charged and discharged energy."""

    max_gap: float
    """Seconds; a longer interval between two readings is not counted."""
    totals: dict[int, EnergyTotals] = field(default_factory=dict)
    _last: dict[int, tuple[float, float]] = field(default_factory=dict)
    _refused: set[int] = field(default_factory=set)
    """Packs whose refused reading was logged (once each)."""

    def add(self, pack: int, reading: PackReading, at: float) -> None:
        """Count the interval from the pack's previous reading to this one (`at` in seconds).

        A reading without power, or with a power over `max_power`, counts nothing, and the
        next interval starts at the reading after it.
        """
        totals = self.totals.get(pack)
        if totals is None:
            totals = self.totals[pack] = EnergyTotals()
        power = reading.power
        if power is None or not abs(power) <= max_power(reading):
            if power is not None and pack not in self._refused:
                self._refused.add(pack)
                _LOGGER.debug("Pack %d: %r W is beyond what it can carry: not counted", pack, power)
            self._last.pop(pack, None)
            return
        previous = self._last.get(pack)
        self._last[pack] = (at, power)
        if previous is None:
            return
        since, before = previous
        seconds = at - since
        if not 0 < seconds <= self.max_gap:
            return
        charged, discharged = _areas(before, power, seconds)
        totals.charged += charged / JOULES_PER_KWH
        totals.discharged += discharged / JOULES_PER_KWH

    def total(self, pack: int) -> EnergyTotals:
        """What the pack has counted so far (zero before its first interval)."""
        return self.totals.get(pack) or EnergyTotals()


def _areas(start: float, end: float, seconds: float) -> tuple[float, float]:
    """Joules above and below zero under the straight line from `start` W to `end` W."""
    if start >= 0 and end >= 0:
        return (start + end) / 2 * seconds, 0.0
    if start <= 0 and end <= 0:
        return 0.0, -(start + end) / 2 * seconds
    # The line crosses zero at fraction start / (start - end) of the interval.
    crossing = start / (start - end) * seconds
    first = start / 2 * crossing
    second = end / 2 * (seconds - crossing)
    if start > 0:
        return first, -second
    return second, -first
