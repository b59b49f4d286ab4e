"""The simulator: a BMS stack answering the binary protocol on TCP, as a serial gateway would.

Requests are framed with `frame.FrameDecoder` (split over reads, garbage before '~'); frames
that are not requests are ignored. Each connection is served one request at a time, as a
half-duplex bus is. Wire timing uses the event loop's clock; the values served use `clock`.
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

from ..dialects import get_dialect
from ..frame import Frame, FrameDecoder
from .drift import DriftingPack
from .faults import FaultKind, FaultPlan, damage, split
from .line import transmit
from .profiles import PROFILES
from .scenario import MAX_PACKS, Scenario, load_scenario
from .stack import SimulatedStack

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    import os


_LOGGER = logging.getLogger(__name__)

DEFAULT_DELAY = 3.0
"""Seconds a delayed reply waits: past a client's 2 s timeout."""

type ScenarioSource = Mapping[str, object] | str | os.PathLike[str]


class Simulator:
    """Serve a simulated stack on TCP until `stop()`; also an async context manager.

    Without a `scenario` the stack is invented (`packs` packs of `dialect`, default 1 pylontech)
    and its values drift with `clock` (see `drift`); with one, it serves the scenario's values.
    `baud` throttles every reply to its time on a serial line and `turnaround` (ms) delays its
    first byte, both counted from the end of the request; `clients` caps simultaneous TCP
    clients (one more is accepted and closed at once); `faults` and `delay_seconds` inject
    faults (see `faults`); `seed` makes the invented stack and the faults reproducible.
    """

    def __init__(
        self,
        dialect: str | None = None,
        packs: int | None = None,
        *,
        scenario: ScenarioSource | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        baud: int | None = None,
        turnaround: float = 0.0,
        clients: int | None = None,
        faults: FaultPlan | str | None = None,
        delay_seconds: float = DEFAULT_DELAY,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare the stack; nothing listens before `start()`.

        Raises `ValueError` (`ScenarioError`, `FaultSpecError`) for arguments that cannot work.
        """
        for name, value, low in (("baud", baud, 1), ("clients", clients, 1)):
            if value is not None and value < low:
                msg = f"{name} must be at least {low}, not {value}"
                raise ValueError(msg)
        if turnaround < 0 or delay_seconds < 0:
            msg = "turnaround and delay_seconds cannot be negative"
            raise ValueError(msg)
        self.host = host
        self.baud = baud
        self.turnaround = turnaround
        """Milliseconds before the first byte of a reply."""
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
        self._port = port
        self._epoch = clock()
        self._clock = clock
        self._rng = random.Random(seed)  # noqa: S311  # a simulation, not cryptography
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = 0
        if scenario is not None:
            self.set_scenario(scenario, dialect=dialect, packs=packs)
        else:
            self.stack = self._invented_stack(dialect or "pylontech", 1 if packs is None else packs)

    # -- what is served --------------------------------------------------------------------------

    @property
    def faults(self) -> FaultPlan:
        """The fault plan; assign a `FaultPlan`, a spec string or None (no faults)."""
        return self._faults

    @faults.setter
    def faults(self, plan: FaultPlan | str | None) -> None:
        if plan is None or isinstance(plan, str):
            plan = FaultPlan.parse(plan or "")
        self._faults = plan

    def now(self) -> float:
        """Seconds of simulation time: `clock()` since the simulator was made."""
        return self._clock() - self._epoch

    def set_scenario(
        self, scenario: ScenarioSource | Scenario, *, dialect: str | None = None,
        packs: int | None = None,
    ) -> None:  # fmt: skip
        """Serve `scenario` (a document, a JSON file or a loaded `Scenario`) from now on.

        `dialect` and `packs`, when given, must agree with the scenario.
        """
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario, seed=self.seed)
        if dialect is not None and get_dialect(dialect) is not scenario.dialect:
            msg = f"the scenario is a {scenario.dialect.name} stack, not {dialect}"
            raise ValueError(msg)
        if packs is not None and packs != len(scenario.packs):
            msg = f"the scenario has {len(scenario.packs)} packs, not {packs}"
            raise ValueError(msg)
        self.stack = SimulatedStack(scenario.dialect, scenario.packs, self.now)

    def _invented_stack(self, name: str, count: int) -> SimulatedStack:
        if not 1 <= count <= MAX_PACKS:
            msg = f"a stack has 1 to {MAX_PACKS} packs, not {count}"
            raise ValueError(msg)
        dialect = get_dialect(name)
        profile = PROFILES[dialect.name]
        rng = random.Random(self.seed)  # noqa: S311
        identities = profile.identity(rng, count)
        phase = rng.uniform(0, 6.283)
        packs = [
            DriftingPack(
                dialect,
                profile,
                address=dialect.first_address + index,
                identity=identities[index],
                phase=phase,
                rng=random.Random(f"{self.seed}:{index}"),  # noqa: S311
            )
            for index in range(count)
        ]
        return SimulatedStack(dialect, packs, self.now)

    # -- the server ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port listened on (the one picked when 0 was asked for)."""
        if self._server is None:
            msg = "the simulator is not running"
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
        self._server = await asyncio.start_server(self._serve, self.host, self._port)
        _LOGGER.debug("simulating %d-pack %s stack on %s", len(self.stack.packs),
                      self.stack.dialect.name, self.url)  # fmt: skip

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
        _LOGGER.debug("simulator stopped")

    async def __aenter__(self) -> Self:
        """Start, for an ``async with`` block."""
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop when the block ends."""
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One TCP client: read requests, answer each in turn."""
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
        decoder = FrameDecoder()
        try:
            while data := await reader.read(4096):
                received = loop.time()
                for item in decoder.feed(data):
                    if isinstance(item, Frame) and not await self._handle(item, received, writer):
                        return
        except ConnectionError as err:
            _LOGGER.debug("client gone: %s", err)
        finally:
            self._active -= 1
            self._tasks.discard(task)
            writer.close()

    async def _handle(self, request: Frame, received: float, writer: asyncio.StreamWriter) -> bool:
        """Answer one request, with the faults drawn for it; False to close the connection."""
        reply = self.stack.answer(request)
        if reply is None:
            return True
        hits = self.faults.draw(self._rng)
        for kind in (FaultKind.DISCONNECT, FaultKind.DROP):
            if kind in hits:
                self.fault_counts[kind] += 1
                _LOGGER.debug("fault %s for %r", kind, request.raw)
                return kind is not FaultKind.DISCONNECT
        data = damage(reply, hits, self.stack, self._rng, self.fault_counts)
        start = received + self.turnaround / 1000
        if FaultKind.DELAY in hits:
            self.fault_counts[FaultKind.DELAY] += 1
            start += self.delay_seconds
        pieces = [data]
        if FaultKind.SPLIT in hits:
            self.fault_counts[FaultKind.SPLIT] += 1
            pieces = split(data, self._rng)
        await transmit(writer, pieces, start=start, baud=self.baud, rng=self._rng)
        return True
