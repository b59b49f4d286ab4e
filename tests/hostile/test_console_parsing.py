"""Hostile console answers: bounded parsing work, finite numbers, exact tables (issue 11).

Every answer here starts from a real dump (tests/vectors/console, provenance in its first line)
or is built to the size a hostile line can send under the exchange's cap (`MAX_ANSWER`), and
`parse()` must give a model of the real values or a `PylontechConsoleError`: never another
exception, never a shorter table, never a number out of thin digits.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from custom_components.pylontech.bms.console import CellTable, ConsoleInfo, parse
from custom_components.pylontech.bms.console.exchange import MAX_ANSWER
from custom_components.pylontech.bms.exceptions import PylontechConsoleError
from tests.bms.test_console_fuzz import all_finite
from tests.bms.test_console_parse import dump

CPU_BOUND = 0.5
"""Seconds of CPU one parse may take here: ten times the 50 ms target, for slow machines."""

BAT_1 = dump("ioBroker_US_bat_1.txt")  # US5000, 15 cells, LF line ends, echo "pylon>bat 1"
H2_PWR = dump("ioBroker_H2_pwr.txt")
INFO_1 = dump("ioBroker_US_info_1.txt")
CLOSING = b"\nCommand completed successfully\n\n$$\n\npylon>"


def _framed(command: str, body: str) -> bytes:
    return (
        f"pylon>{command}\r\n@\r\n{body}\r\nCommand completed successfully\r\n$$\r\npylon>".encode()
    )


def _cpu(command: str, raw: bytes) -> float:
    """CPU seconds `parse` takes on `raw`, which must be refused with a library error."""
    start = time.process_time()
    with pytest.raises(PylontechConsoleError):
        parse(command, raw)
    return time.process_time() - start


def _row(raw: bytes, index: int) -> bytes:
    """Cell row `index` of a US `bat` dump, as printed."""
    return next(line for line in raw.split(b"\n") if line.split(b" ", 1)[0] == b"%d" % index)


def test_168_kb_pwr_table_is_refused_in_bounded_time() -> None:
    """The issue's answer: 20,000 header names, 8 rows of 8,000 values (65 s of CPU before)."""
    header = "Power " + " ".join(["Volt"] * 19_999)
    raw = _framed("pwr", "\r\n".join([header, *[" ".join(["1"] * 8_000)] * 8]))
    assert 160_000 < len(raw) < MAX_ANSWER
    assert _cpu("pwr", raw) < CPU_BOUND


SHAPES = {
    "key, 50,000 blanks, value": ("info", "\r\n".join(["Device name" + " " * 50_000 + "x"] * 2)),
    "blanks, value, no colon": ("info", "\r\n".join([" " * 1_000 + "x"] * 230)),
    "specification with blanks": ("info", "Specification : 48V" + " " * 1_000 + "x"),
}


@pytest.mark.parametrize(("command", "body"), SHAPES.values(), ids=SHAPES.keys())
def test_answers_that_made_a_pattern_quadratic_take_bounded_time(command: str, body: str) -> None:
    """Blank runs that the key/value and specification patterns backtracked over: about a
    second of CPU or more before."""
    raw = _framed(command, body)
    assert len(raw) < MAX_ANSWER
    start = time.process_time()
    with contextlib.suppress(PylontechConsoleError):
        parse(command, raw)
    assert time.process_time() - start < CPU_BOUND


@pytest.mark.parametrize("digits", [23, 309, 5000])
def test_absurdly_long_cell_voltage_is_refused(digits: int) -> None:
    """A cell voltage of 23 digits was 1e19 V; 309 and more raised OverflowError."""
    row = _row(BAT_1, 3)
    damaged = row.replace(b"3330", b"1" * digits, 1)
    with pytest.raises(PylontechConsoleError):
        parse("bat 1", BAT_1.replace(row, damaged))


