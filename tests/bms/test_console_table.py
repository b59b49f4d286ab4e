"""Tables read by header name, and "key : value" lines, on real rows and on altered ones.

The altered tables start from a real header and row (ioBroker_US_pwr.txt, the mixed US stack;
ioBroker_H2_pwr.txt) and move, add, drop or shift columns the way other firmware does.
"""

from __future__ import annotations

import pytest

from custom_components.pylontech.bms.console import parse
from custom_components.pylontech.bms.console.keyvalue import read_pairs, split_pair
from custom_components.pylontech.bms.console.table import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TOKENS,
    MAX_VALUES,
    header_names,
    read_rows,
)
from custom_components.pylontech.bms.exceptions import PylontechConsoleError
from tests.bms.test_console_parse import answer

# ioBroker_US_pwr.txt, header and the first pack's row, as printed.
US_HEADER = (
    "Power Volt   Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  Temp.St  "
    "Coulomb  Time                 B.V.St   B.T.St   MosTempr M.T.St  "
)
US_ROW = (
    "1     49905  11867  27900  26600  26800  3327   3327   Charge   Normal   Normal   Normal   "
    "39%      2023-09-16 11:50:32  Normal   Normal  27500    Normal  "
)
US_ABSENT = (
    "5     -      -      -      -      -      -      -      Absent   -        -        -        "
    "-        -                    -        -       "
)
EXPECTED = {
    "Power": "1", "Volt": "49905", "Curr": "11867", "Tempr": "27900", "Tlow": "26600",
    "Thigh": "26800", "Vlow": "3327", "Vhigh": "3327", "Base.St": "Charge", "Volt.St": "Normal",
    "Curr.St": "Normal", "Temp.St": "Normal", "Coulomb": "39%", "Time": "2023-09-16 11:50:32",
    "B.V.St": "Normal", "B.T.St": "Normal", "MosTempr": "27500", "M.T.St": "Normal",
}  # fmt: skip


def _columns(header: str, row: str) -> list[tuple[str, str]]:
    """Header names and row values as (name, padded text) pairs, to rebuild tables from."""
    starts = [name.start for name in header_names(header)] + [len(header)]
    names = [name.text for name in header_names(header)]
    row = row.ljust(len(header))
    return [
        (names[i].ljust(starts[i + 1] - starts[i]), row[starts[i] : starts[i + 1]])
        for i in range(len(names))
    ]


