"""`scripts/bench --check`: the budgets are read off the benchmarks' own output lines."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("budgets", ROOT / "bench" / "budgets.py")
assert _SPEC is not None and _SPEC.loader is not None
budgets = importlib.util.module_from_spec(_SPEC)
sys.modules["budgets"] = budgets
_SPEC.loader.exec_module(budgets)

OUTPUT = """# group decode
decode.ours_us_per_frame: 16.0 us
decode.speedup: 10.7 x
# group flood
flood.junk_worst_stall: 4.1 ms
flood.soi_worst_stall: 61.0 ms
flood.soi_poll_end: hang
ha.unchanged_refresh_median_ms: 2.90 ms
"""


def test_each_budget_met_missed_or_not_measured() -> None:
    """A figure past its bound is missed, one within it met, a group not run not measured;
    a pattern covers every figure it matches."""
    lines, ok = budgets.check(budgets.parse(OUTPUT.splitlines()))
    text = "\n".join(lines)
    assert not ok
    assert "met           decode.speedup = 10.7 (>= 10)" in text
    assert "met           flood.junk_worst_stall = 4.1 (<= 50)" in text
    assert "MISSED        flood.soi_worst_stall = 61 (<= 50)" in text
    assert "met           ha.unchanged_refresh_median_ms = 2.9 (<= 3)" in text
    assert "not measured  soak.wrong_values" in text


def test_a_hang_keeps_no_bound() -> None:
    """A value that is not a number (a poll that hung) is never within a budget."""
    figures = budgets.parse(["decode.speedup: hang x"])
    assert budgets.check(figures) == (budgets.check(figures)[0], False)


def test_exit_status() -> None:
    """The script exits 1 when a budget is missed, 0 when every measured one is met."""
    script = ROOT / "bench" / "budgets.py"

    def run(text: str) -> int:
        done = subprocess.run([sys.executable, script], input=text, text=True,
                              capture_output=True, check=False, timeout=60)  # fmt: skip
        return done.returncode

    assert run("decode.speedup: 12.0 x\n") == 0
    assert run("decode.speedup: 7.5 x\n") == 1
