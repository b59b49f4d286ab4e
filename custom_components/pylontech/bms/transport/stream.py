"""What every byte stream to a BMS shares: the `Transport` protocol and the event-loop plumbing.

A transport only moves bytes. Framing is the framer's job, and timing the answer to a request is
the client's: `Transport.read` waits for as long as it is left to, so the caller wraps it in a
deadline. Every failure of the link is raised as a `PylontechConnectionError`
(`PylontechTimeoutError` for a connect that took too long), chained with ``from``.

Both transports plug a small `asyncio.Protocol` into the event loop's transport layer (TCP:
``loop.create_connection``; serial: ``serialx.create_serial_connection``) instead of an
`asyncio.StreamReader`, because a stream reader can neither drop what it holds without waiting
nor tell when its bytes arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Final, Protocol

import serialx

from ..exceptions import PylontechConnectionError
from .receiver import Receiver

_LOGGER = logging.getLogger(__name__)

READ_SIZE: Final = 4096
"""Most bytes one `Transport.read` returns."""
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_IDLE_TIMEOUT: Final = 120.0

# How long close() lets unsent bytes go out before it aborts the link.
_CLOSE_TIMEOUT: Final = 1.0


class Transport(Protocol):
    """A byte stream to one BMS bus: open it, write requests, read what arrives, close it."""

    description: str
    """Where the stream goes, for messages and logs: ``tcp://192.0.2.1:1234``."""

    @property
    def is_open(self) -> bool:
        """Whether the link is up: opened, not closed, and not broken or ended by the peer."""

    @property
    def last_received(self) -> float | None:
        """`time.monotonic` when the last byte arrived, None before the first."""

    @property
    def first_received(self) -> bytes:
        """The start of the first bytes received on the last link that received any."""

    @property
    def stale(self) -> bool:
        """Whether the link is open but silent for so long that it should be reopened."""

    async def open(self) -> None:
        """Connect; a link that is already open is kept, a broken one is closed and replaced."""

    async def close(self) -> None:
        """Close the link and release everything it holds; idempotent, never raises."""

    async def write(self, data: bytes) -> None:
        """Send bytes; waits only while the link's send buffer is full."""

    async def read(self) -> bytes:
        """Wait for at least one byte and return what has arrived, up to `READ_SIZE` bytes."""

    def discard_input(self) -> int:
        """Drop what has arrived and was not read yet, without waiting; return how many bytes."""


