"""Issue 11 item 5, end to end in the library: absurd numbers never become values.

Each case is a real capture (tests/vectors/, provenance in its README) with the bytes of one
value altered and the checksum made anew by the library's own encoder, or a real console dump
with one number replaced. What comes out is None, and so is what is derived from it; the energy
counted from such a poll does not jump.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from custom_components.pylontech.bms import AnalogValues, SystemParameters, decode_response
from custom_components.pylontech.bms.binary.frame import encode_frame, parse_frame
from custom_components.pylontech.bms.console import hv_system, parse, us_stack
from custom_components.pylontech.bms.derive.energy_meter import EnergyMeter, EnergyTotals
from custom_components.pylontech.bms.dialects.eg4 import EXTRA_TEMPERATURES
from tests import captures
from tests.bms.test_console_parse import dump

if TYPE_CHECKING:
    from custom_components.pylontech.bms.models import PackAnalogValues

BY_ID = {capture.id: capture for capture in captures.VALID}
# 15 digits: the longest number the console parser still reads (console/values.py MAX_DIGITS).
HUGE = b"999999999999999"


def altered(capture_id: str, offset: int, value: bytes) -> bytes:
    """The capture's frame with INFO bytes at `offset` replaced by `value`, checksum renewed."""
    frame = parse_frame(BY_ID[capture_id].raw)
    info = frame.info[:offset] + value + frame.info[offset + len(value) :]
    assert len(info) == len(frame.info)
    return encode_frame(ver=frame.ver, adr=frame.adr, cid1=frame.cid1, cid2=frame.cid2, info=info)


def current_offset(capture_id: str, extra_words: int = 0) -> int:
    """Offset of the current in a one-pack 0x42 INFO: INFOFLAG, selector, cells, temperatures
    (and `extra_words` uncounted temperatures, EG4)."""
    info = parse_frame(BY_ID[capture_id].raw).info
    cells = info[2]
    temperatures = info[3 + 2 * cells]
    return 4 + 2 * cells + 2 * temperatures + 2 * extra_words


def pack(frame: bytes) -> PackAnalogValues:
    _, answer = decode_response(frame, 0x42)
    assert isinstance(answer, AnalogValues)
    return answer.packs[0]


UP2500 = "pylontech-0x20:4:0x42"  # 8 cells, 3-byte capacities (user-defined count 4)


def test_the_captures_read_as_before() -> None:
    """The unaltered captures the cases below start from, as their sources state them."""
    up2500 = pack(BY_ID[UP2500].raw)
    assert (up2500.voltage, up2500.current, up2500.cycles) == (26.638, -0.6, 0)
    assert (up2500.remaining_capacity, up2500.full_capacity, up2500.soc) == (95.46, 111.0, 86.0)


@pytest.mark.parametrize(
    ("field", "offset", "value"),
    [
        ("voltage", 2, b"\xff\xfe"),  # 65.534 V on 8 cells: 8.2 V a cell
        ("voltage", 2, b"\x00\x10"),  # 0.016 V on 8 cells
        ("current", 0, b"\x7f\xff"),  # 3276.7 A (the field counts 100 mA)
        ("cycles", 9, b"\xff\xfe"),  # 65,534 cycles
    ],
)
def test_pylontech_absurd_value_is_none(field: str, offset: int, value: bytes) -> None:
    """A Pylontech UP2500 answer with one absurd value: None, and power with it."""
    analog = pack(altered(UP2500, current_offset(UP2500) + offset, value))
    assert getattr(analog, field) is None
    if field in ("voltage", "current"):
        assert analog.power is None
    assert analog.cell_voltages == pack(BY_ID[UP2500].raw).cell_voltages


def test_pylontech_absurd_remaining_capacity_derives_no_soc() -> None:
    """16,777 Ah remaining in the 3-byte field: no remaining capacity, and no SOC from it
    (before: 100 %, the ratio clamped)."""
    analog = pack(altered(UP2500, current_offset(UP2500) + 11, b"\xff\xff\xfe"))
    assert analog.remaining_capacity is None
    assert analog.full_capacity == 111.0
    assert (analog.soc, analog.soc_source) == (None, None)


