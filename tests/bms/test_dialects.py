"""Dialect behaviour beyond the captures: requests, return codes, placeholders, derived values.

Frames here are built with `encode_frame` to reach cases no capture shows (a failed sensor, an
error return code); the decoding itself is proven on real captures in test_captures.py.
"""

from __future__ import annotations

import re

import pytest

from custom_components.pylontech.bms import (
    DIALECTS,
    AlarmInfo,
    AlarmLevel,
    AnalogValues,
    PylontechDecodeError,
    PylontechResponseError,
    PylontechUnknownDialectError,
    PylontechUnsupportedCommandError,
    SocSource,
    decode_response,
    dialect_for_frame,
    encode_frame,
    get_dialect,
    parse_frame,
)
from custom_components.pylontech.bms.derive import cell_statistics
from custom_components.pylontech.bms.dialects import (
    PACE,
    PYLONTECH,
    Dialect,
    RequestInfo,
)
from custom_components.pylontech.bms.dialects.alarm_decoder import AlarmDecoder
from custom_components.pylontech.bms.simulator.served import analog_values
from tests import captures

READ_REQUESTS = [c for c in captures.VALID if c.direction == "request"]


def test_names_and_aliases() -> None:
    """Dialects are found by name and alias, case-insensitively; unknown names say what is known."""
    assert get_dialect("pylontech") is PYLONTECH
    assert get_dialect("PACE") is PACE
    assert get_dialect(" sok ") is PACE
    assert get_dialect("LifePower4").name == "eg4"
    known = "boqiang, console, eg4, lifepower4, pace, pylontech, seplos, seplos-v2, sok"
    with pytest.raises(PylontechUnknownDialectError, match=f"known: {known}"):
        get_dialect("jbd")
    assert [d.name for d in DIALECTS] == ["pylontech", "pace", "seplos", "eg4", "boqiang"]


def test_dialect_for_unknown_frame() -> None:
    """A VER/CID1 pair no dialect has is reported with the frame kept for the bug report."""
    frame = parse_frame(b"~280046000000FDAC\r")  # VER 0x28, as diyBMS emulates (protocol.md 4.4)
    with pytest.raises(PylontechUnknownDialectError, match="VER 0x28") as info:
        dialect_for_frame(frame)
    assert info.value.raw == frame.raw


@pytest.mark.parametrize("capture", READ_REQUESTS, ids=lambda c: c.id)
def test_requests_as_captured(capture: captures.Capture) -> None:
    """Our request for a read command is what real masters sent.

    Byte for byte where the master used the documented INFO (none, or one pack byte); some
    masters send other INFO (python-pylontech's 0x47 with an address, ardiehl's 0x4F with two
    bytes, protocol.md 2.2), and then the header must still agree.
    """
    frame = parse_frame(capture.raw)
    dialect = dialect_for_frame(frame)
    command = dialect.commands.get(frame.cid2)
    if command is None:
        with pytest.raises(PylontechUnsupportedCommandError):
            dialect.encode_request(frame.cid2, address=frame.adr)
        return
    pack = frame.info[0] if frame.info else None
    ours = dialect.encode_request(frame.cid2, address=frame.adr, pack=pack)
    if len(frame.info) == (1 if command.request is RequestInfo.PACK else 0):
        assert ours == capture.raw
    else:
        assert ours[:9] == capture.raw[:9]


def test_most_captured_read_requests_match() -> None:
    """Most captured read requests are reproduced exactly."""
    exact = 0
    for capture in READ_REQUESTS:
        frame = parse_frame(capture.raw)
        dialect = dialect_for_frame(frame)
        if frame.cid2 in dialect.commands:
            pack = frame.info[0] if frame.info else None
            exact += dialect.encode_request(frame.cid2, address=frame.adr, pack=pack) == (
                capture.raw
            )
    assert exact >= 40


def test_all_packs_request() -> None:
    """INFO 0xFF asks the master for every pack (protocol.md 2.1)."""
    assert PYLONTECH.encode_request(0x42, address=2, pack=0xFF) == b"~20024642E002FFFD09\r"


