"""A field table compiled into one reader: the steps, spelled out as a Python function.

`compiled` turns a table of steps (`steps`) into a `Layout`: the steps, plus one reader function
generated from them, in which runs of one- and two-byte numbers become a single struct read and
each conversion is a plain expression. The generated source is kept in `Layout.source`; it is the
table, spelled out. `walk` reads INFO bytes with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import struct
from typing import Any

from .steps import (
    STRUCT_CODES,
    Counted,
    Number,
    Reader,
    Step,
    Values,
    When,
    short,
)


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
    return STRUCT_CODES.get((number.size, number.signed))


class _Compiler:
    """Writes the reader's source for `compiled`, one step at a time."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {"struct_error": struct.error, "short": short}
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
