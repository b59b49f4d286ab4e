"""The `asyncio.Protocol` of a link: what the event loop receives, and the one reader waiting."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Final

from ..exceptions import PylontechConnectionError, PylontechGatewayBusyError

# Received bytes held before the socket or port is no longer read (resumed when they are taken).
_READ_LIMIT: Final = 64 * 1024
_FIRST_DATA: Final = 256
"""Bytes of the first arrival kept in `Receiver.first_data`."""


def _wake(waiter: asyncio.Future[bool] | None) -> None:
    """Resolve a waiter that is still pending: something happened before its deadline."""
    if waiter is not None and not waiter.done():
        waiter.set_result(True)


class Receiver(asyncio.Protocol):
    """Collects what the event loop receives and wakes the one reader or writer waiting."""

    def __init__(self) -> None:
        """Nothing received yet; the event loop calls `connection_made` next."""
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.last_received: float | None = None
        self.first_data = b""
        """The first bytes received on the link (what answered at all, for a diagnosis)."""
        self.ended = False
        """The peer ended the stream, or the link broke or was closed."""
        self.error: Exception | None = None
        self.closed_here = False
        """`close` ended the link, not the peer."""
        self.loop = asyncio.get_running_loop()
        self.lost: asyncio.Future[bool] = self.loop.create_future()
        self._data_waiter: asyncio.Future[bool] | None = None
        self.drain_waiter: asyncio.Future[bool] | None = None
        """Pending while the send buffer is full (`drain` waits on it)."""
        self._reading_paused = False
        self._deadline = 0.0
        """When the wait in progress ends (event-loop time)."""
        self._alarm: asyncio.TimerHandle | None = None
        """One timer for every wait: due at or before the deadline of the wait in progress,
        it sets itself again when it comes early, so a wait that data ends costs no timer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the event loop's transport."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Hold what arrived; stop reading the socket while too much is held."""
        self.buffer += data
        self.last_received = time.monotonic()
        if not self.first_data:
            self.first_data = data[:_FIRST_DATA]
        _wake(self._data_waiter)
        if len(self.buffer) > _READ_LIMIT and not self._reading_paused:
            assert self.transport is not None
            self._reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        """The peer ended the stream."""
        self.ended = True
        _wake(self._data_waiter)
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        """The link ended: wake whoever waits."""
        self.ended = True
        self.error = exc
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        _wake(self._data_waiter)
        _wake(self.drain_waiter)
        _wake(self.lost)

    def pause_writing(self) -> None:
        """The send buffer is full: writers wait."""
        self.drain_waiter = self.loop.create_future()

    def resume_writing(self) -> None:
        """The send buffer has room again."""
        waiter, self.drain_waiter = self.drain_waiter, None
        _wake(waiter)

    async def wait_for_data(self, deadline: float | None = None) -> bool:
        """Wait until bytes arrive or the link ends (one reader at a time): True.

        With a `deadline` (event-loop time), False when it comes first.
        """
        if self._data_waiter is not None:
            msg = "read() is already waiting on this transport"
            raise RuntimeError(msg)
        waiter: asyncio.Future[bool] = self.loop.create_future()
        self._data_waiter = waiter
        self._deadline = math.inf if deadline is None else deadline
        if deadline is not None:
            alarm = self._alarm
            if alarm is None or alarm.when() > deadline:
                if alarm is not None:
                    alarm.cancel()
                self._alarm = self.loop.call_at(deadline, self._ring)
        try:
            return await waiter
        finally:
            self._data_waiter = None

    def _ring(self) -> None:
        """The timer is due: end the wait whose deadline it is, or wait on until that."""
        alarm, self._alarm = self._alarm, None
        waiter = self._data_waiter
        if alarm is None or waiter is None or waiter.done():
            return
        if self._deadline <= alarm.when():
            waiter.set_result(False)
        elif self._deadline != math.inf:  # the wait in progress has a later deadline
            self._alarm = self.loop.call_at(self._deadline, self._ring)

    async def drain(self) -> None:
        """Wait while the send buffer is full."""
        if self.drain_waiter is not None:
            await asyncio.shield(self.drain_waiter)

    def take(self, size: int) -> bytes:
        """Up to `size` bytes held, oldest first; resume reading once below the limit."""
        buffer = self.buffer
        if len(buffer) <= size:
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:size])
            del buffer[:size]
        if self._reading_paused and len(self.buffer) <= _READ_LIMIT:
            assert self.transport is not None
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    def check(self, description: str, *, reading: bool, busy_if_silent: bool = False) -> None:
        """Raise ours if the link has ended (for a reader: and nothing is left to read).

        With `busy_if_silent`, a peer that closes or resets a link on which it never sent a byte
        is reported as a busy gateway (closing a socket with unread input sends a reset).
        """
        if not self.ended or (reading and self.buffer):
            return
        if self.closed_here:
            raise PylontechConnectionError(f"{description} was closed")
        if busy_if_silent and self.last_received is None:
            msg = (
                f"{description} closed the connection before sending anything; "
                "is another client connected to the gateway?"
            )
            raise PylontechGatewayBusyError(msg) from self.error
        if self.error is not None:
            msg = f"link to {description} broke: {self.error}"
            raise PylontechConnectionError(msg) from self.error
        raise PylontechConnectionError(f"{description} closed the connection")
