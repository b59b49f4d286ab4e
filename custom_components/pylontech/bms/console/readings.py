"""The table commands: `pwr`, `bat [N]`, `unit` and `soh [N]` (protocol.md 5.4, 5.5)."""

from __future__ import annotations

from ..exceptions import PylontechConsoleError
from .models import (
    CellRow,
    CellTable,
    PowerRow,
    SohCell,
    SohTable,
    StackPower,
    SystemPower,
    UnitRow,
    UnitTable,
)
from .named_fields import Fields, split_table
from .numbers import integer, milli, percent_and_amount, quantity, unit_in, yes_no


def parse_power(lines: list[str], number: int | None) -> StackPower | SystemPower:
    """`pwr`: a row per position (US, first column "Power"), or the string's row (HV)."""
    preamble, rows = split_table(lines, ("Power", "Volt"))
    if not rows:
        msg = "pwr table without rows"
        raise PylontechConsoleError(msg)
    first = Fields.of_row(rows[0])
    if first.name("Power") is None:
        if len(rows) != 1:
            msg = f"high-voltage pwr table with {len(rows)} rows instead of 1"
            raise PylontechConsoleError(msg)
        return _system_power(preamble, first)
    power_rows = tuple(_power_row(Fields.of_row(row)) for row in rows)
    _numbered([row.index for row in power_rows], 1, "pwr positions")
    return StackPower(rows=power_rows)


def _numbered(indexes: list[int], first: int, what: str) -> None:
    """Refuse rows that are not numbered `first`, `first` + 1, ... in order (no gap, no repeat).

    Every real table is: cells from 0 (`bat`, `soh`), pack positions and modules from 1 (`pwr`,
    `unit`). A row missing, repeated or out of place is a damaged answer, not a shorter table.
    """
    if not indexes:
        msg = f"no {what}"
        raise PylontechConsoleError(msg)
    for expected, index in enumerate(indexes, first):
        if index != expected:
            last = first + len(indexes) - 1
            msg = f"{what} not numbered {first}..{last}: {index} where {expected} belongs"
            raise PylontechConsoleError(msg)


def _index(fields: Fields, *names: str) -> int:
    index = integer(fields.text(*names), names[0])
    if index is None:
        msg = f"row without {names[0]}"
        raise PylontechConsoleError(msg)
    return index


def _power_row(row: Fields) -> PowerRow:
    index = _index(row, "Power")
    soc, _ = percent_and_amount(row.text("Coulomb"), "Coulomb")
    base_state = row.text("Base.St")
    return PowerRow(
        index=index,
        present=base_state is not None and base_state.lower() != "absent",
        voltage=milli(row.text("Volt"), "Volt"),
        current=milli(row.text("Curr"), "Curr"),
        temperature=milli(row.text("Tempr"), "Tempr"),
        cell_temperature_min=milli(row.text("Tlow"), "Tlow"),
        cell_temperature_max=milli(row.text("Thigh"), "Thigh"),
        cell_voltage_min=milli(row.text("Vlow"), "Vlow"),
        cell_voltage_max=milli(row.text("Vhigh"), "Vhigh"),
        base_state=base_state,
        voltage_state=row.text("Volt.St"),
        current_state=row.text("Curr.St"),
        temperature_state=row.text("Temp.St"),
        soc=soc,
        time=row.text("Time"),
        battery_voltage_state=row.text("B.V.St"),
        battery_temperature_state=row.text("B.T.St"),
        mosfet_temperature=milli(row.text("MosTempr"), "MosTempr"),
        mosfet_temperature_state=row.text("M.T.St"),
        barcode=row.text("Barcode"),
        device_type=row.text("DevType"),
        other=row.other(),
    )


def _system_power(preamble: Fields, row: Fields) -> SystemPower:
    soc, remaining = percent_and_amount(row.text("CoulombAH"), "CoulombAH", "mAH")
    energy_percent, energy = percent_and_amount(row.text("CoulombWH"), "CoulombWH", "mWH")
    return SystemPower(
        average_temperature=milli(preamble.text("AverageTempr"), "AverageTempr"),
        dc_voltage=milli(preamble.text("DC Volt"), "DC Volt"),
        battery_voltage=milli(preamble.text("Bat Volt"), "Bat Volt"),
        voltage=milli(row.text("Volt"), "Volt"),
        current=milli(row.text("Curr"), "Curr"),
        temperature=milli(row.text("Tempr"), "Tempr"),
        cell_temperature_min=milli(row.text("BTlow"), "BTlow"),
        cell_temperature_max=milli(row.text("BThigh"), "BThigh"),
        cell_voltage_min=milli(row.text("BVlow"), "BVlow"),
        cell_voltage_max=milli(row.text("BVhigh"), "BVhigh"),
        unit_temperature_min=milli(row.text("UTlow"), "UTlow"),
        unit_temperature_max=milli(row.text("UThigh"), "UThigh"),
        unit_voltage_min=milli(row.text("UVlow"), "UVlow"),
        unit_voltage_max=milli(row.text("UVhigh"), "UVhigh"),
        base_state=row.text("Base.St"),
        voltage_state=row.text("Volt.St"),
        current_state=row.text("Curr.St"),
        temperature_state=row.text("Temp.St"),
        soc=soc,
        remaining_capacity=remaining,
        energy_percent=energy_percent,
        remaining_energy=energy,
        time=row.text("Time"),
        battery_voltage_state=row.text("B.V.St"),
        battery_temperature_state=row.text("B.T.St"),
        unit_voltage_state=row.text("U.V.St"),
        unit_temperature_state=row.text("U.T.St"),
        error_code=integer(row.text("Err Code"), "Err Code"),
        other=row.other(),
    )


