"""The answer side of the field tables: every real answer, decoded and encoded again, comes back
byte for byte (text answers: same length and values; the padding byte is the firmware's). The
simulator sends what this encoder writes, so its answers have the layout and length of the real
ones for the same values."""

from __future__ import annotations

import pytest

from custom_components.pylontech.bms import (
    AlarmInfo,
    AlarmLevel,
    AnalogValues,
    decode_response,
    dialect_for_frame,
    parse_frame,
)
from custom_components.pylontech.bms.dialects import PACE, PYLONTECH, Wire
from custom_components.pylontech.bms.dialects.alarm_decoder import AlarmDecoder
from custom_components.pylontech.bms.dialects.layout import compiled
from custom_components.pylontech.bms.dialects.pack_blocks import split_pack_blocks
from custom_components.pylontech.bms.dialects.steps import Counted, Number, Text
from tests.bms.test_captures import READABLE

TEXT_ANSWERS = {0x51, 0xC1, 0xC2}


def _wire(capture_frame: bytes, code: int, all_packs: bool) -> Wire:
    """The firmware choices a capture shows: its INFOFLAG and each block's user-defined count."""
    frame = parse_frame(capture_frame)
    dialect = dialect_for_frame(frame)
    decoder = dialect.commands[code].decoder
    if code != 0x42:
        return Wire(infoflag=frame.info[0] if frame.info else 0)
    _, blocks = split_pack_blocks(
        frame,
        decoder.block,
        all_packs=all_packs,
        max_tail=decoder.max_tail,  # type: ignore[attr-defined]
    )
    return Wire(infoflag=frame.info[0], user_defined=tuple(v["user_defined"] for v, _ in blocks))


@pytest.mark.parametrize("capture", READABLE, ids=lambda c: c.id)
def test_every_real_answer_encodes_back_byte_for_byte(capture) -> None:  # type: ignore[no-untyped-def]
    """decode, then encode with the capture's INFOFLAG and counts: the same frame."""
    dialect, response = decode_response(capture.frame, capture.command)
    all_packs = isinstance(response, AnalogValues | AlarmInfo) and response.all_packs
    frame = parse_frame(capture.raw)
    wire = _wire(capture.raw, capture.command, all_packs)
    answer = dialect.encode_answer(capture.command, response, address=frame.adr, wire=wire)
    if capture.command in TEXT_ANSWERS:
        # Which padding byte a firmware uses (space, NUL, dash) is not in the model.
        assert len(answer) == len(capture.raw)
        assert decode_response(answer, capture.command) == (dialect, response)
    else:
        assert answer == capture.raw


def test_default_counts() -> None:
    """Without a wire, Pylontech sends 4 (3-byte capacities) above 65.535 Ah, else 2; PACE 3."""
    _, big = decode_response(READABLE[1].frame, 0x42)  # 4 x US3000, 74 Ah
    _, small = decode_response(READABLE[0].frame, 0x42)  # 3 x US2000, 50 Ah
    assert isinstance(big, AnalogValues)
    assert isinstance(small, AnalogValues)
    for stack, count in ((big, 4), (small, 2)):
        again = parse_frame(PYLONTECH.encode_answer(0x42, stack, address=2))
        _, blocks = split_pack_blocks(again, PYLONTECH.commands[0x42].decoder.block,  # type: ignore[attr-defined]
                                      all_packs=True, max_tail=0)  # fmt: skip
        assert {values["user_defined"] for values, _ in blocks} == {count}
        assert decode_response(again, 0x42)[1] == stack
    pace_answer = next(c for c in READABLE if c.id == "pace-0x25:150:0x42")
    _, sok = decode_response(pace_answer.frame, 0x42)
    again = parse_frame(PACE.encode_answer(0x42, sok, address=1))
    assert again.info[1 + 1 + 1 + 32 + 1 + 12 + 6] == 3  # user-defined after cells, temps, I/V/R
    assert decode_response(again, 0x42)[1] == sok


def test_alarm_flags_to_status_bytes() -> None:
    """The simulator sets alarm flags by name; they read back as exactly those flags."""
    decoder = PACE.commands[0x44].decoder
    assert isinstance(decoder, AlarmDecoder)
    active = {"short_circuit_protection", "low_soc_warning", "charge_mosfet", "cell_fault"}
    status = decoder.status_bytes(frozenset(active))
    answer = next(c for c in READABLE if c.id == "pace-0x25:4:0x44")
    _, alarm = decode_response(answer.frame, 0x44)
    assert isinstance(alarm, AlarmInfo)
    from dataclasses import replace

    pack = replace(alarm.packs[0], status_bytes=status, cell_states=(AlarmLevel.OTHER_ERROR,) * 16)
    again = PACE.encode_answer(0x44, replace(alarm, packs=(pack,)), address=1)
    _, decoded = decode_response(again, 0x44)
    assert isinstance(decoded, AlarmInfo)
    assert set(decoded.packs[0].active_flags) == active
    assert decoded.packs[0].cell_states[0] is AlarmLevel.OTHER_ERROR


def test_values_that_cannot_be_sent() -> None:
    """None and out-of-range values become placeholders; without one, a clear error."""
    layout = compiled(
        Number("capacity", absent=0xFFFF, divisor=1000),
        Counted("cells", Number("cell", divisor=1000, valid=(0.001, 5.0))),
        Number("temperature", signed=True, divisor=10, offset=2731, valid=(-40, 125)),
        Text("name", 4),
    )
    data = layout.write(
        {"capacity": 74.0, "cells": (3.3, None, 9.9), "temperature": None, "name": "US2000C"}
    )
    assert data == bytes.fromhex("FFFF 03 0CE4 0000 0000 8000") + b"US20"
    with pytest.raises(ValueError, match="'current' cannot be sent as None"):
        compiled(Number("current", signed=True)).write({"current": None})
