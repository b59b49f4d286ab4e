"""Flood benchmark: the worst event-loop stall while a hostile line floods the client's poll.

Run by `scripts/bench` with `.venv/bin/python`. For each flood a loopback TCP server sends it
to whoever connects (it never answers), and the real client (`PylontechClient` with a
`TcpTransport`, dialect Pylontech, the library's default timeout and gap) polls pack 2 against
it. A ticker task sleeps 5 ms in a loop and keeps its largest lateness: the longest time the
event loop was held by one callback. Each poll is bounded by `--limit` seconds (60 by default):
a poll still running then is cancelled and reported as a hang.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
import platform
import random
import sys
import time

CHUNK = 4096
MEGABYTE = 1024 * 1024
TICK = 0.005
"""s the ticker sleeps; its lateness beyond that is a stall."""
STALL_REPORTED = 0.050
"""s: stalls longer than this are counted (issue 11's target for the worst stall)."""
DEFAULT_LIMIT = 60.0
ADDRESS = 2

from library_path import use_library_without_home_assistant  # noqa: E402

use_library_without_home_assistant()

from custom_components.pylontech.bms.binary.client import PylontechClient  # noqa: E402
from custom_components.pylontech.bms.binary.frame import encode_frame  # noqa: E402
from custom_components.pylontech.bms.dialects import get_dialect  # noqa: E402
from custom_components.pylontech.bms.transport import TcpTransport  # noqa: E402

DIALECT = get_dialect("pylontech")


@dataclass
class Outcome:
    """What one flood did to the poll."""

    worst_stall: float = 0.0
    stalls: int = 0
    poll_end: float | None = None
    """s from the poll's start to its return or exception; None: a hang."""
    ended_by: str = ""
    sent: int = 0


type Sender = Callable[[asyncio.StreamWriter, Outcome], Awaitable[None]]
"""Sends one flood to a connected client, counting the bytes into `Outcome.sent`."""


def _bad_checksum_frames(size: int) -> bytes:
    """0x42 answers of the invented kind with their last CHKSUM digit changed, back to back."""
    rng = random.Random(42)
    frames = []
    total = 0
    while total < size:
        info = bytes([0, ADDRESS]) + rng.randbytes(rng.randrange(40, 120))
        good = encode_frame(ver=DIALECT.ver, adr=ADDRESS, cid1=DIALECT.cid1, cid2=0, info=info)
        digit = good[-2:-1]
        frames.append(good[:-2] + (b"0" if digit != b"0" else b"1") + good[-1:])
        total += len(frames[-1])
    return b"".join(frames)


def bulk(data: bytes) -> Sender:
    """Send `data` as fast as the loopback takes it, then stay connected and silent."""

    async def send(writer: asyncio.StreamWriter, outcome: Outcome) -> None:
        view = memoryview(data)
        for start in range(0, len(data), 16 * CHUNK):
            part = view[start : start + 16 * CHUNK]
            writer.write(part)
            await writer.drain()
            outcome.sent += len(part)

    return send


def every(period: float, data: bytes) -> Sender:
    """Send `data` every `period` seconds for as long as the client stays connected."""

    async def send(writer: asyncio.StreamWriter, outcome: Outcome) -> None:
        while not writer.is_closing():
            writer.write(data)
            await writer.drain()
            outcome.sent += len(data)
            await asyncio.sleep(period)

    return send


@dataclass(frozen=True, slots=True)
class Flood:
    """One hostile line."""

    name: str
    description: str
    sender: Callable[[], Sender]


FLOODS = (
    Flood("soi", "50 MB of '~'", lambda: bulk(b"~" * (50 * MEGABYTE))),
    Flood("junk", "50 MB of random bytes", lambda: bulk(random.Random(7).randbytes(50 * MEGABYTE))),
    Flood(
        "bad_checksum",
        "20 MB of 0x42 answers with a wrong CHKSUM, back to back",
        lambda: bulk(_bad_checksum_frames(20 * MEGABYTE)),
    ),
    Flood(
        "other_master",
        "another master's 0x42 request every 50 ms, the BMS silent",
        lambda: every(0.05, DIALECT.encode_request(0x42, address=ADDRESS, pack=ADDRESS)),
    ),
    Flood("junk_byte", "one junk byte every 0.5 s", lambda: every(0.5, b"\xa5")),
)


async def ticker(outcome: Outcome) -> None:
    """Sleep `TICK` in a loop and keep the largest lateness, until cancelled."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(TICK)
        late = loop.time() - before - TICK
        outcome.worst_stall = max(outcome.worst_stall, late)
        outcome.stalls += late > STALL_REPORTED


async def measure(flood: Flood, limit: float) -> Outcome:
    """Serve `flood` on loopback, poll against it for at most `limit` s, and time it all."""
    outcome = Outcome()
    sender = flood.sender()
    senders: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        senders.add(task)
        try:
            await sender(writer, outcome)
            await reader.read()  # silent until the client hangs up
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = PylontechClient(TcpTransport("127.0.0.1", port), DIALECT)
    tick = asyncio.create_task(ticker(outcome))
    start = time.monotonic()
    try:
        async with asyncio.timeout(limit):
            stack = await client.poll([ADDRESS])
        errors = [pack.error for pack in stack.packs if pack.error is not None]
        outcome.ended_by = f"returned; pack errors: {errors}" if errors else "returned"
        outcome.poll_end = time.monotonic() - start
    except TimeoutError:
        outcome.ended_by = f"hang: poll() still running after {limit:g} s, cancelled"
    except Exception as err:  # noqa: BLE001 - the class is the figure
        outcome.poll_end = time.monotonic() - start
        outcome.ended_by = f"raised {type(err).__name__}: {err}"
    finally:
        tick.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tick
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await client.close()
        server.close()
        for task in senders:
            task.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        await server.wait_closed()
    return outcome


def figure(name: str, value: float | str, unit: str = "") -> None:
    """Print one result line: `name: value unit`."""
    print(f"flood.{name}: {value} {unit}".rstrip(), flush=True)


def report(flood: Flood, outcome: Outcome) -> None:
    """Print one flood's figures and how its poll ended."""
    print(f"# {flood.name}: {flood.description}; poll {outcome.ended_by}")
    figure(f"{flood.name}_worst_stall", f"{outcome.worst_stall * 1000:.1f}", "ms")
    figure(f"{flood.name}_stalls_over_50ms", outcome.stalls, "count")
    if outcome.poll_end is None:
        figure(f"{flood.name}_poll_end", "hang")
    else:
        figure(f"{flood.name}_poll_end", f"{outcome.poll_end:.2f}", "s")
    figure(f"{flood.name}_sent", outcome.sent, "bytes")


async def run(names: list[str], limit: float) -> None:
    """Measure and report each selected flood, one after the other."""
    for flood in FLOODS:
        if flood.name in names:
            report(flood, await measure(flood, limit))


def main(argv: list[str] | None = None) -> int:
    """Run the flood benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit",
        type=float,
        default=DEFAULT_LIMIT,
        help=f"s a poll may run before it is reported as a hang (default {DEFAULT_LIMIT:g})",
    )
    parser.add_argument(
        "--flood",
        action="append",
        choices=[flood.name for flood in FLOODS],
        help="run only this flood (repeat for several)",
    )
    args = parser.parse_args(argv)
    print(
        f"# flood: a loopback TCP server floods the client's poll of pack {ADDRESS} "
        f"({DIALECT.name}, TcpTransport, default timeout and gap); a ticker sleeping "
        f"{TICK * 1000:g} ms keeps its worst lateness (worst_stall) and counts lateness over "
        f"{STALL_REPORTED * 1000:g} ms; poll_end: s until poll() returned or raised, 'hang' "
        f"past {args.limit:g} s; CPython {platform.python_version()}"
    )
    asyncio.run(run(args.flood or [flood.name for flood in FLOODS], args.limit))
    print("# targets: worst_stall at most 50 ms, no hang (printed, not asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
