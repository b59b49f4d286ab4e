"""The line discipline of a simulated console connection: lines, paging and waking.

Fed the bytes a client sends, a `ConsoleSession` says what the console sends back:

- a command ends with CR, LF or CR LF (an LF right after a CR is part of the same line
  break); backspace (0x08, 0x7F) deletes, other control bytes (e.g. the 0x0E of the waking
  sequence) are ignored; a line with nothing but blanks gets LF CR and the prompt;
- a line longer than `MAX_LINE` is dropped: what follows up to its line break is skipped
  unread, and the break gets the prompt, as a blank line does;
- while an answer waits at its page prompt, CR (or LF) sends the next page and any other key
  aborts: the page prompt is erased and the console prompt follows (the dumps do not show an
  abort; this is our choice). The key is not part of the next command;
- waking (protocol.md 5.2): a console made ``asleep`` is at 1200 Bd while the client talks at
  115200 (or the other way round). TCP has no baud rate, so this is modelled as: it answers
  nothing and ignores every byte until it receives the switch frame `WAKE_FRAME`; from then
  on it is awake for every connection, and the first line break on the connection that woke
  it (CR, LF, or the 0x0E 0x0A of the irekzielinski code) gets the prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .answers import Console

WAKE_FRAME = b"~20014682C0048520FCC3\r"
"""The binary frame that switches an old console to 115200 Bd (protocol.md 5.2)."""
ABORT = b"\r" + b" " * 50 + b"\r\n\r"
"""What erases the page prompt when a page is aborted (then the prompt)."""
CR, LF, BS, DEL, SPACE = 0x0D, 0x0A, 0x08, 0x7F, 0x20
MAX_LINE = 256
"""A bound on a command line: the longest read command ("bmuinfo 12") has a dozen bytes."""
_LINE_BREAK = re.compile(rb"[\r\n]")


@dataclass(frozen=True, slots=True)
class Output:
    """Bytes to send; `command` names the command line they answer (None: prompt or page)."""

    data: bytes
    command: str | None = None


class ConsoleSession:
    """One client of `console`: what it has typed so far and the pages still to send."""

    def __init__(self, console: Console) -> None:
        """Start at an empty line."""
        self.console = console
        self._line = bytearray()
        self._pages: list[bytes] = []
        self._last_cr = False
        self._window = b""
        self._waking = False
        self._overlong = False

    @property
    def pending(self) -> int:
        """Bytes of the command line typed so far (at most `MAX_LINE`)."""
        return len(self._line)

    @property
    def paging(self) -> bool:
        """Whether an answer waits at its page prompt."""
        return bool(self._pages)

    def cancel_pages(self) -> None:
        """Forget the pages of the last answer (it was not sent)."""
        self._pages.clear()

    def feed(self, data: bytes) -> list[Output]:
        """What the console sends for `data`, in order."""
        out: list[Output] = []
        prompt = self.console.prompt
        position = 0
        while (position := self._skip_overlong(data, position)) < len(data):
            byte = data[position]
            position += 1
            if self.console.asleep:
                self._window = (self._window + bytes([byte]))[-len(WAKE_FRAME) :]
                if self._window == WAKE_FRAME:
                    self.console.asleep = False
                    self._waking = True
                continue
            if byte == LF and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = byte == CR
            if self._waking:
                if byte in (CR, LF):
                    self._waking = False
                    out.append(Output(b"\n\r" + prompt))
            elif self._pages:
                out.append(self._page_key(byte))
            elif byte in (CR, LF):
                out.append(self._line_done())
            else:
                self._typed(byte)
        return out

    def _skip_overlong(self, data: bytes, position: int) -> int:
        """Where reading goes on: past the rest of a dropped line, up to its line break."""
        if not self._overlong or self.console.asleep or self._pages:
            return position
        found = _LINE_BREAK.search(data, position)
        if found is None:
            return len(data)
        self._overlong = False
        return found.start()

    def _typed(self, byte: int) -> None:
        """A byte of a command line: kept, a deletion, or an ignored control byte."""
        if byte in (BS, DEL):
            del self._line[-1:]
        elif byte >= SPACE:
            self._line.append(byte)
            if len(self._line) > MAX_LINE:
                self._line.clear()
                self._overlong = True

    def _page_key(self, byte: int) -> Output:
        """A key at a page prompt: Enter continues, any other key aborts."""
        if byte in (CR, LF):
            return Output(self._pages.pop(0))
        self._pages.clear()
        return Output(ABORT + self.console.prompt)

    def _line_done(self) -> Output:
        text = self._line.decode("latin-1").strip()
        self._line.clear()
        if not text:
            return Output(b"\n\r" + self.console.prompt)
        answer = self.console.answer(text)
        self._pages = list(answer.pages[1:])
        return Output(answer.pages[0], answer.command)
