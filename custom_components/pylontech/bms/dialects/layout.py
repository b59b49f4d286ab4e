"""Field tables, and the one reader that walks INFO bytes by them.

A dialect describes each answer as a table of steps (`Number`, `Counted`, `Text`, `Version`,
`Bits`, `Fixed`, `When`). `compiled` turns a table into a `Layout`: the steps, plus one reader function
generated from them, in which runs of one- and two-byte numbers become a single struct read and
each conversion is a plain expression. The generated source is kept in `Layout.source`; it is the
table, spelled out. Every multi-byte number is big-endian (protocol.md 2.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
import struct
from typing import TYPE_CHECKING, Any

from ..exceptions import PylontechDecodeError

if TYPE_CHECKING:
    from collections.abc import Callable

type Values = dict[str, Any]
type Reader = Callable[[bytes, int, Values], int]

_STRUCT_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h"}


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
        return _Arrays(_STRUCT_CODES[self.element.size, self.element.signed])


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
        _need(data, end, self.key)
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
        _need(data, end, self.key)
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
        _need(data, pos + 1, self.key)
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
        _need(data, pos + 1, self.key)
        if data[pos] != self.value:
            msg = f"{self.key!r} is 0x{data[pos]:02X}, not 0x{self.value:02X}"
            raise PylontechDecodeError(msg, data)
        out[self.key] = self.value
        return pos + 1

    def write(self, values: Values) -> bytes:
        """The fixed byte, whatever `values` say."""
        return bytes([self.value])


@dataclass(frozen=True, slots=True)
class When:
    """Steps present only when `test` holds for the values read so far."""

    test: Callable[[Values], bool]
    steps: Layout

    def write(self, values: Values) -> bytes:
        """The inner steps' bytes when the condition holds for `values`."""
        return self.steps.write(values) if self.test(values) else b""


type Step = Number | Counted | Text | Version | Bits | Fixed | When


@dataclass(frozen=True, slots=True)
class Layout:
    """A field table and the reader compiled from it (see `compiled`)."""

    steps: tuple[Step, ...]
    read: Reader = field(repr=False, compare=False)
    """``read(data, pos, out) -> end``: fills `out` from `data` at `pos`; raises
    `PylontechDecodeError` when INFO ends early."""
    source: str = field(repr=False, compare=False)

    def write(self, values: Values) -> bytes:
        """The bytes that read back as `values` (the encoder the simulator uses)."""
        return b"".join(step.write(values) for step in self.steps)


def compiled(*steps: Step) -> Layout:
    """Compile a field table into a `Layout` whose reader gives the values the steps describe."""
    compiler = _Compiler()
    compiler.emit(steps, "    ")
    source = "\n".join(["def read(data, pos, out):", *compiler.lines, "    return pos"])
    # The source is built from the table's own keys and numbers only, never from received bytes.
    exec(compile(source, "<field table>", "exec"), compiler.env)  # noqa: S102
    return Layout(steps, compiler.env["read"], source)


def _struct_codes(number: Number) -> str | None:
    """Struct codes reading `number`; a 3-byte unsigned number is read as a byte and a word."""
    if (number.size, number.signed) == (3, False):
        return "BH"
    return _STRUCT_CODES.get((number.size, number.signed))


class _Compiler:
    """Writes the reader's source for `compiled`, one step at a time."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {"struct_error": struct.error, "short": _short}
        self.run: list[Number] = []

    def emit(self, steps: tuple[Step, ...], indent: str) -> None:
        for step in steps:
            if isinstance(step, Number) and _struct_codes(step) is not None:
                self.run.append(step)
                continue
            self.emit_run(indent)
            name = self.bind(step)
            if isinstance(step, Number):
                self.add(
                    indent,
                    f"if pos + {step.size} > len(data):",
                    f"    raise short({step.key!r}, data)",
                    f"v = int.from_bytes(data[pos:pos + {step.size}], signed={step.signed})",
                    f"out[{step.key!r}] = {step.expression('v')}",
                    f"pos += {step.size}",
                )
            elif isinstance(step, Counted):
                self.emit_counted(step, name, indent)
            elif isinstance(step, When):
                self.add(indent, f"if {name}.test(out):")
                self.emit(step.steps.steps, indent + "    ")
                self.emit_run(indent + "    ")
            else:
                self.add(indent, f"pos = {name}.read(data, pos, out)")
        self.emit_run(indent)

    def emit_run(self, indent: str) -> None:
        """One struct read for the pending run of numbers, then one expression per number."""
        if not self.run:
            return
        layout = struct.Struct(">" + "".join(_struct_codes(n) or "" for n in self.run))
        name = self.bind(layout)
        values, expressions = [], []
        for index, number in enumerate(self.run):
            value = f"v{index}"
            if number.size == 3:
                values.append(f"{value}_high, {value}_low")
                expressions.append(f"{value} = {value}_high << 16 | {value}_low")
            else:
                values.append(value)
            expressions.append(f"out[{number.key!r}] = {number.expression(value)}")
        self.add(
            indent,
            "try:",
            f"    {', '.join(values)}, = {name}.unpack_from(data, pos)",
            "except struct_error:",
            f"    raise short({self.run[0].key!r}, data) from None",
            *expressions,
            f"pos += {layout.size}",
        )
        self.run.clear()

    def emit_counted(self, step: Counted, name: str, indent: str) -> None:
        """Read a count and its elements: one comprehension when all are valid, else each."""
        element = step.element
        arrays = self.bind(step.arrays())
        valid = ""
        if element.valid is not None:
            valid = f" and {element.raw_low} <= min(raws) and max(raws) <= {element.raw_high}"
        if element.absent is not None:
            valid += f" and {element.absent} not in raws"
        self.add(
            indent,
            "try:",
            "    count = data[pos]",
            f"    raws = {arrays}[count].unpack_from(data, pos + 1)",
            "except (IndexError, struct_error):",
            f"    raise short({step.key!r}, data) from None",
            f"if raws{valid}:",
            f"    out[{step.key!r}] = tuple([{element.expression('raw', checked=False)} "
            "for raw in raws])",
            "else:",
            f"    out[{step.key!r}] = {name}.convert_all(raws)",
            f"pos += 1 + count * {element.size}",
        )

    def bind(self, value: object) -> str:
        """A name under which the generated code sees `value`."""
        name = f"{type(value).__name__.lower()}_{len(self.env)}"
        self.env[name] = value
        return name

    def add(self, indent: str, *lines: str) -> None:
        self.lines.extend(indent + line for line in lines)


def walk(layout: Layout, data: bytes, pos: int, out: Values) -> int:
    """Read every step of `layout` from `data` at `pos` into `out`; return the end position."""
    return layout.read(data, pos, out)


def _short(key: str, data: bytes) -> PylontechDecodeError:
    return PylontechDecodeError(f"INFO ends inside {key!r} ({len(data)} bytes)", data)


def _need(data: bytes, end: int, key: str) -> None:
    if end > len(data):
        raise _short(key, data)