@pytest.mark.parametrize("digits", [309, 5000])
def test_absurdly_long_pack_number_is_refused(digits: int) -> None:
    """`bat 111...1`: int() raised ValueError past 4,300 digits."""
    with pytest.raises(PylontechConsoleError, match="pack number"):
        parse("bat " + "1" * digits, BAT_1)


def test_absurd_specification_gives_no_rating() -> None:
    """A 400-digit nominal voltage was float infinity; now no rating is read from it."""
    info = parse("info 1", INFO_1.replace(b"48V/100AH", b"1" * 400 + b"V/100AH"))
    assert isinstance(info, ConsoleInfo)
    assert info.nominal_voltage is None
    assert all_finite(info)


def test_absurd_string_voltage_is_refused() -> None:
    """A Force H2 `pwr` DC Volt of 40 digits was 1e34 V."""
    with pytest.raises(PylontechConsoleError, match="DC Volt"):
        parse("pwr", H2_PWR.replace(b"400437", b"4" * 40, 1))


@pytest.mark.parametrize("where", ["between rows", "inside a row"])
def test_prompt_inside_a_bat_table_is_refused(where: str) -> None:
    """A prompt after cell 2 (or in the middle of cell 3's row) cut the table to 3 or 4 cells."""
    row = _row(BAT_1, 3)
    cut = row[:10] if where == "inside a row" else b""
    raw = BAT_1.replace(row, cut + b"\n\rpylon>" + row[len(cut) :] if cut else b"pylon>\n" + row)
    with pytest.raises(PylontechConsoleError, match="inside the answer"):
        parse("bat 1", raw)


@pytest.mark.parametrize(("command", "echo"), [("bat 1", b"bat 12"), ("bat 12", b"bat 1")])
def test_echo_of_another_command_is_refused(command: str, echo: bytes) -> None:
    """Pack 12's cells under the echo `bat 12` are no answer to `bat 1`, nor the reverse."""
    raw = BAT_1.replace(b"pylon>bat 1\n", b"pylon>" + echo + b"\n")
    with pytest.raises(PylontechConsoleError, match="echo"):
        parse(command, raw)


def _without_rows(raw: bytes, *indexes: int) -> bytes:
    for index in indexes:
        raw = raw.replace(_row(raw, index) + b"\n", b"")
    return raw


TRUNCATED = {
    "cut after cell 7": BAT_1[: BAT_1.index(_row(BAT_1, 8))],
    "cut after cell 7, then closing lines": BAT_1[: BAT_1.index(_row(BAT_1, 8))]
    .replace(b"Command completed successfully", b"")
    .rstrip()
    + b"\n$$\n\npylon>",
    "cut inside cell 7, then closing": BAT_1[: BAT_1.index(_row(BAT_1, 7)) + 30] + CLOSING,
    "cell 5 missing": _without_rows(BAT_1, 5),
    "cell 0 missing": _without_rows(BAT_1, 0),
    "cell 5 twice": BAT_1.replace(_row(BAT_1, 5), _row(BAT_1, 5) + b"\n" + _row(BAT_1, 5)),
    "Curr of cell 5 missing": BAT_1.replace(
        _row(BAT_1, 5), _row(BAT_1, 5).replace(b"16020", b"     ", 1)
    ),
    "no completion line": BAT_1.replace(b"Command completed successfully", b""),
}


@pytest.mark.parametrize("raw", TRUNCATED.values(), ids=TRUNCATED.keys())
def test_damaged_bat_table_is_refused_not_shortened(raw: bytes) -> None:
    """A `bat N` table cut short, with a row missing, repeated or a value missing mid-row."""
    with pytest.raises(PylontechConsoleError):
        parse("bat 1", raw)


def test_the_real_table_still_reads_whole() -> None:
    """The undamaged dump: 15 cells numbered 0..14, cell 3 at 3.330 V."""
    table = parse("bat 1", BAT_1)
    assert isinstance(table, CellTable)
    assert [cell.index for cell in table.cells] == list(range(15))
    assert table.cells[3].voltage == 3.33
