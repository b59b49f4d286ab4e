"""Sans-I/O framing of the ASCII-hex protocol: ``~ VER ADR CID1 CID2 LENGTH INFO CHKSUM CR``.

Bytes go in, whole frames come out; nothing here reads or writes a port. The layout, LCHKSUM and
CHKSUM rules are in protocol.md sections 1.1 to 1.3, the receiving rules in section 1.5.
"""

from __future__ import annotations

import binascii
import re
import struct
from typing import Final
import zlib

from ..const import (
    DEFAULT_RESPONSE_CODES,
    EOI,
    FRAME_OVERHEAD,
    MAX_FRAME_LENGTH,
    MAX_LENID,
    RESPONSE_CODES_BY_VER,
    SOI,
)
from ..exceptions import (
    PylontechChecksumError,
    PylontechFramingError,
    PylontechLengthError,
    PylontechProtocolError,
)
from ..models import model

_NOT_HEX = "frame holds characters that are not hex digits"
_HEADER = struct.Struct(">BBBBH")  # VER ADR CID1 CID2 LENGTH
_LENGTH_START = 9  # after "~", VER, ADR, CID1, CID2 in hex: LENGTH's four hex digits
_LENGTH_END = 13  # where INFO starts
_SOI = bytes([SOI])
_EOI = bytes([EOI])
_NUL = b"\x00"
_SOI_SOI = _SOI * 2
_SOI_RUN = re.compile(rb"~+")
_RAW_KEPT = 64  # bytes of a run of '~' kept in its error

MAX_ERRORS_PER_FEED: Final = 8
"""Most bad frames one `FrameDecoder.feed` call returns; a flood costs no more than that."""


@model
class Frame:
    """One checked frame: header bytes, the decoded INFO and the bytes as they arrived."""

    ver: int
    adr: int
    cid1: int
    cid2: int
    info: bytes
    raw: bytes

    @property
    def is_request(self) -> bool:
        """Whether CID2 holds a command code, i.e. another master sent this (protocol.md 1.5)."""
        return self.cid2 not in RESPONSE_CODES_BY_VER.get(self.ver, DEFAULT_RESPONSE_CODES)


def length_checksum(lenid: int) -> int:
    """LCHKSUM: two's complement of the sum of LENID's three nibbles, modulo 16 (protocol.md 1.2)."""
    return -((lenid & 0xF) + (lenid >> 4 & 0xF) + (lenid >> 8 & 0xF)) & 0xF


_SUM_CHUNK = 256
"""Bytes whose sum stays below Adler-32's modulus, 65521, whatever they are (256 x 255)."""


def byte_sum(data: bytes) -> int:
    """The sum of `data`'s bytes, computed in C.

    Adler-32 started at 0 keeps the byte sum modulo 65521 in its low 16 bits (RFC 1950,
    section 8.2); over chunks too short to reach the modulus that is the exact sum, about three
    times faster than `sum()` over a frame's characters.
    """
    if len(data) <= _SUM_CHUNK:
        return zlib.adler32(data, 0) & 0xFFFF
    total = 0
    for start in range(0, len(data), _SUM_CHUNK):
        total += zlib.adler32(data[start : start + _SUM_CHUNK], 0) & 0xFFFF
    return total


def frame_checksum(body: bytes) -> int:
    """CHKSUM: two's complement of the sum of the ASCII codes VER..INFO, modulo 65536 (1.3)."""
    return -byte_sum(body) & 0xFFFF


def encode_frame(*, ver: int, adr: int, cid1: int, cid2: int, info: bytes = b"") -> bytes:
    """Build a complete frame, SOI to EOI, in upper-case hex."""
    info_hex = info.hex().upper().encode("ascii")
    lenid = len(info_hex)
    if lenid > MAX_LENID:
        msg = f"INFO of {len(info)} bytes does not fit a 12-bit LENID"
        raise PylontechFramingError(msg)
    length = length_checksum(lenid) << 12 | lenid
    body = b"%02X%02X%02X%02X%04X" % (ver, adr, cid1, cid2, length) + info_hex
    return _SOI + body + b"%04X" % frame_checksum(body) + _EOI


