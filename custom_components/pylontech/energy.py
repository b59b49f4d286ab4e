"""Charged and discharged energy, integrated from each poll's power.

The BMS reports power (voltage x current) but no energy counter, so energy is the area under the
power readings: the trapezoid between two polls, split where the power crosses zero so that a
swing from charging to discharging counts on both sides. An interval longer than `max_gap`
(the stack did not answer for a while) is left out: nobody knows what the pack did meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JOULES_PER_KWH = 3_600_000.0


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

    def add(self, pack: int, power: float, at: float) -> None:
        """Count the interval from the pack's previous reading to this one (`at` in seconds)."""
        totals = self.totals.get(pack)
        if totals is None:
            totals = self.totals[pack] = EnergyTotals()
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
