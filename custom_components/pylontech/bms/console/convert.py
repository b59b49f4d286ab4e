"""Console answers as the library's pack models, for `decode --console` and the console client.

US packs are in parallel (`Topology.PARALLEL`): one `PackData` per present `pwr` position.
Force H2 and SC strings are in series (`Topology.SERIES`): one `PackData` per unit (BMU) of
`unit`, and the string's totals from `pwr` as `SystemTotals`. Derived values (power, cell
statistics, SOC from capacities) come from the same code as the binary decoders', which
screens every value for plausibility first (plausible.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..derive.pack_values import pack_values
from ..exceptions import PylontechConsoleError
from ..models import PackData, SystemTotals
from ..plausible import Quantity as Q, screen
from .models import ConsoleStack, Topology

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .models import (
        CellTable,
        ConsoleInfo,
        PackStatus,
        PowerRow,
        StackPower,
        Statistics,
        SystemPower,
        UnitRow,
        UnitTable,
    )

TEMPERATURE_NAMES = ("pack", "cell_low", "cell_high", "mosfet", "unit", "cell_average")
"""Every name a console pack's or module's temperature gets (see `us_pack`, `hv_units`)."""


def us_pack(
    index: int,
    row: PowerRow | None,
    bat: CellTable | None = None,
    info: ConsoleInfo | None = None,
    stat: Statistics | None = None,
    *,
    status: PackStatus | None = None,
) -> PackData | None:
    """Pack `index` (its `pwr` position, 1..16), or None for an "Absent" position.

    Built from its `pwr` row and, if given, its `bat N`, `info N` and `stat N` answers.

    Temperatures, as named: "pack" (Tempr), "cell_low" (Tlow), "cell_high" (Thigh) and, where
    the pack prints one, "mosfet" (MosTempr). SOC is the BMS's (`pwr` Coulomb). The remaining
    capacity is the lowest cell Coulomb of `bat N` (US2000B prints the pack's value on every
    cell; on the mixed stack the `pwr` SOC of pack 3 is its lowest cell's, ioBroker_US_bat_3).
    The full capacity is `pwr N`'s "Total Coulomb" (`status`), the design capacity `info`'s
    specification, cycles `stat`'s "CYCLE Times". `row` None
    gives the cells only (`decode --console "bat N"`).
    """
    if row is not None and not row.present:
        return None
    named: list[tuple[str, float | None]] = []
    if row is not None:
        named = [
            ("pack", row.temperature),
            ("cell_low", row.cell_temperature_min),
            ("cell_high", row.cell_temperature_max),
        ]
        if row.mosfet_temperature is not None:
            named.append(("mosfet", row.mosfet_temperature))
    remaining = [c.remaining_capacity for c in bat.cells] if bat else []
    values: dict[str, Any] = {
        "voltage": row.voltage if row else None,
        "current": row.current if row else None,
        "soc": row.soc if row else None,
        "remaining_capacity": min((r for r in remaining if r is not None), default=None),
        "full_capacity": status.full_capacity if status else None,
        "design_capacity": info.nominal_capacity if info else None,
        "cycles": stat.cycles if stat else None,
        "cell_voltages": tuple(c.voltage for c in bat.cells) if bat else (),
        "temperatures": tuple(value for _, value in named),
    }
    names = tuple(name for name, _ in named)
    return PackData(address=index, analog=pack_values(values, b"", index, names), alarm=None)


def us_stack(
    pwr: StackPower,
    bats: Mapping[int, CellTable] | None = None,
    infos: Mapping[int, ConsoleInfo] | None = None,
    stats: Mapping[int, Statistics] | None = None,
) -> ConsoleStack:
    """Every present pack of a US `pwr`, in parallel.

    `bats`, `infos` and `stats` hold the `bat N`, `info N` and `stat N` answers by position.
    """
    packs = []
    for row in pwr.rows:
        pack = us_pack(
            row.index,
            row,
            (bats or {}).get(row.index),
            (infos or {}).get(row.index),
            (stats or {}).get(row.index),
        )
        if pack is not None:
            packs.append(pack)
    return ConsoleStack(topology=Topology.PARALLEL, packs=tuple(packs))


def hv_units(units: UnitTable, bat: CellTable | None = None) -> tuple[PackData, ...]:
    """One pack per unit (address = its Index), with its share of the string's `bat` cells.

    `bat` lists the whole string's cells; they are split evenly, in order, over the units in
    `unit` order. The dumps bear this out: on both the Force H2 (4 x 30 cells) and the SC
    (5 x 15) each block's cell sum is its unit's voltage within 25 mV, the reverse order is off
    by up to 80 mV (tests/bms/test_console_convert.py). A cell count that does not split evenly
    raises `PylontechConsoleError`. Temperatures, as named: "unit" (Tempr), "cell_average"
    (SC AvgTempr), "cell_low" (BTlow), "cell_high" (BThigh).
    """
    cells = bat.cells if bat else ()
    count = len(units.units)
    if cells and (count == 0 or len(cells) % count):
        msg = f"{len(cells)} cells do not split evenly over {count} units"
        raise PylontechConsoleError(msg)
    per_unit = len(cells) // count if cells else 0
    return tuple(
        _unit_pack(unit, cells[i * per_unit : (i + 1) * per_unit] if per_unit else ())
        for i, unit in enumerate(units.units)
    )


def _unit_pack(unit: UnitRow, cells: tuple[Any, ...]) -> PackData:
    named = [("unit", unit.temperature)]
    if unit.average_temperature is not None:
        named.append(("cell_average", unit.average_temperature))
    named += [("cell_low", unit.cell_temperature_min), ("cell_high", unit.cell_temperature_max)]
    values: dict[str, Any] = {
        "voltage": unit.voltage,
        "current": unit.current,
        "soc": unit.soc,
        "remaining_capacity": unit.remaining_capacity,
        "full_capacity": None,
        "cycles": None,
        "cell_voltages": tuple(cell.voltage for cell in cells),
        "temperatures": tuple(value for _, value in named),
    }
    analog = pack_values(values, b"", unit.index, tuple(name for name, _ in named))
    return PackData(address=unit.index, analog=analog, alarm=None)


def hv_system(pwr: SystemPower) -> SystemTotals:
    """A high-voltage string's totals from its `pwr`: one battery of units in series.

    Each value is screened as its quantity (plausible.py); power is derived from the screened
    voltage and current.
    """
    voltage = screen(Q.PACK_VOLTAGE, pwr.voltage)
    current = screen(Q.CURRENT, pwr.current)
    power = None if voltage is None or current is None else round(voltage * current * 1000) / 1000
    return SystemTotals(
        voltage=voltage,
        current=current,
        power=power,
        soc=screen(Q.PERCENT, pwr.soc),
        remaining_capacity=screen(Q.REMAINING_CAPACITY, pwr.remaining_capacity),
        remaining_energy=screen(Q.ENERGY, pwr.remaining_energy),
        temperature=screen(Q.TEMPERATURE, pwr.temperature),
        cell_voltage_min=screen(Q.CELL_VOLTAGE, pwr.cell_voltage_min),
        cell_voltage_max=screen(Q.CELL_VOLTAGE, pwr.cell_voltage_max),
        base_state=pwr.base_state,
        error_code=pwr.error_code,
    )


def hv_stack(
    pwr: SystemPower | None, units: UnitTable, bat: CellTable | None = None
) -> ConsoleStack:
    """The units of a string in series, with the string's totals when `pwr` is given."""
    return ConsoleStack(
        topology=Topology.SERIES,
        packs=hv_units(units, bat),
        system=None if pwr is None else hv_system(pwr),
    )
