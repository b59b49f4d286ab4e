"""The console line discipline: answer complete, paging, prompts, and the body of an answer."""

from __future__ import annotations

import pytest

from custom_components.pylontech.bms.console import (
    PAGING,
    PROMPTS,
    body_lines,
    complete,
    ends_with_prompt,
    paging,
)
from custom_components.pylontech.bms.console.lines import MAX_LINE_LENGTH, MAX_LINES
from custom_components.pylontech.bms.exceptions import PylontechConsoleError
from tests.bms.test_console_parse import DUMPS, PAGED, REFUSED, command_of, dump

BODY = ["Device address      : 1", "Cell Number         : 15"]
ENDINGS = {
    "CR CR LF": b"\r\r\n",
    "LF CR": b"\n\r",
    "CR LF": b"\r\n",
    "LF": b"\n",
    "CR": b"\r",
    "LF LF": b"\n\n",
}


def _exchange(end: bytes, prompt: bytes = b"pylon>") -> bytes:
    lines = [b"info", b"@", *(line.encode() for line in BODY), b"Command completed successfully"]
    return prompt + end.join([*lines, b"$$", prompt])


@pytest.mark.parametrize("end", ENDINGS.values(), ids=ENDINGS.keys())
@pytest.mark.parametrize("prompt", PROMPTS)
def test_body_on_every_line_ending(end: bytes, prompt: bytes) -> None:
    """Echo, "@", closing lines and prompt go, whatever the line endings."""
    raw = _exchange(end, prompt)
    assert body_lines(raw, "info") == BODY
    assert body_lines(raw.decode()) == BODY
    assert complete(raw)
    assert ends_with_prompt(raw)


def test_mixed_endings_blank_lines_and_no_at_line() -> None:
    """Force H2 answers have no "@" line; stale prompts and blank lines before the echo go."""
    raw = b"\r\npylon>\r\n\rpylon>info\r\n\rDevice address      : 1\n\r\r\n\rCell Number         : 15\n"
    closing = b"\rCommand completed successfully\r\n\r$$\r\n\rpylon>"
    assert body_lines(raw + closing) == BODY
    assert body_lines(raw + closing, "info") == BODY


def test_echo_without_prompt_is_dropped() -> None:
    """An echoed command on its own line (no prompt, no "@") is not body."""
    closing = b"Command completed successfully\n$$\npylon>"
    assert body_lines(b"bat 4\nBattery Volt Curr\n0 1 2\n" + closing, "bat 4") == [
        "Battery Volt Curr",
        "0 1 2",
    ]


def test_paging_lines_are_dropped() -> None:
    """The paging line and the blanks the BMS overwrites it with are not body."""
    raw = (
        b"log\r@\r\n Index   : 17    \n\rPress [Enter] to be continued,other key to exit\r\r"
        + b" " * 50
        + b"\r\r\r\n Index   : 16    \r\n\rCommand completed successfully\r\n\r$$\r\n\rpylon>"
    )
    assert body_lines(raw) == [" Index   : 17", " Index   : 16"]


def test_paging_wait() -> None:
    """`paging` sees a stopped output, whatever follows on the line; not a finished one."""
    assert paging(b"\r Info : x\r\n\r" + PAGING + b",other key to exit\r")
    assert paging(b"...\n" + PAGING + b",other key to exit")
    assert not paging(b"...\n" + PAGING + b",other key to exit\r\r" + b" " * 50 + b"\r\r\r\nnext")
    assert not paging(b"")


def test_complete_needs_end_mark_and_final_prompt() -> None:
    """Not complete before "$$" and the prompt; a prompt inside the text does not count."""
    raw = _exchange(b"\r\n")
    for cut in range(len(raw)):
        assert not complete(raw[:cut])
    assert not complete(raw + b" ")
    assert not complete(b"pylon>pwr\r\n@\r\nM-H$\r\npylon>")
    assert complete(b"$$\r\npylon>")
    assert complete(b"\r$$\n\npylon>\n")  # ioBroker_US_log: saved with a final newline
    assert not complete(b"$$\r\npylon>\npwr")
    assert complete(b"\r\nInvalid command or fail to excute.\r\n\r$$\r\n\rPYTES>")


