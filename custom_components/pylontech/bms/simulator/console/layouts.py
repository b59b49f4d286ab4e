"""The bodies of console answers: column headers, widths and value formats of the real dumps.

A body is the text between the "@" line and "Command completed successfully". Headers are
restated from the dumps in tests/vectors/console/ named next to each; widths are the dumps'
(including their quirks, e.g. a narrower B.T.St column before a MOSFET temperature).
"""

from __future__ import annotations

from dataclasses import dataclass
import random
from statistics import mean
from typing import TYPE_CHECKING

from ..drift import BALANCE_THRESHOLD

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .catalog import ConsoleModel
    from .measurements import Reading

NORMAL = "Normal"
BALANCE_MV = round(BALANCE_THRESHOLD * 1000)
# ioBroker_US_pwr.txt, donverduyn_US2KBPL_pwr.txt, ioBroker_pytes-v5_pwr.txt
US_PWR_HEADER = (
    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  Temp.St  "
    "Coulomb  Time                 B.V.St   B.T.St  "
)
US_PWR_EXTRA = {
    "mosfet": " MosTempr M.T.St  ",
    "barcode": " Barcode              DevType             ",
}
# ioBroker_US_bat_1.txt, donverduyn_US2KBPL_bat.txt, ioBroker_pytes-v5_bat_1.txt
_BAT_STATES = "Base State   Volt. State  Curr. State  Temp. State  "
US_BAT_HEADER = {
    "soc": f"Battery  Volt     Curr     Tempr    {_BAT_STATES}SOC          Coulomb      BAL         ",
    "coulomb": f"Battery  Volt     Curr     Tempr    {_BAT_STATES}Coulomb     ",
    "coulomb-nocurr": f"Battery  Volt     Tempr    {_BAT_STATES}Coulomb     ",
}
# donverduyn_US2KBPL_soh.txt, ioBroker_H2_soh.txt; ioBroker_pytes-v5_soh.txt
SOH_HEADER = "Battery    Voltage    SOHCount   SOHStatus "
PYTES_SOH_HEADER = "Battery    Voltage    SOHStatus  \xc8$        "
"""Byte 0xC8 as the dump has it (bodies are encoded in Latin-1)."""
# ioBroker_H2_pwr.txt, ioBroker_SC_pwr.txt
HV_PWR_HEADER = (
    "Volt   Curr   Tempr  BTlow  BThigh BVlow  BVhigh UTlow  UThigh UVlow  UVhigh Base.St  "
    "Volt.St  Curr.St  Temp.St  CoulombAH                CoulombWH              Time          "
    "       B.V.St   B.T.St   U.V.St   U.T.St   Err Code"
)
# ioBroker_H2_unit.txt; ioBroker_SC_unit.txt adds AvgTempr
_UNIT_TAIL = (
    "BTlow  BThigh BVlow  BVhigh Base.St  Volt.St  Temp.St  CoulombAH                CoulombWH"
    "               Time               "
)
HV_UNIT_HEADER = {False: f"Index  Volt   Curr   Tempr  {_UNIT_TAIL}",
                  True: f"Index  Volt   Curr   Tempr  AvgTempr {_UNIT_TAIL}"}  # fmt: skip
# ioBroker_H2_bat.txt, ioBroker_SC_bat.txt
HV_BAT_HEADER = "Bat  Volt Curr    Tempr   V.State T.State AH(mAH)       WH(mWH)            Bal"
# ioBroker_US_pwr_1.txt
PROTECT_ENA = (
    "BOV BHV BLV BUV POV PHV PLV PUV CBOT CBHT CBLT CBUT DBOT DBHT DBLT DBUT POT PHT COC COC2 "
    "COCA DOCA DOC DOC2 SC LCOUL "
)
PWR_RULE = " ----------------------------"


@dataclass(frozen=True, slots=True)
class Body:
    """The lines of one answer; `table` rows end CR CR LF, key/value lines start with a CR."""

    lines: tuple[str, ...]
    table: bool = True


def row(*cells: tuple[object, int]) -> str:
    """Cells left-aligned in their widths."""
    return "".join(str(value).ljust(width) for value, width in cells)


def balancing(reading: Reading, cell: int) -> str:
    """BAL of one cell: Y while charging when it is 4 mV or more above the lowest (as `drift`)."""
    lowest = min(reading.cells_mv)
    charging = reading.state == "Charge"
    return "Y" if charging and reading.cells_mv[cell] - lowest >= BALANCE_MV else "N"


# -- US-series --------------------------------------------------------------------------------


