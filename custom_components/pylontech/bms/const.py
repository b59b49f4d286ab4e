"""Protocol constants shared by the framing layer and the dialects (protocol.md section 1)."""

from __future__ import annotations

from typing import Final

SOI: Final = 0x7E  # "~", starts every frame
EOI: Final = 0x0D  # carriage return, ends every frame

MAX_LENID: Final = 0xFFF  # LENID has 12 bits (protocol.md 1.1)
# SOI + VER ADR CID1 CID2 (8) + LENGTH (4) + INFO + CHKSUM (4) + EOI
FRAME_OVERHEAD: Final = 1 + 8 + 4 + 4 + 1
MAX_FRAME_LENGTH: Final = FRAME_OVERHEAD + MAX_LENID

INFO_ALL_PACKS: Final = (
    0xFF  # "command" byte asking the master for every pack (protocol.md 2.1, 3.4)
)

# Return codes (CID2 of an answer) and their meaning, per vendor document (protocol.md 1.4).
RTN_NORMAL: Final = 0x00
# Codes 0x00-0x06 mean the same in the Pylontech and Seplos documents (both follow YD/T 1363.3).
_RTN_COMMON: Final = {
    0x00: "normal",
    0x01: "VER error",
    0x02: "CHKSUM error",
    0x03: "LCHKSUM error",
    0x04: "CID2 invalid (command not supported)",
    0x05: "command format error",
    0x06: "invalid data",
}
RTN_PYLONTECH: Final[dict[int, str]] = {
    **_RTN_COMMON,
    0x90: "ADR error",
    0x91: "internal communication error",
}
RTN_PACE: Final[dict[int, str]] = {
    0x00: "normal",
    0x01: "undefined error",
    0x02: "CHKSUM error",
    0x03: "LCHKSUM error",
    0x04: "CID2 undefined (command not supported)",
    0x05: "undefined error",
    0x06: "undefined error",
    0x09: "operation or write error",
}
RTN_SEPLOS: Final[dict[int, str]] = {
    **_RTN_COMMON,
    0x07: "no data",
    0xE1: "CID1 invalid",
    0xE2: "command execution failure",
    0xE3: "device fault",
    0xE4: "invalid permissions",
}

# Codes that appear in answers (CID2 = RTN) and never as a read or write command. On VER 0x20
# that includes 0x90/0x91 (Pylontech "ADR error", "internal communication error") and 0xE1-0xE4
# (Seplos); on PACE VER 0x25 those are commands (0x90 pack count, 0xE1-0xE4 configuration,
# protocol.md 3.2), so the set is chosen by VER.
VER_PACE: Final = 0x25
DEFAULT_RESPONSE_CODES: Final = frozenset(range(0x0A)) | {0x90, 0x91} | frozenset(range(0xE1, 0xE5))
RESPONSE_CODES_BY_VER: Final[dict[int, frozenset[int]]] = {
    VER_PACE: frozenset(range(0x0A)),
}

IDENTIFYING_COMMANDS: Final = frozenset({0x93, 0xC2})
"""Commands whose answers carry a serial number or barcode (redacted from diagnostics)."""
