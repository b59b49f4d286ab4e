"""One link to a BMS, whatever speaks over it: binary frames or console text.

The link opens its transport on demand and, after a failure, waits a capped exponential backoff
before the next attempt; it paces requests, counts silent requests and asks for a reconnect after
several in a row (a half-open TCP link, protocol.md 6.4), swallows what arrives late after a
timeout, and keeps the last exchanges for diagnostics.

Every wait on it ends, whatever the line sends (junk, heartbeats, another master's frames, an
answer trickling in): an exchange waits for its first byte for the request timeout; an answer
still arriving may finish within twice its time on the wire (`AnswerClock`); each has a hard
cap; the drain after a timeout has one too; and a whole poll has a budget (`Link.budget`).
Closing never waits for an exchange in flight: it ends it.
"""

from __future__ import annotations

import asyncio
from collections import deque
import contextlib
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Literal

from .answer_clock import ANSWER_MARGIN, WIRE_SLACK, AnswerClock, loop_time
from .exceptions import PylontechBackoffError, PylontechBudgetError, PylontechConnectionError
from .transport.stream import LoopTransport
from .turn import Turn

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .transport import Transport

__all__ = ["ANSWER_MARGIN", "WIRE_SLACK", "AnswerClock", "Link", "RawFrame", "Turn"]

