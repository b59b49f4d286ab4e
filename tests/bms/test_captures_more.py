"""Every real Seplos, EG4 and Boqiang answer decodes, to the values its source states.

As in test_captures.py the captures are the truth (tests/vectors/README.md). Seplos shares VER
0x20 and CID1 0x46 with Pylontech, so each answer is also shown to be claimed by its own dialect
only: what detection and the client rely on.
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.pylontech.bms import (
    AlarmInfo,
    AnalogValues,
    ManufacturerInfo,
    ProtocolVersion,
    PylontechDecodeError,
    PylontechResponseError,
    PylontechUnsupportedCommandError,
    SocSource,
    decode_response,
    dialect_for_frame,
    get_dialect,
    parse_frame,
)
from custom_components.pylontech.bms.dialects import DIALECTS, PYLONTECH, SEPLOS, claims
from custom_components.pylontech.bms.dialects.answers import answer_to, pack_named
from custom_components.pylontech.bms.dialects.layout import walk
from custom_components.pylontech.bms.serialize import to_json
from tests import captures
from tests.bms.test_captures import MISPLACED

DIALECT_OF = {
    "pylontech-0x20": "pylontech",
    "pace-0x25": "pace",
    "pace-0x25-found": "pace",
    "seplos-v2-0x20": "seplos",
    "seplos-v2-0x20-found": "seplos",
    "eg4-0x20": "eg4",
    "boqiang-0x26": "boqiang",
}
LATER = [c for c in captures.ALL if c.file in ("seplos-v2-0x20", "eg4-0x20", "boqiang-0x26")]
ANSWERS = [c for c in LATER if c.direction == "response"]
REQUESTS = [c for c in LATER if c.direction == "request"]


def _dialect(capture: captures.Capture) -> Any:
    return get_dialect(DIALECT_OF[capture.file])


def _rtn(capture: captures.Capture) -> int:
    return parse_frame(capture.raw).cid2


READABLE = [c for c in ANSWERS if c.command in _dialect(c).commands and _rtn(c) == 0]
UNSUPPORTED = [c for c in ANSWERS if c.command not in _dialect(c).commands]
REFUSED_RTN = [c for c in ANSWERS if _rtn(c) != 0]


def test_every_capture_is_covered() -> None:
    """All 48 frames of the three files are in one of the groups below."""
    assert len(LATER) == 48
    assert len(READABLE) + len(UNSUPPORTED) == len(ANSWERS) == 31
    assert len(REFUSED_RTN) == 1
    assert len(REQUESTS) == 17
    assert all(c.checksum_ok for c in LATER)
    assert len(READABLE) == 26


@pytest.mark.parametrize("capture", READABLE, ids=lambda c: c.id)
def test_capture_decodes(capture: captures.Capture, snapshot: Any) -> None:
    """The answer decodes with its dialect; the result is snapshotted."""
    dialect, response = decode_response(capture.frame, capture.command, dialect=_dialect(capture))
    assert dialect is _dialect(capture)
    assert to_json(response) == snapshot


@pytest.mark.parametrize("capture", REFUSED_RTN, ids=lambda c: c.id)
def test_error_answers(capture: captures.Capture) -> None:
    """The Seplos RTN 0x04 to 0x93 (and 0x92), commands Seplos does not read: "CID2 invalid"
    as a response error whatever read command it answers."""
    for code in _dialect(capture).commands:
        with pytest.raises(PylontechResponseError, match="CID2 invalid") as info:
            decode_response(capture.frame, code, dialect=_dialect(capture))
        assert info.value.rtn == 0x04


@pytest.mark.parametrize("capture", UNSUPPORTED, ids=lambda c: c.id)
def test_unsupported_answers(capture: captures.Capture) -> None:
    """Answers to commands the dialect does not read (Seplos 0x47 without a documented layout,
    EG4 0x51 and 0x4D, and the EG4 time write 0x4E): refused as such."""
    with pytest.raises(PylontechUnsupportedCommandError):
        decode_response(capture.frame, capture.command, dialect=_dialect(capture))


@pytest.mark.parametrize("capture", REQUESTS, ids=lambda c: c.id)
def test_requests_are_not_answers(capture: captures.Capture) -> None:
    """Requests (another master's on the bus, or ours) are never decoded as answers."""
    dialect = _dialect(capture)
    error = (
        PylontechDecodeError
        if capture.command in dialect.commands
        else (PylontechUnsupportedCommandError)
    )
    with pytest.raises(error):
        dialect.decode(capture.command, parse_frame(capture.raw))


def _analog(capture_id: str) -> Any:
    capture = next(c for c in LATER if c.id == capture_id)
    _, response = decode_response(capture.frame, 0x42, dialect=_dialect(capture))
    assert isinstance(response, AnalogValues)
    assert not response.all_packs
    assert len(response.packs) == 1
    return response.packs[0]


# Values the captures' notes state (tests/vectors/*.jsonl), in the model's units.
STATED_ANALOG = {
    "seplos-v2-0x20:2:0x42": {
        "address": 0, "cells": 16, "temperatures": 6, "current": -6.76, "voltage": 52.80,
        "remaining_capacity": 133.90, "full_capacity": 170.00, "soc": 78.7,
        "design_capacity": 180.00, "cycles": 70, "soh": 100.0,
    },
    "seplos-v2-0x20:21:0x42": {"address": 0, "cells": 15, "full_capacity": 100.00},
    "seplos-v2-0x20:29:0x42": {"address": 1, "cells": 16, "temperatures": 6},
    "eg4-0x20:2:0x42": {"address": 1, "cells": 16, "data_flag": 0x10},
    "boqiang-0x26:6:0x42": {"address": 1, "cells": 16, "temperatures": 6, "cell_voltage": None},
}  # fmt: skip


@pytest.mark.parametrize("capture_id", sorted(STATED_ANALOG))
def test_analog_values_as_stated(capture_id: str) -> None:
    """Each value the capture's notes state, decoded."""
    pack = _analog(capture_id)
    capture = next(c for c in LATER if c.id == capture_id)
    for key, value in STATED_ANALOG[capture_id].items():
        if key == "cells":
            assert len(pack.cell_voltages) == value
        elif key == "temperatures":
            assert len(pack.temperatures) == value
        elif key == "cell_voltage":  # "16 cells (all 0 mV here)": no reading
            assert set(pack.cell_voltages) == {value}
        elif key == "data_flag":
            assert parse_frame(capture.raw).info[0] == value
        else:
            assert getattr(pack, key) == pytest.approx(value), key


def test_seplos_wire_values() -> None:
    """The wire values the README capture's notes state and the model does not keep: DATAFLAG
    00, group 01, custom count 0x0A, port voltage 52.79 V, four reserved words of 0."""
    frame = parse_frame(next(c for c in LATER if c.id == "seplos-v2-0x20:2:0x42").raw)
    values: dict[str, Any] = {}
    end = walk(SEPLOS.commands[0x42].decoder.block, frame.info, 2, values)  # type: ignore[attr-defined]
    assert end == len(frame.info) == 75
    assert frame.info[:2] == b"\x00\x01"
    assert values["user_defined"] == 10
    assert values["_port_voltage"] / 100 == 52.79
    assert [values[f"_reserved_{i}"] for i in range(1, 5)] == [0, 0, 0, 0]


def test_seplos_values() -> None:
    """The README pack in full: SOC and SOH from the BMS, derived power and statistics; the
    200 A unit's answer at ADR 1; the 15-cell unit."""
    pack = _analog("seplos-v2-0x20:2:0x42")
    assert pack.soc_source is SocSource.BMS
    assert pack.temperatures == (25.1, 24.5, 23.6, 25.1, 25.0, 24.7)
    assert pack.temperature_names == ("cell_sensor_1", "cell_sensor_2", "cell_sensor_3",
                                      "cell_sensor_4", "environment", "mosfet")  # fmt: skip
    assert pack.power == pytest.approx(52.80 * -6.76)
    assert (pack.cell_voltage_min, pack.cell_voltage_max) == (3.286, 3.316)
    big = _analog("seplos-v2-0x20:29:0x42")
    assert (big.current, big.voltage, big.remaining_capacity) == (-8.4, 52.92, 231.59)
    assert (big.full_capacity, big.design_capacity, big.soc, big.cycles, big.soh) == (
        280.0, 280.0, 82.7, 22, 100.0
    )  # fmt: skip
    small = _analog("seplos-v2-0x20:21:0x42")
    assert (small.current, small.voltage, small.remaining_capacity, small.soc) == (
        0.0, 50.04, 95.53, 95.5
    )  # fmt: skip
    assert (small.design_capacity, small.cycles, small.soh) == (100.0, 258, 100.0)


def test_eg4_values() -> None:
    """The LIFEPOWER4: 10 mA / 10 mV / 10 mAh, offset 2730, four counted temperatures plus the
    environment and MOSFET ones, SOC and SOH in whole percent."""
    pack = _analog("eg4-0x20:2:0x42")
    assert (pack.current, pack.voltage) == (6.69, 53.97)
    assert (pack.remaining_capacity, pack.full_capacity, pack.cycles) == (86.17, 98.6, 84)
    assert (pack.soc, pack.soc_source, pack.soh) == (87.0, SocSource.BMS, 98.0)
    assert pack.temperatures == (24.1, 25.1, 24.1, 24.1, 27.1, 26.1)
    assert pack.temperature_names[4:] == ("environment", "mosfet")
    # The BMS's own statistics agree with the ones derived from the cells (protocol.md 4.2).
    assert (pack.cell_voltage_max, pack.cell_voltage_min, pack.cell_voltage_delta) == (
        3.376, 3.372, 0.004
    )  # fmt: skip


def test_boqiang_values() -> None:
    """The emulator's Boqiang: no cell or pack voltage (0 mV, 0 V), four absent sensors at
    -60.0 °C, 0.47 of 50.00 Ah: the SOC comes from the capacities."""
    pack = _analog("boqiang-0x26:6:0x42")
    assert pack.temperatures == (None, None, None, None, 25.8, 23.5)
    assert (pack.current, pack.voltage, pack.power) == (0.0, None, None)
    assert (pack.remaining_capacity, pack.full_capacity, pack.cycles) == (0.47, 50.0, 1)
    assert (pack.soc, pack.soc_source, pack.soh) == (0.9, SocSource.CAPACITY, None)
    assert pack.cell_voltage_min is None


@pytest.mark.parametrize("capture", [c for c in READABLE if c.command == 0x42], ids=lambda c: c.id)
def test_pack_voltage_is_sum_of_cells(capture: captures.Capture) -> None:
    """Where the cells read, the pack voltage is their sum within 2 % (10 mV units)."""
    _, response = decode_response(capture.frame, 0x42, dialect=_dialect(capture))
    assert isinstance(response, AnalogValues)
    pack = response.packs[0]
    cells = [v for v in pack.cell_voltages if v is not None]
    if capture.file == "boqiang-0x26":
        assert not cells  # 0 mV on that replay: nothing to compare
        return
    assert pack.voltage is not None
    assert len(cells) == len(pack.cell_voltages)
    assert sum(cells) == pytest.approx(pack.voltage, rel=0.02)


def test_seplos_alarms() -> None:
    """The 1101-SP15/ZH26 0x44: all normal; on/off state 0x03 (both switches on), system state
    0x02 (charging), no cell balancing or disconnected."""
    capture = next(c for c in ANSWERS if c.file == "seplos-v2-0x20" and c.command == 0x44)
    _, response = decode_response(capture.frame, 0x44, dialect="seplos")
    assert isinstance(response, AlarmInfo)
    pack = response.packs[0]
    assert pack.address == 0
    assert len(pack.cell_states) == 15
    assert len(pack.temperature_states) == 6
    assert pack.status_bytes[6] == 0x03
    assert pack.status_bytes[9] == 0x02
    assert pack.active_flags == ("discharge_mosfet", "charge_mosfet", "charging")
    assert (pack.charge_mosfet, pack.discharge_mosfet) == (True, True)
    assert pack.balancing_cells == ()
    assert pack.charge_current_state == pack.discharge_current_state


def test_eg4_alarms() -> None:
    """The LIFEPOWER4 0x44: six temperature states (four counted), FET status 0x03 and system
    status 0x02: both MOSFETs on, charging."""
    capture = next(c for c in ANSWERS if c.file == "eg4-0x20" and c.command == 0x44)
    _, response = decode_response(capture.frame, 0x44)
    assert isinstance(response, AlarmInfo)
    pack = response.packs[0]
    assert pack.address == 1
    assert len(pack.temperature_states) == 6
    assert pack.active_flags == ("charge_mosfet", "discharge_mosfet", "charging")
    assert pack.balancing_cells == ()


@pytest.mark.parametrize(
    ("capture_id", "expected"),
    [
        ("seplos-v2-0x20:8:0x51", ManufacturerInfo(
            device_name="1101-SP15", software_version="2.7", manufacturer="CANProtocol:Sofar")),
        ("seplos-v2-0x20:18:0x51", ManufacturerInfo(
            device_name="1101-ZH26", software_version="2.6", manufacturer=None)),
        ("boqiang-0x26:4:0x51", ManufacturerInfo(
            device_name="BMS07-LD43", software_version="1.8", manufacturer="JS-Richpower Co.,Ltd")),
        ("boqiang-0x26:2:0x4F", ProtocolVersion(version=0x26)),
        ("seplos-v2-0x20:19:0x4F", ProtocolVersion(version=0x20)),
    ],
)  # fmt: skip
def test_identity_answers(capture_id: str, expected: object) -> None:
    """0x51 names (the source's expected device name, version and 20-byte field) and 0x4F."""
    capture = next(c for c in LATER if c.id == capture_id)
    _, response = decode_response(capture.frame, capture.command, dialect=_dialect(capture))
    assert response == expected
    stated = capture.expected
    if stated:
        assert isinstance(response, ManufacturerInfo)
        assert response.device_name == stated["device_name"]
        assert response.manufacturer == stated.get("manufacturer_field", stated.get("manufacturer"))
        if "software_version" in stated:
            assert response.software_version == ".".join(map(str, stated["software_version"]))


ALARM_OR_ANALOG = [
    c for c in captures.VALID
    if c.direction == "response" and c.command in (0x42, 0x44) and c not in MISPLACED
    and parse_frame(c.raw).cid2 == 0
]  # fmt: skip


@pytest.mark.parametrize("capture", ALARM_OR_ANALOG, ids=lambda c: c.id)
def test_claimed_by_its_dialect_only(capture: captures.Capture) -> None:
    """Of all dialects, only the capture's own takes it as an answer to its command: no
    Seplos answer reads as Pylontech and no Pylontech answer as Seplos (same VER and CID1),
    and the header alone keeps EG4, Boqiang and PACE apart."""
    frame = parse_frame(capture.raw)
    claimed = {d.name for d in DIALECTS if claims(d, frame, capture.command)}
    assert claimed == {DIALECT_OF[capture.file]}
    assert dialect_for_frame(frame, capture.command).name == DIALECT_OF[capture.file]


def test_shared_manufacturer_layout() -> None:
    """Seplos 0x51 has the Pylontech 0x51 layout: either dialect reads it the same."""
    capture = next(c for c in LATER if c.id == "seplos-v2-0x20:8:0x51")
    frame = parse_frame(capture.raw)
    assert PYLONTECH.decode(0x51, frame) == SEPLOS.decode(0x51, frame)


@pytest.mark.parametrize("capture", ALARM_OR_ANALOG, ids=lambda c: c.id)
def test_an_answer_for_another_pack_is_refused(capture: captures.Capture) -> None:
    """The rule the client reads with: a real answer is taken for the pack it names (or for
    any pack, if it names none) and refused, saying why, when another pack was asked."""
    frame = parse_frame(capture.raw)
    dialect = get_dialect(DIALECT_OF[capture.file])
    response = answer_to(dialect, frame, capture.command)
    named = pack_named(response)
    if named is None:  # an all-packs answer
        assert answer_to(dialect, frame, capture.command, pack=3) == response
        return
    assert answer_to(dialect, frame, capture.command, pack=named) == response
    with pytest.raises(PylontechDecodeError, match=f"for pack {named} while pack {named + 1}"):
        answer_to(dialect, frame, capture.command, pack=named + 1)


READ_REQUESTS = [
    c for c in captures.VALID if c.direction == "request" and c.command in (0x42, 0x44)
]


@pytest.mark.parametrize("capture", READ_REQUESTS, ids=lambda c: c.id)
def test_a_request_is_never_an_answer(capture: captures.Capture) -> None:
    """Our echo or another master's request on the bus, as captured, is refused as a request."""
    frame = parse_frame(capture.raw)
    dialect = get_dialect(DIALECT_OF[capture.file])
    with pytest.raises(PylontechDecodeError, match="a request on the bus"):
        answer_to(dialect, frame, capture.command)


# -- PACE: the BMS's own SOC and SOH in a 14-byte tail (found 2026-12-06) ------------------------

FOUND_PACE = [c for c in captures.ALL if c.file == "pace-0x25-found"]


@pytest.mark.parametrize("capture", FOUND_PACE, ids=lambda c: c.id)
def test_pace_tail_gives_the_bms_soc_and_soh(capture: captures.Capture) -> None:
    """Three real sources end each pack block with SOC %, the design capacity four times,
    SOH %, a voltage and two zero bytes: SOC and SOH are the BMS's. The SOC agrees with
    remaining / full capacity within a percent, and the tail repeats the design capacity."""
    _, answer = decode_response(capture.raw, 0x42)
    assert isinstance(answer, AnalogValues)
    for pack in answer.packs:
        assert len(pack.extra) == 14
        assert pack.soc_source is SocSource.BMS
        assert pack.soc == pack.extra[0]
        assert pack.soh == pack.extra[9] == 100
        assert pack.remaining_capacity is not None
        assert pack.full_capacity is not None
        assert pack.design_capacity is not None
        assert abs(pack.soc - 100 * pack.remaining_capacity / pack.full_capacity) <= 1
        for start in (1, 3, 5, 7):
            assert int.from_bytes(pack.extra[start : start + 2]) == round(
                pack.design_capacity * 100
            )


def test_pace_tail_values_of_the_gobel_stack() -> None:
    """The 8-pack Gobel stack answered at ADR 00 (fancyui/Gobel-Battery-HA-Addon's log)."""
    capture = next(c for c in FOUND_PACE if c.source.startswith("fancyui/"))
    _, answer = decode_response(capture.raw, 0x42)
    assert isinstance(answer, AnalogValues)
    assert answer.all_packs
    assert len(answer.packs) == 8
    assert [pack.soc for pack in answer.packs[:3]] == [89.0, 88.0, 89.0]
    assert answer.packs[0].design_capacity == 280.0
