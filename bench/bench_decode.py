"""Decode benchmark: our 0x42 decoder against python-pylontech's, on the same real frames.

Run by `scripts/bench` with `.venv-bench/bin/python` (python-pylontech lives only there).
Prints `name: value unit` lines; every other line starts with `#`.

Both sides are timed over their full path from the frame as received to the decoded model:
- ours: `decode_response(text, 0x42)`, i.e. framing, length and checksum checks, dialect
  choice and decoding into `AnalogValues` (`ours_us_per_frame`); and the same from the
  frame's bytes, `decode_response(parse_frame(raw), 0x42)` (`ours_from_bytes_us_per_frame`);
- python-pylontech: `Pylontech._decode_hw_frame` (checksum) and `Pylontech._decode_frame`
  (header and hex INFO) as `read_frame` runs them, then the construct parse of INFO as
  `get_values` (all packs) or `get_values_single` (one pack) runs it. No serial I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
import gc
from importlib.metadata import version
import json
import math
from pathlib import Path
import platform
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors" / "pylontech-0x20.jsonl"
REAL_CAPTURES = frozenset({"hardware", "hardware-probable"})
COMMAND = 0x42
RUNS = 5
RUN_SECONDS = 0.3
"""Each timed run lasts about this long; the best of `RUNS` runs is reported."""


from library_path import use_library_without_home_assistant  # noqa: E402

use_library_without_home_assistant()

try:
    # python-pylontech has no type information; only .venv-bench has it installed.
    from pylontech import (  # type: ignore[import-untyped, import-not-found, unused-ignore]
        Pylontech,
    )
except ImportError as _err:
    raise SystemExit(
        f"error: python-pylontech is not importable ({_err}); run scripts/bench, which "
        "builds .venv-bench and runs this file with .venv-bench/bin/python"
    ) from None

from custom_components.pylontech.bms import (  # noqa: E402
    AnalogValues,
    PylontechError,
    decode_response,
    frame_from_text,
    parse_frame,
)


class BenchError(Exception):
    """The benchmark cannot compare like with like; the message says why."""


@dataclass(frozen=True, slots=True)
class Capture:
    """One real 0x42 answer from the test vectors."""

    device: str
    text: str
    """The frame as captured, ending with its CR."""


@dataclass(frozen=True, slots=True)
class Sample:
    """A frame both decoders decode, with what each side needs to decode it."""

    device: str
    text: str
    raw: bytes
    """The frame's bytes as python-pylontech's `read_frame` gets them from the port."""
    all_packs: bool
    packs: int
    their_format: Any
    """The python-pylontech construct format for this answer's INFO."""


def load_captures(path: Path = VECTORS) -> list[Capture]:
    """Return the real (hardware, hardware-probable) 0x42 answers with a good checksum."""
    captures = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            if (
                row.get("direction") == "response"
                and row.get("command") == f"0x{COMMAND:02X}"
                and row.get("capture_kind") in REAL_CAPTURES
                and row.get("checksum_ok") is True
            ):
                captures.append(Capture(device=row.get("device") or "?", text=row["frame"]))
    return captures


def decode_ours(text: str) -> AnalogValues:
    """Decode one frame with our library, from text to model."""
    _dialect, model = decode_response(text, COMMAND)
    if not isinstance(model, AnalogValues):
        raise BenchError(f"our decoder returned {type(model).__name__}, not AnalogValues")
    return model


def decode_theirs(decoder: Pylontech, raw: bytes, info_format: Any) -> Any:
    """Decode one frame as python-pylontech's `get_values`/`get_values_single` do after I/O."""
    frame = decoder._decode_frame(decoder._decode_hw_frame(raw))  # noqa: SLF001
    # Both of its getters skip INFOFLAG, the first INFO byte.
    return info_format.parse(frame.info[1:])


def their_packs(parsed: Any, all_packs: bool) -> list[tuple[float, float]]:
    """Return (voltage V, current A) per pack from a python-pylontech parse result."""
    modules = parsed.Module if all_packs else [parsed]
    return [(module.Voltage, module.Current) for module in modules]


