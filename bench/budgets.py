"""The project's performance budgets, and `scripts/bench --check`: which are met, which missed.

Reads the `name: value unit` lines the benchmark groups printed (a file, or standard input) and
prints one line per budget: met, MISSED, or not measured (its group did not run). Exits 1 when a
budget was missed. A budget is a figure and a bound; a figure may be a pattern (`*`) covering
several lines, all of which must hold.
"""

from __future__ import annotations

from dataclasses import dataclass
import fnmatch
import math
from pathlib import Path
import sys


@dataclass(frozen=True, slots=True)
class Budget:
    """A figure (or a pattern of figures) and the bound every one of them must keep."""

    figure: str
    bound: float
    at_most: bool
    """True: the figure must not exceed `bound`; False: it must reach it."""
    why: str

    def holds(self, value: float) -> bool:
        """Whether `value` keeps the bound (NaN never does)."""
        if math.isnan(value):
            return False
        return value <= self.bound if self.at_most else value >= self.bound

    def describe(self) -> str:
        """The bound as text: `<= 60` or `>= 10`."""
        return f"{'<=' if self.at_most else '>='} {self.bound:g}"


BUDGETS = (
    Budget("decode.speedup", 10.0, at_most=False,
           why="decoding a real 0x42 answer at least 10x python-pylontech (issue 13)"),
    Budget("ha.client_cpu_us_per_request", 60.0, at_most=True,
           why="the client's CPU per request on loopback (issue 13)"),
    Budget("poll.*_median_ratio", 1.10, at_most=True,
           why="a poll within 10 % of the wire's bound"),
    Budget("ha.unchanged_refresh_median_ms", 3.0, at_most=True,
           why="a refresh of 16 packs where nothing changed (issue 13)"),
    Budget("ha.changed_refresh_per_ha_state_writes", 1.3, at_most=True,
           why="a refresh where everything changed, against HA's own writes of those states"),
    Budget("soak.wrong_values", 0, at_most=True, why="no wrong value shown through faults"),
    Budget("soak.unhandled_exceptions", 0, at_most=True, why="no fault escapes as a crash"),
    Budget("soak.leaked_fds", 0, at_most=True, why="no connection leaks"),
    Budget("soak.leaked_tasks", 0, at_most=True, why="no task leaks"),
    Budget("flood.*_worst_stall", 50.0, at_most=True,
           why="a flooding line never stalls the event loop for 50 ms (issue 11)"),
    Budget("detect.*_1_seconds", 3.0, at_most=True,
           why="a 1-pack stack found within 3 s at 9600 Bd (issue 15)"),
    Budget("detect.*_8_seconds", 6.0, at_most=True,
           why="an 8-pack stack found within 6 s at 9600 Bd (issue 15)"),
    Budget("recorder.rows_per_pack_per_day", 30_000, at_most=True,
           why="a 16-pack stack fits a Raspberry Pi's database at the defaults (issue 14)"),
)  # fmt: skip


def parse(lines: list[str]) -> dict[str, float]:
    """The figures of benchmark output, from its `name: value unit` lines.

    A value that is not a number (a poll that hung: `hang`) is NaN, which keeps no bound.
    """
    figures = {}
    for line in lines:
        if line.startswith("#") or ": " not in line:
            continue
        name, _, rest = line.partition(": ")
        words = rest.split()
        if not words or " " in name:
            continue
        try:
            figures[name] = float(words[0])
        except ValueError:
            figures[name] = math.nan
    return figures


def check(figures: dict[str, float]) -> tuple[list[str], bool]:
    """One line per budget, and whether every measured budget holds."""
    lines, ok = [], True
    for budget in BUDGETS:
        names = sorted(fnmatch.filter(figures, budget.figure))
        if not names:
            lines.append(f"{'not measured':<14}{budget.figure} {budget.describe()}: {budget.why}")
            continue
        for name in names:
            value = figures[name]
            held = budget.holds(value)
            ok &= held
            verdict = "met" if held else "MISSED"
            lines.append(f"{verdict:<14}{name} = {value:g} ({budget.describe()}): {budget.why}")
    return lines, ok


def main(argv: list[str]) -> int:
    """Check the output in the file `argv[0]` (or standard input) against the budgets."""
    text = Path(argv[0]).read_text() if argv else sys.stdin.read()
    lines, ok = check(parse(text.splitlines()))
    print("# budgets (scripts/bench --check)")
    for line in lines:
        print(f"# {line}")
    print(f"# {'every budget measured is met' if ok else 'some budgets are MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
