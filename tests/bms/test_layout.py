"""The field-table walker's own rules, beyond what the dialect tables use today."""

from __future__ import annotations

import pytest

from custom_components.pylontech.bms import PylontechDecodeError
from custom_components.pylontech.bms.dialects.layout import (
    Bits,
    Counted,
    Number,
    NumberRun,
    Text,
    Version,
    compiled,
    walk,
)


def test_counted_placeholders_become_none() -> None:
    """An all-ones placeholder inside an array is None, without a range to rely on."""
    layout = compiled(Counted("values", Number("value", divisor=10, absent=0xFFFF)))
    out: dict[str, object] = {}
    assert walk(layout, b"\x03\x00\x0a\xff\xff\x00\x14", 0, out) == 7
    assert out == {"values": (1.0, None, 2.0)}


def test_counted_integers() -> None:
    """Without a divisor the values stay integers."""
    out: dict[str, object] = {}
    walk(compiled(Counted("values", Number("value", size=1, offset=1))), b"\x02\x05\x06", 0, out)
    assert out == {"values": (4, 5)}


def test_runs_are_merged() -> None:
    """Adjacent one- and two-byte numbers become one struct read; others stay as they are."""
    layout = compiled(
        Number("a", size=1),
        Number("b"),
        Number("c", size=3),
        Number("d", signed=True, valid=(-5, 5)),
        Text("e", 2),
    )
    assert [type(step) for step in layout] == [NumberRun, Number, Number, Text]
    out: dict[str, object] = {}
    assert walk(layout, b"\x01\x00\x02\x00\x00\x03\xff\xf0AB", 0, out) == 10
    assert out == {"a": 1, "b": 2, "c": 3, "d": None, "e": "AB"}


@pytest.mark.parametrize(
    "step",
    [
        Number("n", size=3),
        Counted("c", Number("n")),
        compiled(Number("a", size=1), Number("b"))[0],
        Text("t", 4),
        Version("v", 2),
        Bits("b"),
    ],
)
def test_short_info_is_a_decode_error(step: object) -> None:
    """Every step reports running out of INFO as a decode error naming the field."""
    with pytest.raises(PylontechDecodeError, match="INFO ends"):
        walk((step,), b"\x02", 1, {})  # type: ignore[arg-type]


def test_text_and_version() -> None:
    """Text loses its padding and is None when empty; versions join their bytes with dots."""
    out: dict[str, object] = {}
    layout = (Text("name", 8, padding=" \x00-"), Text("empty", 2), Version("v", 3))
    walk(layout, b"Pylon-  \x00\x00\x00\x06\x05", 0, out)
    assert out == {"name": "Pylon", "empty": None, "v": "0.6.5"}
