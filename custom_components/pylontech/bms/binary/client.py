"""The async client: one connection per gateway, one request at a time, only read commands.

It owns its transport, paces requests, times each one out, accepts only the answer to the request
in flight (protocol.md 1.5 and 6.4), drains the line after a timeout, reconnects with capped
exponential backoff after a failure, and keeps the last raw frames for diagnostics.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

from ..const import INFO_ALL_PACKS, MAX_FRAME_LENGTH
from ..dialects.answers import answer_to
from ..exceptions import (
    PylontechDecodeError,
    PylontechProtocolError,
    PylontechTimeoutError,
)
from ..link import Link
from ..link_client import LinkClient
from ..models import (
    AlarmInfo,
    AnalogValues,
    Barcode,
    ChargeDischargeManagement,
    ManufacturerInfo,
    PackCount,
    PackIdentity,
    ProtocolVersion,
    Response,
    SerialNumber,
    SoftwareVersion,
    StackData,
    SystemParameters,
)
from .frame import Frame, FrameDecoder
from .identity import identify
from .poll import LIMITS, StackPoll
from .repeats import Repeats

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..dialects import Dialect
    from ..transport import Transport

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0  # s; 1 s suffices at 115200 Bd, 9600 Bd packs need up to 2 (protocol.md 6.2)
DEFAULT_GAP = 0.1  # s between requests; PACE needs ~0.05, EG4 0.2 (protocol.md 6.2)
ANSWER_SIZE = 256
"""Bytes of a typical answer, for the poll budget: a one-pack 0x42 answer is 150-200 bytes, an
all-packs answer about 160 per pack (protocol.md 2.3, 3.3)."""
_R = TypeVar("_R", bound=Response)


class PylontechClient(LinkClient):
    """Reads a BMS stack through one transport, in one dialect.

    Use as an async context manager, or call `close()`. Every public method sends only read
    commands of the dialect: the dialect cannot even encode a write or control command.
    """

    def __init__(
        self,
        transport: Transport,
        dialect: Dialect,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        gap: float = DEFAULT_GAP,
        history: int = 64,
        all_packs_at: int | None = None,
    ) -> None:
        """Prepare the client; the connection opens with the first request.

        With `all_packs_at` (one of the dialect's `all_packs_only_at`), a poll asks that ADR for
        every pack in one frame and nothing else: the stack answers no per-pack request.
        """
        super().__init__(Link(transport, gap=max(gap, dialect.min_gap), history=history))
        self.dialect = dialect
        self.timeout = timeout
        self._decoder = FrameDecoder()
        self._repeats = Repeats()
        self.all_packs_at = all_packs_at
        self._stack_poll = StackPoll(self)

    @property
    def garbage(self) -> bytes:
        """The start of the last bytes received outside any frame (for "not a BMS" errors)."""
        return self._decoder.last_skipped

    def _min_gap(self) -> float:
        return self.dialect.min_gap

    async def identify(self, address: int) -> PackIdentity:
        """Serial number, model and firmware of the pack at `address` (see `identity.identify`).

        A stack asked only at `all_packs_at` names its master there and no other pack.
        """
        if self.all_packs_at is None:
            return await identify(self, self.dialect, address)
        if address != self.dialect.first_address:
            return PackIdentity(address=address)
        return await identify(self, self.dialect, address, at=self.all_packs_at)

    async def identify_stack(self) -> PackIdentity | None:
        """None: in the binary dialects the master pack speaks for the stack."""
        return None

    # -- read commands ---------------------------------------------------------------------------

    async def analog_values(self, pack: int, *, address: int | None = None) -> AnalogValues:
        """0x42 for one pack (ADR defaults to the pack address)."""
        return await self._typed(AnalogValues, 0x42, address=address, pack=pack)

    async def all_analog_values(self, *, address: int) -> AnalogValues:
        """0x42 with INFO 0xFF: every pack of the stack from its master at `address`."""
        return await self._typed(AnalogValues, 0x42, address=address, pack=INFO_ALL_PACKS)

    async def alarm_info(self, pack: int, *, address: int | None = None) -> AlarmInfo:
        """0x44 for one pack."""
        return await self._typed(AlarmInfo, 0x44, address=address, pack=pack)

    async def all_alarm_info(self, *, address: int) -> AlarmInfo:
        """0x44 with INFO 0xFF: every pack of the stack."""
        return await self._typed(AlarmInfo, 0x44, address=address, pack=INFO_ALL_PACKS)

    async def system_parameters(self, address: int) -> SystemParameters:
        """0x47 (Pylontech)."""
        return await self._typed(SystemParameters, 0x47, address=address)

    async def charge_discharge_management(self, pack: int) -> ChargeDischargeManagement:
        """0x92 (Pylontech)."""
        return await self._typed(ChargeDischargeManagement, LIMITS, pack=pack)

    async def serial_number(self, pack: int) -> SerialNumber:
        """0x93 (Pylontech): relayed per pack through the master (protocol.md 2.1)."""
        return await self._typed(SerialNumber, 0x93, pack=pack)

    async def software_version(self, address: int) -> SoftwareVersion:
        """0x96 (Pylontech) or 0xC1 (PACE), whichever the dialect has."""
        code = 0x96 if 0x96 in self.dialect.commands else 0xC1
        return await self._typed(SoftwareVersion, code, address=address, pack=address)

    async def barcode(self, address: int) -> Barcode:
        """0xC2 (PACE): answered with the master's barcode for every address (3.4)."""
        return await self._typed(Barcode, 0xC2, address=address)

    async def protocol_version(self, address: int) -> ProtocolVersion:
        """0x4F (Pylontech)."""
        return await self._typed(ProtocolVersion, 0x4F, address=address)

    async def manufacturer_info(self, address: int) -> ManufacturerInfo:
        """0x51 (Pylontech): the master's identity, whatever the address (protocol.md 2.1)."""
        return await self._typed(ManufacturerInfo, 0x51, address=address)

    async def pack_count(self, address: int) -> PackCount:
        """0x90 (PACE)."""
        return await self._typed(PackCount, 0x90, address=address)

    async def poll(self, addresses: Sequence[int]) -> StackData:
        """One bus pass over the stack: the analog values and alarms of every pack.

        Within the poll's budget (`poll_budget`); how the stack is asked is `poll.StackPoll`'s
        business. A pack that fails gets its error instead of values; if no pack answers at
        all, or the link fails, the error is raised.
        """
        with self._link.budget(self.poll_budget(len(addresses))):
            return await self._stack_poll.run(addresses)

    def poll_budget(self, packs: int) -> float:
        """Seconds a poll of `packs` packs may take in all, whatever the line does.

        Room for asking every pack on its own (two requests each, three with the limits
        request, plus the all-packs pair), each answer up to `ANSWER_SIZE` bytes, and a few
        silent requests (`exchange_budget`).
        """
        per_pack = 3 if LIMITS in self.dialect.commands else 2
        return self.exchange_budget(per_pack * packs + 2, ANSWER_SIZE)

    async def read(self, code: int, *, address: int, pack: int | None = None) -> Response:
        """Send read command `code` and return its decoded answer.

        Raises `PylontechUnsupportedCommandError` for a code the dialect has no read command for,
        `PylontechTimeoutError` when no answer to this request arrives in time,
        `PylontechConnectionError` when the link fails, `PylontechResponseError` for an error
        return code and `PylontechProtocolError` for a damaged answer.
        """
        request = self._repeats.request(self.dialect, code, address, pack)
        all_packs = pack == INFO_ALL_PACKS if pack is not None else None
        link = self._link
        async with link.turn(self.timeout, _FrameComplete()) as stale:
            if stale:
                self._decoder.reset()  # a new link, or what it held belonged to a late answer
            link.record("tx", request, code)
            await link.transport.write(request)
            return await self._answer(code, pack, all_packs)

    async def _typed(
        self, kind: type[_R], code: int, *, address: int | None = None, pack: int | None = None
    ) -> _R:
        if address is None:
            assert pack is not None
            address = pack
        response = await self.read(code, address=address, pack=pack)
        assert isinstance(response, kind)
        return response

    # -- the exchange ----------------------------------------------------------------------------

    async def _answer(self, code: int, pack: int | None, all_packs: bool | None) -> Response:
        """Wait for the answer to the request in flight; drop every other frame.

        The first byte must come within the timeout; an answer that has begun to arrive may
        take twice its time on the wire (sized from its LENID) to finish, within a cap
        (`answer_clock.AnswerClock`), however the line behaves.
        """
        link = self._link
        decoder = self._decoder
        clock = link.clock(self.timeout, MAX_FRAME_LENGTH)
        problem: PylontechProtocolError | None = None
        while True:
            try:
                data = await link.read_before(clock.deadline)
            except TimeoutError:
                if problem is not None:
                    raise problem from None
                if clock.started is None:
                    msg = f"no answer to 0x{code:02X} within {self.timeout} s"
                else:
                    msg = f"no complete answer to 0x{code:02X} in time (timeout {self.timeout} s)"
                raise PylontechTimeoutError(msg) from None
            for item in decoder.feed(data):
                clock.idle()
                if isinstance(item, PylontechProtocolError):
                    link.record("rx", item.raw, None)
                    _LOGGER.debug("bad frame: %s", item)
                    problem = item
                    continue
                response = self._match(item, code, pack, all_packs)
                link.record("rx", item.raw, None if response is None else code)
                if response is not None:
                    link.answered()
                    return response
            if decoder.pending:
                clock.progress(decoder.expected_length)

    def _match(
        self, frame: Frame, code: int, pack: int | None, all_packs: bool | None
    ) -> Response | None:
        """The decoded answer if `frame` answers this request, else None (logged and dropped).

        The rule is `dialects.answer_to`, the one detection uses too; the same bytes as the
        last answer to this request are that answer again (`repeats.Repeats`).
        """
        key = (code, pack, all_packs)
        response = self._repeats.answer(self.dialect, key, frame.raw)
        if response is not None:
            return response
        try:
            response = answer_to(self.dialect, frame, code, pack=pack, all_packs=all_packs)
        except PylontechDecodeError as err:
            _LOGGER.debug("dropped %s", err)
            return None
        self._repeats.remember(key, frame.raw, response)
        return response


class _FrameComplete:
    """Whether late bytes being drained have completed a frame (a fresh decoder per drain).

    The decoder is made on the first bytes: most turns drain nothing.
    """

    __slots__ = ("_decoder",)

    def __init__(self) -> None:
        self._decoder: FrameDecoder | None = None

    def __call__(self, data: bytes) -> bool:
        if self._decoder is None:
            self._decoder = FrameDecoder()
        return bool(self._decoder.feed(data))
