"""A pseudo-terminal bridged to a TCP port: a serial-port program talks to a TCP server.

The program opens `PtyTcpBridge.path` as if it were a serial port; the event loop copies every
byte unchanged both ways between the pseudo-terminal's master side and one TCP connection. The
terminal is raw, so nothing is translated (a frame's CR stays a CR) and nothing is echoed.

With `baud`, the line runs at that rate only: what the program writes while its port is set to
another rate does not reach the server, as a BMS hears only garbage then and stays silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty
from typing import Self

READ_SIZE = 4096


class PtyTcpBridge:
    """Copies bytes between a pseudo-terminal and a TCP connection; an async context manager.

    `sent` and `received` hold what went to the server and what came back; `take()` empties
    them, so that a test can show the frames of each exchange.
    """

    def __init__(self, host: str, port: int, baud: int | None = None) -> None:
        self.host = host
        self.port = port
        self.baud = baud
        self.misheard = 0
        """Bytes the program wrote at another rate than `baud` (not passed on)."""
        self.path = ""
        """The slave side's path, for the program to open as a serial port."""
        self.sent = bytearray()
        self.received = bytearray()
        self._master = -1
        self._slave = -1
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        """Open the pseudo-terminal and the TCP connection, and start copying."""
        self._master, self._slave = os.openpty()
        try:
            # The slave stays open here until the end: with no slave open, reading the master
            # fails (EIO) between the program's open and close.
            tty.setraw(self._slave)
            self.path = os.ttyname(self._slave)
            os.set_blocking(self._master, False)
            reader, self._writer = await asyncio.open_connection(self.host, self.port)
        except BaseException:
            self._close_fds()
            raise
        loop = asyncio.get_running_loop()
        loop.add_reader(self._master, self._from_pty)
        self._task = asyncio.create_task(self._to_pty(reader))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop copying and close everything: the reader, the task, the socket and both fds."""
        asyncio.get_running_loop().remove_reader(self._master)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._close_fds()

    def take(self) -> tuple[bytes, bytes]:
        """What was sent and received since the last call, emptied."""
        exchange = bytes(self.sent), bytes(self.received)
        self.sent.clear()
        self.received.clear()
        return exchange

    def _from_pty(self) -> None:
        """The program wrote to its serial port: send it on to the server."""
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        assert self._writer is not None
        if self.baud is not None:
            speed = termios.tcgetattr(self._slave)[5]  # the rate the program set on its port
            if speed != getattr(termios, f"B{self.baud}"):
                self.misheard += len(data)
                return
        self.sent += data
        self._writer.write(data)

    async def _to_pty(self, reader: asyncio.StreamReader) -> None:
        """The server answered: write it to the program's serial port, all of it."""
        loop = asyncio.get_running_loop()
        while data := await reader.read(READ_SIZE):
            self.received += data
            view = memoryview(data)
            while view:
                try:
                    view = view[os.write(self._master, view) :]
                except BlockingIOError:
                    writable = loop.create_future()
                    loop.add_writer(self._master, _wake, writable)
                    try:
                        await writable
                    finally:
                        loop.remove_writer(self._master)

    def _close_fds(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
