"""The simulator: a BMS stack answering the binary protocol on TCP, as a serial gateway would.

Requests are framed with `frame.FrameDecoder` (split over reads, garbage before '~'); frames
that are not requests are ignored. Each connection is served one request at a time, as a
half-duplex bus is. Wire timing uses the event loop's clock; the values served use `clock`.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING

from ...binary.frame import Frame, FrameDecoder
from ...dialects import get_dialect
from ..drift import DriftingPack
from ..faults import FaultKind, FaultPlan, damage
from ..gateway import DEFAULT_DELAY, TcpSimulator
from .scenario import MAX_PACKS, Scenario, load_scenario
from .stack import SimulatedStack

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Mapping
    import os

    from ..gateway import Handler


type ScenarioSource = Mapping[str, object] | str | os.PathLike[str]


class Simulator(TcpSimulator):
    """Serve a simulated stack on TCP until `stop()`; also an async context manager.

    Without a `scenario` the stack is invented (`packs` packs of `dialect`, default 1 pylontech)
    and its values drift with `clock` (see `drift`); with one, it serves the scenario's values.
    `baud` throttles every reply to its time on a serial line and `turnaround` (ms) delays its
    first byte, both counted from the end of the request; `clients` caps simultaneous TCP
    clients (one more is accepted and closed at once); `faults` and `delay_seconds` inject
    faults (see `faults`); `seed` makes the invented stack and the faults reproducible.
    `first_address` puts the invented stack's first pack there instead of at the dialect's
    master address (PACE 0: a stand-alone pack); with `only_adr` the stack answers requests to
    that ADR only (a PACE master's RS232 port: 0).
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
        first_address: int | None = None,
        only_adr: int | None = None,
    ) -> None:
        """Prepare the stack; nothing listens before `start()`.

        Raises `ValueError` (`ScenarioError`, `FaultSpecError`) for arguments that cannot work.
        """
        if turnaround < 0:
            msg = "turnaround cannot be negative"
            raise ValueError(msg)
        if scenario is not None and first_address is not None:
            msg = "a scenario gives its packs' addresses; a first address cannot be set too"
            raise ValueError(msg)
        super().__init__(host=host, port=port, baud=baud, clients=clients, faults=faults,
                         delay_seconds=delay_seconds, seed=seed)  # fmt: skip
        self.turnaround = turnaround
        """Milliseconds before the first byte of a reply."""
        self._epoch = clock()
        self._clock = clock
        self._only_adr = only_adr
        if scenario is not None:
            self.set_scenario(scenario, dialect=dialect, packs=packs)
        else:
            self.stack = self._invented_stack(
                dialect or "pylontech", 1 if packs is None else packs, first_address
            )

    # -- what is served --------------------------------------------------------------------------

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
        self.stack = SimulatedStack(
            scenario.dialect, scenario.packs, self.now, only_adr=self._only_adr
        )

    def _invented_stack(self, name: str, count: int, first: int | None) -> SimulatedStack:
        if not 1 <= count <= MAX_PACKS:
            msg = f"a stack has 1 to {MAX_PACKS} packs, not {count}"
            raise ValueError(msg)
        dialect = get_dialect(name)
        first = dialect.first_address if first is None else first
        if not 0 <= first <= 0xFE - count:
            msg = f"a stack of {count} packs cannot start at address {first}"
            raise ValueError(msg)
        profile = dialect.typical()
        rng = random.Random(self.seed)  # noqa: S311
        identities = profile.identity(rng, count)
        phase = rng.uniform(0, 6.283)
        packs = [
            DriftingPack(
                dialect,
                profile,
                address=first + index,
                identity=identities[index],
                phase=phase,
                rng=random.Random(f"{self.seed}:{index}"),  # noqa: S311
            )
            for index in range(count)
        ]
        return SimulatedStack(dialect, packs, self.now, only_adr=self._only_adr)

    # -- the server ------------------------------------------------------------------------------

    def _description(self) -> str:
        return f"simulating a {len(self.stack.packs)}-pack {self.stack.dialect.name} stack"

    def _connection(self) -> Handler:
        """Requests are framed as they arrive (split over reads, garbage before '~')."""
        decoder = FrameDecoder()

        async def handle(data: bytes, received: float, writer: asyncio.StreamWriter) -> bool:
            for item in decoder.feed(data):
                if isinstance(item, Frame) and not await self._handle(item, received, writer):
                    return False
            return True

        return handle

    async def _handle(self, request: Frame, received: float, writer: asyncio.StreamWriter) -> bool:
        """Answer one request, with the faults drawn for it; False to close the connection."""
        reply = self.stack.answer(request)
        if reply is None:
            return True
        hits = self.faults.draw(self._rng)
        lost = self._lost(hits, request.raw)
        if lost is not None:
            return lost is not FaultKind.DISCONNECT
        data = damage(reply, hits, self.stack, self._rng, self.fault_counts)
        await self._send(writer, data, hits, received + self.turnaround / 1000)
        return True
