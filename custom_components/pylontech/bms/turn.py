"""One exchange alone on a link: its lock held, the link opened and paced, the turn accounted."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from .exceptions import PylontechConnectionError, PylontechTimeoutError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from .link import Link


class Turn:
    """`Link.turn`'s block: the link's lock held from entry to exit, the turn accounted for."""

    __slots__ = ("_answered", "_link", "_silence")

    def __init__(self, link: Link, silence: float, answered: Callable[[bytes], bool]) -> None:
        """Prepare the turn; nothing happens before the block is entered."""
        self._link = link
        self._silence = silence
        self._answered = answered

    async def __aenter__(self) -> bool:
        """Take the lock, open the link if needed, pace; whether buffered bytes are stale."""
        link = self._link
        await link.lock.acquire()
        try:
            link.check_budget()
            epoch = link.epoch
            stale = await link.connect() if link.must_connect() else False
            if epoch != link.epoch:  # closed while connecting: leave it closed
                await link.transport.close()
                _closed(link)
        except BaseException:
            link.lock.release()
            raise
        try:
            stale = link.must_drain or stale
            if link.must_pace():
                await link.pace(self._silence, self._answered)
        except BaseException as err:
            await self._end(err)
            raise
        return stale

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Account for how the turn ended, then release the lock; the exception goes on."""
        if exc is None:
            self._link.exchanged()
            self._link.lock.release()
        else:
            await self._end(exc)

    async def _end(self, err: BaseException) -> None:
        link = self._link
        try:
            if isinstance(err, PylontechTimeoutError):
                link.timed_out()
            elif isinstance(err, PylontechConnectionError):
                await link.fail()
        finally:
            link.exchanged()
            link.lock.release()


def _closed(link: Link) -> NoReturn:
    msg = f"{link.transport.description} was closed"
    raise PylontechConnectionError(msg)
