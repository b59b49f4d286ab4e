"""What a poll repeats: the same requests every time, and often the same answers.

A client asks a stack the same questions every poll, and a battery at rest answers most of them
with the same bytes (alarm and status answers nearly always; analog values while no current
flows and the readings are steady). Both are worked out once: each request frame is encoded
once, and an answer whose bytes equal the previous answer to the same request is that previous
answer, already decoded. Decoding is a function of the dialect, the request and the frame's
bytes alone, and models are immutable, so handing out the same model again is exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..dialects import Dialect
    from ..models import Response

KEPT = 1024
"""Entries each memo keeps (a stack needs a few dozen); past that it starts again."""

type RequestKey = tuple[int, int, int | None]
"""(command code, address, pack) of a request."""


class Repeats:
    """Request frames and the last decoded answer per request, for one dialect at a time.

    Changing `dialect` (detection settling, a new link) forgets both.
    """

    __slots__ = ("_answers", "_dialect", "_requests")

    def __init__(self) -> None:
        """Start empty."""
        self._dialect: Dialect | None = None
        self._requests: dict[RequestKey, bytes] = {}
        self._answers: dict[tuple[int, int | None, bool | None], tuple[bytes, Response]] = {}

    def _of(self, dialect: Dialect) -> None:
        if dialect is not self._dialect:
            self._dialect = dialect
            self._requests = {}
            self._answers = {}

    def request(self, dialect: Dialect, code: int, address: int, pack: int | None) -> bytes:
        """The request frame for `code` at ADR `address` (pack `pack`), encoded once."""
        self._of(dialect)
        key = (code, address, pack)
        request = self._requests.get(key)
        if request is None:
            request = dialect.encode_request(code, address=address, pack=pack)
            if len(self._requests) >= KEPT:
                self._requests.clear()
            self._requests[key] = request
        return request

    def answer(
        self, dialect: Dialect, key: tuple[int, int | None, bool | None], raw: bytes
    ) -> Response | None:
        """The answer decoded last time for request `key`, if `raw` is the same bytes as then.

        `key` is (code, pack, all_packs); None when nothing is kept or the bytes differ.
        """
        self._of(dialect)
        seen = self._answers.get(key)
        if seen is not None and seen[0] == raw:
            return seen[1]
        return None

    def remember(
        self, key: tuple[int, int | None, bool | None], raw: bytes, response: Response
    ) -> None:
        """Keep `response`, decoded from `raw`, as the answer to request `key`."""
        if len(self._answers) >= KEPT:
            self._answers.clear()
        self._answers[key] = (raw, response)
