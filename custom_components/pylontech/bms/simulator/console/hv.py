"""Bodies of the high-voltage consoles (Force H2 "Force_H2", SC "CMU_A"): a string of units.

The string's voltage is the sum of its units', its current the one they share; its capacity
is the mean of the units' remaining mAh, its energy the sum of theirs. Layouts from
ioBroker_H2_*.txt and ioBroker_SC_*.txt (named per function).
"""

from __future__ import annotations

from statistics import mean
from typing import TYPE_CHECKING

from .layouts import (
    HV_BAT_HEADER,
    HV_PWR_HEADER,
    HV_UNIT_HEADER,
    NORMAL,
    Body,
    balancing,
    row,
    soh_rows,
    spec,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .catalog import ConsoleModel
    from .measurements import Reading

BAL_VOLT = 3360
"""BalVolt of the `bat` header (both dumps)."""


def average_temp(units: Sequence[Reading]) -> int:
    """Mean cell temperature of the string, m°C."""
    return round(mean(temp for unit in units for temp in unit.cell_temps))


def _energy(model: ConsoleModel, mwh: int) -> str:
    """Energy in the model's unit: mWH (H2) or WH (SC)."""
    return str(mwh if model.energy_unit == "mWH" else round(mwh / 1000))


def _capacity(model: ConsoleModel, soc: int, mah: int, percent: int, mwh: int) -> str:
    """The CoulombAH and CoulombWH columns: "78%          28903 mAH  84%        11903117 mWH"."""
    return f"{soc:>3}%{mah:>15} mAH  {percent:>3}%{_energy(model, mwh):>16} {model.energy_unit}"


def string_capacity(units: Sequence[Reading]) -> tuple[int, int, int, int]:
    """SOC %, mAh, energy % and energy mWh of the string."""
    mah = round(mean(unit.remaining_mah for unit in units))
    mwh = sum(unit.energy_mwh for unit in units)
    full = sum(unit.full_mah * 3.2 * len(unit.cells_mv) for unit in units)
    return round(100 * mah / units[0].full_mah), mah, min(100, round(100 * mwh / full)), mwh


def string_state(units: Sequence[Reading]) -> str:
    """The string's base state (its units share the current)."""
    return units[0].state


def hv_pwr(model: ConsoleModel, units: Sequence[Reading]) -> Body:
    """`pwr`: three header lines and one row for the string (ioBroker_H2_pwr.txt)."""
    volt = sum(unit.voltage_mv for unit in units)
    cells = [cell for unit in units for cell in unit.cells_mv]
    temps = [temp for unit in units for temp in unit.cell_temps]
    unit_temps = [unit.board_temp for unit in units]
    unit_volts = [unit.voltage_mv for unit in units]
    soc, mah, percent, mwh = string_capacity(units)
    cells_row = row(
        (volt, 7), (units[0].current_ma, 7), (max(unit_temps), 7), (min(temps), 7),
        (max(temps), 7), (min(cells), 7), (max(cells), 7), (min(unit_temps), 7),
        (max(unit_temps), 7), (min(unit_volts), 7), (max(unit_volts), 7),
        (string_state(units), 9), (NORMAL, 9), (NORMAL, 9), (NORMAL, 9),
    )  # fmt: skip
    tail = f"{_capacity(model, soc, mah, percent, mwh)} {units[0].time}  {'Normal   ' * 4}0x0"
    return Body((
        f"{'AverageTempr':<15}: {average_temp(units):<12}", f"{'DC Volt':<15}: {volt:<12}",
        f"{'Bat Volt':<15}: {volt:<12}", "", HV_PWR_HEADER, cells_row + tail,
    ))  # fmt: skip


def hv_unit(model: ConsoleModel, units: Sequence[Reading]) -> Body:
    """`unit`: one row per unit (ioBroker_H2_unit.txt; the SC adds AvgTempr)."""
    lines = [f"AverageTempr: {average_temp(units):<12}", HV_UNIT_HEADER[model.unit_avg_tempr]]
    for unit in units:
        average = [(round(mean(unit.cell_temps)), 7)] if model.unit_avg_tempr else []
        text = row(
            (unit.index, 7), (unit.voltage_mv, 7), (unit.current_ma, 7), (unit.board_temp, 7),
            *average, (unit.temp_low, 7), (unit.temp_high, 7), (min(unit.cells_mv), 7),
            (max(unit.cells_mv), 8), (unit.state, 9), (NORMAL, 9), (NORMAL, 9),
        )  # fmt: skip
        capacity = _capacity(model, unit.soc, unit.remaining_mah, unit.energy_percent,
                             unit.energy_mwh)  # fmt: skip
        lines.append(f"{text}{capacity} {unit.time} ")
    return Body(tuple(lines))


def cell_energy(unit: Reading, cell: int) -> tuple[int, int]:
    """Energy % and mWh of one cell: the unit's mAh at the cell's voltage."""
    mwh = round(unit.remaining_mah * unit.cells_mv[cell] / 1000)
    return min(100, round(100 * mwh / (unit.full_mah * 3.2))), mwh


def hv_bat(model: ConsoleModel, units: Sequence[Reading]) -> Body:
    """`bat`: six header lines, then one row per cell of the string (ioBroker_H2_bat.txt)."""
    limit = units[0].kind.max_current_ma // 2
    lines = [
        f"Time: {units[0].time} ", f"A.Tempr: {average_temp(units):<7}",
        f"C.Curr : {limit:<8}mA", f"D.Curr : {-limit:<8}mA",
        f"B.State: {string_state(units)} ", f"BalVolt: {BAL_VOLT}", HV_BAT_HEADER,
    ]  # fmt: skip
    number = 0
    for unit in units:
        for cell, (volt, temp) in enumerate(zip(unit.cells_mv, unit.cell_temps, strict=True)):
            percent, mwh = cell_energy(unit, cell)
            text = row((number, 5), (volt, 5), (unit.current_ma, 8), (temp, 8), (NORMAL, 8),
                       (NORMAL, 8))  # fmt: skip
            text += f"{unit.soc:>3}%{unit.remaining_mah:>9}  {percent:>3}%{mwh:>13}   "
            lines.append(text + balancing(unit, cell))
            number += 1
    return Body(tuple(lines))


def hv_soh(units: Sequence[Reading], seed: int) -> Body:
    """`soh`: one row per cell of the string, no "Power" line (ioBroker_H2_soh.txt)."""
    return Body(tuple(soh_rows([cell for unit in units for cell in unit.cells_mv], seed)))


def hv_info(model: ConsoleModel, units: Sequence[Reading]) -> Body:
    """`info`: the BMS, the string's specification and each unit's barcodes."""
    kind = units[0].kind
    cells = sum(len(unit.cells_mv) for unit in units)
    sc = model.name == "sc"
    pairs: list[tuple[str, object] | None] = [
        ("Device address", 0 if sc else 1), ("Manufacturer", model.manufacturer),
        ("Device name", kind.name), ("Board version", kind.board),
        ("Hard  version", "V10R9C5" if sc else "V20R4C5"), ("Main Soft version", kind.main_soft),
        ("Soft  version", kind.soft), ("Boot  version", kind.boot), ("Comm version", "V2.0"),
        ("Release Date", kind.release), None, *([("Barcode", units[0].barcode)] if sc else []),
        ("PCBA Barcode", f"A{units[0].barcode}"), ("Module Barcode", units[0].barcode),
        ("PowerSupply Barcode", f"S{units[0].barcode}"), None,
        ("Device Test Time", "2022-05-09 16:45:48"), ("Specification",
        spec(cells, kind.capacity_ah)), ("Cell Number", cells),
        ("Max Dischg Curr", f"-{kind.max_current_ma}mA"),
        ("Max Charge Curr", f"{kind.max_current_ma}mA"), ("Shut Circuit", "Yes  "),
        ("Relay Feedback", "Yes  "), *([("New Board", "Yes  ")] if sc else []),
    ]  # fmt: skip
    lines = ["" if pair is None else f"{pair[0]:<20}: {pair[1]}" for pair in pairs]
    # SC lists its BMUs top-down (ioBroker_SC_info.txt), H2 its units bottom-up.
    for unit in reversed(units) if sc else units:
        name = "BMU" if sc else "Unit"
        lines += ["", f"{name} {unit.index} Barcode   ", f"Module:   : {unit.barcode}",
                  f"PCBA:     : A{unit.barcode}"]  # fmt: skip
    return Body(tuple(lines), table=False)
