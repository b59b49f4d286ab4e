"""`ConsoleSimulator`: a simulated Pylontech console served on TCP, as a serial gateway would.

Each connection has its own line discipline (`console_session`); the console behind them (its
values, and whether it is still asleep) is shared. Faults (`faults`) are drawn once per
answered command line: ``disconnect`` closes the connection, ``drop`` sends nothing (no echo,
no prompt: the line is lost), ``garbage`` puts random bytes before the answer, ``delay`` sends
it `delay_seconds` late and ``split`` writes it in pieces. The frame faults (rtn, wrongpack,
checksum) have no meaning on a text console and are refused.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import contextlib
import logging
import random
import socket
import time
from typing import TYPE_CHECKING, Self

from .console import Console
from .console_session import ConsoleSession, Output
from .faults import FaultKind, FaultPlan, FaultSpecError, garbage, split
from .line import transmit
from .server import DEFAULT_DELAY

if TYPE_CHECKING:
    from collections.abc import Callable
    import os

_LOGGER = logging.getLogger(__name__)

CONSOLE_FAULTS = frozenset(
    {FaultKind.DISCONNECT, FaultKind.DROP, FaultKind.GARBAGE, FaultKind.DELAY, FaultKind.SPLIT}
)
"""The fault kinds a console can suffer."""


class ConsoleSimulator:
    """Serve the console of `model` on TCP until `stop()`; also an async context manager.

    `model`, `packs`, `seed`, `clock`, `replay`, `replay_prefix`, `page_lines`, `page_all`
    and `asleep` make the `Console` (see there). `baud` throttles every answer to its time on a
    serial line; `clients` caps simultaneous TCP clients (one more is accepted and closed at
    once); `faults` and `delay_seconds` inject faults (see the module); `seed` also makes
    the faults reproducible.
    """

    def __init__(
        self,
        model: str = "us",
        packs: int | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        asleep: bool = False,
        replay: str | os.PathLike[str] | None = None,
        replay_prefix: str | None = None,
        page_lines: int | None = None,
        page_all: bool = False,
        baud: int | None = None,
        clients: int | None = None,
        faults: FaultPlan | str | None = None,
        delay_seconds: float = DEFAULT_DELAY,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the console; nothing listens before `start()`.

        Raises `ValueError` (`FaultSpecError`) for arguments that cannot work.
        """
        for name, value in (("baud", baud), ("clients", clients)):
            if value is not None and value < 1:
                msg = f"{name} must be at least 1, not {value}"
                raise ValueError(msg)
        if delay_seconds < 0:
            msg = "delay_seconds cannot be negative"
            raise ValueError(msg)
        self.console = Console(model, packs, seed=seed, clock=clock, replay=replay,
                               replay_prefix=replay_prefix, page_lines=page_lines,
                               page_all=page_all, asleep=asleep)  # fmt: skip
        self.faults = faults
        self.host = host
        self.baud = baud
        self.clients = clients
        self.delay_seconds = delay_seconds
        self.fault_counts: Counter[FaultKind] = Counter()
        """How many faults of each kind were injected."""
        self.connections = 0
        """TCP clients served so far."""
        self.refused = 0
        """TCP clients closed at once because `clients` were already connected."""
        self._port = port
        self._rng = random.Random(seed)  # noqa: S311  # a simulation, not cryptography
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0

    @property
    def faults(self) -> FaultPlan:
        """The fault plan; assign a `FaultPlan`, a spec string or None (no faults)."""
        return self._faults

    @faults.setter
    def faults(self, plan: FaultPlan | str | None) -> None:
        if plan is None or isinstance(plan, str):
            plan = FaultPlan.parse(plan or "")
        wrong = sorted(kind.value for kind in plan.rates if kind not in CONSOLE_FAULTS)
        if wrong:
            known = ", ".join(sorted(kind.value for kind in CONSOLE_FAULTS))
            msg = f"not a console fault: {', '.join(wrong)} (console faults: {known})"
            raise FaultSpecError(msg)
        self._faults = plan

    @property
    def port(self) -> int:
        """The TCP port listened on (the one picked when 0 was asked for)."""
        if self._server is None:
            msg = "the console simulator is not running"
            raise RuntimeError(msg)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        """``tcp://host:port`` of the running simulator."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"

    async def start(self) -> None:
        """Listen; raises `OSError` when the port cannot be had."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, self.host, self._port)
            _LOGGER.debug("simulating a %s console on %s", self.console.model.name, self.url)

    async def stop(self) -> None:
        """Close every connection and the listening socket; idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> Self:
        """Start, for an ``async with`` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop when the block ends."""
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One TCP client: feed its bytes to a session, send what the console answers."""
        if self.clients is not None and self._active >= self.clients:
            self.refused += 1
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._active += 1
        self.connections += 1
        with contextlib.suppress(OSError):
            writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        loop = asyncio.get_running_loop()
        session = ConsoleSession(self.console)
        try:
            while data := await reader.read(4096):
                received = loop.time()
                for output in session.feed(data):
                    if not await self._send(output, session, received, writer):
                        return
        except ConnectionError as err:
            _LOGGER.debug("console client gone: %s", err)
        finally:
            self._active -= 1
            self._tasks.discard(task)
            writer.close()

    async def _send(
        self, output: Output, session: ConsoleSession, received: float,
        writer: asyncio.StreamWriter,
    ) -> bool:  # fmt: skip
        """Send one output with the faults drawn for it; False to close the connection."""
        data, start = output.data, received
        hits = self.faults.draw(self._rng) if output.command is not None else set()
        for kind in (FaultKind.DISCONNECT, FaultKind.DROP):
            if kind in hits:
                self.fault_counts[kind] += 1
                session.cancel_pages()
                _LOGGER.debug("fault %s for %r", kind, output.command)
                return kind is not FaultKind.DISCONNECT
        if FaultKind.GARBAGE in hits:
            self.fault_counts[FaultKind.GARBAGE] += 1
            data = garbage(self._rng) + data
        if FaultKind.DELAY in hits:
            self.fault_counts[FaultKind.DELAY] += 1
            start += self.delay_seconds
        pieces = [data]
        if FaultKind.SPLIT in hits:
            self.fault_counts[FaultKind.SPLIT] += 1
            pieces = split(data, self._rng)
        await transmit(writer, pieces, start=start, baud=self.baud, rng=self._rng)
        return True
