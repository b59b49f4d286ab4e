"""The field vocabulary of the dialects' tables: one kind of step per way a field is laid out.

A dialect describes each answer as a table of steps (`Number`, `Counted`, `Text`, `Version`,
`Bits`, `Fixed`, `When`); each step can read itself and write itself. `layout.compiled` turns a
table into one fast reader. Every multi-byte number is big-endian (protocol.md 2.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
import struct
from typing import TYPE_CHECKING, Any, Protocol

from ..exceptions import PylontechDecodeError

if TYPE_CHECKING:
    from collections.abc import Callable

type Values = dict[str, Any]
type Reader = Callable[[bytes, int, Values], int]

STRUCT_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h"}
"""The struct code of a one- or two-byte number, by (size, signed)."""


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
    superseded: Callable[[Values], bool] | None = field(default=None, compare=False)
    """For writing: when it holds, the field carries its placeholder and the value travels in
    a later field (Pylontech's 3-byte capacities)."""
    raw_low: float = field(init=False, repr=False, compare=False)
    """`valid` in raw units, so that readers compare integers."""
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

    def to_raw(self, value: float | None) -> int:
        """The raw integer that reads back as `value`, rounded to the wire's resolution.

        None, or a value the field cannot hold, becomes the placeholder (`absent`) or a raw
        value outside `valid`, both of which read back as None.
        """
        bits = 8 * self.size
        low, high = (-(1 << bits - 1), (1 << bits - 1) - 1) if self.signed else (0, (1 << bits) - 1)
        if value is not None:
            raw = round(value * self.divisor + self.offset)
            if low <= raw <= high and raw != self.absent and self.raw_low <= raw <= self.raw_high:
                return raw
        if self.absent is not None:
            return self.absent
        if self.raw_low > low:
            return low
        if self.raw_high < high:
            return high
        msg = f"{self.key!r} cannot be sent as {value!r}"
        raise ValueError(msg)

    def write(self, values: Values) -> bytes:
        """The field's bytes for ``values[key]``; a missing "_" key (bookkeeping) is 0."""
        value = values.get(self.key, 0 if self.key.startswith("_") else None)
        if self.superseded is not None and self.superseded(values):
            value = None
        return self.to_raw(value).to_bytes(self.size, signed=self.signed)

    def expression(self, var: str, *, checked: bool = True) -> str:
        """Python source computing `convert(var)`; without `checked`, for values known valid."""
        value = f"({var} - {self.offset})" if self.offset else var
        if self.divisor != 1:
            value = f"{value} / {self.divisor}"
        conditions = []
        if checked and self.absent is not None:
            conditions.append(f"{var} == {self.absent}")
        if checked and self.valid is not None:
            conditions.append(f"not {self.raw_low} <= {var} <= {self.raw_high}")
        if conditions:
            return f"None if {' or '.join(conditions)} else {value}"
        return value


@dataclass(frozen=True, slots=True)
class Counted:
    """A one-byte count followed by that many elements of one kind, read into a tuple."""

    key: str
    element: Number

    def convert_all(self, raws: tuple[int, ...]) -> tuple[int | float | None, ...]:
        """Convert the raw elements one by one (the reader's path for invalid or absent ones)."""
        return tuple([self.element.convert(raw) for raw in raws])

    def write(self, values: Values) -> bytes:
        """The count and the elements of ``values[key]``."""
        items = values[self.key]
        element = self.element
        return bytes([len(items)]) + b"".join(
            element.to_raw(item).to_bytes(element.size, signed=element.signed) for item in items
        )

    def arrays(self) -> dict[int, struct.Struct]:
        """Structs of this array by element count, made when first needed."""
        return _Arrays(STRUCT_CODES[self.element.size, self.element.signed])


class _Arrays(dict[int, struct.Struct]):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def __missing__(self, count: int) -> struct.Struct:
        self[count] = array = struct.Struct(f">{count}{self.code}")
        return array


@dataclass(frozen=True, slots=True)
class Text:
    """ASCII text of `size` bytes (None: the rest of INFO), with padding stripped.

    Empty text becomes None. An `optional` text may be missing altogether at the end of INFO
    (PACE barcodes with or without a build date); it is always written in full.
    """

    key: str
    size: int | None = None
    padding: str = " \x00"
    optional: bool = False

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the text into `out`."""
        if self.optional and pos == len(data):
            out[self.key] = None
            return pos
        end = len(data) if self.size is None else pos + self.size
        need(data, end, self.key)
        text = data[pos:end].decode("ascii", "replace").rstrip(self.padding).strip()
        out[self.key] = text or None
        return end

    def write(self, values: Values) -> bytes:
        """The text, padded with the first padding character to `size`."""
        data = (values.get(self.key) or "").encode("ascii", "replace")
        if self.size is None:
            return data
        return data[: self.size].ljust(self.size, self.padding[0].encode("ascii"))


@dataclass(frozen=True, slots=True)
class Version:
    """A version given as `size` bytes, one number each, shown joined by dots ("2.3")."""

    key: str
    size: int

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the version into `out`."""
        end = pos + self.size
        need(data, end, self.key)
        out[self.key] = ".".join(str(byte) for byte in data[pos:end])
        return end

    def write(self, values: Values) -> bytes:
        """One byte per dotted part ("2.3" -> 02 03), `size` of them."""
        parts = [int(part) for part in str(values.get(self.key) or "0").split(".")]
        return bytes((parts + [0] * self.size)[: self.size])


@dataclass(frozen=True, slots=True)
class Bits:
    """One byte kept as `key`, with named bits also stored as booleans (bit 0 = LSB)."""

    key: str
    names: tuple[tuple[int, str], ...] = ()

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Read the byte and its named bits into `out`."""
        need(data, pos + 1, self.key)
        byte = data[pos]
        out[self.key] = byte
        for bit, name in self.names:
            out[name] = bool(byte >> bit & 1)
        return pos + 1

    def write(self, values: Values) -> bytes:
        """The byte ``values[key]`` (default 0), with the named bits set from their booleans."""
        byte = values.get(self.key) or 0
        for bit, name in self.names:
            if name in values:
                byte = byte | 1 << bit if values[name] else byte & ~(1 << bit)
        return bytes([byte])


@dataclass(frozen=True, slots=True)
class Fixed:
    """A one-byte count whose value is part of the layout (Seplos' "custom number" 10).

    Any other value means the INFO is not of this layout: a decode error, so that a frame of
    another dialect with the same VER and CID1 is never read with this table.
    """

    key: str
    value: int

    def read(self, data: bytes, pos: int, out: Values) -> int:
        """Check the byte and store its value."""
        need(data, pos + 1, self.key)
        if data[pos] != self.value:
            msg = f"{self.key!r} is 0x{data[pos]:02X}, not 0x{self.value:02X}"
            raise PylontechDecodeError(msg, data)
        out[self.key] = self.value
        return pos + 1

    def write(self, values: Values) -> bytes:
        """The fixed byte, whatever `values` say."""
        return bytes([self.value])


class Table(Protocol):
    """Steps that write themselves as one (a compiled `layout.Layout`)."""

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps, in order."""

    def write(self, values: Values) -> bytes:
        """The bytes that read back as `values`."""


@dataclass(frozen=True, slots=True)
class When:
    """Steps present only when `test` holds for the values read so far."""

    test: Callable[[Values], bool]
    steps: Table

    def write(self, values: Values) -> bytes:
        """The inner steps' bytes when the condition holds for `values`."""
        return self.steps.write(values) if self.test(values) else b""


type Step = Number | Counted | Text | Version | Bits | Fixed | When


def short(key: str, data: bytes) -> PylontechDecodeError:
    """The error for INFO that ends inside the field `key`."""
    return PylontechDecodeError(f"INFO ends inside {key!r} ({len(data)} bytes)", data)


def need(data: bytes, end: int, key: str) -> None:
    """Raise `short` unless `data` reaches `end`."""
    if end > len(data):
        raise short(key, data)
