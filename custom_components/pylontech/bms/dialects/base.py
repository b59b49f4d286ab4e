"""A dialect as data: its header bytes, return codes, read commands and naming rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from ..binary.frame import Frame, encode_frame
from ..const import RTN_NORMAL
from ..exceptions import (
    PylontechDecodeError,
    PylontechResponseError,
    PylontechUnsupportedCommandError,
)
from .typical import BusHabits

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..models import Response
    from .typical import TypicalPack


class RequestInfo(Enum):
    """What a read request carries in INFO."""

    NONE = "none"
    """Nothing (LENID 0)."""
    PACK = "pack"
    """One "command" byte: the pack address, or 0xFF for every pack."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Wire:
    """Choices a BMS firmware makes that do not change the values an answer carries."""

    infoflag: int = 0
    """The INFOFLAG / DATAFLAG byte (0x11 on most Pylontech RS485 answers, 0 on PACE)."""
    user_defined: tuple[int, ...] = ()
    """The "user defined" count of each pack block; missing ones get the dialect's default."""


class Decoder(Protocol):
    """Turns the INFO of a checked, normal answer into a model, and a model back into INFO."""

    def decode(self, dialect: Dialect, frame: Frame, all_packs: bool | None) -> Response:
        """Decode `frame`; `all_packs` says whether the request asked for every pack."""

    def encode(self, response: Response, wire: Wire) -> bytes:
        """The INFO of an answer carrying `response` (what the simulator sends)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A read command of a dialect: its code, name, request shape and answer decoder."""

    code: int
    name: str
    request: RequestInfo
    decoder: Decoder


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialect:
    """Everything that sets one dialect apart, as data (design.md section 3)."""

    name: str
    title: str
    """For developers: the name and the header bytes that set the dialect apart."""
    brand: str
    """For owners: what the battery or its BMS is called (the confirm form, a device's model
    where the BMS names none)."""
    manufacturer: str
    """The maker a device shows where the BMS names none."""
    ver: int
    cid1: int
    return_codes: Mapping[int, str]
    commands: Mapping[int, Command]
    temperature_names: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Meaning of each temperature, by the number of temperatures a pack reports."""
    aliases: tuple[str, ...] = ()
    first_address: int = 1
    """ADR of the master pack; the others follow it."""
    all_packs_request: bool = False
    """Whether polls ask the master for every pack in one frame (INFO 0xFF)."""
    all_packs_only_at: tuple[int, ...] = ()
    """ADRs where a stack whose master address is silent may still answer the all-packs request
    (INFO 0xFF) for all its packs; such a stack is then polled that way only (PACE: ADR 0)."""
    min_gap: float = 0.0
    """Seconds the BMS needs between the end of one answer and the next request, whatever
    the gap option says (a slow BMS locks up otherwise)."""
    request_adr: int | None = None
    """The ADR every request carries, whatever the pack, when the pack is named only in INFO
    (Boqiang: ADR 0, protocol.md 4.3); None: the pack's own address."""
    typical_pack: TypicalPack | None = None
    """The pack the simulator serves when nothing says otherwise (None: not simulated)."""
    habits: BusHabits = field(
        default_factory=lambda: BusHabits(master_answers=False, checks_ver=True)
    )
    """How the dialect's masters answer for other packs and VERs."""

    def typical(self) -> TypicalPack:
        """The typical pack of the dialect; `ValueError` for one that has none (the console)."""
        if self.typical_pack is None:
            msg = f"the {self.name} dialect has no typical pack to simulate"
            raise ValueError(msg)
        return self.typical_pack

    def command(self, code: int) -> Command:
        """The read command with this code, or `PylontechUnsupportedCommandError`."""
        try:
            return self.commands[code]
        except KeyError:
            msg = f"{self.name} has no read command 0x{code:02X}"
            raise PylontechUnsupportedCommandError(msg) from None

    def encode_request(self, code: int, *, address: int, pack: int | None = None) -> bytes:
        """Build the request frame for read command `code` sent to ADR `address`.

        For per-pack commands `pack` is the pack asked for (default: `address`); 0xFF asks the
        master for every pack.
        """
        command = self.command(code)
        info = b""
        if command.request is RequestInfo.PACK:
            info = bytes([address if pack is None else pack])
        adr = address if self.request_adr is None else self.request_adr
        return encode_frame(ver=self.ver, adr=adr, cid1=self.cid1, cid2=code, info=info)

    def decode(self, code: int, frame: Frame, *, all_packs: bool | None = None) -> Response:
        """Decode an answer to read command `code`.

        `all_packs` tells whether the request asked for every pack (INFO 0xFF); None lets the
        layout decide. Raises `PylontechResponseError` for a return code other than normal and
        `PylontechDecodeError` when INFO does not fit the command's layout.
        """
        command = self.command(code)
        if frame.is_request:
            msg = f"frame is a request (CID2 0x{frame.cid2:02X}), not an answer"
            raise PylontechDecodeError(msg, frame.raw)
        if frame.cid2 != RTN_NORMAL:
            meaning = self.return_codes.get(frame.cid2, "unknown return code")
            raise PylontechResponseError(frame.cid2, meaning, frame.raw)
        return command.decoder.decode(self, frame, all_packs)

    def encode_answer(
        self, code: int, response: Response, *, address: int, wire: Wire | None = None
    ) -> bytes:
        """The answer frame a BMS at ADR `address` sends for `code` (the simulator's side)."""
        info = self.command(code).decoder.encode(response, wire or Wire())
        return encode_frame(ver=self.ver, adr=address, cid1=self.cid1, cid2=RTN_NORMAL, info=info)

    def encode_error(self, rtn: int, *, address: int) -> bytes:
        """An answer carrying only the return code `rtn`."""
        return encode_frame(ver=self.ver, adr=address, cid1=self.cid1, cid2=rtn)

    def names_for_temperatures(self, count: int) -> tuple[str, ...]:
        """Names for `count` temperatures: the dialect's where it says, else numbered."""
        names = self.temperature_names.get(count)
        if names is not None:
            return names
        return tuple(f"temperature_{index}" for index in range(1, count + 1))