def prepare(
    captures: list[Capture], decoder: Pylontech
) -> tuple[list[Sample], list[tuple[Capture, str]]]:
    """Pick the frames both decoders decode; check they agree on each pack's V and I.

    python-pylontech has one format per request: `get_values_fmt` for the all-packs answer
    (request INFO 0xFF) and `get_values_single_fmt` for a one-pack answer. The captures do not
    always carry their request, so the answer's shape as our decoder finds it picks the format.
    Returns the samples and the excluded captures with the reason.
    """
    samples: list[Sample] = []
    excluded: list[tuple[Capture, str]] = []
    for capture in captures:
        try:
            ours = decode_ours(capture.text)
        except PylontechError as err:
            raise BenchError(f"our decoder rejects a real frame ({capture.device}): {err}") from err
        raw = capture.text.encode("ascii")
        from_text, from_bytes = frame_from_text(capture.text), parse_frame(raw)
        if (from_text.ver, from_text.adr, from_text.cid2, from_text.info) != (
            from_bytes.ver,
            from_bytes.adr,
            from_bytes.cid2,
            from_bytes.info,
        ):
            raise BenchError(f"the frame's text and bytes differ ({capture.device})")
        info_format = (
            Pylontech.get_values_fmt if ours.all_packs else Pylontech.get_values_single_fmt
        )
        try:
            theirs = their_packs(decode_theirs(decoder, raw, info_format), ours.all_packs)
        except Exception as err:  # noqa: BLE001 - any failure of theirs excludes the frame
            excluded.append((capture, f"{type(err).__name__}: {err}".splitlines()[0]))
            continue
        mine = [(pack.voltage, pack.current) for pack in ours.packs]
        if len(mine) != len(theirs) or not all(
            a is not None and math.isclose(a, b, abs_tol=1e-9)
            for pair_ours, pair_theirs in zip(mine, theirs, strict=True)
            for a, b in zip(pair_ours, pair_theirs, strict=True)
        ):
            raise BenchError(
                f"the decoders disagree on {capture.device}: (V, A) per pack: "
                f"ours {mine}, python-pylontech {theirs}"
            )
        samples.append(
            Sample(
                device=capture.device,
                text=capture.text,
                raw=raw,
                all_packs=ours.all_packs,
                packs=len(mine),
                their_format=info_format,
            )
        )
    return samples, excluded


def time_per_pass(one_pass: Callable[[], None]) -> tuple[int, float]:
    """Time `one_pass` (a pass over every frame): (repetitions per run, best ns per pass).

    The repetitions are chosen so one run lasts about `RUN_SECONDS`; the best of `RUNS` runs
    counts. The garbage collector is off while timing, as `timeit` does.
    """
    one_pass()  # warm up caches and lazy imports
    start = time.perf_counter_ns()
    one_pass()
    estimate = max(time.perf_counter_ns() - start, 1)
    repetitions = max(1, round(RUN_SECONDS * 1e9 / estimate))
    best = math.inf
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(RUNS):
            start = time.perf_counter_ns()
            for _ in range(repetitions):
                one_pass()
            best = min(best, time.perf_counter_ns() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return repetitions, best / repetitions


def figure(name: str, value: float | str, unit: str) -> None:
    """Print one result line: `name: value unit`."""
    print(f"decode.{name}: {value} {unit}")


def main() -> int:
    """Run the decode benchmark; return the process exit code."""
    decoder = Pylontech.__new__(Pylontech)  # its __init__ opens a serial port; no I/O here
    captures = load_captures()
    try:
        samples, excluded = prepare(captures, decoder)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not samples:
        print(f"error: no 0x42 frame in {VECTORS} both decoders decode", file=sys.stderr)
        return 1
    texts = [sample.text for sample in samples]
    raws = [sample.raw for sample in samples]
    theirs = [(sample.raw, sample.their_format) for sample in samples]

    def ours_pass() -> None:
        for text in texts:
            decode_response(text, COMMAND)

    def ours_bytes_pass() -> None:
        for raw in raws:
            decode_response(parse_frame(raw), COMMAND)

    def theirs_pass() -> None:
        for raw, info_format in theirs:
            decode_theirs(decoder, raw, info_format)

    print(
        f"# decode: {len(samples)} real 0x42 answers from {VECTORS.relative_to(ROOT)}, "
        f"CPython {platform.python_version()}, python-pylontech {version('python-pylontech')}, "
        f"construct {version('construct')}"
    )
    for capture, reason in excluded:
        print(f"# excluded (python-pylontech cannot parse it): {capture.device}: {reason}")
    ours_reps, ours_ns = time_per_pass(ours_pass)
    _bytes_reps, ours_bytes_ns = time_per_pass(ours_bytes_pass)
    theirs_reps, theirs_ns = time_per_pass(theirs_pass)
    ours_us = ours_ns / len(samples) / 1000
    ours_bytes_us = ours_bytes_ns / len(samples) / 1000
    theirs_us = theirs_ns / len(samples) / 1000

    figure("frames", len(samples), "count")
    figure("frames_all_packs", sum(sample.all_packs for sample in samples), "count")
    figure("frames_one_pack", sum(not sample.all_packs for sample in samples), "count")
    figure("frames_excluded", len(excluded), "count")
    figure("packs", sum(sample.packs for sample in samples), "count")
    figure("runs", RUNS, "count")
    figure("ours_repetitions", ours_reps, "count")
    figure("python_pylontech_repetitions", theirs_reps, "count")
    figure("ours_us_per_frame", f"{ours_us:.1f}", "us")
    figure("ours_from_bytes_us_per_frame", f"{ours_bytes_us:.1f}", "us")
    figure("python_pylontech_us_per_frame", f"{theirs_us:.1f}", "us")
    # Like for like: both sides start from the frame's bytes, as a port delivers them.
    figure("speedup", f"{theirs_us / ours_bytes_us:.1f}", "x")
    figure("speedup_from_text", f"{theirs_us / ours_us:.1f}", "x")
    print("# target: speedup of at least 10 x (printed, not asserted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
