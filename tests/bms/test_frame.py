"""The sans-I/O framer, fed every real capture whole, byte by byte, split, behind junk and broken."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.pylontech.bms import (
    Frame,
    FrameDecoder,
    PylontechChecksumError,
    PylontechFramingError,
    PylontechLengthError,
    PylontechProtocolError,
    encode_frame,
    parse_frame,
)
from custom_components.pylontech.bms.binary.frame import (
    MAX_ERRORS_PER_FEED,
    byte_sum,
    frame_checksum,
    length_checksum,
)
from custom_components.pylontech.bms.const import MAX_FRAME_LENGTH
from tests import captures

VALID = captures.VALID
ids = [c.id for c in VALID]


def _feed_all(chunks: list[bytes]) -> list[Frame | PylontechProtocolError]:
    decoder = FrameDecoder()
    results: list[Frame | PylontechProtocolError] = []
    for chunk in chunks:
        results.extend(decoder.feed(chunk))
    assert decoder.pending == 0
    return results


def _only_frame(results: list[Frame | PylontechProtocolError], raw: bytes) -> Frame:
    assert len(results) == 1, results
    frame = results[0]
    assert isinstance(frame, Frame), frame
    assert frame.raw == raw
    return frame


def test_vectors_are_all_here() -> None:
    """Every capture of the seven files is in the tables, all but one with a good checksum."""
    assert len(captures.ALL) == 301
    assert len(VALID) == 300


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_whole(capture: captures.Capture) -> None:
    """A frame fed in one piece comes out with header fields and INFO as on the wire."""
    frame = _only_frame(_feed_all([capture.raw]), capture.raw)
    body = capture.frame[1:-1]
    assert frame.ver == int(body[0:2], 16)
    assert frame.adr == int(body[2:4], 16)
    assert frame.cid1 == int(body[4:6], 16)
    assert frame.cid2 == int(body[6:8], 16)
    assert frame.info.hex().upper() == body[12:-4]
    assert frame.is_request == (capture.direction == "request")


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_single_bytes(capture: captures.Capture) -> None:
    """Fed one byte per read, the frame completes on its CR and not before."""
    decoder = FrameDecoder()
    for index, byte in enumerate(capture.raw):
        results = decoder.feed(bytes([byte]))
        assert results == [] if index < len(capture.raw) - 1 else len(results) == 1
    assert isinstance(results[0], Frame)


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_two_halves(capture: captures.Capture) -> None:
    """Split in two anywhere, the frame still comes out whole."""
    raw = capture.raw
    for cut in (1, len(raw) // 3, len(raw) // 2, len(raw) - 1):
        _only_frame(_feed_all([raw[:cut], raw[cut:]]), raw)


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_behind_garbage_and_nul(capture: captures.Capture) -> None:
    """Garbage and NULs before and after are skipped, as from the US3000C adapter (1.5)."""
    garbage = b"\x00\xff\x12garbage 0D\r\n\x00" * 2
    decoder = FrameDecoder()
    results = decoder.feed(garbage + capture.raw + b"\x00")
    _only_frame(results, capture.raw)
    assert decoder.skipped_bytes == len(garbage) + 1


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_lower_case(capture: captures.Capture) -> None:
    """Lower-case hex digits are accepted; the checksum is summed over what was sent."""
    lower = capture.raw.lower()
    frame = _only_frame(_feed_all([lower]), lower)
    assert frame == parse_frame(capture.raw.lower())
    assert frame.info == parse_frame(capture.raw).info


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_flipped_checksum_digit(capture: captures.Capture) -> None:
    """A wrong CHKSUM digit is reported as a checksum error, and the next frame still decodes."""
    raw = capture.raw
    position = len(raw) - 3
    broken = (
        raw[:position]
        + (b"0" if raw[position : position + 1] != b"0" else b"1")
        + raw[position + 1 :]
    )
    results = _feed_all([broken + raw])
    assert isinstance(results[0], PylontechChecksumError)
    assert results[0].raw == broken
    _only_frame(results[1:], raw)


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_flipped_info_digit(capture: captures.Capture) -> None:
    """A changed character anywhere in the body is caught by LCHKSUM, LENID or CHKSUM."""
    raw = capture.raw
    for position in range(1, len(raw) - 5):
        original = raw[position : position + 1]
        replacement = b"A" if original != b"A" else b"B"
        broken = raw[:position] + replacement + raw[position + 1 :]
        results = _feed_all([broken])
        assert len(results) == 1
        assert isinstance(results[0], PylontechProtocolError), (position, results)


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_truncated(capture: captures.Capture) -> None:
    """A frame that loses its tail and is followed by the next frame is reported, then resynced."""
    raw = capture.raw
    for keep in (2, len(raw) // 2, len(raw) - 2):
        results = _feed_all([raw[:keep] + raw])
        assert isinstance(results[0], PylontechFramingError)
        _only_frame(results[1:], raw)
        # Cut short but ended by a CR: LENID or the checksum catches it.
        with pytest.raises(PylontechProtocolError):
            parse_frame(raw[:keep] + b"\r")


@pytest.mark.parametrize("capture", VALID, ids=ids)
def test_reencode(capture: captures.Capture) -> None:
    """Encoding the decoded fields gives back the exact bytes of the capture."""
    frame = parse_frame(capture.raw)
    assert (
        encode_frame(
            ver=frame.ver, adr=frame.adr, cid1=frame.cid1, cid2=frame.cid2, info=frame.info
        )
        == capture.raw
    )


def test_document_examples() -> None:
    """The worked examples of protocol.md 1.2 and 1.3."""
    assert encode_frame(ver=0x20, adr=0x02, cid1=0x46, cid2=0x42, info=b"\x02") == (
        b"~20024642E00202FD33\r"
    )
    assert frame_checksum(b"20024642E00202") == 0xFD33
    for lenid, lchksum in ((0, 0), (0x002, 0xE), (0x012, 0xD), (0x07A, 0xF), (0x0D8, 0xB)):
        assert length_checksum(lenid) == lchksum
    # The PACE document's checksum example verifies; the Pylontech one is mistyped (1.3).
    assert frame_checksum(b"1203400356ABCEFE") == 0xFC72
    assert frame_checksum(b"1203400456ABCEFE") != 0xFC72


def test_several_frames_in_one_read() -> None:
    """Back-to-back frames in one chunk all come out, in order."""
    raws = [c.raw for c in VALID[:20]]
    results = _feed_all([b"".join(raws)])
    assert [r.raw for r in results if isinstance(r, Frame)] == raws


def test_request_of_another_master() -> None:
    """A frame whose CID2 is a command code is a request (protocol.md 1.5 and 6.4)."""
    seen = parse_frame(b"~20014642E00201FD35\r")  # seen by a Seplos reader on a shared bus
    assert seen.is_request
    assert not parse_frame(b"~200246000000FDB2\r").is_request
    # 0x90 is a return code on VER 0x20 ("ADR error") but the pack-count command on PACE.
    assert not parse_frame(encode_frame(ver=0x20, adr=2, cid1=0x46, cid2=0x90)).is_request
    assert parse_frame(encode_frame(ver=0x25, adr=2, cid1=0x46, cid2=0x90)).is_request


@pytest.mark.parametrize(
    ("raw", "error", "words"),
    [
        (b"20024642E00202FD33\r", PylontechFramingError, "start with '~'"),
        (b"~2002464\r", PylontechFramingError, "too short"),
        (b"~20024642E00202FD3G\r", PylontechFramingError, "not hex"),
        (b"~20024642 E00202FD\r", PylontechFramingError, "not hex"),
        (b"~20024642F00202FD33\r", PylontechLengthError, "LCHKSUM"),
        (b"~20024642E0020202FD31\r", PylontechLengthError, "LENID says 2"),
        (b"~20024642F0010FD33\r", PylontechLengthError, "odd"),
        (b"~20024642E00202FD34\r", PylontechChecksumError, "CHKSUM FD34"),
    ],
)
def test_bad_frames(raw: bytes, error: type[Exception], words: str) -> None:
    """Each kind of damage gets its own error type and a message that says what is wrong."""
    with pytest.raises(error, match=words) as info:
        parse_frame(raw)
    assert info.value.raw == raw  # type: ignore[attr-defined]
    results = _feed_all([raw]) if raw.startswith(b"~") else []
    assert all(isinstance(r, error) for r in results)


def test_non_hex_info_with_matching_checksum() -> None:
    """A non-hex character inside INFO is refused even when LENGTH and CHKSUM agree with it."""
    body = b"20024600E0020G"
    raw = b"~" + body + b"%04X" % frame_checksum(body) + b"\r"
    with pytest.raises(PylontechFramingError, match="not hex"):
        parse_frame(raw)


def test_runaway_frame_without_cr() -> None:
    """A '~' followed by more than a frame's worth of bytes and no CR is dropped and reported."""
    decoder = FrameDecoder()
    assert decoder.feed(b"~" + b"0" * (MAX_FRAME_LENGTH - 1)) == []
    results = decoder.feed(b"00")
    assert len(results) == 1
    assert isinstance(results[0], PylontechFramingError)
    assert decoder.pending == 0
    good = b"~200246000000FDB2\r"
    assert [r.raw for r in decoder.feed(good)] == [good]  # type: ignore[union-attr]


