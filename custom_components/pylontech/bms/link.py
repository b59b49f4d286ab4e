"""One link to a BMS, whatever speaks over it: binary frames or console text.

The link opens its transport on demand and, after a failure, waits a capped exponential backoff
before the next attempt; it paces requests, counts silent requests and asks for a reconnect after
several in a row (a half-open TCP link, protocol.md 6.4), swallows what arrives late after a
timeout, and keeps the last exchanges for diagnostics.
"""

from __future__ import annotations

import asyncio
from collections import deque
import contextlib
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Literal, Self

from .exceptions import PylontechConnectionError, PylontechTimeoutError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from .transport import Transport

_LOGGER = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
QUIET = 0.1  # s of silence after a late answer that ends the drain after a timeout
TIMEOUTS_BEFORE_RECONNECT = 3


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

    def __init__(self, transport: Transport, *, gap: float, history: int = 64) -> None:
        """Wrap `transport`; nothing is opened before the first `connect`."""
        self.transport = transport
        self.gap = gap
        self.lock = asyncio.Lock()
        self.must_drain = False
        self._history: deque[RawFrame] = deque(maxlen=history)
        self._last_exchange = 0.0
        self._timeouts_in_a_row = 0
        self._reconnect = False
        self._backoff = 0.0
        self._next_attempt = 0.0

    @property
    def raw_frames(self) -> tuple[RawFrame, ...]:
        """The last frames sent and received, oldest first."""
        return tuple(self._history)

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
            raise PylontechConnectionError(msg)
        try:
            await transport.open()
        except PylontechConnectionError:
            self._back_off()
            raise
        self._backoff = 0.0
        self.must_drain = False
        _LOGGER.debug("connected to %s", transport.description)
        return True

    @contextlib.asynccontextmanager
    async def turn(self, silence: float, answered: Callable[[bytes], bool]) -> AsyncIterator[bool]:
        """One request and its answer, alone on the link: opened, paced, and accounted for.

        `pace` drains a late answer first after a timeout. Yields whether bytes buffered before are stale (the link was just opened, or a late
        answer was drained). A `PylontechTimeoutError` from the block counts towards a
        reconnect; a `PylontechConnectionError` closes the link and starts the backoff.
        """
        async with self.lock:
            stale = await self.connect()
            try:
                stale = self.must_drain or stale
                await self.pace(silence, answered)
                yield stale
            except PylontechTimeoutError:
                self.timed_out()
                raise
            except PylontechConnectionError:
                await self.fail()
                raise
            finally:
                self.exchanged()

    async def pace(self, silence: float, answered: Callable[[bytes], bool]) -> None:
        """Wait out the gap since the last exchange; after a timeout, drain first (`_drain`)."""
        if self.must_drain:
            await self._drain(silence, answered)
        delay = self._last_exchange + self.gap - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

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
        """Close the transport once no request is in flight."""
        async with self.lock:
            await self.transport.close()

    def record(
        self, direction: Literal["tx", "rx"], data: bytes, command: int | str | None
    ) -> None:
        """Keep what crossed the wire for diagnostics."""
        self._history.append(RawFrame(direction, time.time(), data, command))
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("%s %r", direction, data)

    def _back_off(self) -> None:
        self._backoff = min(max(self._backoff * 2, BACKOFF_FIRST), BACKOFF_MAX)
        self._next_attempt = time.monotonic() + self._backoff

    async def _drain(self, silence: float, answered: Callable[[bytes], bool]) -> None:
        """Swallow an answer still on its way to a request that timed out.

        Waits until `answered` says a whole answer has arrived and the line has then been quiet
        for `QUIET`, or until the line has been silent for `silence` (the request timeout): an
        answer up to twice the timeout late is swallowed here and never taken for the answer to
        the next request.
        """
        dropped = self.transport.discard_input()
        window = silence
        while True:
            try:
                async with asyncio.timeout(window):
                    data = await self.transport.read()
            except TimeoutError:
                break
            dropped += len(data)
            if answered(data):
                window = QUIET
        self.must_drain = False
        if dropped:
            _LOGGER.debug("dropped %d late bytes before the next request", dropped)


class LinkClient:
    """What a client of one link offers, whatever it speaks.

    The transport, the gap between requests, the raw history, and closing (also as an async
    context manager).
    """

    timeout: float

    def __init__(self, link: Link) -> None:
        """Use `link`; nothing is opened before the first request."""
        self._link = link

    @property
    def transport(self) -> Transport:
        """The link to the stack."""
        return self._link.transport

    @property
    def gap(self) -> float:
        """Seconds between the end of one exchange and the next request."""
        return self._link.gap

    @gap.setter
    def gap(self, value: float) -> None:
        self._link.gap = max(value, self._min_gap())

    @property
    def raw_frames(self) -> tuple[RawFrame, ...]:
        """The last frames (or console exchanges) sent and received, oldest first."""
        return self._link.raw_frames

    async def __aenter__(self) -> Self:
        """Use the client in an ``async with`` block."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the connection when the block ends."""
        await self.close()

    async def close(self) -> None:
        """Close the connection; the next request opens it again."""
        await self._link.close()

    def _min_gap(self) -> float:
        """The least gap the other end needs, whatever is asked for."""
        return 0.0
