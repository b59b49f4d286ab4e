"""Hypothesis fuzzing: whatever bytes arrive, only the library's own errors ever escape."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.pylontech.bms import (
    DIALECTS,
    Frame,
    FrameDecoder,
    PylontechError,
    PylontechProtocolError,
    encode_frame,
    parse_frame,
)
from tests import captures

REAL = [c.raw for c in captures.VALID]
ANSWERS = [parse_frame(c.raw) for c in captures.VALID if c.direction == "response"]
CODES = sorted({code for dialect in DIALECTS for code in dialect.commands})
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, frames: list[bytes]) -> bytes:
    """A real frame with bytes replaced, inserted or deleted."""
    data = bytearray(draw(st.sampled_from(frames)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("replace", "insert", "delete")))
        byte = draw(st.sampled_from(b"0123456789ABCDEFaf~\r\x00 G\xff"))
        if action == "insert" or position == len(data):
            data.insert(position, byte)
        elif action == "replace":
            data[position] = byte
        else:
            del data[position]
    return bytes(data)


@FUZZ
@given(chunks=st.lists(st.binary(max_size=64) | mutated(REAL) | st.sampled_from(REAL), max_size=8))
def test_framer_only_returns_frames_or_protocol_errors(chunks: list[bytes]) -> None:
    """Random and mutated input: frames or protocol errors come out, nothing is raised."""
    decoder = FrameDecoder()
    for chunk in chunks:
        for result in decoder.feed(chunk):
            assert isinstance(result, Frame | PylontechProtocolError)


@FUZZ
@given(prefix=st.binary(max_size=40), frame=st.sampled_from(REAL), cut=st.integers(0, 200))
def test_good_frame_after_any_garbage_is_found(prefix: bytes, frame: bytes, cut: int) -> None:
    """Whatever came before, a whole real frame is still recognised, however it is split."""
    decoder = FrameDecoder()
    data = prefix + b"\r" + frame
    cut = min(cut, len(data))
    results = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
    assert any(isinstance(r, Frame) and r.raw == frame for r in results)


@FUZZ
@given(
    frame=st.sampled_from(ANSWERS),
    info=st.binary(max_size=120),
    code=st.sampled_from(CODES),
    all_packs=st.sampled_from((None, True, False)),
)
def test_decoders_on_random_info(
    frame: Frame, info: bytes, code: int, all_packs: bool | None
) -> None:
    """Any INFO under any read command of any dialect: a model or a library error."""
    fuzzed = parse_frame(encode_frame(ver=frame.ver, adr=frame.adr, cid1=frame.cid1, cid2=0,
                                      info=info))  # fmt: skip
    for dialect in DIALECTS:
        with contextlib.suppress(PylontechError):
            dialect.decode(code, fuzzed, all_packs=all_packs)


@FUZZ
@given(frame=st.sampled_from(ANSWERS), data=st.data())
def test_decoders_on_mutated_real_info(frame: Frame, data: st.DataObject) -> None:
    """Real answers with INFO bytes changed, cut or extended: a model or a library error."""
    info = bytearray(frame.info)
    for _ in range(data.draw(st.integers(1, 6))):
        if info and data.draw(st.booleans()):
            info[data.draw(st.integers(0, len(info) - 1))] = data.draw(st.integers(0, 255))
        else:
            cut = data.draw(st.integers(0, len(info)))
            info = info[:cut] + bytearray(data.draw(st.binary(max_size=4)))
    fuzzed = parse_frame(
        encode_frame(ver=frame.ver, adr=frame.adr, cid1=frame.cid1, cid2=0, info=bytes(info))
    )
    for dialect in DIALECTS:
        for code in dialect.commands:
            with contextlib.suppress(PylontechError):
                dialect.decode(code, fuzzed)