def parse_frame(raw: bytes) -> Frame:
    """Check and split one frame given from ``~`` up to and including its CR (the CR is optional).

    Raises a `PylontechProtocolError` subclass naming what is wrong.
    """
    if not raw.startswith(_SOI):
        msg = "frame does not start with '~'"
        raise PylontechFramingError(msg, raw)
    end = len(raw) - 1 if raw.endswith(_EOI) else len(raw)  # VER to CHKSUM: raw[1:end]
    info_end = end - 4
    if end - 1 < FRAME_OVERHEAD - 2:
        msg = f"frame too short ({len(raw)} bytes)"
        raise PylontechFramingError(msg, raw)
    try:
        ver, adr, cid1, cid2, length = _HEADER.unpack(binascii.unhexlify(raw[1:13]))
        received = int.from_bytes(binascii.unhexlify(raw[info_end:end]))
    except binascii.Error:
        raise PylontechFramingError(_NOT_HEX, raw) from None
    lenid = length & MAX_LENID
    if length >> 12 != length_checksum(lenid):
        msg = f"LCHKSUM of LENGTH {length:04X} is wrong"
        raise PylontechLengthError(msg, raw)
    if info_end - _LENGTH_END != lenid:
        msg = f"LENID says {lenid} INFO characters, {info_end - _LENGTH_END} arrived"
        raise PylontechLengthError(msg, raw)
    if lenid % 2:
        msg = f"LENID {lenid} is odd: INFO is not whole bytes"
        raise PylontechLengthError(msg, raw)
    content = raw[1:info_end]
    computed = -byte_sum(content) & 0xFFFF
    # The sum is over the characters as sent; a device that sends lower case sums those.
    if received != computed and received != frame_checksum(content.upper()):
        msg = f"CHKSUM {received:04X} does not match the content ({computed:04X})"
        raise PylontechChecksumError(msg, raw)
    try:
        info = binascii.unhexlify(raw[_LENGTH_END:info_end])
    except binascii.Error:
        raise PylontechFramingError(_NOT_HEX, raw) from None
    return Frame(ver=ver, adr=adr, cid1=cid1, cid2=cid2, info=info, raw=bytes(raw))


