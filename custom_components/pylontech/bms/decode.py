"""Decoding one answer given as text or bytes: the entry point of `pylontech-bms decode`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .binary.frame import Frame, parse_frame
from .dialects import Dialect, decode_by_header, get_dialect

if TYPE_CHECKING:
    from .models import Response


def frame_from_text(text: str | bytes) -> Frame:
    """Parse a frame written as text, e.g. ``~20024642E00202FD33`` with or without its CR."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    raw = raw.strip().removesuffix(b"\\r")  # also a CR written out as in JSON captures
    return parse_frame(raw)


def decode_response(
    frame: Frame | str | bytes,
    command: int,
    *,
    dialect: Dialect | str | None = None,
    all_packs: bool | None = None,
) -> tuple[Dialect, Response]:
    """Decode an answer to read command `command`.

    Without `dialect` the frame's VER and CID1 decide it. Returns the dialect used and the model.
    Raises a `PylontechError` subclass for anything that is not a valid answer.
    """
    if not isinstance(frame, Frame):
        frame = frame_from_text(frame)
    if dialect is None:
        return decode_by_header(frame, command, all_packs=all_packs)
    if isinstance(dialect, str):
        dialect = get_dialect(dialect)
    return dialect, dialect.decode(command, frame, all_packs=all_packs)
