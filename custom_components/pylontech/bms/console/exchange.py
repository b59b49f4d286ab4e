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

from ..answer_clock import WIRE_SLACK
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


ANSWER_SIZE = 16 * 1024
"""Bytes of one page of a long answer, for its time cap: the longest real answer (a Force H2
`bat` with 120 cells) is about 10 kB."""


def _echo_pattern(echo: bytes) -> re.Pattern[bytes]:
    """The echoed command as a whole line: at the start, after a line break or a prompt."""
    prompts = b"|".join(re.escape(p) for p in PROMPTS)
    return re.compile(
        rb"(?:\A|[\r\n]|" + prompts + rb")[ \t]*" + re.escape(echo) + rb"[ \t]*[\r\n]"
    )


def answer_complete(buffer: bytes | bytearray, echo: bytes) -> bool:
    """Whether `buffer` holds the whole answer: the echo of the command, then a closing prompt.

    The echo must be the command sent, as a whole line: an answer echoed as ``bat 12`` does
    not answer ``bat 1``. A prompt before the echo is a leftover of an earlier exchange, not
    the end of this one; a refusal ("Invalid command ...") ends with the prompt but without the
    "$$" line.
    """
    found = _echo_pattern(echo).search(buffer)
    return found is not None and PROMPT.search(buffer, found.end()) is not None


async def exchange(link: Link, command: str, *, silence: float) -> bytes:
    """Send `command` over `link` and return everything received up to the closing prompt.

    The first byte must come within `silence`, and each further byte within `silence` of the
    one before, so a long answer arriving steadily at a slow line rate is not cut; but the
    whole answer must be in within twice its longest time on the wire (`ANSWER_SIZE` per
    page) after that, however slowly it trickles. Raises `PylontechTimeoutError` otherwise,
    and `PylontechConsoleError` for an answer that runs past `MAX_ANSWER` bytes or never
    echoes the command. The caller holds the link's lock and has opened it.
    """
    line = command_line(command)
    echo_line = _echo_pattern(line.rstrip(b"\r"))
    link.transport.discard_input()
    link.record("tx", line, command)
    await link.transport.write(line)
    clock = link.clock(silence, ANSWER_SIZE)
    buffer = bytearray()
    pages = 0
    searched = 0
    echoed: int | None = None
    while True:
        try:
            data = await link.read_before(clock.deadline)
        except TimeoutError:
            if buffer:
                link.record("rx", bytes(buffer[:1024]), None)
            msg = f"no complete answer to {command!r} in time (silence bound {silence} s)"
            raise PylontechTimeoutError(msg) from None
        # The prompt and the echo are searched for only in what is new (plus an overlap), so
        # the work stays linear in the answer's length.
        overlap = max(0, len(buffer) - 64)
        buffer += data
        clock.deadline = min(clock.cap, max(clock.deadline, _loop_time() + silence))
        if echoed is None and (found := echo_line.search(buffer, max(0, overlap - 64))):
            echoed = found.end()
        if echoed is not None and PROMPT.search(buffer, max(echoed, len(buffer) - 80)):
            break
        if len(buffer) > MAX_ANSWER:
            link.record("rx", bytes(buffer[:1024]), None)
            msg = f"answer to {command!r} runs past {MAX_ANSWER} bytes without a prompt"
            raise PylontechConsoleError(msg, bytes(buffer[:1024]))
        found_page = buffer.find(PAGING, max(searched, overlap - len(PAGING)))
        if found_page >= 0 and pages < MAX_PAGES:
            searched = found_page + len(PAGING)
            pages += 1
            clock.cap += WIRE_SLACK * link.wire_time(ANSWER_SIZE)
            await link.transport.write(CONTINUE)
    answer = bytes(buffer)
    link.record("rx", answer, command)
    return answer


def _loop_time() -> float:
    return asyncio.get_running_loop().time()