@pytest.mark.parametrize(
    ("capture_id", "extra_words", "value"),
    [
        ("pace-0x25:2:0x42", 0, b"\x00\x10"),  # 0.016 V (mV field; 65.5 V would be 4.1 V a cell)
        ("seplos-v2-0x20:29:0x42", 0, b"\xff\xfe"),  # 655.34 V (10 mV field)
        ("seplos-v2-0x20:29:0x42", 0, b"\x00\x10"),  # 0.16 V
        ("eg4-0x20:2:0x42", len(EXTRA_TEMPERATURES), b"\xff\xfe"),
        ("eg4-0x20:2:0x42", len(EXTRA_TEMPERATURES), b"\x00\x10"),
    ],
)
def test_pack_voltage_out_of_range_for_its_cells(
    capture_id: str, extra_words: int, value: bytes
) -> None:
    """A 16-cell pack at under 1 V or over 5 V a cell: None, and no power."""
    original = pack(BY_ID[capture_id].raw)
    assert original.voltage is not None and original.power is not None
    analog = pack(altered(capture_id, current_offset(capture_id, extra_words) + 2, value))
    assert (analog.voltage, analog.power) == (None, None)
    assert analog.current == original.current


@pytest.mark.parametrize("capture_id", ["pace-0x25:2:0x42", "boqiang-0x26:6:0x42"])
def test_absurd_cycles(capture_id: str) -> None:
    """65,534 cycles (0xFFFE, one below the placeholder) on PACE and Boqiang: None."""
    analog = pack(altered(capture_id, current_offset(capture_id) + 9, b"\xff\xfe"))
    assert analog.cycles is None


def test_absurd_threshold_of_system_parameters() -> None:
    """Pylontech 0x47 with a cell high-voltage limit of 65.534 V: None, the others kept."""
    capture = "pylontech-0x20:14:0x47"
    _, original = decode_response(BY_ID[capture].raw, 0x47)
    _, answer = decode_response(altered(capture, 1, b"\xff\xfe"), 0x47)
    assert isinstance(original, SystemParameters) and isinstance(answer, SystemParameters)
    assert original.cell_high_voltage_limit == 3.65
    assert answer.cell_high_voltage_limit is None
    assert answer.cell_low_voltage_limit == original.cell_low_voltage_limit


def pwr_packs(old: bytes = b"", new: bytes = b"") -> tuple[PackAnalogValues, ...]:
    """The packs of the mixed US stack's real `pwr`, with `old` replaced by `new` once."""
    text = dump("ioBroker_US_pwr.txt")
    if old:
        assert text.count(old) == 1
        text = text.replace(old, new)
    packs = tuple(p.analog for p in us_stack(parse("pwr", text)).packs)
    assert all(analog is not None for analog in packs)
    return packs  # type: ignore[return-value]


# Pack 1's row: 49905 mV, 11867 mA, Tempr 27900 m°C, Tlow 26600, Thigh 26800.
ROW_1 = b"1     49905  11867  27900  26600"


@pytest.mark.parametrize(
    ("replaced", "field"),
    [
        (b"1     " + HUGE + b"  11867  27900  26600", "voltage"),
        (b"1     49905  " + HUGE + b"  27900  26600", "current"),
        (b"1     49905  -" + HUGE + b"  27900  26600", "current"),
    ],
)
def test_console_absurd_pwr_value_is_none(replaced: bytes, field: str) -> None:
    """A `pwr` row with a 15-digit voltage (1e12 V) or current: None, and no power."""
    first = pwr_packs(ROW_1, replaced)[0]
    assert getattr(first, field) is None
    assert first.power is None
    assert first.soc == 39.0


def test_console_absurd_temperature_is_none() -> None:
    first = pwr_packs(ROW_1, b"1     49905  11867  " + HUGE + b"  26600")[0]
    assert first.temperatures == (None, 26.6, 26.8, 27.5)


def test_console_absurd_string_voltage_is_none() -> None:
    """A Pylontech SC string's `pwr` with a 15-digit voltage: the totals say None."""
    text = dump("ioBroker_SC_pwr.txt")
    assert text.count(b"\n235573 ") == 1
    totals = hv_system(parse("pwr", text.replace(b"\n235573 ", b"\n" + HUGE + b" ")))
    assert (totals.voltage, totals.power) == (None, None)
    assert totals.current == -0.292


def test_console_absurd_poll_does_not_jump_the_energy() -> None:
    """Issue 11: discharged energy jumped by 1.08e14 kWh in one poll of an absurd voltage.

    Three polls 30 s apart, the middle one with a 15-digit voltage in pack 1's row, metered as
    the coordinator meters them (every pack whose power is a number). Pack 1 counts exactly its
    two normal readings, 60 s apart; nothing jumps.
    """
    meter = EnergyMeter(max_gap=120)
    polls = (
        pwr_packs(),
        pwr_packs(ROW_1, b"1     " + HUGE + b"  11867  27900  26600"),
        pwr_packs(),
    )
    for index, packs in enumerate(polls):
        for address, analog in enumerate(packs, start=1):
            if analog.power is not None:
                meter.add(address, analog, 30.0 * index)
    power = polls[0][0].power
    assert power is not None
    assert meter.total(1) == EnergyTotals(charged=power * 60 / 3_600_000, discharged=0.0)
