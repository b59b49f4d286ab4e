"""Line discipline of the console (text) protocol: where an answer ends, and its body lines.

An exchange, as the BMS sends it (protocol.md 5.3; tests/vectors/console dumps): the echoed
command (sometimes after a stale prompt), a line "@", the body, "Command completed
successfully", a line "$$", then the prompt ("pylon>", Pytes "PYTES>", "pylon_debug>" in debug
mode) with no newline after it.
Lines end in CR CR LF, LF CR, CR LF or a bare LF, mixed within one answer. Long outputs stop at a
paging line and wait for CR (continue) or any other key (abort).

A client reads until `complete` says so, sending CR whenever `paging` does, then hands the
bytes to `body_lines` (or straight to `console.parse`).
"""

from __future__ import annotations

import re

from ..exceptions import PylontechConsoleError

PROMPTS = (b"pylon>", b"PYTES>", b"pylon_debug>")
"""The prompts a console prints when it waits for a command: Pylontech, Pytes, and Pylontech
left in debug mode (US2000C firmware B67.5.0: tests/vectors/console/hrabovszki_*)."""

PAGING = b"Press [Enter] to be continued"
"""The start of the line that pauses long outputs (help, log): send CR to go on."""

END_MARK = b"$$"
"""The line printed after every answer, just before the prompt."""

SUCCESS = "Command completed successfully"
"""The line that closes a successful answer's body."""

PAGED_COMMANDS = frozenset({"help", "log"})
"""The listings that page on the real consoles (protocol.md 5.3): an answer stopped at a
paging line is a shorter listing of whole records, accepted; no table pages."""

MAX_LINES = 2048
"""A bound on the lines of one answer, blank ones included. The longest real one (ioBroker_US_log)
has 187; the exchange follows at most 64 pages (`exchange.MAX_PAGES`) of about 18 lines each
(three log records of five lines, a paging line, blanks), about 1,150 lines."""

MAX_LINE_LENGTH = 1024
"""A bound on one line: the longest real line (the H2 and SC `pwr` header and row) has 226
characters. It also bounds the work of every per-line pattern."""

# "$$" alone on its line, then only line breaks, then a prompt that ends the buffer (line
# breaks after it are allowed, as `exchange` allows them: ioBroker_US_log ends "pylon>\n").
_COMPLETE = re.compile(
    rb"(?:\A|[\r\n])\$\$[\r\n]+(?:" + b"|".join(re.escape(p) for p in PROMPTS) + rb")[\r\n]*\Z"
)
_LINE_BREAKS = re.compile(r"[\r\n]+")
_END_TEXT = END_MARK.decode()
_PAGING_TEXT = PAGING.decode()
_REFUSALS = (
    "Invalid command",  # Pytes: "Invalid command or fail to excute." (ioBroker_pytes-v5_stat_1)
    "Command completed unccessfully",  # sic, Force H2 (ioBroker_H2_bmuinfo_4)
    "Command completed unsuccessfully",
    "Unknown command",
)
_PROMPT_TEXTS = tuple(p.decode() for p in PROMPTS)


def complete(buffer: bytes) -> bool:
    """Whether `buffer` holds a whole answer: a "$$" line, then the prompt at its end.

    Only line breaks may follow the prompt (a capture saved with a final newline).
    """
    return _COMPLETE.search(buffer) is not None


def ends_with_prompt(buffer: bytes) -> bool:
    """Whether the console waits for a command: `buffer` ends with a prompt.

    Also true for the bare prompt a woken console prints after a lone CR.
    """
    return buffer.endswith(PROMPTS)


def paging(buffer: bytes) -> bool:
    """Whether the console waits at a paging line: its last non-blank line starts with `PAGING`.

    Send CR to get the next page (the BMS then overwrites the line with spaces).
    """
    lines = [line for line in re.split(rb"[\r\n]+", buffer) if line.strip()]
    return bool(lines) and lines[-1].lstrip().startswith(PAGING)


def decode_text(raw: str | bytes) -> str:
    """Console bytes as text: one character per byte (Latin-1), so nothing can fail to decode.

    Column positions stay those of the bytes; the consoles print ASCII but one Pytes header ends
    with a byte 0xC8 (ioBroker_pytes-v5_soh).
    """
    return raw.decode("latin-1") if isinstance(raw, bytes) else raw


