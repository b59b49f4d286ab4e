"""Detection benchmark: how long `detect` takes to find each dialect's stack, against the wire.

Run by `scripts/bench` with `.venv/bin/python`. For each binary dialect, a stack of 1 and of 8
packs is served by the simulator over loopback TCP with its replies throttled to 9600 Bd and a
turnaround of 20 ms, and found by `detect` with the options the config flow uses (the median of
`RUNS` runs, wall time).

Beside it, the wire's bound: for every request the stack answered during detection, the
turnaround plus its answer's bytes * 10 / 9600 (the simulator throttles only its replies, as in
the poll benchmark). Silences (the probes of other dialects, the address after the last pack)
are not in the bound: they are what a detection must spend to know nothing answers there.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import sys
import time
from typing import TYPE_CHECKING

from library_path import use_library_without_home_assistant

use_library_without_home_assistant()

from custom_components.pylontech.bms.detect import DETECT_TIMEOUT, QUICK_TIMEOUT, detect  # noqa: E402
from custom_components.pylontech.bms.simulator import Simulator  # noqa: E402
from custom_components.pylontech.bms.transport import TcpTransport  # noqa: E402

if TYPE_CHECKING:
    from custom_components.pylontech.bms.binary.frame import Frame
    from custom_components.pylontech.bms.simulator.binary.stack import Reply

DIALECTS = ("pylontech", "pace", "seplos", "eg4", "boqiang")
PACKS = (1, 8)
BAUD = 9600
TURNAROUND_MS = 20.0
BITS_PER_BYTE = 10
RUNS = 3
TARGETS = {1: 3.0, 8: 6.0}
"""Seconds a detection of that many packs may take (issue 15)."""


class BenchError(Exception):
    """Detection did not find the stack it was served."""


async def detect_once(dialect: str, packs: int) -> tuple[float, float]:
    """(seconds detection took, the wire's bound for what was answered) for one stack."""
    async with Simulator(dialect, packs, baud=BAUD, turnaround=TURNAROUND_MS) as simulator:
        answered: list[int] = []
        answer = simulator.stack.answer

        def record(request: Frame) -> Reply | None:
            reply = answer(request)
            if reply is not None:
                answered.append(len(reply.frame))
            return reply

        simulator.stack.answer = record  # type: ignore[method-assign]
        transport = TcpTransport("127.0.0.1", simulator.port)
        start = time.perf_counter()
        try:
            found = await detect(transport, request_timeout=DETECT_TIMEOUT)
        finally:
            await transport.close()
        seconds = time.perf_counter() - start
    if (found.dialect, len(found.addresses)) != (dialect, packs):
        msg = f"served {packs} {dialect} packs, found {len(found.addresses)} {found.dialect}"
        raise BenchError(msg)
    bound = sum(TURNAROUND_MS / 1000 + size * BITS_PER_BYTE / BAUD for size in answered)
    return seconds, bound


def figure(name: str, value: str, unit: str) -> None:
    """Print one result line."""
    print(f"detect.{name}: {value} {unit}")


async def run() -> None:
    """Every dialect and stack size; the figures and their targets."""
    for dialect in DIALECTS:
        for packs in PACKS:
            runs = [await detect_once(dialect, packs) for _ in range(RUNS)]
            seconds = statistics.median(run[0] for run in runs)
            bound = statistics.median(run[1] for run in runs)
            name = f"{dialect}_{packs}"
            figure(f"{name}_seconds", f"{seconds:.2f}", "s")
            figure(f"{name}_wire_bound_seconds", f"{bound:.2f}", "s")
            figure(f"{name}_target_seconds", f"{TARGETS[packs]:g}", "s")


def main() -> int:
    """Run the benchmark; exit 1 with a one-line error when a detection goes wrong."""
    print(
        f"# detect: each binary dialect's stack of {' and '.join(map(str, PACKS))} packs from "
        f"the simulator at {BAUD} Bd, {TURNAROUND_MS:g} ms turnaround, loopback TCP; "
        f"detect() as the config flow calls it (probes wait {QUICK_TIMEOUT:g} s, then "
        f"{DETECT_TIMEOUT:g} s if nothing answered); median wall time of {RUNS} runs; "
        f"CPython {platform.python_version()}"
    )
    try:
        asyncio.run(run())
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print("# targets: 1 pack within 3 s, 8 packs within 6 s (printed, not asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
