"""Poll benchmark: the wall time of one `PylontechClient.poll` against what the wire allows.

Run by `scripts/bench` with `.venv/bin/python` (the library needs nothing more). An 8-pack
stack served by the simulator over loopback TCP, its replies throttled to 9600 and to 115200
Bd with a turnaround of 20 ms, is polled by the real client (gap 0, timeout 5 s): once through
the all-packs requests (Pylontech: 0x42 and 0x44 with INFO 0xFF at ADR 2, then each pack's
charge/discharge limits, 0x92, which have no all-packs form) and once pack by pack (the PACE
dialect, which has no all-packs request: 0x42 and 0x44 for each pack).

Each poll is compared with a lower bound computed from the frames it exchanged (the client's
raw-frame history): per request, turnaround + (request bytes + answer bytes) * 10 / baud. The
simulator throttles only its replies (a request crosses loopback at once), so the bound it can
at best achieve counts the answer bytes only; the ratio uses that one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from custom_components.pylontech.bms.link import RawFrame

ROOT = Path(__file__).resolve().parent.parent
PACKS = 8
BAUDS = (9600, 115200)
TURNAROUND_MS = 20.0
POLLS = 5
"""Timed polls of each configuration, after one warm-up poll."""
TIMEOUT = 5.0
HISTORY = 4096
"""Raw frames the client keeps: far more than the polls of one configuration exchange."""
BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit
TARGET_RATIO = 1.10


from library_path import use_library_without_home_assistant  # noqa: E402

use_library_without_home_assistant()

from custom_components.pylontech.bms.binary.client import PylontechClient  # noqa: E402
from custom_components.pylontech.bms.simulator import Simulator  # noqa: E402
from custom_components.pylontech.bms.transport import TcpTransport  # noqa: E402


class BenchError(Exception):
    """The poll did not go as the benchmark needs (a pack failed, a request too many)."""


@dataclass(frozen=True, slots=True)
class Mode:
    """One way of polling the stack."""

    name: str
    """`all_packs` or `per_pack`: the figures' prefix."""
    dialect: str
    all_packs: bool
    """Whether the poll must go through the all-packs requests."""

    def requests(self, packs: int) -> int:
        """Requests one poll of `packs` packs sends (0x42 and 0x44 each; Pylontech's 0x92)."""
        return 2 + packs if self.all_packs else 2 * packs


MODES = (
    Mode("all_packs", "pylontech", all_packs=True),
    Mode("per_pack", "pace", all_packs=False),
)


@dataclass(frozen=True, slots=True)
class Poll:
    """One timed poll and the bounds its frames set."""

    seconds: float
    requests: int
    request_bytes: int
    answer_bytes: int
    bound: float
    """s: turnaround + request and answer bytes on the line, per request."""
    reply_bound: float
    """s: turnaround + answer bytes on the line, per request (what the simulator can do)."""

    @property
    def ratio(self) -> float:
        """Measured time over the reply-only bound."""
        return self.seconds / self.reply_bound


def bounds(frames: tuple[RawFrame, ...], baud: int, turnaround_ms: float) -> Poll:
    """The frame counts and both lower bounds of one poll's frames (seconds left at 0)."""
    sent = [frame.data for frame in frames if frame.direction == "tx"]
    received = [frame.data for frame in frames if frame.direction == "rx"]
    if len(sent) != len(received):
        msg = f"{len(sent)} requests but {len(received)} answers in one poll"
        raise BenchError(msg)
    request_bytes = sum(map(len, sent))
    answer_bytes = sum(map(len, received))
    turnarounds = len(sent) * turnaround_ms / 1000
    return Poll(
        seconds=0.0,
        requests=len(sent),
        request_bytes=request_bytes,
        answer_bytes=answer_bytes,
        bound=turnarounds + (request_bytes + answer_bytes) * BITS_PER_BYTE / baud,
        reply_bound=turnarounds + answer_bytes * BITS_PER_BYTE / baud,
    )


