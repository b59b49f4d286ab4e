"""Hypothesis fuzzing of the console parsers: whatever text arrives, only library errors escape."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.pylontech.bms.console import COMMANDS, body_lines, complete, paging, parse
from custom_components.pylontech.bms.exceptions import PylontechConsoleError
from tests.bms.test_console_parse import DUMPS, command_of, dump


def all_finite(value: object) -> bool:
    """Whether every float in a parsed model (nested models and tuples included) is finite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, tuple):
        return all(all_finite(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(all_finite(getattr(value, f.name)) for f in dataclasses.fields(value))
    return True


REAL = [(command_of(name), dump(name)) for name in DUMPS]
COMMAND_WORDS = [*COMMANDS, *(f"{c} {n}" for c in COMMANDS for n in (0, 1, 16)), "shut", ""]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Bytes that matter to the parsers: separators, signs, units, framing characters.
ALPHABET = b" \r\n\t-%:.$@>0123456789xmAHWVNY"


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real dump under its own or another command, with bytes replaced, inserted or cut."""
    command, raw = draw(st.sampled_from(REAL))
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("replace", "insert", "delete", "cut")))
        byte = draw(st.sampled_from(ALPHABET + b"\x00\xff"))
        if action == "cut":
            data = data[:position]
        elif action == "insert" or position == len(data):
            data.insert(position, byte)
        elif action == "replace":
            data[position] = byte
        else:
            del data[position]
    if draw(st.booleans()):
        command = draw(st.sampled_from(COMMAND_WORDS))
    return command, bytes(data)


@FUZZ
@given(case=mutated())
def test_mutated_dumps_give_a_model_or_a_console_error(case: tuple[str, bytes]) -> None:
    """Real answers, damaged: a model or a PylontechConsoleError, nothing else."""
    command, raw = case
    with contextlib.suppress(PylontechConsoleError):
        assert all_finite(parse(command, raw))


@FUZZ
@given(command=st.sampled_from(COMMAND_WORDS) | st.text(max_size=12),
       text=st.text(max_size=300) | st.binary(max_size=300))  # fmt: skip
def test_random_text_gives_a_model_or_a_console_error(command: str, text: str | bytes) -> None:
    """Random text or bytes under any command word: a model or a PylontechConsoleError."""
    with contextlib.suppress(PylontechConsoleError):
        parse(command, text)


@FUZZ
@given(raw=st.binary(max_size=200) | st.builds(bytes, st.lists(st.sampled_from(ALPHABET))))
def test_line_helpers_never_raise_on_bytes(raw: bytes) -> None:
    """The client's helpers answer yes or no on any bytes; the splitter only refuses."""
    assert complete(raw) in (True, False)
    assert paging(raw) in (True, False)
    with contextlib.suppress(PylontechConsoleError):
        assert isinstance(body_lines(raw), list)


@st.composite
def long_numbers(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real answer with one of its numbers rewritten to up to 400 digits."""
    command, raw = draw(st.sampled_from(REAL))
    numbers = [m.span() for m in re.finditer(rb"\d+", raw.partition(b"@")[2] or raw)]
    offset = len(raw) - len(raw.partition(b"@")[2] or raw)
    start, end = draw(st.sampled_from(numbers)) if numbers else (0, 0)
    digits = draw(st.integers(1, 400))
    first = draw(st.sampled_from(b"123456789"))
    number = bytes([first]) + b"9" * (digits - 1)
    return command, raw[: offset + start] + number + raw[offset + end :]


@FUZZ
@given(case=long_numbers())
def test_numbers_of_any_length_give_finite_values_or_a_console_error(
    case: tuple[str, bytes],
) -> None:
    """However many digits a number has, the model holds finite values, or parse refuses."""
    command, raw = case
    with contextlib.suppress(PylontechConsoleError):
        assert all_finite(parse(command, raw))