_LOGGER = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
QUIET = 0.1  # s of silence after a late answer that ends the drain after a timeout
TIMEOUTS_BEFORE_RECONNECT = 3
BITS_PER_BYTE = 10  # 8N1: a start bit, 8 data bits, a stop bit
SLOWEST_LINE = 9600
"""Bd assumed for a link whose line rate is unknown (a TCP gateway): the slowest rate a binary
BMS is set to (Pylontech with DIP switch 1 up, PACE, Seplos; protocol.md 6.1)."""


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One frame (or console exchange) as it crossed the wire, kept for diagnostics."""

    direction: Literal["tx", "rx"]
    at: float
    """Wall-clock time (time.time())."""
    data: bytes
    command: int | str | None
    """The command sent (a CID2, or a console command line), or the one a received frame
    answers; None for a received frame that answers nothing in flight (late, another pack's,
    damaged): its content is unknown."""


class Link:
    """A transport used one request at a time, with the bookkeeping every protocol needs."""

    def __init__(
        self,
        transport: Transport,
        *,
        gap: float,
        history: int = 64,
        assumed_baudrate: int = SLOWEST_LINE,
    ) -> None:
        """Wrap `transport`; nothing is opened before the first `connect`.

        `assumed_baudrate` is the line rate used to size answers when the transport does not
        know its own (a TCP gateway).
        """
        self.transport = transport
        self.gap = gap
        self.assumed_baudrate = assumed_baudrate
        self.lock = asyncio.Lock()
        self.must_drain = False
        self._history: deque[tuple[Literal["tx", "rx"], float, bytes, int | str | None]]
        self._history = deque(maxlen=history)
        """What `raw_frames` returns, kept as plain tuples (cheaper to record)."""
        self._last_exchange = 0.0
        self._timeouts_in_a_row = 0
        self._reconnect = False
        self._backoff = 0.0
        self._next_attempt = 0.0
        self._epoch = 0
        """Counts `close` calls: a poll that outlives a close ends."""
        self._budget: tuple[float, float, int] | None = None
        """(end, seconds, epoch) of the poll in progress."""

    @property
    def byte_time(self) -> float:
        """Seconds one byte takes on the line (8N1), at its own rate or the assumed one."""
        baudrate = getattr(self.transport, "baudrate", None)
        if not isinstance(baudrate, int) or baudrate <= 0:
            baudrate = self.assumed_baudrate
        return BITS_PER_BYTE / baudrate

    def wire_time(self, size: int) -> float:
        """Seconds `size` bytes take on the line."""
        return size * self.byte_time

    def clock(self, first_byte: float, longest: int) -> AnswerClock:
        """The clock of an answer requested now: first byte within `first_byte` seconds.

        Its cap allows an answer of `longest` bytes to arrive at half the line rate after that.
        """
        now = loop_time()
        byte_time = self.byte_time
        cap = now + first_byte + WIRE_SLACK * longest * byte_time + ANSWER_MARGIN
        return AnswerClock(deadline=now + first_byte, cap=cap, byte_time=byte_time)

    @contextlib.contextmanager
    def budget(self, seconds: float) -> Iterator[None]:
        """Bound every exchange inside the block to `seconds` in all (one poll).

        Past it, a wait in progress ends and every further `turn` raises
        `PylontechBudgetError`; a `close` during the block makes further turns raise
        `PylontechConnectionError`.
        """
        self._budget = (loop_time() + seconds, seconds, self._epoch)
        try:
            yield
        finally:
            self._budget = None

    def check_budget(self) -> None:
        """Raise ours when the poll in progress is over its budget, or the link was closed."""
        if self._budget is None:
            return
        end, seconds, epoch = self._budget
        if epoch != self._epoch:
            msg = f"{self.transport.description} was closed during the poll"
            raise PylontechConnectionError(msg)
        if loop_time() >= end:
            msg = f"the poll ran past its budget of {seconds:.1f} s"
            raise PylontechBudgetError(msg)

    async def read_before(self, deadline: float) -> bytes:
        """What arrives before `deadline` (event-loop time) and the poll's budget end.

        Raises `TimeoutError` at `deadline`, `PylontechBudgetError` when the budget ends first.
        """
        end = deadline
        if self._budget is not None and self._budget[0] < deadline:
            end = self._budget[0]
        transport = self.transport
        try:
            if isinstance(transport, LoopTransport):
                return await transport.read_before(end)
            async with asyncio.timeout_at(end):
                return await transport.read()
        except TimeoutError:
            if end < deadline:
                self.check_budget()
            raise

    @property
    def epoch(self) -> int:
        """How many times `close` was called: a turn begun before a close does not go on."""
        return self._epoch

    @property
    def raw_frames(self) -> tuple[RawFrame, ...]:
        """The last frames sent and received, oldest first."""
        return tuple(RawFrame(*frame) for frame in self._history)

    def must_connect(self) -> bool:
        """Whether `connect` has anything to do: the link is closed, stale or to be reopened."""
        transport = self.transport
        return not transport.is_open or transport.stale or self._reconnect

    async def connect(self) -> bool:
        """Open the transport unless it is open and healthy; True when it was opened now.

        Raises `PylontechConnectionError` while the backoff after a failure runs, and when the
        transport cannot be opened (which lengthens the backoff).
        """
        transport = self.transport
        if transport.is_open:
            if not (transport.stale or self._reconnect):
                return False
            _LOGGER.debug("reconnecting to %s after a silence", transport.description)
            await transport.close()
        self._reconnect = False
        wait = self._next_attempt - time.monotonic()
        if wait > 0:
            msg = f"{transport.description} unreachable; next attempt in {wait:.0f} s"
            raise PylontechBackoffError(msg)
        try:
            await transport.open()
        except PylontechConnectionError:
            self._back_off()
            raise
        self._backoff = 0.0
        self.must_drain = False
        _LOGGER.debug("connected to %s", transport.description)
        return True

    def turn(self, silence: float, answered: Callable[[bytes], bool]) -> Turn:
        """One request and its answer, alone on the link: opened, paced, and accounted for.

        `pace` drains a late answer first after a timeout. The block gets whether bytes
        buffered before are stale (the link was just opened, or a late answer was drained). A
        `PylontechTimeoutError` from the block counts towards a reconnect; a
        `PylontechConnectionError` closes the link and starts the backoff.
        """
        return Turn(self, silence, answered)

    async def pace(self, silence: float, answered: Callable[[bytes], bool]) -> None:
        """Wait out the gap since the last exchange; after a timeout, drain first (`_drain`)."""
        if self.must_drain:
            await self._drain(silence, answered)
        delay = self._last_exchange + self.gap - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def must_pace(self) -> bool:
        """Whether `pace` has anything to do: a drain, or a gap that may not be over."""
        return self.must_drain or self.gap > 0

    def exchanged(self) -> None:
        """Note the end of an exchange, answered or not: the gap counts from here."""
        self._last_exchange = time.monotonic()

    def answered(self) -> None:
        """Note an answer: the count of silent requests starts again."""
        self._timeouts_in_a_row = 0

    def timed_out(self) -> None:
        """Note a request that got no answer in time."""
        self.must_drain = True
        self._timeouts_in_a_row += 1
        if self._timeouts_in_a_row >= TIMEOUTS_BEFORE_RECONNECT:
            # Several silent requests in a row: the link may be half open (protocol.md 6.4).
            self._timeouts_in_a_row = 0
            self._reconnect = True

    async def fail(self) -> None:
        """Close after a link failure; the next attempt waits out the backoff."""
        await self.transport.close()
        self._back_off()

    async def close(self) -> None:
        """Close the transport now, ending any exchange in flight (it raises ours).

        Never waits for the exchange: its next wait on the closed link fails, and a poll in
        progress stops at its next request instead of reopening the link.
        """
        self._epoch += 1
        await self.transport.close()

    def record(
        self, direction: Literal["tx", "rx"], data: bytes, command: int | str | None
    ) -> None:
        """Keep what crossed the wire for diagnostics."""
        self._history.append((direction, time.time(), data, command))
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s %r", direction, data)

    def _back_off(self) -> None:
        self._backoff = min(max(self._backoff * 2, BACKOFF_FIRST), BACKOFF_MAX)
        self._next_attempt = time.monotonic() + self._backoff

    async def _drain(self, silence: float, answered: Callable[[bytes], bool]) -> None:
        """Swallow an answer still on its way to a request that timed out.

        Waits until `answered` says a whole answer has arrived and the line has then been quiet
        for `QUIET`, or until the line has been silent for `silence` (the request timeout), and
        never longer than twice `silence` in all: bytes that keep coming (junk, a heartbeat,
        another master) cannot hold the link, and a late answer is never taken for the answer
        to the next request (the decoder is reset and answers are matched to their request).
        """
        dropped = self.transport.discard_input()
        start = loop_time()
        cap = start + 2 * silence
        quiet_until = start + silence
        complete = False
        while True:
            try:
                data = await self.read_before(min(quiet_until, cap))
            except TimeoutError:
                break
            dropped += len(data)
            complete = answered(data) or complete
            quiet_until = loop_time() + (QUIET if complete else silence)
        self.must_drain = False
        dropped += self.transport.discard_input()
        if dropped:
            _LOGGER.debug("dropped %d late bytes before the next request", dropped)
