"""Recorder benchmark: the state rows a stack costs Home Assistant's database per pack and day.

Run by `scripts/bench` with `.venv/bin/python`. A real `hass` (`dev/hass.py`, the recorder on
its default SQLite database, as on an owner's Raspberry Pi) with the integration added through
its config flow, reading an 8-pack PACE stack from the simulator whose values drift.

The default scan interval is 30 s. So as not to wait 30 s a poll, the stack is polled every
`INTERVAL` s and the simulator's clock runs `30 / INTERVAL` times as fast: each poll sees the
values move as far as they would in 30 s, so it changes as many states as a poll at the
default. After a warm-up, the rows the recorder wrote in `POLLS` polls are counted (`states`
rows of this integration's entities, once Home Assistant has stopped and committed), and scaled
to a day of polls at 30 s: per pack (a pack's own entities) and for the stack device.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import platform
import sqlite3
import sys
import tempfile
import time
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.pylontech.bms.simulator import Simulator  # noqa: E402
from dev.hass import stack_added  # noqa: E402

if TYPE_CHECKING:
    from custom_components.pylontech.bms.binary.frame import Frame
    from custom_components.pylontech.bms.simulator.binary.stack import Reply

PACKS = 8
DEFAULT_INTERVAL = 30.0
INTERVAL = 5.0
"""s between polls here (the options' lowest scan interval)."""
WARMUP = 3
POLLS = 24
TARGET = 30_000
"""Rows per pack per day at the defaults (issue 14)."""
USER = {"name": "Bench", "username": "bench", "password": "bench-password"}


class FastClock:
    """Simulation time running `speed` times as fast as the monotonic clock."""

    def __init__(self, speed: float) -> None:
        """Start now."""
        self.speed = speed
        self.start = time.monotonic()

    def __call__(self) -> float:
        """Seconds of simulation time."""
        return (time.monotonic() - self.start) * self.speed


async def measure(config_dir: Path, polls: int) -> tuple[dict[str, int], int, float]:
    """(rows by entity id in the timed window, polls seen, window seconds)."""
    simulator = Simulator("pace", PACKS, clock=FastClock(DEFAULT_INTERVAL / INTERVAL), seed=3)
    polled: list[float] = []
    answer = simulator.stack.answer

    def counting(request: Frame) -> Reply | None:
        if request.cid2 == 0x42 and request.info[:1] == b"\x01":  # pack 1's values: a poll
            polled.append(time.time())
        return answer(request)

    simulator.stack.answer = counting  # type: ignore[method-assign]
    async with simulator, stack_added(config_dir, simulator.port, USER) as (_hass, api, entry):
        await api.set_options(
            entry["entry_id"], {"scan_interval": INTERVAL, "gap": 0.1, "timeout": 2.0}
        )
        await asyncio.sleep(WARMUP * INTERVAL)
        start = time.time()
        await asyncio.sleep(polls * INTERVAL)
        end = time.time()
        await asyncio.sleep(1.0)  # a poll under way ends
    database = sqlite3.connect(config_dir / "home-assistant_v2.db")
    with contextlib.closing(database):
        rows = database.execute(
            "SELECT m.entity_id, COUNT(*) FROM states s JOIN states_meta m "
            "ON s.metadata_id = m.metadata_id WHERE s.last_updated_ts >= ? AND "
            "s.last_updated_ts < ? AND (m.entity_id LIKE 'sensor.battery%' OR "
            "m.entity_id LIKE 'binary_sensor.battery%') GROUP BY m.entity_id",
            (start, end),
        ).fetchall()
    seen = len([at for at in polled if start <= at < end])
    return dict(rows), seen, end - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=POLLS)
    args = parser.parse_args(argv)
    print(
        f"# recorder: a real hass (dev/hass.py, recorder on SQLite) polling an {PACKS}-pack PACE "
        f"stack from the simulator every {INTERVAL:g} s with its clock {DEFAULT_INTERVAL / INTERVAL:g}x "
        f"as fast (a poll moves the values as far as {DEFAULT_INTERVAL:g} s do); state rows of "
        f"{args.polls} polls after {WARMUP} warm-up ones, scaled to a day at {DEFAULT_INTERVAL:g} s; "
        f"CPython {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-recorder-") as tmp:
        rows, polls, _seconds = asyncio.run(measure(Path(tmp) / "config", args.polls))
    per_day = 86400 / DEFAULT_INTERVAL / polls
    pack_rows = {e: n for e, n in rows.items() if "_pack_" in e}
    stack_rows = {e: n for e, n in rows.items() if "_pack_" not in e}
    cells = sum(n for e, n in pack_rows.items() if "_cell_" in e and e.endswith("_voltage")
                and e.split("_cell_")[1][:2].isdigit())  # fmt: skip
    total = sum(pack_rows.values())
    print(f"recorder.polls: {polls} count")
    print(f"recorder.entities_recorded: {len(rows)} count")
    print(f"recorder.rows_per_pack_per_day: {total / PACKS * per_day:.0f} rows")
    print(f"recorder.cell_voltage_share: {100 * cells / total if total else 0:.0f} %")
    print(f"recorder.stack_rows_per_day: {sum(stack_rows.values()) * per_day:.0f} rows")
    print(f"recorder.rows_per_pack_per_day_target: {TARGET} rows")
    top = sorted(pack_rows.items(), key=lambda item: -item[1])[:8]
    for entity_id, count in top:
        print(f"# {entity_id}: {count} rows in {polls} polls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