def test_reset_forgets_partial_frame() -> None:
    """After a timeout the client drops what it holds; a fresh frame then decodes."""
    decoder = FrameDecoder()
    decoder.feed(b"~2002460000")
    assert decoder.pending == 11
    decoder.reset()
    assert decoder.pending == 0
    assert decoder.skipped_bytes == 11
    assert len(decoder.feed(b"~200246000000FDB2\r")) == 1


def test_info_too_long_to_encode() -> None:
    """INFO longer than a 12-bit LENID allows cannot be encoded."""
    with pytest.raises(PylontechFramingError):
        encode_frame(ver=0x20, adr=2, cid1=0x46, cid2=0x42, info=bytes(2048))


@pytest.mark.parametrize("capture", VALID[:40], ids=ids[:40])
def test_run_of_soi_is_one_error(capture: captures.Capture) -> None:
    """A run of '~' before a frame is one error for the whole run, however it is split."""
    raw = capture.raw
    data = b"~" * 100 + raw
    results = FrameDecoder().feed(data)
    assert isinstance(results[0], PylontechFramingError)
    assert "100 frames cut short" in str(results[0])
    assert results[0].raw == b"~" * 64
    _only_frame(results[1:], raw)
    for cut in (1, 50, 99, 100, 101, len(data) - 1):
        results = _feed_all([data[:cut], data[cut:]])
        assert len(results) <= 3
        assert all(isinstance(r, PylontechFramingError) for r in results[:-1])
        _only_frame(results[-1:], raw)


