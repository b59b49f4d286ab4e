"""The dialect registry: every dialect the library speaks, in the order detection tries them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import PylontechUnknownDialectError
from .base import Command, Dialect, RequestInfo, Wire
from .pace import PACE
from .pylontech import PYLONTECH

if TYPE_CHECKING:
    from ..frame import Frame

DIALECTS: tuple[Dialect, ...] = (PYLONTECH, PACE)

_BY_NAME = {name: d for d in DIALECTS for name in (d.name, *d.aliases)}
_BY_HEADER = {(d.ver, d.cid1): d for d in DIALECTS}


def get_dialect(name: str) -> Dialect:
    """The dialect called `name` (or one of its aliases, such as "sok" for "pace")."""
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        msg = f"unknown dialect {name!r} (known: {known})"
        raise PylontechUnknownDialectError(msg) from None


def dialect_for_frame(frame: Frame) -> Dialect:
    """The dialect whose VER and CID1 the frame carries."""
    dialect = _BY_HEADER.get((frame.ver, frame.cid1))
    if dialect is not None:
        return dialect
    msg = f"no known dialect uses VER 0x{frame.ver:02X} with CID1 0x{frame.cid1:02X}"
    raise PylontechUnknownDialectError(msg, frame.raw)


__all__ = [
    "DIALECTS",
    "PACE",
    "PYLONTECH",
    "Command",
    "Dialect",
    "RequestInfo",
    "Wire",
    "dialect_for_frame",
    "get_dialect",
]
