"""A client that never ends its line: both simulators keep a bounded buffer and still answer.

Memory is measured with tracemalloc (the peak of what Python allocated while the flood was
read), not RSS; the simulator and the client share this process, so the bound covers both.
"""

from __future__ import annotations

import asyncio
import tracemalloc

from custom_components.pylontech.bms.binary.frame import parse_frame
from custom_components.pylontech.bms.dialects import get_dialect
from custom_components.pylontech.bms.simulator import ConsoleSimulator, Simulator
from custom_components.pylontech.bms.simulator.console.answers import Console
from custom_components.pylontech.bms.simulator.console.session import MAX_LINE, ConsoleSession

FLOOD = 4 * 1024 * 1024
"""Bytes sent without a line break or a frame end: far more than any command or frame."""
BOUND = 1024 * 1024
"""Most Python memory the flood may cost, buffers of both ends included."""
CHUNK = 64 * 1024


def _payload(first: bytes, filler: bytes) -> memoryview:
    """Made before memory is traced: only what the simulator keeps of it counts."""
    return memoryview(first + filler * (FLOOD // len(filler)))


async def _flood(writer: asyncio.StreamWriter, payload: memoryview) -> None:
    for start in range(0, len(payload), CHUNK):
        writer.write(payload[start : start + CHUNK])
        await writer.drain()


async def _peak_of(work: asyncio.Future[bytes] | asyncio.Task[bytes]) -> tuple[int, bytes]:
    """The traced memory peak above the start while `work` runs, and its result."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = await asyncio.wait_for(work, 60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, result


def test_console_session_drops_an_overlong_line() -> None:
    """Fed megabytes without CR, the session holds at most `MAX_LINE`; the CR gets the prompt
    and the next command its answer."""
    console = Console("pytes", 1, seed=1)
    session = ConsoleSession(console)
    for _ in range(64):
        assert session.feed(b"x" * CHUNK) == []
        assert session.pending <= MAX_LINE
    (prompt,) = session.feed(b"\r\n")
    assert prompt.data.endswith(console.prompt)
    assert prompt.command is None
    (reply,) = session.feed(b"pwr 1\r")
    assert reply.command == "pwr 1"
    assert b"Barcode" in reply.data
    assert session.pending == 0


async def test_console_simulator_bounded_under_a_flood() -> None:
    async with ConsoleSimulator("us", 2, seed=1) as simulator:
        reader, writer = await asyncio.open_connection("127.0.0.1", simulator.port)
        payload = _payload(b"", b"pwr 1 ")

        async def flood_then_command() -> bytes:
            await _flood(writer, payload)
            writer.write(b"\rpwr 1\r")
            await writer.drain()
            return await reader.readuntil(b"Command completed successfully")

        try:
            used, answer = await _peak_of(asyncio.ensure_future(flood_then_command()))
        finally:
            writer.close()
    assert used < BOUND, f"{used / 1e6:.1f} MB for {FLOOD / 1e6:.1f} MB without CR"
    assert b"Power  1" in answer or b"Voltage" in answer


async def test_binary_simulator_bounded_under_a_flood() -> None:
    """A '~' then megabytes of hex without CR: dropped as one bad frame; the next request is
    answered."""
    async with Simulator("pylontech", 2, seed=1) as simulator:
        reader, writer = await asyncio.open_connection("127.0.0.1", simulator.port)
        request = get_dialect("pylontech").encode_request(0x42, address=2)
        payload = _payload(b"~", b"20024600")

        async def flood_then_request() -> bytes:
            await _flood(writer, payload)
            writer.write(request)
            await writer.drain()
            return await reader.readuntil(b"\r")

        try:
            used, answer = await _peak_of(asyncio.ensure_future(flood_then_request()))
        finally:
            writer.close()
    assert used < BOUND, f"{used / 1e6:.1f} MB for {FLOOD / 1e6:.1f} MB without CR"
    assert parse_frame(answer).adr == 2
