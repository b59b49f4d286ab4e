"""One pack's derived values: every value is screened, then power, SOC and cell statistics.

The one place they are derived, for every binary dialect, the console and the simulator alike
(design.md section 3).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

from ..models import PackAnalogValues, SocSource
from ..plausible import RANGES, REMAINING_SLACK, Quantity as Q, screen, screen_all

if TYPE_CHECKING:
    from collections.abc import Sequence

type Values = dict[str, Any]

type CellStatistics = tuple[float, float, float, float, int, int]
"""Lowest, highest, average and spread of the cell voltages (V), then the numbers (from 1) of
the lowest and the highest cell."""


def cell_statistics(cell_voltages: tuple[float | None, ...]) -> CellStatistics | None:
    """Statistics of the valid cell voltages, or None when there is none."""
    valid = cast("Sequence[float]", cell_voltages)  # min() raises if a None is among them
    try:
        low, high = min(valid), max(valid)
    except TypeError:  # None among them: leave those out
        valid = [v for v in cell_voltages if v is not None]
        if not valid:
            return None
        low, high = min(valid), max(valid)
    except ValueError:  # no cells at all
        return None
    if None in (low, high):  # a single cell, and it is None: min() compared nothing
        return None
    # round(x * 10**n) / 10**n: the nearest double to the rounded value, cheaper than
    # round(x, n) on this hot path.
    return (
        low,
        high,
        round(sum(valid) * 10_000 / len(valid)) / 10_000,
        round((high - low) * 1000) / 1000,
        cell_voltages.index(low) + 1,
        cell_voltages.index(high) + 1,
    )


NO_CELL_STATISTICS = (None, None, None, None, None, None)

_CELL = RANGES[Q.CELL_VOLTAGE]


def _closed(quantity: Q) -> tuple[float, float]:
    """The bounds of a closed range, for comparisons inlined where every pack is decoded."""
    bounds = RANGES[quantity]
    assert not bounds.open_low, quantity
    return bounds.low, bounds.high


_CURRENT_LOW, _CURRENT_HIGH = _closed(Q.CURRENT)
_REMAINING_LOW, _REMAINING_HIGH = _closed(Q.REMAINING_CAPACITY)
_CYCLES_LOW, _CYCLES_HIGH = _closed(Q.CYCLES)
_PER_CELL_LOW, _PER_CELL_HIGH = _closed(Q.VOLTAGE_PER_CELL)
assert RANGES[Q.CAPACITY].open_low
_CAPACITY_LOW, _CAPACITY_HIGH = RANGES[Q.CAPACITY].low, RANGES[Q.CAPACITY].high


def screened_cells(
    cell_voltages: tuple[float | None, ...],
) -> tuple[tuple[float | None, ...], CellStatistics | None]:
    """The cell voltages screened (`screen_all`) and their statistics (`cell_statistics`).

    One pass serves both in the common case, every cell a plausible number: the lowest,
    highest and total voltage that the statistics need also tell that every cell is in range
    (a NaN makes the total NaN). Anything else goes the long way.
    """
    cells = cast("Sequence[float]", cell_voltages)  # min() raises TypeError at a None
    try:
        low, high, total = min(cells), max(cells), sum(cells)
    except TypeError:
        pass
    except ValueError:  # no cells
        return cell_voltages, None
    else:
        if _CELL.low < low and high <= _CELL.high and not math.isnan(total):
            return cell_voltages, (
                low,
                high,
                round(total * 10_000 / len(cells)) / 10_000,
                round((high - low) * 1000) / 1000,
                cell_voltages.index(low) + 1,
                cell_voltages.index(high) + 1,
            )
    screened = screen_all(Q.CELL_VOLTAGE, cell_voltages)
    return screened, cell_statistics(screened)


_LONG_TAIL = 14
"""A PACE tail that carries the BMS's own SOC and SOH (found-2026-12 captures: the Gobel 8-pack
stack, SPDG's two-pack test, an EASUN pack in nkinnan/esphome-pace-bms#22): SOC %, the design
capacity (10 mAh) four times, SOH %, the pack voltage (mV), two zero bytes."""


def _tail_percentages(extra: bytes, design: float | None) -> tuple[float | None, float | None]:
    """(SOC, SOH) in percent from a PACE analog block's tail, where it carries them.

    One byte: the SOC (1B470 firmware, protocol.md 3.3). Fourteen bytes whose second and third
    repeat the design capacity: SOC, then SOH at byte 9 (`_LONG_TAIL`). Anything else: none.
    """
    if len(extra) == 1 and extra[0] <= 100:
        return float(extra[0]), None
    if (
        len(extra) == _LONG_TAIL
        and design is not None
        and int.from_bytes(extra[1:3]) == round(design * 100)
        and extra[0] <= 100
    ):
        return float(extra[0]), (float(extra[9]) if extra[9] <= 100 else None)
    return None, None


def pack_values(
    values: Values,
    extra: bytes,
    address: int | None,
    names: tuple[str, ...],
    *,
    tail_soc: bool = False,
) -> PackAnalogValues:
    """One pack's model from the values its block carries, with the derived values.

    `tail_soc`: the block may end with the BMS's SOC, and SOH, in a tail (`_tail_percentages`).

    SOC and SOH are the BMS's where the block has them ("soc", "soh"). The one place
    power, SOC (from the BMS or the capacities) and the cell statistics are
    derived; the simulator builds the models it serves through it too.
    """
    cells, statistics = screened_cells(values["cell_voltages"])
    voltage, current = values["voltage"], values["current"]
    remaining, full, cycles = (
        values["remaining_capacity"],
        values["full_capacity"],
        values["cycles"],
    )
    count = len(cells)
    try:  # the common case, every value plausible: a few comparisons, no call
        plain = (
            _CURRENT_LOW <= current <= _CURRENT_HIGH
            and _REMAINING_LOW <= remaining <= _REMAINING_HIGH
            and _CAPACITY_LOW < full <= _CAPACITY_HIGH
            and _CYCLES_LOW <= cycles <= _CYCLES_HIGH
            and count > 0
            and _PER_CELL_LOW <= voltage / count <= _PER_CELL_HIGH
        )
    except TypeError:  # a None among them
        plain = False
    if not plain:
        voltage = screen(Q.PACK_VOLTAGE, voltage, count)
        current = screen(Q.CURRENT, current)
        remaining = screen(Q.REMAINING_CAPACITY, remaining)
        full = screen(Q.CAPACITY, full)
        cycles = screen(Q.CYCLES, cycles)
    soc, soh, soc_source = values.get("soc"), values.get("soh"), SocSource.BMS
    if soc is not None:
        soc = screen(Q.PERCENT, float(soc))  # whole % on EG4
    if soh is not None:
        soh = screen(Q.PERCENT, float(soh))
    design = values.get("design_capacity")
    if soc is None and tail_soc:
        soc, tail_soh = _tail_percentages(extra, design)
        soh = soh if soh is not None else tail_soh
    if soc is None:
        soc_source = SocSource.CAPACITY
        if remaining is not None and full and remaining <= full * REMAINING_SLACK:
            soc = round(min(remaining / full, 1.0) * 1000) / 10
    if design is not None:
        design = screen(Q.CAPACITY, design)
    low, high, average, delta, low_cell, high_cell = statistics or NO_CELL_STATISTICS
    return PackAnalogValues(
        address=address,
        cell_voltages=cells,
        temperatures=screen_all(Q.TEMPERATURE, values["temperatures"]),
        temperature_names=names,
        current=current,
        voltage=voltage,
        power=None
        if voltage is None or current is None
        else round(voltage * current * 1000) / 1000,
        remaining_capacity=remaining,
        full_capacity=full,
        design_capacity=design,
        cycles=cycles,
        soc=soc,
        soc_source=None if soc is None else soc_source,
        soh=soh,
        cell_voltage_min=low,
        cell_voltage_max=high,
        cell_voltage_average=average,
        cell_voltage_delta=delta,
        cell_voltage_min_cell=low_cell,
        cell_voltage_max_cell=high_cell,
        extra=extra,
    )
