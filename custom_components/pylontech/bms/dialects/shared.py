"""Fields several dialects' tables share, so that each unit is spelled out once."""

from __future__ import annotations

from .steps import Number

CELL_VOLTAGE = Number("cell", divisor=1000, valid=(0.001, 5.0))
"""A cell voltage in mV. Outside the plausible range it is a placeholder or a failed reading
(0 mV on an unconnected cell, protocol.md 2.3 and 4.3): None."""


def centi(key: str, valid: tuple[float, float] | None = None) -> Number:
    """A field in hundredths (10 mA, 10 mV, 10 mAh); 0xFFFF is no reading."""
    return Number(key, divisor=100, absent=0xFFFF, valid=valid)