def parse_cells(lines: list[str], number: int | None) -> CellTable:
    """`bat [N]`: US packs print "Battery ...", the high-voltage BMS a header, then "Bat ..."."""
    preamble, rows = split_table(lines, ("Battery", "Bat"))
    cells = tuple(_cell_row(Fields.of_row(row)) for row in rows)
    _numbered([cell.index for cell in cells], 0, "cells")
    return CellTable(
        pack=number,
        time=preamble.text("Time"),
        average_temperature=milli(preamble.text("A.Tempr"), "A.Tempr"),
        charge_current_limit=milli(preamble.text("C.Curr"), "C.Curr"),
        discharge_current_limit=milli(preamble.text("D.Curr"), "D.Curr"),
        state=preamble.text("B.State"),
        balance_voltage=milli(preamble.text("BalVolt"), "BalVolt"),
        cells=cells,
    )


def _cell_row(row: Fields) -> CellRow:
    index = _index(row, "Battery", "Bat")
    soc = quantity(row.text("SOC"), "SOC")
    coulomb_soc, remaining = percent_and_amount(row.text("Coulomb"), "Coulomb", "mAH")
    ah_header = row.name("AH(mAH)", "AH")
    if ah_header is not None:  # high voltage: "64%    23583" under "AH(mAH)"
        coulomb_soc, remaining = percent_and_amount(
            row.text(ah_header), ah_header, unit_in(ah_header) or "mAH"
        )
    wh_header = row.name("WH(mWH)", "WH")
    energy_percent, energy = (
        percent_and_amount(row.text(wh_header), wh_header, unit_in(wh_header) or "mWH")
        if wh_header is not None
        else (None, None)
    )
    return CellRow(
        index=index,
        voltage=milli(row.text("Volt"), "Volt"),
        current=milli(row.text("Curr"), "Curr"),
        temperature=milli(row.text("Tempr"), "Tempr"),
        base_state=row.text("Base State"),
        voltage_state=row.text("Volt. State", "V.State"),
        current_state=row.text("Curr. State"),
        temperature_state=row.text("Temp. State", "T.State"),
        soc=coulomb_soc if soc is None else soc,
        remaining_capacity=remaining,
        energy_percent=energy_percent,
        remaining_energy=energy,
        balancing=yes_no(row.text("BAL", "Bal"), "Bal"),
        other=row.other(),
    )


def parse_units(lines: list[str], number: int | None) -> UnitTable:
    """`unit`: "AverageTempr:", then one row per module of the string."""
    preamble, rows = split_table(lines, ("Index",))
    units = tuple(_unit_row(Fields.of_row(row)) for row in rows)
    _numbered([unit.index for unit in units], 1, "units")
    return UnitTable(
        average_temperature=milli(preamble.text("AverageTempr"), "AverageTempr"),
        units=units,
    )


def _unit_row(row: Fields) -> UnitRow:
    index = _index(row, "Index")
    soc, remaining = percent_and_amount(row.text("CoulombAH"), "CoulombAH", "mAH")
    energy_percent, energy = percent_and_amount(row.text("CoulombWH"), "CoulombWH", "mWH")
    return UnitRow(
        index=index,
        voltage=milli(row.text("Volt"), "Volt"),
        current=milli(row.text("Curr"), "Curr"),
        temperature=milli(row.text("Tempr"), "Tempr"),
        average_temperature=milli(row.text("AvgTempr"), "AvgTempr"),
        cell_temperature_min=milli(row.text("BTlow"), "BTlow"),
        cell_temperature_max=milli(row.text("BThigh"), "BThigh"),
        cell_voltage_min=milli(row.text("BVlow"), "BVlow"),
        cell_voltage_max=milli(row.text("BVhigh"), "BVhigh"),
        base_state=row.text("Base.St"),
        voltage_state=row.text("Volt.St"),
        temperature_state=row.text("Temp.St"),
        soc=soc,
        remaining_capacity=remaining,
        energy_percent=energy_percent,
        remaining_energy=energy,
        time=row.text("Time"),
        other=row.other(),
    )


def parse_soh(lines: list[str], number: int | None) -> SohTable:
    """`soh [N]`: "Power N" (US), then one row per cell."""
    preamble, rows = split_table(lines, ("Battery",))
    pack = integer(preamble.text("Power"), "Power")
    cells = []
    for item in rows:
        row = Fields.of_row(item)
        cells.append(
            SohCell(
                index=_index(row, "Battery"),
                voltage=milli(row.text("Voltage"), "Voltage"),
                soh_count=integer(row.text("SOHCount"), "SOHCount"),
                soh_status=row.text("SOHStatus"),
                other=row.other(),
            )
        )
    _numbered([cell.index for cell in cells], 0, "cells")
    return SohTable(pack=number if pack is None else pack, cells=tuple(cells))