def test_only_read_commands() -> None:
    """No dialect can even encode a write or control command (read-only by construction)."""
    writes = {0x45, 0x49, 0x4E, 0x82, 0x91, 0x94, 0x95, 0x99, 0x9A, 0x9B, 0x9C, 0xA8, 0xAE,
              0xB2, 0xB5, 0xD0, 0xD2, 0xD4, 0xD6, 0xD8, 0xDA, 0xDC, 0xDE, 0xE0, 0xE2, 0xE4,
              0xE6, 0xEC, 0xEE}  # fmt: skip
    for dialect in DIALECTS:
        assert not writes & set(dialect.commands)
        for code in writes:
            with pytest.raises(PylontechUnsupportedCommandError):
                dialect.encode_request(code, address=2)


@pytest.mark.parametrize(
    ("dialect", "rtn", "meaning"),
    [
        (PYLONTECH, 0x04, "CID2 invalid"),
        (PYLONTECH, 0x90, "ADR error"),
        (PACE, 0x04, "CID2 undefined"),
        (PACE, 0x09, "operation or write error"),
        (PACE, 0x07, "unknown return code"),
    ],
)
def test_return_codes(dialect: object, rtn: int, meaning: str) -> None:
    """An error return code becomes a response error carrying the code and its meaning."""
    assert dialect in DIALECTS
    raw = encode_frame(ver=dialect.ver, adr=2, cid1=0x46, cid2=rtn)  # type: ignore[attr-defined]
    with pytest.raises(PylontechResponseError, match=meaning) as info:
        decode_response(raw, 0x42)
    assert info.value.rtn == rtn
    assert info.value.raw == raw.rstrip(b"\r")


def test_request_is_not_an_answer() -> None:
    """Another master's request on the bus is never decoded as an answer (protocol.md 1.5)."""
    with pytest.raises(PylontechDecodeError, match="request"):
        decode_response(b"~20024642E00202FD33\r", 0x42)


def _pylontech_analog(block: bytes, selector: int = 2) -> bytes:
    return encode_frame(ver=0x20, adr=2, cid1=0x46, cid2=0, info=bytes([0x11, selector]) + block)


def _pylontech_block(
    *,
    cells: tuple[int, ...] = (3300, 3301, 3302, 3303),
    temps: tuple[int, ...] = (2961, 2951),
    current: int = -26,
    voltage: int = 13206,
    remaining: int = 25000,
    full: int = 50000,
    cycles: int = 7,
) -> bytes:
    data = bytes([len(cells)]) + b"".join(v.to_bytes(2) for v in cells)
    data += bytes([len(temps)]) + b"".join(t.to_bytes(2, signed=True) for t in temps)
    data += current.to_bytes(2, signed=True) + voltage.to_bytes(2) + remaining.to_bytes(2)
    return data + b"\x02" + full.to_bytes(2) + cycles.to_bytes(2)


def test_placeholders_and_failed_sensors_become_none() -> None:
    """0xFFFF placeholders and impossible readings (-100 °C, 0 mV, 65 V cells) are None."""
    block = _pylontech_block(
        cells=(3300, 0, 65000, 3302),
        temps=(1731, 2961),  # raw 1731 = -100.0 °C, seen on a US2000B (protocol.md 2.3)
        voltage=0xFFFF,
        remaining=0xFFFF,
        cycles=0xFFFF,
    )
    _, analog = decode_response(_pylontech_analog(block), 0x42)
    assert isinstance(analog, AnalogValues)
    pack = analog.packs[0]
    assert pack.cell_voltages == (3.3, None, None, 3.302)
    assert pack.temperatures == (None, 23.0)
    assert pack.voltage is None
    assert pack.power is None
    assert pack.remaining_capacity is None
    assert pack.soc is None
    assert pack.soc_source is None
    assert pack.cycles is None
    assert (pack.cell_voltage_min, pack.cell_voltage_max) == (3.3, 3.302)
    assert (pack.cell_voltage_min_cell, pack.cell_voltage_max_cell) == (1, 4)


