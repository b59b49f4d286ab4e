"""The dialect registry: every dialect the library speaks, in the order detection tries them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import PylontechDecodeError, PylontechError, PylontechUnknownDialectError
from .answers import answer_to
from .base import Command, Dialect, RequestInfo, Wire
from .boqiang import BOQIANG
from .console import CONSOLE
from .eg4 import EG4
from .pace import PACE
from .pylontech import PYLONTECH
from .seplos import SEPLOS

if TYPE_CHECKING:
    from ..binary.frame import Frame
    from ..models import Response

# Detection probes in this order (detect.py says why it is this one).
DIALECTS: tuple[Dialect, ...] = (PYLONTECH, PACE, SEPLOS, EG4, BOQIANG)

_BY_NAME = {name: d for d in (*DIALECTS, CONSOLE) for name in (d.name, *d.aliases)}
_BY_HEADER: dict[tuple[int, int], tuple[Dialect, ...]] = {}
for _dialect in DIALECTS:
    _key = (_dialect.ver, _dialect.cid1)
    _BY_HEADER[_key] = (*_BY_HEADER.get(_key, ()), _dialect)


def get_dialect(name: str) -> Dialect:
    """The dialect called `name` (or one of its aliases, such as "sok" for "pace")."""
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        msg = f"unknown dialect {name!r} (known: {known})"
        raise PylontechUnknownDialectError(msg) from None


def claims(dialect: Dialect, frame: Frame, command: int) -> bool:
    """Whether `frame` can be `dialect`'s answer to read command `command`.

    The rule is `answer_to`'s; an error return code is an answer too, whatever the layout.
    """
    try:
        answer_to(dialect, frame, command)
    except PylontechDecodeError:
        return False
    except PylontechError:
        return True
    return True


def _by_header(frame: Frame) -> tuple[Dialect, ...]:
    dialects = _BY_HEADER.get((frame.ver, frame.cid1))
    if dialects is None:
        msg = f"no known dialect uses VER 0x{frame.ver:02X} with CID1 0x{frame.cid1:02X}"
        raise PylontechUnknownDialectError(msg, frame.raw)
    return dialects


def dialect_for_frame(frame: Frame, command: int | None = None) -> Dialect:
    """The dialect whose VER and CID1 the frame carries.

    Seplos shares VER 0x20 and CID1 0x46 with Pylontech: given the `command` a frame answers,
    the first dialect in registry order whose layout it fits is chosen; without one, or when
    none fits, the first dialect with that header.
    """
    dialects = _by_header(frame)
    if command is not None and len(dialects) > 1 and not frame.is_request:
        for dialect in dialects:
            if claims(dialect, frame, command):
                return dialect
    return dialects[0]


def decode_by_header(
    frame: Frame, command: int, *, all_packs: bool | None = None
) -> tuple[Dialect, Response]:
    """The dialect `dialect_for_frame` picks, and `frame` decoded as its answer to `command`.

    Where two dialects share the header, the answer is decoded once, not once to choose and
    once to read.
    """
    dialects = _by_header(frame)
    if len(dialects) > 1 and not frame.is_request:
        for dialect in dialects:
            try:
                return dialect, answer_to(dialect, frame, command, all_packs=all_packs)
            except PylontechDecodeError:
                continue
    return dialects[0], dialects[0].decode(command, frame, all_packs=all_packs)


__all__ = [
    "BOQIANG",
    "DIALECTS",
    "EG4",
    "PACE",
    "PYLONTECH",
    "SEPLOS",
    "Command",
    "Dialect",
    "RequestInfo",
    "Wire",
    "answer_to",
    "claims",
    "decode_by_header",
    "dialect_for_frame",
    "get_dialect",
]
