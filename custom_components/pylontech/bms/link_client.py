"""What every client of one link offers, binary or console: the base class of both clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from .answer_clock import ANSWER_MARGIN, WIRE_SLACK

if TYPE_CHECKING:
    from .link import Link, RawFrame
    from .transport import Transport


class LinkClient:
    """What a client of one link offers, whatever it speaks.

    The transport, the gap between requests, the raw history, and closing (also as an async
    context manager).
    """

    timeout: float

    def __init__(self, link: Link) -> None:
        """Use `link`; nothing is opened before the first request."""
        self._link = link

    @property
    def transport(self) -> Transport:
        """The link to the stack."""
        return self._link.transport

    @property
    def gap(self) -> float:
        """Seconds between the end of one exchange and the next request."""
        return self._link.gap

    @gap.setter
    def gap(self, value: float) -> None:
        self._link.gap = max(value, self._min_gap())

    @property
    def raw_frames(self) -> tuple[RawFrame, ...]:
        """The last frames (or console exchanges) sent and received, oldest first."""
        return self._link.raw_frames

    async def __aenter__(self) -> Self:
        """Use the client in an ``async with`` block."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the connection when the block ends."""
        await self.close()

    async def close(self) -> None:
        """Close the connection; the next request opens it again."""
        await self._link.close()

    def _min_gap(self) -> float:
        """The least gap the other end needs, whatever is asked for."""
        return 0.0

    def exchange_budget(self, requests: int, answer_size: int) -> float:
        """Seconds that `requests` exchanges of about `answer_size` bytes each may take in all.

        Each gets the gap and twice its answer's time on the wire; on top, four request
        timeouts: room for a pack or two that stay silent (a timeout and its drain each)
        without failing the packs that answer.
        """
        link = self._link
        each = link.gap + WIRE_SLACK * link.wire_time(answer_size) + ANSWER_MARGIN
        return 4 * self.timeout + requests * each
