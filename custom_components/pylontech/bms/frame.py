"""Sans-I/O framing of the ASCII-hex protocol: ``~ VER ADR CID1 CID2 LENGTH INFO CHKSUM CR``.

Bytes go in, whole frames come out; nothing here reads or writes a port. The layout, LCHKSUM and
CHKSUM rules are in protocol.md sections 1.1 to 1.3, the receiving rules in section 1.5.
"""

from __future__ import annotations

import binascii
import struct

from .const import (
    DEFAULT_RESPONSE_CODES,
    EOI,
    FRAME_OVERHEAD,
    MAX_FRAME_LENGTH,
    MAX_LENID,
    RESPONSE_CODES_BY_VER,
    SOI,
)
from .exceptions import (
    PylontechChecksumError,
    PylontechFramingError,
    PylontechLengthError,
    PylontechProtocolError,
)
from .models import model

_NOT_HEX = "frame holds characters that are not hex digits"
_HEADER = struct.Struct(">BBBBH")  # VER ADR CID1 CID2 LENGTH
_SOI = bytes([SOI])
_EOI = bytes([EOI])
_NUL = b"\x00"


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


def frame_checksum(body: bytes) -> int:
    """CHKSUM: two's complement of the sum of the ASCII codes VER..INFO, modulo 65536 (1.3)."""
    return -sum(body) & 0xFFFF


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
    body = raw[1:-1] if raw.endswith(_EOI) else raw[1:]
    if len(body) < FRAME_OVERHEAD - 2:
        msg = f"frame too short ({len(raw)} bytes)"
        raise PylontechFramingError(msg, raw)
    try:
        ver, adr, cid1, cid2, length = _HEADER.unpack(binascii.unhexlify(body[:12]))
        received = int.from_bytes(binascii.unhexlify(body[-4:]))
    except binascii.Error:
        raise PylontechFramingError(_NOT_HEX, raw) from None
    lenid = length & MAX_LENID
    if length >> 12 != length_checksum(lenid):
        msg = f"LCHKSUM of LENGTH {length:04X} is wrong"
        raise PylontechLengthError(msg, raw)
    info_hex = body[12:-4]
    if len(info_hex) != lenid:
        msg = f"LENID says {lenid} INFO characters, {len(info_hex)} arrived"
        raise PylontechLengthError(msg, raw)
    if lenid % 2:
        msg = f"LENID {lenid} is odd: INFO is not whole bytes"
        raise PylontechLengthError(msg, raw)
    content = body[:-4]
    computed = frame_checksum(content)
    # The sum is over the characters as sent; a device that sends lower case sums those.
    if received != computed and received != frame_checksum(content.upper()):
        msg = f"CHKSUM {received:04X} does not match the content ({computed:04X})"
        raise PylontechChecksumError(msg, raw)
    try:
        info = binascii.unhexlify(info_hex)
    except binascii.Error:
        raise PylontechFramingError(_NOT_HEX, raw) from None
    return Frame(ver=ver, adr=adr, cid1=cid1, cid2=cid2, info=info, raw=bytes(raw))


class FrameDecoder:
    """Incremental decoder: feed it byte chunks of any size, get whole frames back.

    Garbage and NUL bytes before a ``~`` are skipped; a frame cut short by the next ``~`` or longer
    than the protocol allows is reported and the decoder resynchronises on the next ``~``. A bad
    frame is returned as a `PylontechProtocolError` value, never raised, so one bad frame cannot
    hide the good one behind it.
    """

    __slots__ = ("_buffer", "last_skipped", "skipped_bytes")

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer = bytearray()
        self.skipped_bytes = 0
        """Count of bytes outside any frame (garbage, NULs) dropped so far."""
        self.last_skipped = b""
        """The start (up to 64 bytes) of what was dropped last, for error messages."""

    def feed(self, data: bytes) -> list[Frame | PylontechProtocolError]:
        """Add received bytes and return every frame or bad frame they complete, in order."""
        buffer = self._buffer
        buffer += data
        results: list[Frame | PylontechProtocolError] = []
        while buffer:
            start = buffer.find(_SOI)
            if start < 0:
                self._skip(len(buffer))
                break
            if start:
                self._skip(start)
            end = buffer.find(_EOI, 1)
            restart = buffer.find(_SOI, 1, end if end >= 0 else len(buffer))
            if restart > 0:
                raw = bytes(buffer[:restart])
                del buffer[:restart]
                results.append(PylontechFramingError("frame cut short by a new '~'", raw))
                continue
            if end < 0:
                if len(buffer) > MAX_FRAME_LENGTH:
                    raw = bytes(buffer)
                    del buffer[:]
                    msg = f"no CR within {MAX_FRAME_LENGTH} bytes"
                    results.append(PylontechFramingError(msg, raw))
                break
            raw = bytes(buffer[: end + 1])
            del buffer[: end + 1]
            try:
                results.append(parse_frame(raw.replace(_NUL, b"")))
            except PylontechProtocolError as err:
                results.append(err)
        return results

    def reset(self) -> None:
        """Forget any partial frame (after a timeout, before the next request)."""
        self._skip(len(self._buffer))

    @property
    def pending(self) -> int:
        """Bytes held that do not yet form a whole frame."""
        return len(self._buffer)

    def _skip(self, count: int) -> None:
        if count:
            self.last_skipped = bytes(self._buffer[: min(count, 64)])
        self.skipped_bytes += count
        del self._buffer[:count]
