"""One console exchange: send a command line, collect the answer up to the next prompt.

Line discipline (protocol.md 5.3): the command goes out followed by CR; the console echoes it,
prints "@", the body, "Command completed successfully", "$$" and its prompt ("pylon>", "PYTES>")
with no newline after it. Long answers stop at "Press [Enter] to be continued,other key to exit";
a CR continues them. Only the read commands below are ever sent: nothing here can switch a
battery off, reset its counters or change its firmware (protocol.md 5.4, 5.5).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from ..exceptions import (
    PylontechConsoleError,
    PylontechTimeoutError,
    PylontechUnsupportedCommandError,
)
from .lines import PAGING, PROMPTS

if TYPE_CHECKING:
    from ..link import Link

READ_COMMANDS = frozenset(
    {
        "bat",
        "bmuinfo",
        "help",
        "info",
        "log",
        "pwr",
        "soh",
        "stat",
        "sysinfo",
        "time",
        "unit",
        "ver",
    }
)
"""The console commands that only read (protocol.md 5.4, 5.5); shut, trst, updata, login and
the t* test commands are never sent."""

IDENTIFYING_COMMANDS = frozenset({"info", "bmuinfo", "pwr"})
"""Answers that may carry barcodes: `info`, `bmuinfo`, and the stack's `pwr` table, which
has a Barcode column on Pytes (protocol.md 5.4); `pwr N` has none."""


def carries_identity(command: str) -> bool:
    """Whether the answer to console `command` may carry a barcode (redact it in reports)."""
    words = command.split()
    if not words:
        return False
    name = words[0].lower()
    return name in IDENTIFYING_COMMANDS and not (name == "pwr" and len(words) > 1)


PROMPT = re.compile(b"(?:" + b"|".join(re.escape(p) for p in PROMPTS) + rb")\s*\Z")
"""The prompt that ends every answer, with no newline after it (protocol.md 5.3)."""
CONTINUE = b"\r"
MAX_PAGES = 64
"""A bound on continuations: the longest real answer (120 cells) needs a handful."""
MAX_ANSWER = 256 * 1024
"""A bound on one answer: the longest real one (a Force H2 `bat`) is about 10 kB."""


def command_line(command: str) -> bytes:
    """The bytes to send for `command`, refusing anything but a read command with numbers.

    `time` takes no numbers: with them it sets the BMS clock ("time [year] [month] ...").
    """
    words = command.split()
    if (
        not words
        or words[0].lower() not in READ_COMMANDS
        or not all(w.isascii() and w.isdigit() for w in words[1:])
        or (words[0].lower() == "time" and len(words) > 1)
    ):
        msg = f"{command!r} is not a console read command"
        raise PylontechUnsupportedCommandError(msg)
    return " ".join(words).encode("ascii") + b"\r"


def answer_complete(buffer: bytes | bytearray, echo: bytes) -> bool:
    """Whether `buffer` holds the whole answer: the echo of the command, then a closing prompt.

    A prompt before the echo is a leftover of an earlier exchange, not the end of this one; a
    refusal ("Invalid command ...") ends with the prompt but without the "$$" line.
    """
    start = buffer.find(echo)
    return start >= 0 and PROMPT.search(buffer, start + len(echo)) is not None


async def exchange(link: Link, command: str, *, silence: float) -> bytes:
    """Send `command` over `link` and return everything received up to the closing prompt.

    `silence` bounds each wait for more bytes, so a long answer arriving steadily at a slow
    baud rate is not cut; a console that stops sending raises `PylontechTimeoutError`.
    The caller holds the link's lock and has opened it.
    """
    line = command_line(command)
    echo = line.rstrip(b"\r")
    link.transport.discard_input()
    link.record("tx", line, command)
    await link.transport.write(line)
    buffer = bytearray()
    pages = 0
    searched = 0
    while not answer_complete(buffer, echo):
        try:
            async with asyncio.timeout(silence):
                buffer += await link.transport.read()
        except TimeoutError:
            if buffer:
                link.record("rx", bytes(buffer), None)
            msg = f"no complete answer to {command!r}: silent for {silence} s"
            raise PylontechTimeoutError(msg) from None
        if len(buffer) > MAX_ANSWER:
            link.record("rx", bytes(buffer[:1024]), None)
            msg = f"answer to {command!r} runs past {MAX_ANSWER} bytes without a prompt"
            raise PylontechConsoleError(msg, bytes(buffer[:1024]))
        found = buffer.find(PAGING, searched)
        if found >= 0 and pages < MAX_PAGES:
            searched = found + len(PAGING)
            pages += 1
            await link.transport.write(CONTINUE)
    answer = bytes(buffer)
    link.record("rx", answer, command)
    return answer