def test_prompt_alone() -> None:
    """A woken console answers a bare CR with its prompt."""
    assert ends_with_prompt(b"\r\npylon>")
    assert ends_with_prompt(b"\n\rPYTES>")
    assert not ends_with_prompt(b"pylon>pwr")


@pytest.mark.parametrize("name", [n for n in DUMPS if n not in REFUSED])
def test_every_dump_is_complete_and_has_no_framing_in_its_body(name: str) -> None:
    """Each dump is a complete answer (or stops at a paging line, where the capture ended); its
    body has no echo, "@", "$$", prompt or paging."""
    raw = dump(name)
    assert complete(raw) is (name not in PAGED)
    assert paging(raw) is (name in PAGED)
    lines = body_lines(raw, command_of(name))
    assert lines
    for line in lines:
        text = line.strip()
        assert text not in ("@", "$$", "Command completed successfully")
        assert not text.startswith((b"pylon>".decode(), "PYTES>", PAGING.decode()))


def test_refusals() -> None:
    """Each refusal the dumps show raises, with the raw text kept."""
    for text in ("Invalid command or fail to excute.", "Command completed unccessfully"):
        with pytest.raises(PylontechConsoleError, match="refused") as info:
            body_lines(f"stat 1\r@\r\n{text}\r\n$$\r\nPYTES>")
        assert text.encode() in info.value.raw


def test_echo_must_be_the_command_itself() -> None:
    """The echo is compared word for word: `info 1` is no answer to `info` nor to `info 12`."""
    raw = _exchange(b"\r\n")
    assert body_lines(raw, "INFO") == BODY
    for command in ("info 1", "inf", "bat"):
        with pytest.raises(PylontechConsoleError, match="echo 'info' is not the command"):
            body_lines(raw, command)
    with pytest.raises(PylontechConsoleError, match="echo"):
        body_lines(b"@\r\n" + raw.partition(b"@\r\n")[2], "info")  # no echo at all


@pytest.mark.parametrize("inside", [b"pylon>", b"PYTES>", b"$$", b"@", b"Cell pylon> 3"])
def test_framing_inside_the_body_is_an_error(inside: bytes) -> None:
    """A prompt, "$$" or "@" before the completion line: the answer is not whole."""
    raw = _exchange(b"\r\n").replace(b"Cell Number", inside + b"\r\nCell Number")
    with pytest.raises(PylontechConsoleError, match="inside the answer"):
        body_lines(raw, "info")


def test_the_completion_line_is_required() -> None:
    """Without "Command completed successfully" the answer is cut short; only a listing that
    stopped at a paging line (help, log) is taken as it is."""
    raw = _exchange(b"\r\n").replace(b"Command completed successfully", b"")
    with pytest.raises(PylontechConsoleError, match="cut short"):
        body_lines(raw, "info")
    paged = b"log\r\n@\r\n Index : 3\r\n" + PAGING + b",other key to exit\r\n"
    assert body_lines(paged, "log") == [" Index : 3"]
    with pytest.raises(PylontechConsoleError, match="cut short"):
        body_lines(paged.replace(b"log", b"bat 1"), "bat 1")


@pytest.mark.parametrize(
    "closing",
    [b"$$\r\npylon>\r\npwr", b"pylon>", b"$$", b"$$\r\nx\r\npylon>", b"x\r\n$$\r\npylon>"],
)
def test_after_the_completion_line_only_end_mark_and_prompt(closing: bytes) -> None:
    """After the completion line: "$$", the prompt, nothing else."""
    raw = _exchange(b"\r\n").partition(b"successfully\r\n")
    with pytest.raises(PylontechConsoleError, match="after the completion line"):
        body_lines(raw[0] + raw[1] + closing, "info")


def test_line_count_and_length_are_bounded() -> None:
    """More lines than `MAX_LINES`, or one longer than `MAX_LINE_LENGTH`: refused."""
    head, _, tail = _exchange(b"\r\n").partition(b"Cell Number")
    with pytest.raises(PylontechConsoleError, match=f"more than {MAX_LINES} lines"):
        body_lines(head + b"x : 1\r\n" * MAX_LINES + tail, "info")
    with pytest.raises(PylontechConsoleError, match=f"longer than {MAX_LINE_LENGTH}"):
        body_lines(head + b"x : " + b"1" * MAX_LINE_LENGTH + tail, "info")
    assert body_lines(head + b"x : 1\r\n" * (MAX_LINES - 20) + tail, "info")
