"""What identifies a battery in what the client saw, so that reports can leave it out.

Serial numbers and barcodes are found by content, wherever the stack printed or sent them:

- the identities detection read (`PackIdentity.serial_number`);
- console text of any command: "key : value" lines whose key names a barcode, a serial number
  or the board's unique id ("Barcode", "PCBA Barcode", "Module:" under "Unit 1 Barcode",
  "Board ID": ioBroker_pytes-v5_info_1, ioBroker_H2_info), and table columns named Barcode
  (the Pytes `pwr` table, ioBroker_pytes-v5_pwr), including `pwr N` (ioBroker_pytes-v5_pwr_1);
- binary answers to the identity commands (`const.IDENTIFYING_COMMANDS`: Pylontech 0x93, PACE
  0xC2; protocol.md 2.1, 3.4), whose INFO is the text in ASCII hex; 0x51 carries a model name
  and a maker, which identify no battery;
- values of the last poll under a barcode or serial number name.

A frame that cannot be read this way and may hold an identity (a received frame that answered
nothing in flight, such as a late 0x93 answer) is `opaque`: show none of it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from .binary.frame import parse_frame
from .const import IDENTIFYING_COMMANDS
from .dialects import dialect_for_frame
from .exceptions import PylontechError
from .models import Barcode, SerialNumber
from .serialize import to_json

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .link import RawFrame
    from .models import PackIdentity, StackData
    from .serialize import JsonValue

MIN_IDENTITY: Final = 4
"""Shorter strings are never redacted: they would blank out ordinary numbers and words."""

_IDENTITY_KEYS = re.compile(r"barcode|serial|^(?:sn|module|pcba|board id)$")
_PAIR = re.compile(r"^\s*([^:]{1,40}?)\s*:\s*:?\s*(\S+)")
_WORD = re.compile(r"\S+")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_PRINTABLE_RUN = re.compile(rb"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_SHIFT = 2
"""How far left of its header a table value may start (console/table.py SHIFT)."""
_MIN_HEADER_NAMES = 5
"""A table header with a Barcode column names many; "Unit 1 Barcode" (three words) is a title."""


def _names_identity(key: str) -> bool:
    return _IDENTITY_KEYS.search(" ".join(key.split()).lower()) is not None


def _barcode(word: re.Match[str]) -> bool:
    return "barcode" in word.group().lower()


def _is_barcode_header(line: str, words: list[re.Match[str]]) -> bool:
    """Whether `line` is a table header naming a Barcode column.

    Not a pair, nor a `help` line ("tbar  Test write Barcode - tbar[reg]": a description, then
    " - " and the usage).
    """
    return (
        ":" not in line
        and len(words) >= _MIN_HEADER_NAMES
        and not any(word.group() == "-" for word in words)
        and any(_barcode(word) for word in words)
    )


def _usable(text: str) -> bool:
    return len(text) >= MIN_IDENTITY and text.strip("-") != ""


def console_identities(text: str) -> set[str]:
    """The barcodes, serial numbers and board ids printed in console `text` (any command)."""
    found: set[str] = set()
    barcode_columns: list[tuple[int, int]] = []
    for line in _LINE_BREAKS.split(text):
        pair = _PAIR.match(line)
        if pair is not None and _names_identity(pair.group(1)):
            found.add(pair.group(2))
            continue
        words = list(_WORD.finditer(line))
        if _is_barcode_header(line, words):
            barcode_columns = [
                (word.start() - _SHIFT, after.start() - _SHIFT if after else len(line) + 1)
                for word, after in zip(words, [*words[1:], None], strict=True)
                if _barcode(word)
            ]
            continue
        for word in words:
            if any(start <= word.start() < end for start, end in barcode_columns):
                found.add(word.group())
    return {text for text in found if _usable(text)}


def binary_identities(frame: RawFrame) -> set[str]:
    """The serial number or barcode of a received answer to 0x93 or 0xC2.

    Read with the dialect's layout; an answer that fits none gives every text run of its INFO.
    """
    command = frame.command
    if frame.direction != "rx" or not isinstance(command, int):
        return set()
    if command not in IDENTIFYING_COMMANDS:
        return set()
    try:
        parsed = parse_frame(frame.data)
    except PylontechError:
        return set()
    try:
        answer = dialect_for_frame(parsed, command).decode(command, parsed)
    except PylontechError:
        runs = (run.decode("ascii") for run in _PRINTABLE_RUN.findall(parsed.info))
        return {run for run in runs if _usable(run)}
    if isinstance(answer, SerialNumber):
        text = answer.serial_number
    elif isinstance(answer, Barcode):
        text = answer.barcode
    else:
        text = None
    return {text} if text is not None and _usable(text) else set()


def opaque(frame: RawFrame) -> bool:
    """Whether a frame must be hidden whole: received, and its content may be an identity.

    That is a frame that answered nothing in flight (late, another pack's, damaged, a console
    answer cut short), and an identity answer that does not parse as a frame.
    """
    if frame.direction == "tx":
        return False
    if frame.command is None:
        return True
    if isinstance(frame.command, int) and frame.command in IDENTIFYING_COMMANDS:
        try:
            parse_frame(frame.data)
        except PylontechError:
            return True
    return False


def _poll_identities(value: JsonValue, named: bool = False) -> set[str]:
    """Strings of `value` under a barcode or serial number name (keys, and "other" pairs)."""
    if isinstance(value, str):
        return {value} if named and _usable(value) else set()
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found |= _poll_identities(item, named or _names_identity(key))
    elif isinstance(value, list):
        pair = len(value) == 2 and isinstance(value[0], str) and _names_identity(value[0])
        for item in value:
            found |= _poll_identities(item, named or pair)
    return found


def identity_strings(
    identities: Iterable[PackIdentity],
    frames: Iterable[RawFrame] = (),
    poll: StackData | None = None,
) -> frozenset[str]:
    """Every serial number and barcode the stack reported, as it printed it.

    From the `identities` detection read, the raw `frames` (console text of any command and
    binary identity answers) and the last `poll`; strings shorter than `MIN_IDENTITY` are left
    out. Pass the result to `Redactor`, which also finds them in ASCII hex.
    """
    found = {i.serial_number for i in identities if i.serial_number}
    for frame in frames:
        if isinstance(frame.command, str) or (frame.command is None and b"~" not in frame.data):
            found |= console_identities(frame.data.decode("latin-1"))
        else:
            found |= binary_identities(frame)
    if poll is not None:
        found |= _poll_identities(to_json(poll))
    return frozenset(text.strip() for text in found if _usable(text.strip()))


class Redactor:
    """Replaces identity strings in text: as printed, and in ASCII hex of either case."""

    def __init__(self, secrets: Iterable[str], replacement: str) -> None:
        """Redact each of `secrets` (those of at least `MIN_IDENTITY` characters)."""
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) >= MIN_IDENTITY:
                forms |= {secret, secret.encode("latin-1", "replace").hex()}
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None
        )
        self.replacement = replacement

    def text(self, text: str) -> str:
        """`text` with every occurrence of a secret replaced (case ignored)."""
        if self._pattern is None:
            return text
        return self._pattern.sub(self.replacement, text)