def test_derived_values() -> None:
    """Power, cell statistics and SOC from capacities are computed once, in the library."""
    _, analog = decode_response(_pylontech_analog(_pylontech_block()), 0x42)
    assert isinstance(analog, AnalogValues)
    pack = analog.packs[0]
    assert pack.address == 2
    assert pack.power == round(13.206 * -2.6, 3)
    assert pack.soc == 50.0
    assert pack.soc_source is SocSource.CAPACITY
    assert (
        pack.cell_voltage_min,
        pack.cell_voltage_max,
        pack.cell_voltage_average,
        pack.cell_voltage_delta,
        pack.cell_voltage_min_cell,
        pack.cell_voltage_max_cell,
    ) == (3.3, 3.303, 3.3015, 0.003, 1, 4)
    assert pack.temperature_names == ("temperature_1", "temperature_2")


def test_soc_never_above_100() -> None:
    """A remaining capacity above the full one (seen after calibration drift) reads 100 %."""
    _, analog = decode_response(_pylontech_analog(_pylontech_block(remaining=50100)), 0x42)
    assert isinstance(analog, AnalogValues)
    assert analog.packs[0].soc == 100.0


def test_cell_statistics_without_cells() -> None:
    """No valid cell, no statistics."""
    assert cell_statistics((None, None)) is None
    assert cell_statistics((None,)) is None
    assert cell_statistics((None, 3.2, None)) == (3.2, 3.2, 3.2, 0.0, 2, 2)
    assert cell_statistics(()) is None


def test_all_packs_told_by_the_request() -> None:
    """With one block of pack 1 the layout cannot tell; the caller's request decides."""
    raw = _pylontech_analog(_pylontech_block(), selector=1)
    _, one = decode_response(raw, 0x42)
    _, every = decode_response(raw, 0x42, all_packs=True)
    assert isinstance(one, AnalogValues)
    assert isinstance(every, AnalogValues)
    assert (one.all_packs, one.packs[0].address) == (False, 1)
    assert (every.all_packs, every.packs[0].address) == (True, None)
    assert one.packs[0].voltage == every.packs[0].voltage


def test_all_packs_with_uneven_tails_is_refused() -> None:
    """PACE blocks that fit with no common tail length are refused, not guessed at."""
    # 16 cells as on every PACE pack; PACE adds the design capacity.
    block = _pylontech_block(cells=(3300,) * 16, voltage=52800) + (10000).to_bytes(2)
    info = b"\x00\x02" + block + b"\x61" + block
    raw = encode_frame(ver=0x25, adr=1, cid1=0x46, cid2=0, info=info)
    with pytest.raises(PylontechDecodeError, match="neither one pack nor 2 packs"):
        decode_response(raw, 0x42)
    # Told it is one pack, two packs' worth of bytes is refused as well.
    info = b"\x00\x02" + block + block
    raw = encode_frame(ver=0x25, adr=1, cid1=0x46, cid2=0, info=info)
    with pytest.raises(PylontechDecodeError, match="unexpected bytes"):
        decode_response(raw, 0x42, all_packs=False)
    _, analog = decode_response(raw, 0x42)
    assert isinstance(analog, AnalogValues)
    assert len(analog.packs) == 2


def test_pace_all_packs_with_soc_tails() -> None:
    """PACE blocks with the 1-byte SOC tail are split by LENID (protocol.md 3.3)."""
    block = _pylontech_block(current=-778) + (10000).to_bytes(2)  # design capacity 100.00 Ah
    info = b"\x00\x02" + block + b"\x61" + block + b"\x62"
    _, analog = decode_response(encode_frame(ver=0x25, adr=1, cid1=0x46, cid2=0, info=info), 0x42)
    assert isinstance(analog, AnalogValues)
    assert analog.all_packs
    assert [p.soc for p in analog.packs] == [97.0, 98.0]
    assert [p.soc_source for p in analog.packs] == [SocSource.BMS, SocSource.BMS]
    assert [p.current for p in analog.packs] == [-7.78, -7.78]