async def measure(mode: Mode, baud: int, polls: int = POLLS) -> list[Poll]:
    """Poll an 8-pack stack of `mode` at `baud` once to warm up, then `polls` timed times."""
    simulator = Simulator(mode.dialect, PACKS, baud=baud, turnaround=TURNAROUND_MS)
    async with simulator:
        addresses = [pack.address for pack in simulator.stack.packs]
        transport = TcpTransport("127.0.0.1", simulator.port, connect_timeout=TIMEOUT)
        client = PylontechClient(
            transport, simulator.stack.dialect, timeout=TIMEOUT, gap=0.0, history=HISTORY
        )
        async with client:
            results = []
            for index in range(polls + 1):
                first = len(client.raw_frames)
                start = time.perf_counter()
                stack = await client.poll(addresses)
                seconds = time.perf_counter() - start
                frames = client.raw_frames
                if len(frames) >= HISTORY:
                    msg = "the client's raw-frame history filled up; raise HISTORY"
                    raise BenchError(msg)
                failed = [pack.address for pack in stack.packs if pack.error is not None]
                if failed or len(stack.packs) != PACKS:
                    msg = (
                        f"{mode.name} at {baud} Bd: packs {failed} failed, {len(stack.packs)} read"
                    )
                    raise BenchError(msg)
                poll = bounds(frames[first:], baud, TURNAROUND_MS)
                if poll.requests != mode.requests(PACKS):
                    msg = (
                        f"{mode.name} at {baud} Bd: {poll.requests} requests, "
                        f"{mode.requests(PACKS)} expected"
                    )
                    raise BenchError(msg)
                if index:  # the first poll connects and warms up
                    results.append(replace(poll, seconds=seconds))
    return results


def figure(name: str, value: float | str, unit: str) -> None:
    """Print one result line: `name: value unit`."""
    print(f"poll.{name}: {value} {unit}", flush=True)


def report(mode: Mode, baud: int, polls: list[Poll], *, sizes: bool) -> None:
    """Print the figures of one configuration (and, once per mode, its frame sizes)."""
    best = min(polls, key=lambda poll: poll.seconds)
    median = statistics.median(poll.seconds for poll in polls)
    if sizes:
        figure(f"{mode.name}_requests", best.requests, "count")
        figure(f"{mode.name}_request_bytes", best.request_bytes, "bytes")
        figure(f"{mode.name}_answer_bytes", best.answer_bytes, "bytes")
    if len({(poll.request_bytes, poll.answer_bytes) for poll in polls}) > 1:
        print(f"# {mode.name} at {baud} Bd: frame sizes varied between polls; bounds per poll")
    prefix = f"{mode.name}_{baud}"
    figure(f"{prefix}_ms", f"{best.seconds * 1000:.1f}", "ms")
    figure(f"{prefix}_median_ms", f"{median * 1000:.1f}", "ms")
    figure(f"{prefix}_bound_ms", f"{best.bound * 1000:.1f}", "ms")
    figure(f"{prefix}_reply_bound_ms", f"{best.reply_bound * 1000:.1f}", "ms")
    figure(f"{prefix}_ratio", f"{best.ratio:.3f}", "x")
    figure(f"{prefix}_median_ratio", f"{statistics.median(p.ratio for p in polls):.3f}", "x")


async def run() -> None:
    """Measure and report every mode at every baud rate."""
    for mode in MODES:
        for index, baud in enumerate(BAUDS):
            report(mode, baud, await measure(mode, baud), sizes=index == 0)


def main() -> int:
    """Run the poll benchmark; return the process exit code."""
    print(
        f"# poll: {PACKS}-pack stack, simulator on loopback TCP, turnaround {TURNAROUND_MS:g} ms, "
        f"client gap 0 s and timeout {TIMEOUT:g} s; best and median of {POLLS} polls after one "
        f"warm-up poll; CPython {platform.python_version()}"
    )
    print(
        f"# all_packs: Pylontech, 0x42 and 0x44 with INFO 0xFF at ADR 2, then 0x92 per pack "
        f"({2 + PACKS} requests); per_pack: "
        f"PACE, which has no all-packs request, 0x42 and 0x44 per pack ({2 * PACKS} requests)"
    )
    print(
        "# bound_ms: per request turnaround + (request + answer bytes) * 10 / baud, from the "
        "frames exchanged (client raw_frames); reply_bound_ms counts answer bytes only"
    )
    print(
        "# ratio = best / reply_bound_ms: the simulator throttles only its replies (a request "
        "crosses loopback at once, its line time is not simulated), so reply_bound_ms is the "
        "least it can take"
    )
    try:
        asyncio.run(run())
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"# target: ratio within {TARGET_RATIO:.2f} x (printed, not asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
