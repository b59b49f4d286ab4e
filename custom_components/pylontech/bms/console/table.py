"""Console tables read by column name, never by column index.

Firmware adds, drops and moves columns (MosTempr, Barcode DevType, the Tlow.Id family of newer
US5000, Curr missing on Pytes; protocol.md 5.4), header names hold spaces ("Base State",
"Err Code"), and values hold spaces too ("2023-10-05 16:14:35", "78%  28903 mAH"). A row is read
in two ways:

1. Tokens: the row split on blanks, with a date and its time joined, a number and its unit
   joined ("28903 mAH") and, when the count asks for it, a percent joined with the quantity
   after it ("78%  28903 mAH"). When the tokens then match the header names one to one, that is
   the row.
2. Positions, when the counts disagree (absent packs print fewer values, one Pytes row is
   garbled): each token belongs to the column whose header starts at or before it, allowing
   values printed up to `SHIFT` characters left of their header (SC `unit` rows are 2 left).
   Tokens that land in one column are joined; a column with no token is missing, which only
   the last `MAX_MISSING` columns may be.

Tables are bounded (`MAX_COLUMNS`, `MAX_ROWS`, `MAX_TOKENS`, `MAX_VALUES`) and read in time linear in their
text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..exceptions import PylontechConsoleError

SHIFT = 2
"""How many characters left of its header a value may start (ioBroker_SC_unit: 2)."""

MAX_COLUMNS = 64
"""A bound on the names of a header: the longest real header (H2 and SC `pwr`) has 25."""

MAX_ROWS = 512
"""A bound on the rows of a table: the longest real table, the Force H2 `bat` (4 units, 120
cells), has 120; four times that leaves room for longer high-voltage strings."""

MAX_TOKENS = 64
"""A bound on the blank-separated values of one row: the most in a real row is 15 (US `bat`,
12 columns)."""

MAX_VALUES = 8192
"""A bound on the blank-separated values of a whole table, which bounds its reading time (about
1 µs each): the most in a real table is 1,320 (Force H2 `bat`, 120 rows of 11)."""

MAX_MISSING = 2
"""How many last columns a row may leave empty (read by positions): US `pwr` rows of packs
without a MOSFET sensor print nothing under MosTempr and M.T.St (ioBroker_US_pwr), and the
Pytes `soh` header ends with a garbled name no row fills (ioBroker_pytes-v5_soh). A value
missing anywhere else means the row is damaged: an error, not a None."""

# Words that continue the header name before them: "Base State", "Volt. State", "Err Code".
_CONTINUATIONS = frozenset({"State", "Code"})
_UNITS = frozenset({"mAH", "AH", "mWH", "WH", "mAS", "AS", "mV", "V", "mA", "A", "mC"})
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?\Z")
_PERCENT = re.compile(r"-?\d+%\Z")
_DATE = re.compile(r"\d{2,4}-\d{2}-\d{2}\Z")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}\Z")
_WORD = re.compile(r"\S+")


class Token(NamedTuple):
    """A header name or a value, and the column where it starts."""

    text: str
    start: int


type Row = dict[str, str | None]
"""One table row: header name -> value text, None where the BMS printed "-"."""


def header_names(line: str) -> list[Token]:
    """The column names of a header line, with "State"/"Code" joined to the word before."""
    names: list[tuple[list[str], int]] = []
    for match in _WORD.finditer(line):
        if names and match.group() in _CONTINUATIONS:
            names[-1][0].append(match.group())
        else:
            names.append(([match.group()], match.start()))
    return [Token(" ".join(words), start) for words, start in names]


def read_rows(header: str, rows: list[str]) -> list[Row]:
    """Every row under `header`, as a mapping from each header name to its value.

    Raises `PylontechConsoleError` past `MAX_COLUMNS`, `MAX_ROWS`, `MAX_TOKENS` or `MAX_VALUES`, and
    for a row
    with a value missing before the last `MAX_MISSING` columns.
    """
    columns = header_names(header)
    if not columns:
        msg = "table without a header line"
        raise PylontechConsoleError(msg)
    if len(columns) > MAX_COLUMNS:
        msg = f"table header of {len(columns)} columns (at most {MAX_COLUMNS})"
        raise PylontechConsoleError(msg)
    if len(rows) > MAX_ROWS:
        msg = f"table of {len(rows)} rows (at most {MAX_ROWS})"
        raise PylontechConsoleError(msg)
    values = sum(len(line.split()) for line in rows)
    if values > MAX_VALUES:
        msg = f"table of {values} values (at most {MAX_VALUES})"
        raise PylontechConsoleError(msg)
    return [read_row(columns, line) for line in rows]


def read_row(columns: list[Token], line: str) -> Row:
    """One row: by tokens when their count fits the header, else by positions."""
    tokens = _tokens(line)
    joinable = {i for i in range(len(tokens) - 1) if _joins_percent(tokens[i], tokens[i + 1])}
    joined = _join_percents(tokens, joinable) if joinable else tokens
    if len(joined) == len(columns):
        return {c.text: _value(t.text) for c, t in zip(columns, joined, strict=True)}
    if len(tokens) == len(columns):
        return {c.text: _value(t.text) for c, t in zip(columns, tokens, strict=True)}
    return _by_position(columns, tokens, line)


def _tokens(line: str) -> list[Token]:
    """Blank-separated values with date + time and number + unit joined."""
    words = [Token(m.group(), m.start()) for m in _WORD.finditer(line)]
    if len(words) > MAX_TOKENS:
        msg = f"table row of {len(words)} values (at most {MAX_TOKENS})"
        raise PylontechConsoleError(msg)
    merged: list[Token] = []
    for word in words:
        if merged and (
            (_DATE.match(merged[-1].text) and _TIME.match(word.text))
            or (word.text in _UNITS and _NUMBER.match(merged[-1].text.rsplit(" ", 1)[-1]))
        ):
            merged[-1] = Token(f"{merged[-1].text} {word.text}", merged[-1].start)
        else:
            merged.append(word)
    return merged


def _joins_percent(first: Token, second: Token) -> bool:
    return bool(_PERCENT.match(first.text)) and bool(_NUMBER.match(second.text.split(" ")[0]))


def _join_percents(tokens: list[Token], joinable: set[int]) -> list[Token]:
    out: list[Token] = []
    skip = False
    for index, token in enumerate(tokens):
        if skip:
            skip = False
        elif index in joinable:
            out.append(Token(f"{token.text}  {tokens[index + 1].text}", token.start))
            skip = True
        else:
            out.append(token)
    return out


def _by_position(columns: list[Token], tokens: list[Token], line: str) -> Row:
    # Column starts ascend, so each token's column is found by walking forward once.
    found: dict[str, list[str]] = {}
    owner = 0
    for token in tokens:
        while owner + 1 < len(columns) and columns[owner + 1].start - SHIFT <= token.start:
            owner += 1
        found.setdefault(columns[owner].text, []).append(token.text)
    missing = [i for i, column in enumerate(columns) if column.text not in found]
    if missing and (len(missing) > MAX_MISSING or missing[0] != len(columns) - len(missing)):
        msg = f"row {line.strip()[:60]!r}: no value under {columns[missing[0]].text!r}"
        raise PylontechConsoleError(msg)
    values = {name: _value(" ".join(texts)) for name, texts in found.items()}
    return {column.text: values.get(column.text) for column in columns}


def _value(text: str) -> str | None:
    return None if text == "-" else text