def test_pace_tail_that_is_not_a_soc() -> None:
    """A one-byte tail above 100 is not a SOC: the capacities give it instead."""
    block = _pylontech_block() + (5000).to_bytes(2)
    info = b"\x00\x01" + block + b"\xc8"
    _, analog = decode_response(encode_frame(ver=0x25, adr=1, cid1=0x46, cid2=0, info=info), 0x42)
    assert isinstance(analog, AnalogValues)
    assert analog.packs[0].soc_source is SocSource.CAPACITY
    assert analog.packs[0].extra == b"\xc8"


def test_too_short_pack_answer() -> None:
    """An INFO without even the INFOFLAG and selector is refused."""
    with pytest.raises(PylontechDecodeError, match="too short"):
        decode_response(encode_frame(ver=0x20, adr=2, cid1=0x46, cid2=0, info=b"\x11"), 0x42)


def test_record_with_extra_bytes() -> None:
    """Fixed layouts must fit exactly."""
    raw = encode_frame(ver=0x25, adr=1, cid1=0x46, cid2=0, info=b"\x05\x00")
    with pytest.raises(PylontechDecodeError, match="1 unexpected bytes"):
        decode_response(raw, 0x90)


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        (0x00, AlarmLevel.NORMAL),
        (0x01, AlarmLevel.BELOW_LOWER_LIMIT),
        (0x02, AlarmLevel.ABOVE_UPPER_LIMIT),
        (0x80, AlarmLevel.USER_DEFINED),
        (0xEF, AlarmLevel.USER_DEFINED),
        (0xF0, AlarmLevel.OTHER_ERROR),
        (0x03, AlarmLevel.OTHER_ERROR),
    ],
)
def test_alarm_levels(raw: int, level: AlarmLevel) -> None:
    """State bytes map to named levels (protocol.md 2.5, 3.5)."""
    assert AlarmLevel.from_raw(raw) is level


def test_pace_alarm_bits() -> None:
    """Each PACE status byte's bits reach their named flags; balancing lists cells from 1."""
    states = bytes([16]) + bytes(15) + b"\x02" + bytes([6]) + bytes(6) + b"\x01\x00\x00"
    status = bytes([0x41, 0x80, 0x06, 0x00, 0x24, 0x81, 0x80, 0x20, 0x80])
    info = b"\x00\x03" + states + status
    _, alarm = decode_response(encode_frame(ver=0x25, adr=3, cid1=0x46, cid2=0, info=info), 0x44)
    assert isinstance(alarm, AlarmInfo)
    pack = alarm.packs[0]
    assert pack.address == 3
    assert pack.cell_states[15] is AlarmLevel.ABOVE_UPPER_LIMIT
    assert pack.charge_current_state is AlarmLevel.BELOW_LOWER_LIMIT
    assert pack.temperature_names[4:] == ("mosfet", "environment")
    assert pack.active_flags == (
        "short_circuit_protection",
        "cell_over_voltage_protection",
        "fully_charged",
        "discharge_mosfet",
        "charge_mosfet",
        "sampling_fault",
        "ntc_fault",
        "discharge_over_current_warning",
        "low_soc_warning",
    )
    assert pack.balancing_cells == (1, 8, 16)
    assert (pack.charge_mosfet, pack.discharge_mosfet) == (True, True)
    assert pack.status_bytes == tuple(status)


def test_pylontech_alarm_bits() -> None:
    """Pylontech status bytes: protections, MOSFETs, and one fault flag per cell."""
    states = bytes([15]) + bytes(15) + bytes([5]) + bytes(5) + bytes(3)
    status = bytes([0x81, 0x02, 0x88, 0x01, 0x80])
    info = b"\x11\x02" + states + status
    _, alarm = decode_response(encode_frame(ver=0x20, adr=2, cid1=0x46, cid2=0, info=info), 0x44)
    assert isinstance(alarm, AlarmInfo)
    pack = alarm.packs[0]
    assert pack.active_flags == (
        "module_under_voltage_protection",
        "module_over_voltage_protection",
        "charge_mosfet",
        "effective_charge_current",
        "fully_charged",
        "cell_1_voltage_error",
        "cell_16_voltage_error",
    )
    assert (pack.charge_mosfet, pack.discharge_mosfet) == (True, False)
    assert pack.balancing_cells is None
    assert pack.temperature_names[0] == "bms_board"


SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
class TestDialectContract:
    """What every dialect of the registry promises, whatever its tables say."""

    def test_found_by_every_name(self, dialect: Dialect) -> None:
        """The name and each alias lead back to the dialect."""
        for name in (dialect.name, *dialect.aliases):
            assert get_dialect(name.upper()) is dialect

    def test_requests(self, dialect: Dialect) -> None:
        """Each read command's request: the dialect's header, a request, INFO as declared."""
        for code, command in dialect.commands.items():
            frame = parse_frame(dialect.encode_request(code, address=3))
            assert (frame.ver, frame.cid1, frame.cid2) == (dialect.ver, dialect.cid1, code)
            assert frame.adr == (3 if dialect.request_adr is None else dialect.request_adr)
            assert frame.is_request
            assert frame.info == (b"\x03" if command.request is RequestInfo.PACK else b"")

    def test_error_answers(self, dialect: Dialect) -> None:
        """An error return code is a response error with the dialect's meaning, for every
        command; an answer frame is never taken for a request."""
        for code in dialect.commands:
            raw = dialect.encode_error(0x04, address=1)
            assert not parse_frame(raw).is_request
            with pytest.raises(PylontechResponseError) as info:
                dialect.decode(code, parse_frame(raw))
            assert info.value.meaning == dialect.return_codes[0x04]

    def test_read_commands_only(self, dialect: Dialect) -> None:
        """Not one state-changing code is among the commands (protocol.md 1.4, 3.2, 4)."""
        writes = {0x45, 0x49, 0x4E, 0x99, 0x9A, 0x9B, 0x9C} | set(range(0xA0, 0xA3))
        assert not writes & set(dialect.commands)
        assert {0x42} <= set(dialect.commands)

    def test_names(self, dialect: Dialect) -> None:
        """Temperature names fit their count; flag keys are snake_case, unique, on real bits."""
        for count, names in dialect.temperature_names.items():
            assert len(names) == count
            assert all(SNAKE_CASE.match(name) for name in names)
        for command in dialect.commands.values():
            decoder = command.decoder
            if not isinstance(decoder, AlarmDecoder):
                continue
            keys = [key for _byte, _bit, key, _category in decoder.flags]
            assert len(keys) == len(set(keys))
            assert all(SNAKE_CASE.match(key) for key in keys)
            for byte, bit, _key, _category in decoder.flags:
                assert byte in decoder.status_keys
                assert 0 <= bit <= 7
            assert set(decoder.balance_keys or ()) <= set(decoder.status_keys)

    def test_served_models_come_back(self, dialect: Dialect) -> None:
        """A model written by the dialect's encoder reads back the same (the simulator's path)."""
        pack = analog_values(
            dialect, address=dialect.first_address, cell_voltages=(3.301, 3.302, 3.303, 3.304),
            temperatures=(21.5,) * 6, current=-12.34, voltage=13.21, remaining_capacity=40.0,
            full_capacity=80.0, design_capacity=None, cycles=12,
        )  # fmt: skip
        answer = AnalogValues(all_packs=False, packs=(pack,))
        raw = dialect.encode_answer(0x42, answer, address=dialect.request_adr or pack.address or 0)
        decoded = dialect.decode(0x42, parse_frame(raw), all_packs=False)
        assert isinstance(decoded, AnalogValues)
        got = decoded.packs[0]
        assert got.address == pack.address
        assert got.cell_voltages == pack.cell_voltages
        assert got.temperatures == pack.temperatures
        assert got.temperature_names == dialect.names_for_temperatures(6)
        assert got.voltage == pytest.approx(13.21, abs=0.005)
        assert got.current == pytest.approx(-12.34, abs=0.05)
        assert got.soc == pytest.approx(50.0, abs=0.5)
