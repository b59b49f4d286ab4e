"""The field-table reader's own rules, beyond what the dialect tables use today."""

from __future__ import annotations

import pytest

from custom_components.pylontech.bms import PylontechDecodeError
from custom_components.pylontech.bms.dialects.layout import compiled, walk
from custom_components.pylontech.bms.dialects.steps import (
    Bits,
    Counted,
    Number,
    Text,
    Version,
    When,
)


def test_counted_placeholders_become_none() -> None:
    """An all-ones placeholder inside an array is None, even with no range to rely on."""
    layout = compiled(Counted("values", Number("value", divisor=10, absent=0xFFFF)))
    out: dict[str, object] = {}
    assert walk(layout, b"\x03\x00\x0a\xff\xff\x00\x14", 0, out) == 7
    assert out == {"values": (1.0, None, 2.0)}
    walk(layout, b"\x01\x00\x0a", 0, out)
    assert out == {"values": (1.0,)}


def test_counted_out_of_range_and_empty() -> None:
    """Out-of-range elements become None one by one; an empty array is an empty tuple."""
    layout = compiled(Counted("values", Number("value", divisor=10, valid=(0, 10))))
    out: dict[str, object] = {}
    walk(layout, b"\x02\x00\x0a\x00\x6f", 0, out)
    assert out == {"values": (1.0, None)}
    walk(layout, b"\x00", 0, out)
    assert out == {"values": ()}


def test_counted_integers() -> None:
    """Without a divisor the values stay integers."""
    out: dict[str, object] = {}
    walk(compiled(Counted("values", Number("value", size=1, offset=1))), b"\x02\x05\x06", 0, out)
    assert out == {"values": (4, 5)}


def test_numbers_text_and_conditions() -> None:
    """One- and two-byte numbers share one struct read; other steps are read in order."""
    layout = compiled(
        Number("a", size=1),
        Number("b", absent=0xFFFF),
        Number("c", size=3),
        Number("d", signed=True, valid=(-5, 5)),
        Text("e", 2),
        When(lambda values: values["a"] > 1, compiled(Number("f", size=1))),
    )
    assert "unpack_from" in layout.source
    out: dict[str, object] = {}
    assert walk(layout, b"\x01\xff\xff\x00\x00\x03\xff\xf0AB", 0, out) == 10
    assert out == {"a": 1, "b": None, "c": 3, "d": None, "e": "AB"}
    out = {}
    assert walk(layout, b"\x02\x00\x02\x00\x00\x03\x00\x04AB\x07", 0, out) == 11
    assert out == {"a": 2, "b": 2, "c": 3, "d": 4, "e": "AB", "f": 7}


@pytest.mark.parametrize(
    "step",
    [
        Number("n", size=3),
        Number("n"),
        Counted("c", Number("n")),
        Text("t", 4),
        Version("v", 2),
        Bits("b"),
    ],
)
def test_short_info_is_a_decode_error(step: Number | Counted | Text | Version | Bits) -> None:
    """Every step reports running out of INFO as a decode error naming the field."""
    layout = compiled(step)
    with pytest.raises(PylontechDecodeError, match="INFO ends inside"):
        walk(layout, b"\x02", 1, {})
    if isinstance(step, Counted):  # a count that promises more than arrives
        with pytest.raises(PylontechDecodeError, match="INFO ends inside 'c'"):
            walk(layout, b"\x02\x00\x01\x00", 0, {})


def test_text_and_version() -> None:
    """Text loses its padding and is None when empty; versions join their bytes with dots."""
    out: dict[str, object] = {}
    layout = compiled(Text("name", 8, padding=" \x00-"), Text("empty", 2), Version("v", 3))
    walk(layout, b"Pylon-  \x00\x00\x00\x06\x05", 0, out)
    assert out == {"name": "Pylon", "empty": None, "v": "0.6.5"}


def test_bits() -> None:
    """A status byte is kept whole and its named bits as booleans."""
    out: dict[str, object] = {}
    walk(compiled(Bits("status", ((7, "high"), (0, "low")))), b"\x81", 0, out)
    assert out == {"status": 0x81, "high": True, "low": True}
