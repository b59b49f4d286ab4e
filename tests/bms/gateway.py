"""A serial-to-TCP gateway on loopback whose battery answers with frames captured from real packs.

Until the simulator exists, this is what the client talks to in the tests: real sockets, real
frames (tests/vectors), and a script per test for what the "bus" does besides answering: echoes,
another master's traffic, late or missing answers, a dropped connection.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

from custom_components.pylontech.bms import Frame, FrameDecoder

if TYPE_CHECKING:
    from collections.abc import Callable

CLOSE: Final = "close"
"""In a reply script: close the connection."""

type Step = bytes | float | str
"""A reply script step: bytes to send, seconds to wait, or CLOSE."""


class ReplayGateway:
    """Answers each request it knows with its captured answer; silence for the others."""

    def __init__(self, answers: dict[bytes, bytes]) -> None:
        self.answers = answers
        self.received: list[bytes] = []
        self.respond: Callable[[bytes], list[Step]] = self.answer
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def answer(self, request: bytes) -> list[Step]:
        """The default script: the captured answer, if there is one."""
        answer = self.answers.get(request)
        return [] if answer is None else [answer]

    @property
    def port(self) -> int:
        assert self._server is not None
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self, port: int = 0) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        decoder = FrameDecoder()
        try:
            while data := await reader.read(4096):
                for frame in decoder.feed(data):
                    if not isinstance(frame, Frame):
                        continue
                    self.received.append(frame.raw)
                    for step in self.respond(frame.raw):
                        if step == CLOSE:
                            return
                        if isinstance(step, float):
                            await asyncio.sleep(step)
                        else:
                            assert isinstance(step, bytes)
                            writer.write(step)
                            await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
