"""Console benchmark: detection and poll time of each simulated console; parse time of dumps.

Run by `scripts/bench` with `.venv/bin/python`. Each console model of the simulator is served on
loopback TCP with its replies throttled to 115200 Bd (the console's speed, protocol.md 5.2) and
read by the real console client (gap 0, timeout 2 s). Each poll is printed next to its lower
bound: the bytes the console sent during the poll, at 10 bits per byte and 115200 Bd. Then every
dump in tests/vectors/console is parsed (the parser's CPU time per answer; the event loop spends
it once per command and poll).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import statistics
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
BAUD = 115200
BITS_PER_BYTE = 10
MODELS = (("us", 4), ("us", 16), ("us2000b", 2), ("pytes", 1), ("force-h2", 4), ("sc", 5))
POLLS = 5
PARSES = 20


async def _console(model: str, packs: int) -> None:
    from custom_components.pylontech.bms.console.client import PylontechConsoleClient
    from custom_components.pylontech.bms.detect import detect
    from custom_components.pylontech.bms.simulator import ConsoleSimulator
    from custom_components.pylontech.bms.transport import TcpTransport

    async with ConsoleSimulator(model, packs, baud=BAUD, seed=1) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        start = time.perf_counter()
        found = await detect(transport)
        detection = time.perf_counter() - start
        client = PylontechConsoleClient(transport, gap=0.0, history=4096)
        await client.poll(found.addresses)  # warm-up, and `stat N` read once
        times, bounds = [], []
        for _ in range(POLLS):
            before = len(client.raw_frames)
            start = time.perf_counter()
            await client.poll(found.addresses)
            times.append(time.perf_counter() - start)
            received = sum(
                len(frame.data) for frame in client.raw_frames[before:] if frame.direction == "rx"
            )
            bounds.append(received * BITS_PER_BYTE / BAUD)
        await transport.close()
    name = f"console.{model}_{packs}"
    poll, bound = statistics.median(times), statistics.median(bounds)
    print(f"{name}_detect: {detection:.2f} s")
    print(f"{name}_poll: {poll * 1000:.0f} ms")
    print(f"{name}_poll_wire_bound: {bound * 1000:.0f} ms")
    print(f"{name}_poll_ratio: {poll / bound:.2f} x")


def _parse_dumps() -> None:
    from custom_components.pylontech.bms.console import parse
    from custom_components.pylontech.bms.exceptions import PylontechConsoleError

    timings = []
    for path in sorted((ROOT / "tests" / "vectors" / "console").glob("*.txt")):
        raw = path.read_bytes().split(b"\n", 1)[1]
        command = " ".join(path.stem.split("_", 2)[2].split("_"))
        try:
            parse(command, raw)
        except PylontechConsoleError:
            continue  # the two refusals
        start = time.perf_counter()
        for _ in range(PARSES):
            parse(command, raw)
        timings.append(((time.perf_counter() - start) / PARSES, path.name))
    timings.sort()
    print(f"# {len(timings)} dumps parsed, {PARSES} times each")
    print(f"console.parse_median: {statistics.median(t for t, _ in timings) * 1e6:.0f} us")
    slowest, name = timings[-1]
    print(f"console.parse_slowest: {slowest * 1e6:.0f} us  # {name}")


def main() -> None:
    """Print the figures as `name: value unit` lines."""
    sys.path.insert(0, str(ROOT))
    print(f"# console client against the simulator at {BAUD} Bd, gap 0; median of {POLLS}")
    for model, packs in MODELS:
        asyncio.run(_console(model, packs))
    _parse_dumps()


if __name__ == "__main__":
    main()