class LoopTransport:
    """What both transports share: everything but how the link is opened."""

    description: str
    busy_if_silent = False
    """Whether a link the peer ends without sending a byte means another client holds it."""

    def __init__(self, *, connect_timeout: float, idle_timeout: float | None) -> None:
        """Describe the link; nothing is opened before `open`."""
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        """Seconds of silence after which `stale` turns True; None never."""
        self._receiver: Receiver | None = None
        self._opened_at = 0.0
        self._last_received: float | None = None
        self._first_received = b""

    def __repr__(self) -> str:
        """Name the class and where it goes."""
        return f"<{type(self).__name__} {self.description}>"

    @property
    def is_open(self) -> bool:
        """Whether the link is up: opened, not closed, and not broken or ended by the peer."""
        return self._receiver is not None and not self._receiver.ended

    @property
    def last_received(self) -> float | None:
        """`time.monotonic` when the last byte arrived, None before the first."""
        if self._receiver is not None and self._receiver.last_received is not None:
            return self._receiver.last_received
        return self._last_received

    @property
    def first_received(self) -> bytes:
        """The start of the first bytes received on the last link that received any."""
        receiver = self._receiver
        if receiver is not None and receiver.first_data:
            return receiver.first_data
        return self._first_received

    @property
    def stale(self) -> bool:
        """Whether the open link has received nothing for longer than `idle_timeout`.

        The silence counts from the last byte received, or from the opening if none arrived
        since. A closed link is not stale: it is simply closed.
        """
        receiver = self._receiver
        if receiver is None or self.idle_timeout is None:
            return False
        heard = max(self._opened_at, receiver.last_received or 0.0)
        return time.monotonic() - heard > self.idle_timeout

    async def open(self) -> None:
        """Connect; a link that is already open is kept, a broken one is closed and replaced."""
        if self.is_open:
            return
        await self.close()
        receiver = Receiver()
        await self._connect(receiver)
        self._receiver = receiver
        self._opened_at = time.monotonic()
        _LOGGER.debug("opened %s", self.description)

    async def _connect(self, receiver: Receiver) -> None:
        """Open the link with `receiver` as its protocol; raise ours on failure."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the link and release everything it holds; idempotent, never raises.

        Unsent bytes get `_CLOSE_TIMEOUT` seconds to go out; then the link is aborted.
        """
        receiver, self._receiver = self._receiver, None
        if receiver is None:
            return
        if receiver.last_received is not None:
            self._last_received = receiver.last_received
            self._first_received = receiver.first_data
        receiver.closed_here = True
        transport = receiver.transport
        assert transport is not None
        transport.close()
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await asyncio.shield(receiver.lost)
        except TimeoutError:
            _LOGGER.debug("%s did not close in time, aborting", self.description)
            transport.abort()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_CLOSE_TIMEOUT):
                    await asyncio.shield(receiver.lost)
        _LOGGER.debug("closed %s", self.description)

    async def write(self, data: bytes) -> None:
        """Send bytes; waits only while the link's send buffer is full."""
        receiver = self._link()
        if receiver.ended:
            receiver.check(self.description, reading=False, busy_if_silent=self.busy_if_silent)
        transport = receiver.transport
        assert transport is not None
        try:
            transport.write(data)
        # serialx raises here between a port's hang-up (a USB adapter pulled) and the close
        # that follows it; asyncio's TCP transport drops the bytes silently instead.
        except (OSError, serialx.SerialException) as err:
            raise PylontechConnectionError(f"cannot write to {self.description}: {err}") from err
        if receiver.drain_waiter is not None:
            await receiver.drain()
        if receiver.ended:
            receiver.check(self.description, reading=False, busy_if_silent=self.busy_if_silent)

    async def read(self) -> bytes:
        """Wait for at least one byte and return what has arrived, up to `READ_SIZE` bytes.

        Bytes that arrived before the peer ended the stream are returned first; after them,
        the end or a broken link raises `PylontechConnectionError`.
        """
        return await self.read_before(None)

    async def read_before(self, deadline: float | None) -> bytes:
        """`read`, ending with `TimeoutError` at `deadline` (event-loop time; None: never).

        One timer serves every wait of the link (`Receiver.wait_for_data`): a read that data
        ends neither creates nor cancels one, where ``asyncio.timeout_at`` around `read` would.
        """
        receiver = self._link()
        if receiver.buffer:
            # Bytes are waiting: still let the event loop run once, so that a flood arriving
            # faster than it is read cannot hold the loop for the whole backlog.
            if deadline is not None and deadline <= receiver.loop.time():
                raise TimeoutError
            await asyncio.sleep(0)
            receiver = self._link()
        while not receiver.buffer:
            if receiver.ended:
                receiver.check(self.description, reading=True, busy_if_silent=self.busy_if_silent)
            if not await receiver.wait_for_data(deadline):
                raise TimeoutError
        return receiver.take(READ_SIZE)

    def discard_input(self) -> int:
        """Drop what has arrived and was not read yet, without waiting; return how many bytes."""
        receiver = self._receiver
        if receiver is None:
            return 0
        count = len(receiver.buffer)
        receiver.take(count)
        return count

    def _link(self) -> Receiver:
        """The receiver of the open link; raise ours if there is none."""
        if self._receiver is None:
            raise PylontechConnectionError(f"{self.description} is not open")
        return self._receiver
