"""Named access to a parsed row or key/value list, remembering what was used.

Everything a parser does not ask for ends up in `other`, so unknown firmware columns and keys
are kept, never lost and never in the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import PylontechConsoleError
from .keyvalue import read_pairs
from .table import Row, header_names, read_rows

if TYPE_CHECKING:
    from .models import Other


def _key(name: str) -> str:
    return " ".join(name.split()).lower()


class Fields:
    """Values by name (case and spacing ignored); the unused ones are `other()`."""

    def __init__(self, items: list[tuple[str, str | None]]) -> None:
        """Keep `items` in printed order; on a repeated name the first counts."""
        self._items = items
        self._index: dict[str, int] = {}
        for position, (name, _) in enumerate(items):
            self._index.setdefault(_key(name), position)
        self._used: set[int] = set()

    @classmethod
    def of_row(cls, row: Row) -> Fields:
        """The fields of one table row."""
        return cls(list(row.items()))

    def name(self, *names: str) -> str | None:
        """The printed name of the first of `names` present, or None."""
        for wanted in names:
            position = self._index.get(_key(wanted))
            if position is not None:
                return self._items[position][0]
        return None

    def text(self, *names: str) -> str | None:
        """The value of the first of `names` present (None when absent or printed "-")."""
        for wanted in names:
            position = self._index.get(_key(wanted))
            if position is not None:
                self._used.add(position)
                return self._items[position][1]
        return None

    def other(self) -> Other:
        """The fields nobody asked for, "-" for those printed as a dash."""
        return tuple(
            (name, "-" if value is None else value)
            for position, (name, value) in enumerate(self._items)
            if position not in self._used
        )


def split_table(lines: list[str], first_columns: tuple[str, ...]) -> tuple[Fields, list[Row]]:
    """Preamble pairs (lines before the header), then the rows under the header.

    The header is the first line whose first word is one of `first_columns` and that names at
    least three columns.
    """
    for position, line in enumerate(lines):
        first = line.split(None, 1)
        if not first or first[0] not in first_columns:  # cheap: most lines are not the header
            continue
        names = header_names(line)
        if len(names) >= 3 and names[0].text in first_columns:
            pairs, _ = read_pairs(lines[:position])
            preamble = Fields([(key, None if value == "-" else value) for key, value in pairs])
            return preamble, read_rows(line, lines[position + 1 :])
    wanted = " or ".join(repr(name) for name in first_columns)
    msg = f"no table header starting with {wanted}"
    raise PylontechConsoleError(msg)


def pair_fields(lines: list[str]) -> tuple[Fields, list[str]]:
    """The key/value pairs of `lines` as fields, and the lines that are titles."""
    pairs, titles = read_pairs(lines)
    return Fields([(key, value or None) for key, value in pairs]), titles
