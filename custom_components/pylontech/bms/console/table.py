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
   Tokens that land in one column are joined; a column with no token is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

from ..exceptions import PylontechConsoleError

SHIFT = 2
"""How many characters left of its header a value may start (ioBroker_SC_unit: 2)."""

# Words that continue the header name before them: "Base State", "Volt. State", "Err Code".
_CONTINUATIONS = frozenset({"State", "Code"})
_UNITS = frozenset({"mAH", "AH", "mWH", "WH", "mAS", "AS", "mV", "V", "mA", "A", "mC"})
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?\Z")
_PERCENT = re.compile(r"-?\d+%\Z")
_DATE = re.compile(r"\d{2,4}-\d{2}-\d{2}\Z")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}\Z")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Token:
    """A header name or a value, and the column where it starts."""

    text: str
    start: int


type Row = dict[str, str | None]
"""One table row: header name -> value text, None where the BMS printed "-"."""


def header_names(line: str) -> list[Token]:
    """The column names of a header line, with "State"/"Code" joined to the word before."""
    names: list[Token] = []
    for match in _WORD.finditer(line):
        if names and match.group() in _CONTINUATIONS:
            names[-1] = Token(f"{names[-1].text} {match.group()}", names[-1].start)
        else:
            names.append(Token(match.group(), match.start()))
    return names


def read_rows(header: str, rows: list[str]) -> list[Row]:
    """Every row under `header`, as a mapping from each header name to its value."""
    columns = header_names(header)
    if not columns:
        msg = "table without a header line"
        raise PylontechConsoleError(msg)
    return [read_row(columns, line) for line in rows]


def read_row(columns: list[Token], line: str) -> Row:
    """One row: by tokens when their count fits the header, else by positions."""
    tokens = _tokens(line)
    joinable = [i for i in range(len(tokens) - 1) if _joins_percent(tokens[i], tokens[i + 1])]
    if len(tokens) - len(joinable) == len(columns) and joinable:
        tokens = _join_percents(tokens, joinable)
    if len(tokens) == len(columns):
        return {c.text: _value(t.text) for c, t in zip(columns, tokens, strict=True)}
    return _by_position(columns, _tokens(line))


def _tokens(line: str) -> list[Token]:
    """Blank-separated values with date + time and number + unit joined."""
    words = [Token(m.group(), m.start()) for m in _WORD.finditer(line)]
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


def _join_percents(tokens: list[Token], joinable: list[int]) -> list[Token]:
    out: list[Token] = []
    skip = set()
    for index, token in enumerate(tokens):
        if index in skip:
            continue
        if index in joinable:
            out.append(Token(f"{token.text}  {tokens[index + 1].text}", token.start))
            skip.add(index + 1)
        else:
            out.append(token)
    return out


def _by_position(columns: list[Token], tokens: list[Token]) -> Row:
    found: dict[str, list[str]] = {}
    for token in tokens:
        owner = columns[0]
        for column in columns:
            if column.start - SHIFT <= token.start:
                owner = column
        found.setdefault(owner.text, []).append(token.text)
    return {c.text: _value(" ".join(found[c.text])) if c.text in found else None for c in columns}


def _value(text: str) -> str | None:
    return None if text == "-" else text