def test_errors_per_feed_are_capped() -> None:
    """One call returns at most MAX_ERRORS_PER_FEED bad frames, counts the rest, keeps the good."""
    good = VALID[0].raw
    bad = good[:-2] + (b"0" if good[-2:-1] != b"0" else b"1") + good[-1:]
    decoder = FrameDecoder()
    results = decoder.feed(bad * 20 + good + bad * 3 + good)
    assert [type(r) for r in results] == [PylontechChecksumError] * MAX_ERRORS_PER_FEED + [
        Frame,
        Frame,
    ]
    assert decoder.dropped_errors == 20 + 3 - MAX_ERRORS_PER_FEED
    assert len(decoder.feed(bad)) == 1  # the cap is per call


def test_expected_length_of_the_frame_in_progress() -> None:
    """Known from its LENGTH as soon as the header is in; unknown before and after."""
    frame = encode_frame(ver=0x20, adr=2, cid1=0x46, cid2=0x00, info=bytes(60))
    decoder = FrameDecoder()
    assert decoder.expected_length is None
    decoder.feed(frame[:12])
    assert decoder.expected_length is None  # LENGTH not complete yet
    decoder.feed(frame[12:20])
    assert decoder.expected_length == len(frame)
    assert decoder.feed(frame[20:])
    assert decoder.expected_length is None
    decoder.feed(b"~20024600F078")  # LCHKSUM does not fit: the end is unknown
    assert decoder.expected_length is None


@given(st.binary(max_size=3000))
def test_byte_sum_is_the_sum_of_the_bytes(data: bytes) -> None:
    """The checksum's byte sum equals sum() for any bytes and length (chunks of 255s too)."""
    assert byte_sum(data) == sum(data)
    assert byte_sum(b"\xff" * len(data)) == 255 * len(data)