def us_pwr(model: ConsoleModel, readings: Sequence[Reading]) -> Body:
    """`pwr`: one row per position, Absent beyond the stack."""
    extra = model.pwr_extra
    lines = [US_PWR_HEADER + US_PWR_EXTRA.get(extra, "")]
    for index in range(1, model.positions + 1):
        if index > len(readings):
            cells: list[tuple[object, int]] = [
                (index, 6),
                *[("-", 7)] * 7,
                ("Absent", 9),
                *[("-", 9)] * 4,
                ("-", 21),
            ]
            tail: list[tuple[object, int]] = [("-", 9), ("-", 8)]
            if extra == "barcode":
                tail = [("-", 9), ("-", 9), ("-", 21), ("-", 20)]
            lines.append(row(*cells, *tail))
            continue
        r = readings[index - 1]
        cells = [(index, 6), (r.voltage_mv, 7), (r.current_ma, 7), (r.board_temp, 7),
                 (r.temp_low, 7), (r.temp_high, 7), (min(r.cells_mv), 7), (max(r.cells_mv), 7),
                 (r.state, 9), (NORMAL, 9), (NORMAL, 9), (NORMAL, 9), (f"{r.soc}%", 9),
                 (r.time, 21), (NORMAL, 9)]  # fmt: skip
        if extra == "mosfet" and r.mosfet_temp is not None:
            tail = [(NORMAL, 8), (r.mosfet_temp, 9), (NORMAL, 8)]
        elif extra == "mosfet":
            tail = [(NORMAL, 9), ("-", 9), ("-", 8)]
        elif extra == "barcode":
            tail = [(NORMAL, 9), (r.barcode, 21), (r.kind.name, 20)]
        else:
            tail = [(NORMAL, 8)]
        lines.append(row(*cells, *tail))
    return Body(tuple(lines))


def us_bat(model: ConsoleModel, r: Reading) -> Body:
    """`bat N`: one row per cell of pack N; capacity columns as the model prints them."""
    layout = model.bat_layout
    lines = [US_BAT_HEADER[layout]]
    for cell, (volt, temp) in enumerate(zip(r.cells_mv, r.cell_temps, strict=True)):
        current = [] if layout == "coulomb-nocurr" else [(r.current_ma, 9)]
        text = row((cell, 9), (volt, 9), *current, (temp, 9), (r.state, 13), (NORMAL, 13),
                   (NORMAL, 13), (NORMAL, 13))  # fmt: skip
        if layout == "soc":
            text += row((f"{r.soc}%", 12), (f"{r.remaining_mah} mAH", 15)) + balancing(r, cell)
        else:
            text += f"{r.soc:>3}%{r.remaining_mah:>11} mAH"
        lines.append(text)
    return Body(tuple(lines))


def _kv(key: str, value: object, unit: str = "", width: int = 12) -> str:
    return f" {key:<16}: {str(value).ljust(width)}{unit}"


