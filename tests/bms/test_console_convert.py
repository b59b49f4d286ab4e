"""Console answers as library packs: US packs in parallel, high-voltage units in series."""

from __future__ import annotations

import pytest

from custom_components.pylontech.bms.console import (
    Topology,
    hv_stack,
    hv_system,
    hv_units,
    us_pack,
    us_stack,
)
from custom_components.pylontech.bms.console.convert import TEMPERATURE_NAMES
from custom_components.pylontech.bms.console.models import CellTable, UnitTable
from custom_components.pylontech.bms.derive import cell_statistics
from custom_components.pylontech.bms.exceptions import PylontechConsoleError
from custom_components.pylontech.bms.models import SocSource
from custom_components.pylontech.bms.serialize import stack_to_json
from tests.bms.test_console_parse import parsed


def test_us_stack_of_the_mixed_dumps() -> None:
    """4 present packs of 16 positions, cells from `bat N`, ratings and cycles from info/stat."""
    pwr = parsed("ioBroker_US_pwr.txt")
    bats = {n: parsed(f"ioBroker_US_bat_{n}.txt") for n in range(1, 5)}
    infos = {n: parsed(f"ioBroker_US_info_{n}.txt") for n in range(1, 5)}
    stats = {n: parsed(f"ioBroker_US_stat_{n}.txt") for n in range(1, 5)}
    stack = us_stack(pwr, bats, infos, stats)
    assert stack.topology is Topology.PARALLEL
    assert stack.system is None
    assert [pack.address for pack in stack.packs] == [1, 2, 3, 4]
    first = stack.packs[0].analog
    assert first is not None
    assert (first.voltage, first.current, first.power, first.soc) == (
        49.905, 11.867, round(49.905 * 11.867, 3), 39.0
    )  # fmt: skip
    assert first.soc_source is SocSource.BMS
    assert first.temperature_names == ("pack", "cell_low", "cell_high", "mosfet")
    assert first.temperatures == (27.9, 26.6, 26.8, 27.5)
    assert (first.design_capacity, first.cycles, first.full_capacity) == (100.0, 108, None)
    assert first.cell_voltages == tuple(c.voltage for c in bats[1].cells)
    stats_1 = cell_statistics(first.cell_voltages)
    assert stats_1 is not None
    assert (first.cell_voltage_min, first.cell_voltage_max, first.cell_voltage_min_cell) == (
        stats_1[0], stats_1[1], stats_1[4]
    )  # fmt: skip
    third = stack.packs[2].analog
    assert third is not None
    assert third.temperature_names == ("pack", "cell_low", "cell_high")  # no MosTempr
    # The lowest cell's Coulomb (16510 mAH at 35 %) is the pack's: pwr says 35 % too.
    assert (third.remaining_capacity, third.soc, third.cycles) == (16.51, 35.0, 685)
    assert all(pack.alarm is None and pack.error is None for pack in stack.packs)


def test_us_pack_absent_and_alone() -> None:
    """An Absent position is no pack; without `bat` the pack has no cells."""
    pwr = parsed("donverduyn_US2KBPL_pwr.txt")
    assert us_pack(3, pwr.rows[2]) is None
    pack = us_pack(2, pwr.rows[1])
    assert pack is not None and pack.analog is not None
    assert (pack.address, pack.analog.cell_voltages, pack.analog.remaining_capacity) == (
        2,
        (),
        None,
    )
    assert pack.analog.cell_voltage_min is None


def test_us_pack_from_cells_only() -> None:
    """`bat N` alone: cells and remaining capacity, nothing invented."""
    bat = parsed("ioBroker_eb_bat_1.txt")
    pack = us_pack(1, None, bat=bat)
    assert pack is not None and pack.analog is not None
    analog = pack.analog
    assert (analog.voltage, analog.current, analog.temperatures, analog.soc) == (
        None,
        None,
        (),
        None,
    )
    assert len(analog.cell_voltages) == 15
    assert analog.remaining_capacity == 38.286  # the lowest of the 15 Coulomb values
    assert (analog.cell_voltage_min, analog.cell_voltage_max) == (3.217, 3.225)