def _table(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    return "".join(h for h, _ in pairs), "".join(v for _, v in pairs)


def test_real_row_by_name() -> None:
    """The real row: every value under its name, MosTempr printed one character early."""
    assert read_rows(US_HEADER, [US_ROW]) == [EXPECTED]


def test_absent_row_misses_trailing_columns() -> None:
    """Absent positions print two values fewer: read by position, the missing ones are None."""
    (row,) = read_rows(US_HEADER, [US_ABSENT])
    assert row["Base.St"] == "Absent"
    assert row["Time"] is None
    assert (row["MosTempr"], row["M.T.St"]) == (None, None)


def test_header_names_with_spaces() -> None:
    """ "Base State", "Volt. State" and "Err Code" are one name each; "Power Volt" two."""
    names = [n.text for n in header_names("Battery  Volt  Base State   Volt. State  Err Code")]
    assert names == ["Battery", "Volt", "Base State", "Volt. State", "Err Code"]


def test_columns_reordered() -> None:
    """Columns in another order: each value still lands under its own name."""
    pairs = _columns(US_HEADER, US_ROW)
    header, row = _table(pairs[:1] + pairs[12:14] + pairs[1:12] + pairs[14:])
    assert read_rows(header, [row]) == [EXPECTED]


def test_unknown_column_inserted() -> None:
    """A column this library does not know (US5000 V2.3 "Tlow.Id") is kept, others unmoved."""
    pairs = _columns(US_HEADER, US_ROW)
    header, row = _table([*pairs[:5], ("Tlow.Id  ", "7        "), *pairs[5:]])
    assert read_rows(header, [row]) == [{**EXPECTED, "Tlow.Id": "7"}]
    (parsed,) = parse("pwr", answer("pwr", f"{header}\r\n{row}")).rows
    assert parsed.other == (("Tlow.Id", "7"),)
    assert parsed.cell_temperature_min == 26.6


def test_column_removed() -> None:
    """A column a firmware does not print (Pytes has no Curr): None, the others right."""
    pairs = _columns(US_HEADER, US_ROW)
    header, row = _table(pairs[:2] + pairs[3:])
    assert read_rows(header, [row]) == [{k: v for k, v in EXPECTED.items() if k != "Curr"}]
    (parsed,) = parse("pwr", answer("pwr", f"{header}\n{row}")).rows
    assert (parsed.current, parsed.voltage, parsed.temperature) == (None, 49.905, 27.9)


@pytest.mark.parametrize("shift", [-1, 1])
def test_values_shifted_by_one_character(shift: int) -> None:
    """Every value after the index one character left or right of its header: same row."""
    row = US_ROW[0] + (US_ROW[2:] if shift < 0 else " " + US_ROW[1:])
    assert read_rows(US_HEADER, [row]) == [EXPECTED]
    absent = US_ABSENT[0] + (US_ABSENT[2:] if shift < 0 else " " + US_ABSENT[1:])
    assert read_rows(US_HEADER, [absent])[0]["Base.St"] == "Absent"


def test_shifted_positions_when_counts_disagree() -> None:
    """By position (a value missing), values up to two characters left of their header count."""
    header = "Index  Volt   BTlow  Time"
    row = "1      47270 17000"  # "17000" starts 2 left of BTlow; Time is missing
    assert read_rows(header, [row]) == [
        {"Index": "1", "Volt": "47270", "BTlow": "17000", "Time": None}
    ]


def test_composite_values() -> None:
    """Percent + quantity + unit, and number + unit, stay one value each (H2 pwr row)."""
    header = (
        "Base.St  CoulombAH                CoulombWH              Time                 Err Code"
    )
    row = "Charge    78%          28903 mAH  84%        11903117 mWH 2023-10-05 16:14:35  0x0"
    assert read_rows(header, [row]) == [
        {
            "Base.St": "Charge",
            "CoulombAH": "78%  28903 mAH",
            "CoulombWH": "84%  11903117 mWH",
            "Time": "2023-10-05 16:14:35",
            "Err Code": "0x0",
        }
    ]


def test_percent_and_coulomb_in_two_columns() -> None:
    """US5000's SOC and Coulomb columns: the percent is not glued to the next column."""
    header = "Battery  SOC          Coulomb      BAL"
    row = "0        45%         44231 mAH      N"
    assert read_rows(header, [row]) == [
        {"Battery": "0", "SOC": "45%", "Coulomb": "44231 mAH", "BAL": "N"}
    ]


def test_table_needs_a_header() -> None:
    """An empty header line is not a table."""
    with pytest.raises(PylontechConsoleError, match="without a header"):
        read_rows("   ", ["1 2 3"])


@pytest.mark.parametrize(
    ("line", "pair"),
    [
        ("Device address      : 1", ("Device address", "1")),
        (" Max Chg Curr       : 18500      mA", ("Max Chg Curr", "18500      mA")),
        ("Max Dischg Curr     : -40000mA", ("Max Dischg Curr", "-40000mA")),
        ("Module:   : Yxxxxxxxxxxxxxx2   ", ("Module:", "Yxxxxxxxxxxxxxx2")),
        ("Pwr Coulomb(mAS): 99148734", ("Pwr Coulomb(mAS)", "99148734")),
        ("Time: 2023-10-05 14:31:12 ", ("Time", "2023-10-05 14:31:12")),
        ("Device address           1", ("Device address", "1")),
        ("Power   1", ("Power", "1")),
        (" ----------------------------", None),
        ("Unit 1 Barcode   ", None),
    ],
)
def test_key_value_lines(line: str, pair: tuple[str, str] | None) -> None:
    """Every key/value form the dumps show; titles and rules are not pairs."""
    assert split_pair(line) == pair


def test_pairs_and_titles() -> None:
    """Titles are returned apart from pairs; rules are dropped."""
    pairs, titles = read_pairs(["Unit 1 Barcode", "PCBA:     : A5", " -----", "A.Tempr: 21750"])
    assert pairs == [("PCBA:", "A5"), ("A.Tempr", "21750")]
    assert titles == ["Unit 1 Barcode"]


def test_balancing_flag() -> None:
    """BAL/Bal "Y" is a cell being balanced, "N" one that is not."""
    text = answer("bat 1", "Battery  Volt  BAL\n0        3301  Y\n1        3302  N")
    cells = parse("bat 1", text).cells
    assert [(c.voltage, c.balancing) for c in cells] == [(3.301, True), (3.302, False)]


def test_value_missing_inside_a_row_is_an_error() -> None:
    """By position, only the last `MAX_MISSING` columns may be empty: a hole elsewhere (Curr of
    a real row blanked out) or more missing columns is a damaged row, not a None."""
    with pytest.raises(PylontechConsoleError, match="no value under 'Curr'"):
        read_rows(US_HEADER, [US_ROW.replace("11867", "     ")])
    short = US_ROW[: US_ROW.index("Normal   Normal  27500")]
    with pytest.raises(PylontechConsoleError, match=r"no value under 'B\.V\.St'"):
        read_rows(US_HEADER, [short])


def test_table_size_is_bounded() -> None:
    """Past `MAX_COLUMNS` names, `MAX_ROWS` rows, `MAX_TOKENS` values in a row or `MAX_VALUES`
    in the table: refused before any row is read."""
    with pytest.raises(PylontechConsoleError, match="columns"):
        read_rows(" ".join(f"C{i}" for i in range(MAX_COLUMNS + 1)), [])
    with pytest.raises(PylontechConsoleError, match="rows"):
        read_rows("Index Volt Curr", ["1 2 3"] * (MAX_ROWS + 1))
    with pytest.raises(PylontechConsoleError, match=f"row of {MAX_TOKENS + 1} values"):
        read_rows("Index Volt Curr", [" ".join(["1"] * (MAX_TOKENS + 1))])
    with pytest.raises(PylontechConsoleError, match=r"table of \d+ values"):
        read_rows(
            "Index Volt Curr", [" ".join(["1"] * MAX_TOKENS)] * (MAX_VALUES // MAX_TOKENS + 1)
        )
    assert len(read_rows("Index Volt Curr", ["1 2 3"] * MAX_ROWS)) == MAX_ROWS