def us_pwr_pack(model: ConsoleModel, r: Reading) -> Body:
    """`pwr N`: key/value lines (ioBroker_US_pwr_1.txt; Pytes: ioBroker_pytes-v5_pwr_1.txt)."""
    head = (PWR_RULE, f" Power  {r.index}", "")
    states = [_kv(key, NORMAL, width=8) for key in
              ("Volt Status", "Current Status", "Tmpr. Status", "Coul. Status")]  # fmt: skip
    events = [_kv(key, "0x0", width=11 if model.name != "pytes" else 10)
              for key in ("Bat Events", "Power Events", "System Fault")]  # fmt: skip
    if model.name == "pytes":
        wide = 20
        lines = [
            _kv("Voltage", r.voltage_mv, "mV", wide), _kv("SOC Voltage", r.voltage_mv, "mV", wide),
            _kv("Current", r.current_ma, "mA", wide), _kv("Temperature", r.board_temp, "mC", wide),
            _kv("Coulomb", r.soc, "%", wide), _kv("Total Coulomb", r.full_mah * 3600, "mAS", wide),
            _kv("Real Coulomb", r.full_mah, "mAH", wide),
            _kv("Total Power In", r.cycles * r.full_mah * 36 // 10, "AS", wide),
            _kv("Total Power Out", r.cycles * r.full_mah * 33 // 10, "AS", wide),
            _kv("Charge Count", 0, width=16), _kv("Discharge Count", 0, width=16),
            _kv("Charge Times", r.cycles, width=16), _kv("Work Status", 2, width=16),
            _kv("Bat Num", len(r.cells_mv), width=16), _kv("Barcode", r.barcode, width=0),
            _kv("DevType", r.kind.name, width=16),
            _kv("Firm Version", f"{r.kind.main_soft}.T5", width=0),
            _kv("Next Device", 0, width=16), _kv("Basic Status", r.state, width=8),
            *states, _kv("Bat Status", "VNOR TNOR", width=0),
            *(_kv(key, value, width=8) for key, value in (
                ("Heater Status", "OFF"), ("CMOS Status", "ON"), ("DMOS Status", "ON"),
                ("Input Status", "OFF"), ("Terminal Res.", "ON"))),
            _kv("Bat Protect ENA", "OV HV LV UV SLP OT HT LT UT", width=0),
            _kv("Pwr Protect ENA", "OV HV LV UV SLP OT HT LT UT COC COC1 COC2 COCA DOCA DOC "
                "DOC1 DOC2 SC", width=0),
        ]  # fmt: skip
    else:
        lines = [
            _kv("Voltage", r.voltage_mv, "mV"), _kv("Current", r.current_ma, "mA"),
            _kv("Temperature", r.board_temp, "mC"), _kv("Coulomb", r.soc, "%"),
            _kv("Total Coulomb", r.full_mah, "mAH"), _kv("Max Voltage", 54000, "mV"),
            _kv("Charge Times", r.cycles), _kv("Basic Status", r.state, width=8),
            _kv("Charge Sec.", 0, "s", 8), *states,
            _kv("Soh. Status", NORMAL, width=8), _kv("Heater Status", "OFF", width=8),
            _kv("Protect ENA", PROTECT_ENA, width=0),
        ]  # fmt: skip
    return Body((*head, *lines, *events, PWR_RULE))


def us_soh(model: ConsoleModel, r: Reading, seed: int) -> Body:
    """`soh N`: a "Power N" line, then one row per cell."""
    if model.name == "pytes":
        rows = [f"{cell:<11}{volt:<11}00000000" for cell, volt in enumerate(r.cells_mv)]
        return Body((f"Power   {r.index}", PYTES_SOH_HEADER, *rows))
    return Body((f"Power   {r.index}", *soh_rows(r.cells_mv, seed)))


def soh_rows(cells: Sequence[int], seed: int) -> list[str]:
    """The soh header and one row per cell; SOHCount drawn from `seed`."""
    rng = random.Random(f"{seed}:soh")  # noqa: S311
    counts = [rng.choice((0, 0, 0, rng.randint(1, 300))) for _ in cells]
    return [SOH_HEADER] + [
        f"{cell:<11}{volt:<11}{count:<11}{NORMAL:<10}"
        for cell, (volt, count) in enumerate(zip(cells, counts, strict=True))
    ]


def info(model: ConsoleModel, r: Reading, address: int) -> Body:
    """`info [N]` of a US pack (ioBroker_US_info_*.txt, ioBroker_pytes-v5_info_1.txt)."""
    kind = r.kind
    soft = [("Main Soft version", kind.main_soft)]
    if model.name == "pytes":
        soft.append(("Iterate version", f"{kind.main_soft}.T5"))
    pairs: list[tuple[str, object] | None] = [
        ("Device address", address), ("Manufacturer", model.manufacturer),
        ("Device name", kind.name), ("Board version", kind.board),
        *([("Board", kind.extra_board)] if kind.extra_board else []), *soft,
        ("Soft  version", kind.soft), ("Boot  version", kind.boot), ("Comm version", "V2.0"),
        ("Release Date", kind.release), ("Barcode", r.barcode),
    ]  # fmt: skip
    if model.name == "pytes":
        pairs += [("Board ID", f"GD3{r.barcode}F8D"), ("Board SRAM Size", "96KB"),
                  ("Board FLASH Size", "256KB")]  # fmt: skip
    else:
        pairs.append(None)
    pairs += [("Specification", spec(kind.cells, kind.capacity_ah)),
              ("Cell Number", kind.cells), ("Max Dischg Curr", f"-{kind.max_current_ma}mA"),
              ("Max Charge Curr", f"{kind.max_current_ma}mA")]  # fmt: skip
    if model.name != "pytes":
        pairs.append(("EPONPort rate", 1200))
    pairs.append(("Console Port rate", 115200))
    return Body(tuple("" if pair is None else f"{pair[0]:<20}: {pair[1]}" for pair in pairs), False)


def spec(cells: int, capacity_ah: int) -> str:
    """The Specification value: nominal voltage (3.2 V a cell) and capacity, "48V/50AH"."""
    return f"{cells * 3.2:g}V/{capacity_ah}AH"


def stat(model: ConsoleModel, readings: Sequence[Reading], keys: Sequence[str], seed: int) -> Body:
    """`stat [N]`: counters drawn from `seed`, and those that follow the values."""
    rng = random.Random(f"{seed}:stat:{readings[0].index}")  # noqa: S311
    mah = round(mean(r.remaining_mah for r in readings))
    full = sum(r.full_mah for r in readings) // len(readings)
    energy = sum(r.energy_mwh for r in readings)
    follow: dict[str, int] = {
        "CYCLE Times": readings[0].cycles, "Pwr Percent": round(100 * mah / full),
        "Pwr Coulomb": mah * 3600, "Pwr Coulomb(mAS)": mah * 3600, "SOH": 100,
        "SOH Percent": 100, "Bat CoulWatt(uWH)": energy * 1000, "Bat CoulWatt(mWH)": energy,
        "Pwr PercentWatt": round(mean(r.energy_percent for r in readings)),
    }  # fmt: skip
    width = 10 if model.name == "pytes" else 8
    address = 0 if model.series else readings[0].index
    lines = [f"{'Device address':<{width + 17}}{address}"]
    for key in keys:
        value = follow.get(key)
        if value is None:
            value = rng.choice((0, 0, rng.randint(1, 9999)))
        lines.append(f"{key:<16}: {value:>{width}}")
    return Body(tuple(lines))
