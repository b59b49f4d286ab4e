"""When the wait for one answer ends: its first byte, its time on the wire, and a hard cap."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

WIRE_SLACK = 2.0
"""An answer still arriving may take this many times its time on the wire."""
ANSWER_MARGIN = 0.25
"""Seconds added to an answer's wire time for gateway buffering and scheduling."""


def loop_time() -> float:
    """The running event loop's clock, in which every deadline here is given."""
    return asyncio.get_running_loop().time()


@dataclass(slots=True)
class AnswerClock:
    """When the wait for one answer ends.

    The first byte of the answer must come within `first_byte` of the request. An answer that
    has started arriving gets twice its time on the wire from its own start (`progress`, sized
    from its length where the framing knows it), so a long answer at 9600 Bd is not cut short;
    but nothing extends the wait past `cap`, however the bytes trickle in.
    """

    deadline: float
    """When the wait ends now (event-loop time)."""
    cap: float
    """When it ends at the latest."""
    byte_time: float
    """Seconds per byte on the line."""
    started: float | None = None
    """When the answer in progress began to arrive; None while none is in progress."""

    def progress(self, expected: int | None, *, at: float | None = None) -> None:
        """Bytes of an answer arrived; it will be `expected` bytes long (None: not known yet)."""
        now = loop_time() if at is None else at
        if self.started is None:
            self.started = now
        if expected is None:
            # Only the line's silence is known: allow one more answer-margin from now.
            end = now + ANSWER_MARGIN
        else:
            end = self.started + WIRE_SLACK * expected * self.byte_time + ANSWER_MARGIN
        self.deadline = min(self.cap, max(self.deadline, end))

    def idle(self) -> None:
        """What arrived so far is done with (an answer to something else, junk)."""
        self.started = None
