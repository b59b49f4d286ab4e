"""The serial line behind the gateway: a reply reaches TCP no faster than the line carries it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .faults import SPLIT_PAUSE

if TYPE_CHECKING:
    import random

BITS_PER_BYTE = 10
"""Start bit, 8 data bits, stop bit (8N1)."""
CHUNK_TIME = 0.01
"""Seconds of line time in each write while throttled to a baud rate."""


def line_time(size: int, baud: int) -> float:
    """Seconds `size` bytes take on a serial line at `baud`."""
    return size * BITS_PER_BYTE / baud


async def transmit(
    writer: asyncio.StreamWriter,
    pieces: list[bytes],
    *,
    start: float,
    baud: int | None,
    rng: random.Random,
) -> None:
    """Write the pieces of a reply from `start` (event-loop time) on.

    With a `baud`, the bytes go out in writes of `CHUNK_TIME` of line time, each once the line
    would have carried it, so the last byte leaves at ``start + line_time(len)``; without one,
    as fast as possible. Between pieces (a split reply) come pauses of `SPLIT_PAUSE`.
    """
    loop = asyncio.get_running_loop()
    chunk = max(1, round(baud * CHUNK_TIME / BITS_PER_BYTE)) if baud else 0
    sent, pauses = 0, 0.0
    for index, piece in enumerate(pieces):
        if index:
            pauses += rng.uniform(*SPLIT_PAUSE)
        parts = [piece[i : i + chunk] for i in range(0, len(piece), chunk)] if chunk else [piece]
        for part in parts:
            sent += len(part)
            wait = start + pauses + (line_time(sent, baud) if baud else 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(part)
            await writer.drain()