class FrameDecoder:
    """Incremental decoder: feed it byte chunks of any size, get whole frames back.

    Garbage and NUL bytes before a ``~`` are skipped; a frame cut short by the next ``~`` or longer
    than the protocol allows is reported and the decoder resynchronises on the next ``~``. A bad
    frame is returned as a `PylontechProtocolError` value, never raised, so one bad frame cannot
    hide the good one behind it.

    The work is linear in the bytes fed, whatever they are: a run of ``~`` is one error, a partial
    frame is not scanned again, and one call returns at most `MAX_ERRORS_PER_FEED` errors (the
    others are only counted in `dropped_errors`). Every good frame is returned.
    """

    __slots__ = ("_buffer", "_clean", "dropped_errors", "last_skipped", "skipped_bytes")

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer = bytearray()
        self._clean = 0
        """Length of the buffer's start known to hold one '~' and then neither '~' nor CR."""
        self.skipped_bytes = 0
        """Count of bytes outside any frame (garbage, NULs) dropped so far."""
        self.last_skipped = b""
        """The start (up to 64 bytes) of what was dropped last, for error messages."""
        self.dropped_errors = 0
        """Count of bad frames not returned because a call had already returned its maximum."""

    def feed(self, data: bytes) -> list[Frame | PylontechProtocolError]:
        """Add received bytes and return every frame or bad frame they complete, in order."""
        buffer = self._buffer
        if (
            not buffer
            and data.__class__ is bytes
            and data.startswith(_SOI)
            and data.find(_EOI) == len(data) - 1
            and data.find(_SOI, 1) < 0
            and len(data) <= MAX_FRAME_LENGTH
        ):
            # One whole frame, alone: what the general path below would make of it, sooner.
            try:
                return [parse_frame(data.replace(_NUL, b"") if 0 in data else data)]
            except PylontechProtocolError as err:
                return [err.with_traceback(None)]
        buffer += data
        size = len(buffer)
        clean, self._clean = self._clean, 0
        results: list[Frame | PylontechProtocolError] = []
        errors = 0
        pos = 0
        while pos < size:
            start = buffer.find(_SOI, pos)
            if start < 0:
                self._skip(pos, size)
                pos = size
                break
            self._skip(pos, start)
            pos, item = self._take(start, size, clean)
            clean = 0
            if item is None:
                self._clean = size - pos  # wait for the rest of this frame
                break
            if isinstance(item, Frame):
                results.append(item)
            elif errors < MAX_ERRORS_PER_FEED:
                results.append(item)
                errors += 1
            else:
                self.dropped_errors += 1
        del buffer[:pos]
        return results

    def _take(
        self, pos: int, size: int, clean: int
    ) -> tuple[int, Frame | PylontechProtocolError | None]:
        """What the '~' at `pos` starts, and where the next item begins; None: wait for more.

        Only the bytes up to the next '~' or CR are scanned, and the `clean` bytes already
        scanned by the call before are not scanned again.
        """
        buffer = self._buffer
        if buffer.startswith(_SOI_SOI, pos):
            run = _SOI_RUN.match(buffer, pos)
            assert run is not None
            count = run.end() - 1 - pos  # the last '~' may start a frame
            return pos + count, _cut_short(bytes(buffer[pos : pos + min(count, _RAW_KEPT)]), count)
        limit = pos + MAX_FRAME_LENGTH + 1
        after = buffer.find(_SOI, pos + max(1, clean), limit)
        end = buffer.find(_EOI, pos + max(1, clean), after if after >= 0 else limit)
        if end >= 0:
            raw = bytes(buffer[pos : end + 1])
            try:
                return end + 1, parse_frame(raw.replace(_NUL, b"") if 0 in raw else raw)
            except PylontechProtocolError as err:
                return end + 1, err.with_traceback(None)  # no frame-traceback cycle for the GC
        if after >= 0:
            return after, _cut_short(bytes(buffer[pos:after]))
        if size > limit:
            msg = f"no CR within {MAX_FRAME_LENGTH} bytes"
            return limit, PylontechFramingError(msg, bytes(buffer[pos:limit]))
        return pos, None

    def reset(self) -> None:
        """Forget any partial frame (after a timeout, before the next request)."""
        self._skip(0, len(self._buffer))
        del self._buffer[:]
        self._clean = 0

    @property
    def pending(self) -> int:
        """Bytes held that do not yet form a whole frame."""
        return len(self._buffer)

    @property
    def expected_length(self) -> int | None:
        """How long the frame in progress will be, SOI to EOI, once its LENGTH has arrived.

        None while no frame is in progress, its header is incomplete, or its LENGTH is not
        valid (then its end is not known either).
        """
        buffer = self._buffer
        if len(buffer) < _LENGTH_END or buffer[0] != SOI:
            return None
        try:
            length = int(buffer[_LENGTH_START:_LENGTH_END], 16)
        except ValueError:
            return None
        lenid = length & MAX_LENID
        if length >> 12 != length_checksum(lenid):
            return None
        return FRAME_OVERHEAD + lenid

    def _skip(self, start: int, stop: int) -> None:
        """Count `buffer[start:stop]` as dropped (the caller removes it)."""
        if stop > start:
            self.last_skipped = bytes(self._buffer[start : min(stop, start + 64)])
        self.skipped_bytes += stop - start


def _cut_short(raw: bytes, count: int = 1) -> PylontechFramingError:
    """The error for `count` frames cut short by a new '~' (a run of '~' when more than one)."""
    if count == 1:
        return PylontechFramingError("frame cut short by a new '~'", raw)
    return PylontechFramingError(f"{count} frames cut short by a new '~' (a run of '~')", raw)