@pytest.mark.parametrize(("device", "units", "cells"), [("H2", 4, 30), ("SC", 5, 15)])
def test_cell_split_matches_unit_voltages(device: str, units: int, cells: int) -> None:
    """`bat` lists the string's cells in `unit` order: each block of cells adds up to its unit.

    The two dumps were taken 28 s (H2) and 32 s (SC) apart, so within 25 mV; the reversed order
    (units numbered the other way round) is clearly worse.
    """
    unit_table = parsed(f"ioBroker_{device}_unit.txt")
    bat = parsed(f"ioBroker_{device}_bat.txt")
    packs = hv_units(unit_table, bat)
    assert [len(p.analog.cell_voltages) for p in packs if p.analog] == [cells] * units
    forward = []
    for pack, unit in zip(packs, unit_table.units, strict=True):
        assert pack.analog is not None and unit.voltage is not None
        forward.append(abs(sum(pack.analog.cell_voltages) - unit.voltage))
    assert max(forward) < 0.025
    blocks = [sum(p.analog.cell_voltages) for p in packs if p.analog]
    backward = [abs(b - u.voltage) for b, u in zip(reversed(blocks), unit_table.units, strict=True)
                if u.voltage is not None]  # fmt: skip
    assert sum(backward) > 2 * sum(forward)


def test_sc_units_in_series_with_system_totals() -> None:
    """SC: 5 units in series; the string's totals come from `pwr`; cells per unit checked."""
    stack = hv_stack(parsed("ioBroker_SC_pwr.txt"), parsed("ioBroker_SC_unit.txt"),
                     parsed("ioBroker_SC_bat.txt"))  # fmt: skip
    assert stack.topology is Topology.SERIES
    assert [pack.address for pack in stack.packs] == [1, 2, 3, 4, 5]
    unit = stack.packs[0].analog
    assert unit is not None
    assert (unit.voltage, unit.current, unit.soc, unit.remaining_capacity) == (
        47.27, -0.294, 11.0, 8.14
    )  # fmt: skip
    assert unit.temperature_names == ("unit", "cell_average", "cell_low", "cell_high")
    assert unit.temperatures == (27.0, 19.666, 17.0, 21.0)
    assert (unit.cell_voltage_min, unit.cell_voltage_max) == (3.133, 3.162)  # = BVlow/BVhigh
    assert stack.system is not None
    assert (stack.system.voltage, stack.system.current, stack.system.power) == (
        235.573, -0.292, round(235.573 * -0.292, 3)
    )  # fmt: skip
    assert (stack.system.remaining_energy, stack.system.soc) == (2290.0, 7.0)
    body = stack_to_json(stack.stack_data())
    assert body["dialect"] == "console"
    assert len(body["packs"]) == 5


def test_h2_units_without_cells_and_system() -> None:
    """Force H2 `unit` alone: 4 packs without cells; `hv_system` of its `pwr`."""
    stack = hv_stack(None, parsed("ioBroker_H2_unit.txt"))
    assert stack.system is None
    analog = stack.packs[3].analog
    assert analog is not None
    assert (analog.voltage, analog.cell_voltages, analog.temperature_names) == (
        100.081, (), ("unit", "cell_low", "cell_high")
    )  # fmt: skip
    system = hv_system(parsed("ioBroker_H2_pwr.txt"))
    assert (system.voltage, system.soc, system.remaining_capacity, system.error_code) == (
        401.758, 78.0, 28.903, 0
    )  # fmt: skip


def test_uneven_cell_split_is_refused() -> None:
    """Cells that do not divide by the unit count cannot be assigned honestly."""
    units = parsed("ioBroker_SC_unit.txt")
    bat = parsed("ioBroker_SC_bat.txt")
    short = CellTable(**{**{f: getattr(bat, f) for f in bat.__dataclass_fields__},
                         "cells": bat.cells[:-1]})  # fmt: skip
    with pytest.raises(PylontechConsoleError, match="74 cells do not split evenly over 5 units"):
        hv_units(units, short)
    with pytest.raises(PylontechConsoleError, match="over 0 units"):
        hv_units(UnitTable(average_temperature=None, units=()), bat)


@pytest.mark.parametrize(
    ("power", "extra"),
    [
        ("ioBroker_US_pwr.txt", ()),
        ("ioBroker_pytes-v5_pwr.txt", ()),
        ("donverduyn_US2KBPL_pwr.txt", ()),
        ("ioBroker_H2_unit.txt", ("ioBroker_H2_bat.txt",)),
        ("ioBroker_SC_unit.txt", ("ioBroker_SC_bat.txt",)),
    ],
)
def test_temperature_names_are_the_known_ones(power: str, extra: tuple[str, ...]) -> None:
    """Every temperature name a dump's packs get is in TEMPERATURE_NAMES (the integration names
    each one; tests/ha/test_quality.py checks its translations)."""
    answer = parsed(power)
    if isinstance(answer, UnitTable):
        stack = hv_stack(None, answer, *(parsed(name) for name in extra))
    else:
        stack = us_stack(answer)
    names = {name for pack in stack.packs if pack.analog for name in pack.analog.temperature_names}
    assert names
    assert names <= set(TEMPERATURE_NAMES)
