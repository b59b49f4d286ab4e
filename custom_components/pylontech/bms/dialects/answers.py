"""The one rule deciding whether a frame answers a request (protocol.md 1.5 and 6.4).

The client reads its answers with it and detection picks a dialect with it, so what is accepted
as an answer is the same everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..const import INFO_ALL_PACKS
from ..exceptions import PylontechDecodeError
from ..models import (
    AlarmInfo,
    AnalogValues,
    ChargeDischargeManagement,
    SerialNumber,
    SoftwareVersion,
)

if TYPE_CHECKING:
    from ..binary.frame import Frame
    from ..models import Response
    from .base import Dialect


def answer_to(
    dialect: Dialect,
    frame: Frame,
    command: int,
    *,
    pack: int | None = None,
    all_packs: bool | None = None,
) -> Response:
    """`frame` decoded as `dialect`'s answer to read command `command` (asked of `pack`).

    An answer is not a request (our echo or another master's), carries the dialect's VER and
    CID1 (another dialect's frame would be read with the wrong table), has an INFO that fits the
    command's layout, and names the pack asked for, if it names one. Its ADR is not compared: a
    PACE master answers for its slaves with its own ADR (protocol.md 1.5).

    Raises `PylontechDecodeError`, saying why, when `frame` is not that answer; an answer with
    an error return code raises its `PylontechResponseError` (it is the answer, and an error).
    """
    if frame.is_request:
        msg = f"a request on the bus (CID2 0x{frame.cid2:02X}), not an answer"
        raise PylontechDecodeError(msg, frame.raw)
    if (frame.ver, frame.cid1) != (dialect.ver, dialect.cid1) or command not in dialect.commands:
        msg = (
            f"a frame of another dialect (VER 0x{frame.ver:02X}, CID1 0x{frame.cid1:02X}), "
            f"not {dialect.name}'s answer to 0x{command:02X}"
        )
        raise PylontechDecodeError(msg, frame.raw)
    response = dialect.decode(command, frame, all_packs=all_packs)
    named = pack_named(response)
    if pack is not None and pack != INFO_ALL_PACKS and named not in (None, pack):
        msg = f"an answer for pack {named} while pack {pack} was asked"
        raise PylontechDecodeError(msg, frame.raw)
    return response


def pack_named(response: Response) -> int | None:
    """The pack address an answer names, if it names one."""
    if isinstance(response, AnalogValues | AlarmInfo):
        return None if response.all_packs else response.packs[0].address
    if isinstance(response, ChargeDischargeManagement | SerialNumber | SoftwareVersion):
        return response.address
    return None