def body_lines(raw: str | bytes, command: str | None = None) -> list[str]:
    """The body of one whole exchange: its non-blank lines between the echo and the closing lines.

    The exchange must be framed as the BMS frames every answer (module docstring): leading
    prompt lines, the echo (exactly `command`, words compared without case; with no `command`,
    a prompt-prefixed line or a line before "@"), an optional "@" line, the body, "Command
    completed successfully", "$$" and the prompt, nothing after it. Paging lines inside the body
    go. Trailing blanks are removed, leading ones kept (table columns are positions).

    Raises `PylontechConsoleError` when the BMS refused the command, the echo is another command,
    the answer holds more than `MAX_LINES` lines or a line longer than `MAX_LINE_LENGTH`, a
    prompt, "@" or "$$" sits inside the body, or the completion line is missing. Every real dump
    has the completion line except the refusals and one capture that stops at a paging line
    (donverduyn_US2KBPL_help: the CR was never sent); an answer that stops at a paging line is
    accepted only for the listings that page (`PAGED_COMMANDS`), whose records up to there are
    whole. A table (pwr, bat, unit, soh) cut short is always an error, never a shorter table.
    """
    text = decode_text(raw)
    original = text.encode("latin-1", "replace")
    pieces = _LINE_BREAKS.split(text, maxsplit=MAX_LINES)
    if len(pieces) > MAX_LINES:
        msg = f"answer of more than {MAX_LINES} lines"
        raise PylontechConsoleError(msg, original)
    lines = [stripped for stripped in (piece.rstrip() for piece in pieces) if stripped]
    if any(len(line) > MAX_LINE_LENGTH for line in lines):
        msg = f"answer with a line longer than {MAX_LINE_LENGTH} characters"
        raise PylontechConsoleError(msg, original)
    for line in lines:
        if line.lstrip().startswith(_REFUSALS):
            msg = f"the BMS refused the command: {line.strip()!r}"
            raise PylontechConsoleError(msg, original)
    try:
        return _body(lines, command)
    except PylontechConsoleError as err:
        raise PylontechConsoleError(str(err), original) from None


def _body(lines: list[str], command: str | None) -> list[str]:
    position = _after_echo(lines, command)
    body: list[str] = []
    paged = False
    for index in range(position, len(lines)):
        line = lines[index]
        text = line.strip()
        if text == SUCCESS:
            _closing(lines[index + 1 :])
            return body
        if text == _END_TEXT and index == len(lines) - 2:
            break  # "$$" and the prompt close an answer without its completion line
        if text in ("@", _END_TEXT) or any(prompt in text for prompt in _PROMPT_TEXTS):
            msg = f"{text[:40]!r} inside the answer: a prompt or framing line before its end"
            raise PylontechConsoleError(msg)
        paged = text.startswith(_PAGING_TEXT)
        if not paged:
            body.append(line)
    words = command.split() if command else []
    if paged and (not words or words[0].lower() in PAGED_COMMANDS):
        return body
    msg = f"no {SUCCESS!r} line: the answer is cut short"
    raise PylontechConsoleError(msg)


def _after_echo(lines: list[str], command: str | None) -> int:
    """The index of the first line after the echo and the "@" line."""
    position = 0
    while position < len(lines) and lines[position].strip() in _PROMPT_TEXTS:
        position += 1
    if position == len(lines):
        msg = "no echo of the command"
        raise PylontechConsoleError(msg)
    first = lines[position].strip()
    prompted = first.startswith(_PROMPT_TEXTS)
    echo = (
        first[len(next(p for p in _PROMPT_TEXTS if first.startswith(p))) :] if prompted else first
    )
    following = lines[position + 1].strip() if position + 1 < len(lines) else None
    if command is not None:
        if echo.lower().split() != command.lower().split():
            msg = f"the echo {echo[:40]!r} is not the command {command!r}"
            raise PylontechConsoleError(msg)
        position += 1
    elif prompted or (first != "@" and following == "@"):
        position += 1
    if position < len(lines) and lines[position].strip() == "@":
        position += 1
    return position


def _closing(rest: list[str]) -> None:
    """After the completion line: "$$", then the prompt, and nothing else."""
    texts = [line.strip() for line in rest[:3]]
    if len(rest) != 2 or texts[0] != _END_TEXT or texts[1] not in _PROMPT_TEXTS:
        msg = f"not {_END_TEXT!r} and the prompt after the completion line: {texts!r}"
        raise PylontechConsoleError(msg)
