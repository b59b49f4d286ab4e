"""What both simulators share: a TCP server standing in for a serial gateway, and its faults.

`TcpSimulator` listens on `host:port`, caps simultaneous clients as a one-client gateway does,
keeps each connection's task for `stop()`, and hands every chunk a client sends to that
connection's handler (`_connection`). It also holds the fault plan and applies the faults every
answer can meet on its way out: ``disconnect`` and ``drop`` (`_lost`), ``delay`` and ``split``
(`_send`); the binary simulator (`server`) and the console (`console_server`) add the faults of
their own kind of answer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import contextlib
import logging
import random
import socket
from typing import TYPE_CHECKING, Self

from .faults import FaultKind, FaultPlan, FaultSpecError, split
from .line import transmit

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

DEFAULT_DELAY = 3.0
"""Seconds a delayed reply waits: past a client's 2 s timeout."""

type Handler = Callable[[bytes, float, asyncio.StreamWriter], Awaitable[bool]]
"""Takes what a client sent, the loop time it arrived and the client's writer; False to close
the connection."""


class TcpSimulator:
    """A simulated gateway on TCP until `stop()`; also an async context manager.

    `baud` throttles every answer to its time on a serial line; `clients` caps simultaneous TCP
    clients (one more is accepted and closed at once); `faults` and `delay_seconds` inject
    faults; `seed` makes them reproducible.
    """

    FAULTS: frozenset[FaultKind] = frozenset(FaultKind)
    """The fault kinds this simulator's answers can suffer."""
    NAME = "simulator"
    """What the simulator is called in messages."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        baud: int | None,
        clients: int | None,
        faults: FaultPlan | str | None,
        delay_seconds: float,
        seed: int,
    ) -> None:
        """Check the arguments; nothing listens before `start()`.

        Raises `ValueError` (`FaultSpecError`) for arguments that cannot work.
        """
        for name, value in (("baud", baud), ("clients", clients)):
            if value is not None and value < 1:
                msg = f"{name} must be at least 1, not {value}"
                raise ValueError(msg)
        if delay_seconds < 0:
            msg = "delay_seconds cannot be negative"
            raise ValueError(msg)
        self.host = host
        self.baud = baud
        self.clients = clients
        self.delay_seconds = delay_seconds
        self.seed = seed
        self.faults = faults  # the setter parses a spec
        self.fault_counts: Counter[FaultKind] = Counter()
        """How many faults of each kind were injected."""
        self.connections = 0
        """TCP clients served so far."""
        self.refused = 0
        """TCP clients closed at once because `clients` were already connected."""
        self.requested_port = port
        """The port asked for (0: any free one); `port` is the one listened on."""
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
        wrong = sorted(kind.value for kind in plan.rates if kind not in self.FAULTS)
        if wrong:
            known = ", ".join(sorted(kind.value for kind in self.FAULTS))
            msg = f"not a {self.NAME} fault: {', '.join(wrong)} ({self.NAME} faults: {known})"
            raise FaultSpecError(msg)
        self._faults = plan

    @property
    def port(self) -> int:
        """The TCP port listened on (the one picked when 0 was asked for)."""
        if self._server is None:
            msg = f"the {self.NAME} is not running"
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
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self.requested_port)
        _LOGGER.debug("%s on %s", self._description(), self.url)

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
        _LOGGER.debug("%s stopped", self.NAME)

    async def __aenter__(self) -> Self:
        """Start, for an ``async with`` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop when the block ends."""
        await self.stop()

    def _description(self) -> str:
        """What is served, for the log."""
        return f"serving a {self.NAME}"

    def _connection(self) -> Handler:
        """The handler of a new connection's bytes (its own framing or line discipline)."""
        raise NotImplementedError

    def _lost(self, hits: set[FaultKind], what: object) -> FaultKind | None:
        """``disconnect`` or ``drop`` when drawn for this answer (counted), else None."""
        for kind in (FaultKind.DISCONNECT, FaultKind.DROP):
            if kind in hits:
                self.fault_counts[kind] += 1
                _LOGGER.debug("fault %s for %r", kind, what)
                return kind
        return None

    async def _send(
        self, writer: asyncio.StreamWriter, data: bytes, hits: set[FaultKind], start: float
    ) -> None:
        """Send an answer from loop time `start` on, ``delay``-ed and ``split`` as drawn."""
        if FaultKind.DELAY in hits:
            self.fault_counts[FaultKind.DELAY] += 1
            start += self.delay_seconds
        pieces = [data]
        if FaultKind.SPLIT in hits:
            self.fault_counts[FaultKind.SPLIT] += 1
            pieces = split(data, self._rng)
        await transmit(writer, pieces, start=start, baud=self.baud, rng=self._rng)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One TCP client: feed what it sends to its handler until either side closes."""
        if self.clients is not None and self._active >= self.clients:
            self.refused += 1
            _LOGGER.debug("refused a client: %d already connected", self._active)
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
        handle = self._connection()
        try:
            while data := await reader.read(4096):
                if not await handle(data, loop.time(), writer):
                    return
        except ConnectionError as err:
            _LOGGER.debug("client gone: %s", err)
        finally:
            self._active -= 1
            self._tasks.discard(task)
            writer.close()
