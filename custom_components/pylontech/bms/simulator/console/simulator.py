"""`ConsoleSimulator`: a simulated Pylontech console served on TCP, as a serial gateway would.

Each connection has its own line discipline (`console_session`); the console behind them (its
values, and whether it is still asleep) is shared. Faults (`faults`) are drawn once per
answered command line: ``disconnect`` closes the connection, ``drop`` sends nothing (no echo,
no prompt: the line is lost), ``garbage`` puts random bytes before the answer, ``delay`` sends
it `delay_seconds` late and ``split`` writes it in pieces. The frame faults (rtn, wrongpack,
checksum) have no meaning on a text console and are refused.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..faults import FaultKind, garbage
from ..gateway import DEFAULT_DELAY, TcpSimulator
from .answers import Console
from .session import ConsoleSession

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    import os

    from ..faults import FaultPlan
    from ..gateway import Handler
    from .session import Output


CONSOLE_FAULTS: frozenset[FaultKind] = frozenset(
    {FaultKind.DISCONNECT, FaultKind.DROP, FaultKind.GARBAGE, FaultKind.DELAY, FaultKind.SPLIT}
)
"""The fault kinds a console can suffer."""


class ConsoleSimulator(TcpSimulator):
    """Serve the console of `model` on TCP until `stop()`; also an async context manager.

    `model`, `packs`, `seed`, `clock`, `replay`, `replay_prefix`, `page_lines`, `page_all`
    and `asleep` make the `Console` (see there). `baud` throttles every answer to its time on a
    serial line; `clients` caps simultaneous TCP clients (one more is accepted and closed at
    once); `faults` and `delay_seconds` inject faults (see the module); `seed` also makes
    the faults reproducible.
    """

    FAULTS = CONSOLE_FAULTS
    NAME = "console"

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
        super().__init__(host=host, port=port, baud=baud, clients=clients, faults=faults,
                         delay_seconds=delay_seconds, seed=seed)  # fmt: skip
        self.console = Console(model, packs, seed=seed, clock=clock, replay=replay,
                               replay_prefix=replay_prefix, page_lines=page_lines,
                               page_all=page_all, asleep=asleep)  # fmt: skip

    def _description(self) -> str:
        return f"simulating a {self.console.model.name} console"

    def _connection(self) -> Handler:
        """Each connection has its own line discipline; the console behind them is shared."""
        session = ConsoleSession(self.console)

        async def handle(data: bytes, received: float, writer: asyncio.StreamWriter) -> bool:
            for output in session.feed(data):
                if not await self._answer(output, session, received, writer):
                    return False
            return True

        return handle

    async def _answer(
        self, output: Output, session: ConsoleSession, received: float,
        writer: asyncio.StreamWriter,
    ) -> bool:  # fmt: skip
        """Send one output with the faults drawn for it; False to close the connection."""
        data = output.data
        hits = self.faults.draw(self._rng) if output.command is not None else set()
        lost = self._lost(hits, output.command)
        if lost is not None:
            session.cancel_pages()
            return lost is not FaultKind.DISCONNECT
        if FaultKind.GARBAGE in hits:
            self.fault_counts[FaultKind.GARBAGE] += 1
            data = garbage(self._rng) + data
        await self._send(writer, data, hits, received)
        return True
