"""Field tables and the one walker that reads INFO bytes by them.

A dialect describes each answer as a tuple of steps (`Number`, `Counted`, `Text`, `Version`,
`Bits`, `When`); `walk` reads them in order from the INFO bytes into a dict keyed by the step
names. Every multi-byte number is big-endian (protocol.md 2.10).
"""

from __future__ import annotations

from dataclasses import dataclass
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

    def convert(self, raw: int) -> int | float | None:
        """Turn one raw integer into its value in the model's unit, or None."""
        if raw == self.absent:
            return None
        value: int | float = raw - self.offset
        if self.divisor != 1:
            value /= self.divisor
        if self.valid is not None and not self.valid[0] <= value <= self.valid[1]:
            return None
        return value

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
        _need(data, pos + 1, self.key)
        size = self.element.size
        end = pos + 1 + data[pos] * size
        _need(data, end, self.key)
        convert = self.element.convert
        signed = self.element.signed
        out[self.key] = tuple(
            convert(int.from_bytes(data[i : i + size], "big", signed=signed))
            for i in range(pos + 1, end, size)
        )
        return end


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


type Step = Number | Counted | Text | Version | Bits | When


def walk(layout: Layout, data: bytes, pos: int, out: Values) -> int:
    """Read every step of `layout` from `data` at `pos` into `out`; return the end position."""
    for step in layout:
        pos = step.read(data, pos, out)
    return pos


def _need(data: bytes, end: int, key: str) -> None:
    if end > len(data):
        msg = f"INFO ends before field {key!r} ({len(data)} bytes, {end} needed)"
        raise PylontechDecodeError(msg, data)
