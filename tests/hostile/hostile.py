"""Hostile lines on loopback: servers and a proxy that misbehave on purpose, and a stall meter.

Every server here listens on 127.0.0.1 and is started and stopped by the test that uses it. A
*behaviour* is a coroutine given the reader and writer of one connection; it decides what the
"gateway" sends. `HostileProxy` sits in front of a real simulator and can switch, at any moment,
from passing bytes through to one of these behaviours, so a test can make a healthy line go bad
and heal again.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import time
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

type Behaviour = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def trickle(data: bytes, every: float, *, after: bytes = b"") -> Behaviour:
    """Reads what the client sends; first writes `after` once, then `data` every `every` s."""

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reading = asyncio.ensure_future(_swallow(reader))
        try:
            if after:
                await reader.readuntil(b"\r")
                writer.write(after)
            while True:
                writer.write(data)
                await writer.drain()
                await asyncio.sleep(every)
        finally:
            await _cancel(reading)

    return behave


def echo_then_trickle(every: float, byte: bytes = b"x") -> Behaviour:
    """A console that echoes each command line and then sends one byte every `every` s."""

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender: asyncio.Task[None] | None = None
        try:
            while True:
                line = await reader.readuntil(b"\r")
                if sender is not None:
                    sender.cancel()
                writer.write(line + b"\n")
                sender = asyncio.ensure_future(_every(writer, byte, every))
        finally:
            if sender is not None:
                await _cancel(sender)

    return behave


def flood(chunk: bytes, total: int) -> Behaviour:
    """Sends `total` bytes made of `chunk` as fast as loopback takes them, then stays silent."""

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reading = asyncio.ensure_future(_swallow(reader))
        try:
            block = chunk * max(1, 65536 // len(chunk))
            sent = 0
            while sent < total:
                writer.write(block)
                sent += len(block)
                await writer.drain()
            await asyncio.Event().wait()
        finally:
            await _cancel(reading)

    return behave


def answer_with(answers: Callable[[bytes], bytes | None]) -> Behaviour:
    """Answers each line (up to CR) the client sends with `answers(line)`; None: silence."""

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            line = await reader.readuntil(b"\r")
            reply = answers(line)
            if reply is not None:
                writer.write(reply)
                await writer.drain()

    return behave


async def _cancel(*tasks: asyncio.Future[object]) -> None:
    """Cancel `tasks` and wait until they have ended, whatever they raised."""
    for task in tasks:
        task.cancel()
    with contextlib.suppress(BaseException):
        await asyncio.gather(*tasks, return_exceptions=True)


async def _swallow(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


async def _every(writer: asyncio.StreamWriter, data: bytes, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        writer.write(data)
        await writer.drain()


@dataclass
class HostileServer:
    """A loopback TCP server running `behaviour` on every connection."""

    behaviour: Behaviour
    port: int = 0
    connections: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def open_connections(self) -> int:
        """Connections the client still holds open."""
        return len(self._writers)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            await self.behaviour(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            self._writers.discard(writer)
            writer.close()


@dataclass
class HostileProxy:
    """Passes bytes between a client and a real simulator until told to misbehave.

    `go_bad(behaviour)`: from now on the simulator's answers are thrown away and `behaviour`
    decides what the client gets (new connections too); `heal()` passes bytes through again.
    """

    upstream_port: int
    port: int = 0
    bad: Behaviour | None = None
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def go_bad(self, behaviour: Behaviour) -> None:
        """The line goes bad: `behaviour` speaks instead of the battery."""
        self.bad = behaviour
        self._changed.set()

    def heal(self) -> None:
        """The line is healthy again."""
        self.bad = None
        self._changed.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            while True:
                self._changed.clear()
                if self.bad is None:
                    mode = asyncio.ensure_future(_pipe(reader, writer, up_reader, up_writer))
                else:
                    mode = asyncio.ensure_future(self.bad(reader, writer))
                changed = asyncio.ensure_future(self._changed.wait())
                try:
                    done, _ = await asyncio.wait(
                        {mode, changed}, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    await _cancel(mode, changed)
                if mode in done and not reader.at_eof() and changed not in done:
                    return  # the client or the simulator ended the link
                if reader.at_eof():
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            up_writer.close()
            writer.close()


async def _pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
) -> None:
    async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()

    tasks = [
        asyncio.ensure_future(copy(reader, up_writer)),
        asyncio.ensure_future(copy(up_reader, writer)),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        # What the simulator had already sent for a request made before the change is dropped.
        await _cancel(*tasks)


class StallMeter:
    """Measures the event loop's worst stall: how late a 5 ms ticker wakes up."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._task = asyncio.ensure_future(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.tick)
            self.worst = max(self.worst, time.monotonic() - before - self.tick)


async def ends_within[T](
    seconds: float, awaitable: Awaitable[T]
) -> tuple[float, T | BaseException]:
    """(elapsed s, result or exception) of `awaitable`; fails the test if it runs past `seconds`.

    A hang is reported as a failure after `seconds` instead of blocking the suite.
    """
    start = time.monotonic()
    scope = asyncio.timeout(seconds)
    try:
        async with scope:
            result: T | BaseException = await awaitable
    except TimeoutError as err:
        if scope.expired():
            raise AssertionError(f"still running after {seconds} s") from None
        result = err
    except Exception as err:  # noqa: BLE001 - the test looks at which error it was
        result = err
    return time.monotonic() - start, result
