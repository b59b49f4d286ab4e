"""Line discipline of the console (text) protocol: where an answer ends, and its body lines.

An exchange, as the BMS sends it (protocol.md 5.3; tests/vectors/console dumps): the echoed
command (sometimes after a stale prompt), a line "@", the body, "Command completed
successfully", a line "$$", then the prompt ("pylon>", Pytes "PYTES>") with no newline after it.
Lines end in CR CR LF, LF CR, CR LF or a bare LF, mixed within one answer. Long outputs stop at a
paging line and wait for CR (continue) or any other key (abort).

A client reads until `complete` says so, sending CR whenever `paging` does, then hands the
bytes to `body_lines` (or straight to `console.parse`).
"""

from __future__ import annotations

import re

from ..exceptions import PylontechConsoleError

PROMPTS = (b"pylon>", b"PYTES>")
"""The prompts a console prints when it waits for a command: Pylontech, Pytes."""

PAGING = b"Press [Enter] to be continued"
"""The start of the line that pauses long outputs (help, log): send CR to go on."""

END_MARK = b"$$"
"""The line printed after every answer, just before the prompt."""

SUCCESS = "Command completed successfully"
"""The line that closes a successful answer's body."""

# "$$" alone on its line, then only line breaks, then a prompt that ends the buffer (line
# breaks after it are allowed, as `exchange` allows them: ioBroker_US_log ends "pylon>\n").
_COMPLETE = re.compile(
    rb"(?:\A|[\r\n])\$\$[\r\n]+(?:" + b"|".join(re.escape(p) for p in PROMPTS) + rb")[\r\n]*\Z"
)
_LINE_BREAKS = re.compile(r"[\r\n]+")
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
    """The body of one exchange: its non-blank lines, without echo, framing and paging lines.

    Leading prompt lines, the echoed `command` and everything up to the "@" line go; so do
    "Command completed successfully", "$$", the final prompt and paging lines. Trailing blanks
    are removed, leading ones kept (table columns are positions). Raises
    `PylontechConsoleError` when the BMS says it refused the command.
    """
    lines = [line.rstrip() for line in _LINE_BREAKS.split(decode_text(raw))]
    lines = [line for line in lines if line.strip()]
    if any(line.strip() == "@" for line in lines):
        start = next(i for i, line in enumerate(lines) if line.strip() == "@") + 1
    else:
        start = 0
        echo = command.strip() if command else None
        while start < len(lines) and (
            lines[start].lstrip().startswith(_PROMPT_TEXTS) or lines[start].strip() == echo
        ):
            start += 1
    body: list[str] = []
    for line in lines[start:]:
        text = line.strip()
        if text == END_MARK.decode() or text.startswith(_PROMPT_TEXTS):
            break
        if text.startswith(_REFUSALS):
            msg = f"the BMS refused the command: {text!r}"
            raise PylontechConsoleError(msg, decode_text(raw).encode("latin-1", "replace"))
        if text == SUCCESS or text.startswith(PAGING.decode()):
            continue
        body.append(line)
    return body
