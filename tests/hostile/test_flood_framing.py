"""Floods through the framer: each `feed` call stays short, memory stays flat, frames still come.

Issue 11 item 4: 50 MB of '~' at loopback speed stalled the event loop for seconds, because every
'~' of a run became its own error with a copy of the bytes and the buffer was scanned again for
each. The bounds here are process time of one `feed` call, far above what it costs, so that a
busy CI machine does not make them flaky. The collector is held off while timing: a full
collection of the test process is not the framer's cost (cyclic garbage is tested separately).
"""

from __future__ import annotations

import contextlib
import gc
import random
import time
import tracemalloc
from typing import TYPE_CHECKING

from custom_components.pylontech.bms import Frame, FrameDecoder, PylontechProtocolError
from custom_components.pylontech.bms.binary.frame import MAX_ERRORS_PER_FEED
from custom_components.pylontech.bms.const import MAX_FRAME_LENGTH
from tests import captures

if TYPE_CHECKING:
    from collections.abc import Iterator

CHUNK = 4096
WORST_FEED = 0.020  # s of process time for one 4 KiB chunk
SOI_FLOOD_PER_MEGABYTE = 0.05  # s of process time: a run of '~' is skipped in bulk
PEAK_MEMORY = 256 * 1024  # bytes allocated at once while a flood goes through
ANSWERS = [c.raw for c in captures.VALID if c.direction == "response"]
GOOD = ANSWERS[0]


def _bad_checksum(raw: bytes) -> bytes:
    """A real frame with its last CHKSUM digit changed."""
    digit = raw[-2:-1]
    return raw[:-2] + (b"0" if digit != b"0" else b"1") + raw[-1:]


def _bad_checksum_flood(size: int) -> bytes:
    rng = random.Random(11)
    frames: list[bytes] = []
    total = 0
    while total < size:
        frames.append(_bad_checksum(rng.choice(ANSWERS)))
        total += len(frames[-1])
    return b"".join(frames)


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


@contextlib.contextmanager
def _no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _feed_timed(
    decoder: FrameDecoder, chunks: Iterator[bytes], max_errors: int
) -> tuple[float, int]:
    """Feed every chunk, checking each call; the process time of all calls, and results out."""
    total = 0.0
    count = 0
    with _no_collector():
        for index, chunk in enumerate(chunks):
            began = time.process_time()
            results = decoder.feed(chunk)
            took = time.process_time() - began
            total += took
            count += len(results)
            assert took < WORST_FEED, f"feed {index} took {took * 1000:.1f} ms"
            errors = sum(isinstance(r, PylontechProtocolError) for r in results)
            assert errors <= max_errors, f"feed {index} returned {errors} errors"
            assert decoder.pending <= MAX_FRAME_LENGTH
    return total, count


def _peak_memory(decoder: FrameDecoder, chunks: Iterator[bytes]) -> int:
    tracemalloc.start()
    try:
        for chunk in chunks:
            decoder.feed(chunk)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _frames_after(decoder: FrameDecoder) -> list[bytes]:
    return [r.raw for r in decoder.feed(GOOD) if isinstance(r, Frame)]


def test_fifty_megabytes_of_soi() -> None:
    """50 MB of '~': each call is short, at most one error per call, and a frame then decodes."""
    decoder = FrameDecoder()
    flood = b"~" * CHUNK
    chunks = 50 * 1024 * 1024 // CHUNK
    total, count = _feed_timed(decoder, (flood for _ in range(chunks)), max_errors=1)
    assert total < 50 * SOI_FLOOD_PER_MEGABYTE
    assert count == chunks
    assert decoder.pending == 1  # the last '~' could start a frame
    assert _frames_after(decoder) == [GOOD]


def test_soi_flood_memory_stays_flat() -> None:
    """5 MB of '~' never holds more than a few buffers' worth of memory at once."""
    decoder = FrameDecoder()
    flood = b"~" * CHUNK
    assert _peak_memory(decoder, (flood for _ in range(5 * 1024 * 1024 // CHUNK))) < PEAK_MEMORY
    assert _frames_after(decoder) == [GOOD]


def test_five_megabytes_of_bad_checksums() -> None:
    """Bad-checksum frames back to back: short calls, capped errors, all counted, then a frame."""
    data = _bad_checksum_flood(5 * 1024 * 1024)
    decoder = FrameDecoder()
    _, returned = _feed_timed(decoder, _chunks(data), MAX_ERRORS_PER_FEED)
    assert returned + decoder.dropped_errors == data.count(b"\r")
    assert returned <= MAX_ERRORS_PER_FEED * (len(data) // CHUNK + 1)
    assert _frames_after(decoder) == [GOOD]
    assert _peak_memory(decoder, _chunks(data[: 1024 * 1024])) < PEAK_MEMORY


def test_random_junk() -> None:
    """5 MB of random bytes: short calls, then a frame decodes."""
    data = random.Random(4).randbytes(5 * 1024 * 1024)
    decoder = FrameDecoder()
    _feed_timed(decoder, _chunks(data), MAX_ERRORS_PER_FEED)
    assert [r.raw for r in decoder.feed(b"\r" + GOOD) if isinstance(r, Frame)] == [GOOD]


def test_bad_frames_leave_no_cyclic_garbage() -> None:
    """Errors come back without a traceback tying them to the decoder's frame in a cycle."""
    data = _bad_checksum_flood(64 * 1024) + b"~~~~~~~~" + b"~2002" + GOOD
    with _no_collector():
        decoder = FrameDecoder()
        results = [r for chunk in _chunks(data) for r in decoder.feed(chunk)]
        assert any(isinstance(r, PylontechProtocolError) for r in results)
        del results
        assert gc.collect() == 0
