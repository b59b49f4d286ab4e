"""Field tables and the one walker that reads INFO bytes by them.

A dialect describes each answer as a tuple of steps (`Number`, `Counted`, `Text`, `Version`,
`Bits`, `When`); `walk` reads them in order from the INFO bytes into a dict keyed by the step
names. Every multi-byte number is big-endian (protocol.md 2.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import functools
import math
import struct
from typing import TYPE_CHECKING, Any

from ..exceptions import PylontechDecodeError

if TYPE_CHECKING:
    from collections.abc import Callable

type Values = dict[str, Any]
type Layout = tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Number:
    """An integer of `size` bytes, converted as ``(raw - offset) / divisor``.

    `absent` is a raw value the BMS sends for "not reported" (0xFFFF placeholders); `valid` is
    the plausible range of the converted value. Either way out, the value becomes None.
    """

    key: str
    size: int = 2
    signed: bool = False
    divisor: int = 1
    offset: int = 0
    absent: int | None = None
    valid: tuple[float, float] | None = None
    # The valid range in raw units, so that the hot loop compares integers only.
    raw_low: float = field(init=False, repr=False, compare=False)
    raw_high: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Translate `valid` into raw units once."""
        low, high = -math.inf, math.inf
        if self.valid is not None:
            low = math.ceil(self.valid[0] * self.divisor + self.offset - 1e-9)
            high = math.floor(self.valid[1] * self.divisor + self.offset + 1e-9)
        object.__setattr__(self, "raw_low", low)
        object.__setattr__(self, "raw_high", high)

    def convert(self, raw: int) -> int | float | None:
        """Turn one raw integer into its value in the model's unit, or None."""
        if raw == self.absent or not self.raw_low <= raw <= self.raw_high:
            return None
        if self.divisor == 1:
            return raw - self.offset
        return (raw - self.offset) / self.divisor

    def convert_all(self, raws: tuple[int, ...]) -> tuple[int | float | None, ...]:
        """Convert many raw integers at once (the cells of a pack)."""
        if not raws:
            return ()
        offset, divisor = self.offset, self.divisor
        if self.absent is not None or not self.raw_low <= min(raws) <= max(raws) <= self.raw_high:
            return tuple([self.convert(raw) for raw in raws])
        if divisor == 1:
            return tuple([raw - offset for raw in raws])
        if offset:
            return tuple([(raw - offset) / divisor for raw in raws])
        return tuple([raw / divisor for raw in raws])

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read this number at `pos` into `out`; return the position after it."""
        end = pos + self.size
        _need(data, end, self.key)
        out[self.key] = self.convert(int.from_bytes(data[pos:end], "big", signed=self.signed))
        return end


@dataclass(frozen=True, slots=True)
class Counted:
    """A one-byte count followed by that many elements of one kind, read into a tuple."""

    key: str
    element: Number

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the count and the elements into `out`."""
        element = self.element
        try:
            count = data[pos]
            raws = _array(count, element.size, element.signed).unpack_from(data, pos + 1)
        except (IndexError, struct.error):
            msg = f"INFO ends inside {self.key!r} ({len(data)} bytes)"
            raise PylontechDecodeError(msg, data) from None
        out[self.key] = element.convert_all(raws)
        return pos + 1 + count * element.size


@dataclass(frozen=True, slots=True)
class NumberRun:
    """Consecutive `Number` fields read with one compiled struct (made by `compiled`)."""

    numbers: tuple[Number, ...]
    layout: struct.Struct
    _specs: tuple[tuple[str, int | None, float, float, int, int], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Flatten each number's conversion into a tuple for the loop below."""
        specs = tuple(
            (n.key, n.absent, n.raw_low, n.raw_high, n.offset, n.divisor) for n in self.numbers
        )
        object.__setattr__(self, "_specs", specs)

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read every number of the run into `out`."""
        try:
            raws = self.layout.unpack_from(data, pos)
        except struct.error:
            msg = f"INFO ends inside {self.numbers[0].key!r} ({len(data)} bytes)"
            raise PylontechDecodeError(msg, data) from None
        for (key, absent, low, high, offset, divisor), raw in zip(self._specs, raws, strict=True):
            if raw == absent or not low <= raw <= high:
                out[key] = None
            elif divisor == 1:
                out[key] = raw - offset
            else:
                out[key] = (raw - offset) / divisor
        return pos + self.layout.size


_STRUCT_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h"}


@functools.cache
def _array(count: int, size: int, signed: bool) -> struct.Struct:
    """A compiled big-endian layout of `count` integers of `size` bytes."""
    return struct.Struct(f">{count}{_STRUCT_CODES[size, signed]}")


@dataclass(frozen=True, slots=True)
class Text:
    """ASCII text of `size` bytes (None: the rest of INFO), with padding stripped.

    Empty text becomes None.
    """

    key: str
    size: int | None = None
    padding: str = " \x00"

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the text into `out`."""
        end = len(data) if self.size is None else pos + self.size
        _need(data, end, self.key)
        text = data[pos:end].decode("ascii", "replace").rstrip(self.padding).strip()
        out[self.key] = text or None
        return end


@dataclass(frozen=True, slots=True)
class Version:
    """A version given as `size` bytes, one number each, shown joined by dots ("2.3")."""

    key: str
    size: int

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the version into `out`."""
        end = pos + self.size
        _need(data, end, self.key)
        out[self.key] = ".".join(str(byte) for byte in data[pos:end])
        return end


@dataclass(frozen=True, slots=True)
class Bits:
    """One byte kept as `key`, with named bits also stored as booleans (bit 0 = LSB)."""

    key: str
    names: tuple[tuple[int, str], ...] = ()

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the byte and its named bits into `out`."""
        _need(data, pos + 1, self.key)
        byte = data[pos]
        out[self.key] = byte
        for bit, name in self.names:
            out[name] = bool(byte >> bit & 1)
        return pos + 1


@dataclass(frozen=True, slots=True)
class When:
    """Steps present only when `test` holds for the values read so far."""

    test: Callable[[Values], bool]
    steps: Layout

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the inner steps if the condition holds."""
        if self.test(out):
            return walk(self.steps, data, pos, out)
        return pos


type Step = Number | NumberRun | Counted | Text | Version | Bits | When


def compiled(*steps: Step) -> Layout:
    """A layout of `steps`, with runs of one- and two-byte numbers merged into `NumberRun`s.

    Same values as walking the steps one by one, read with one struct call per run.
    """
    result: list[Step] = []
    run: list[Number] = []

    def close_run() -> None:
        if len(run) == 1:
            result.append(run[0])
        elif run:
            codes = "".join(_STRUCT_CODES[n.size, n.signed] for n in run)
            result.append(NumberRun(tuple(run), struct.Struct(f">{codes}")))
        run.clear()

    for step in steps:
        if isinstance(step, Number) and (step.size, step.signed) in _STRUCT_CODES:
            run.append(step)
            continue
        close_run()
        result.append(step)
    close_run()
    return tuple(result)


def walk(layout: Layout, data: bytes, pos: int, out: Values) -> int:
    """Read every step of `layout` from `data` at `pos` into `out`; return the end position."""
    for step in layout:
        pos = step.read(data, pos, out)
    return pos


def _need(data: bytes, end: int, key: str) -> None:
    if end > len(data):
        msg = f"INFO ends before field {key!r} ({len(data)} bytes, {end} needed)"
        raise PylontechDecodeError(msg, data)
