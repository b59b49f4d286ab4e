"""A simulated Pylontech console (text protocol, protocol.md section 5): what it answers.

`Console` turns one command line into the bytes a real console sends back, cut into pages:

- framing (donverduyn_US2KBPL_*.txt raw blocks): the echo of the command and LF, a line "@",
  the body, "Command completed successfully", "$$" and the prompt ("pylon>", Pytes "PYTES>")
  with no newline; table rows end CR CR LF (the last CR LF), key/value lines are CR ... CR LF;
- paging: `help` (and, with ``page_all``, any answer) longer than `page_lines` body lines
  stops after each `page_lines` at "Press [Enter] to be continued,other key to exit"; the next
  page begins with the line erase of the dumps (CR CR, 50 spaces, CR CR);
- refused: commands that change state (shut, trst, updata, login, logout, time with
  arguments, any t* test or set* command) and every command not served get the answer Pytes
  gives to a command it cannot run (ioBroker_pytes-v5_stat_1.txt): "Invalid command or fail
  to excute.", for a command of the help list "Usage:" and its help text, then "$$" and the
  prompt, without "Command completed successfully";
- replay: with `replay` (a directory of dumps), a command is answered with the dump named
  ``<prefix>_<command words joined by _>.txt`` byte for byte from its echo on (the provenance
  line and any prompts before the echo skipped), cut into pages at its page prompts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING

from . import hv, layouts as us
from .catalog import MODELS, ConsoleModel
from .measurements import DriftingConsoleStack

if TYPE_CHECKING:
    from collections.abc import Callable
    import os

    from .layouts import Body

PAGE_PROMPT = b"\rPress [Enter] to be continued,other key to exit"
PAGE_CONTINUE = b"\r\r" + b" " * 50 + b"\r\r"
"""What begins each page after the first: the page prompt erased (ioBroker_H2_help.txt)."""
INVALID = "Invalid command or fail to excute."
REFUSED = frozenset({"shut", "trst", "updata", "login", "logout", "cmdquit", "data",
                     "datalist", "disp", "getpwr"})  # fmt: skip
"""Commands never run (state changes, endless or unsupported output): refused."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The bytes answering one command line, in pages.

    Each page but the last ends with `PAGE_PROMPT`; each page but the first begins with what
    the console sends on Enter.
    """

    pages: tuple[bytes, ...]
    command: str


class Console:
    """The console of `model` (us, us2000b, pytes, force-h2, sc) over a simulated stack.

    `packs` is the number of packs (US) or units in series (HV), default the model's dumps';
    values drift with `clock` (seconds, see `console_values`) and are drawn from `seed`.
    With `replay`, commands are answered from the dumps in that directory named
    ``<replay_prefix>_*.txt`` (default prefix: the model's, e.g. ioBroker_H2). `page_lines`
    and `page_all` set paging; `asleep` makes it wait for the wake frame (`console_session`).
    """

    def __init__(
        self,
        model: str = "us",
        packs: int | None = None,
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        replay: str | os.PathLike[str] | None = None,
        replay_prefix: str | None = None,
        page_lines: int | None = None,
        page_all: bool = False,
        asleep: bool = False,
    ) -> None:
        """Build the stack; raises `ValueError` for arguments that cannot work.

        That is an unknown model, a pack count out of range, a missing replay directory or a
        page length under 1.
        """
        if model not in MODELS:
            msg = f"unknown console model {model!r} (known: {', '.join(MODELS)})"
            raise ValueError(msg)
        self.model: ConsoleModel = MODELS[model]
        count = self.model.default_count if packs is None else packs
        if not 1 <= count <= self.model.max_count:
            msg = f"a {model} console has 1 to {self.model.max_count} packs, not {count}"
            raise ValueError(msg)
        page_lines = self.model.page_lines if page_lines is None else page_lines
        if page_lines < 1:
            msg = f"page_lines must be at least 1, not {page_lines}"
            raise ValueError(msg)
        self.seed = seed
        self.asleep = asleep
        """Whether the console still waits for the wake frame (see `console_session`)."""
        self.page_lines = page_lines
        self.page_all = page_all
        self._epoch = clock()
        self._clock = clock
        self.stack = DriftingConsoleStack(
            [self.model.kind(index) for index in range(1, count + 1)],
            series=self.model.series, seed=seed, clock=self.now, amplitude=self.model.amplitude,
        )  # fmt: skip
        self.replay = None if replay is None else Path(replay)
        if self.replay is not None and not self.replay.is_dir():
            msg = f"no directory of console dumps at {self.replay}"
            raise ValueError(msg)
        self.replay_prefix = replay_prefix or self.model.replay_prefix

    @property
    def prompt(self) -> bytes:
        """The prompt, e.g. b"pylon>"."""
        return self.model.prompt.encode()

    def now(self) -> float:
        """Seconds of simulation time: `clock()` since the console was made."""
        return self._clock() - self._epoch

    def answer(self, line: str) -> Answer:
        """The answer to one command line (its terminator removed, not empty)."""
        words = line.split()
        name = words[0]
        if refused(words):
            return self._invalid(line, name)
        if self.replay is not None:
            return self._replayed(line, words)
        body = self.body(name, words[1:])
        if body is None:
            return self._invalid(line, name)
        return self._framed(line, body, paged=self.page_all or name == "help")

    def body(self, name: str, args: list[str]) -> Body | None:
        """The body of command `name` now, or None when the console cannot run it."""
        model, stack, t = self.model, self.stack, self.now()
        if name == "help" and not args:
            return us.Body(model.help_lines, table=False)
        if name == "time" and not args:
            return us.Body(
                (model.time_prefix + stack.clock_text(t), *model.time_after), table=False
            )
        readings = stack.readings(t)
        if model.series:
            if args:
                return None
            simple: dict[str, Callable[[], Body]] = {
                "pwr": lambda: hv.hv_pwr(model, readings),
                "unit": lambda: hv.hv_unit(model, readings),
                "bat": lambda: hv.hv_bat(model, readings),
                "soh": lambda: hv.hv_soh(readings, self.seed),
                "info": lambda: hv.hv_info(model, readings),
                "stat": lambda: us.stat(model, readings, model.stat(1), self.seed),
            }
            make = simple.get(name)
            return None if make is None else make()
        if name == "pwr" and not args:
            return us.us_pwr(model, readings)
        index = self._index(args, default=None if name == "pwr" else 1)
        if index is None or (name == "stat" and args and not model.stat_with_index):
            return None
        reading = readings[index - 1]
        per_pack: dict[str, Callable[[], Body]] = {
            "pwr": lambda: us.us_pwr_pack(model, reading),
            "bat": lambda: us.us_bat(model, reading),
            "soh": lambda: us.us_soh(model, reading, self.seed),
            "info": lambda: us.info(model, reading, index),
            "stat": lambda: us.stat(model, [reading], model.stat(index), self.seed),
        }
        make = per_pack.get(name)
        return None if make is None else make()

    def _index(self, args: list[str], default: int | None) -> int | None:
        """The pack number of a per-pack command, or None when it names no pack."""
        if not args:
            return default
        if len(args) > 1 or not args[0].isdigit():
            return None
        index = int(args[0])
        return index if 1 <= index <= len(self.stack.packs) else None

    # -- bytes ----------------------------------------------------------------------------------

    def _framed(self, line: str, body: Body, *, paged: bool) -> Answer:
        at = b"\r@\r\r\n" if body.table else b"\r@\r\n"
        if body.table:
            rows = [text.encode("latin-1") + b"\r\r\n" for text in body.lines]
            rows[-1] = rows[-1][:-3] + b"\r\n"
        else:
            rows = [b"\r" + text.encode("latin-1") + b"\r\n" for text in body.lines]
        tail = b"\rCommand completed successfully\r\n\r$$\r\n\r" + self.prompt
        head = line.encode("latin-1") + b"\n" + at
        if not paged or len(rows) <= self.page_lines:
            return Answer((head + b"".join(rows) + tail,), line)
        size = self.page_lines
        chunks = [b"".join(rows[start : start + size]) for start in range(0, len(rows), size)]
        pages = [head + chunks[0], *(PAGE_CONTINUE + chunk for chunk in chunks[1:])]
        pages = [page + PAGE_PROMPT for page in pages[:-1]] + [pages[-1] + tail]
        return Answer(tuple(pages), line)

    def _invalid(self, line: str, name: str) -> Answer:
        usage = [text.split(None, 1) for text in self.model.help_lines]
        known = {parts[0]: parts[1] for parts in usage if len(parts) == 2}
        text = line.encode("latin-1") + b"\n\r@\r\n\r" + INVALID.encode() + b"\r\n"
        if name in known:
            text += b"\rUsage:\r\n" + known[name].strip().encode() + b"\r\n"
        return Answer((text + b"\r$$\r\n\r" + self.prompt,), line)

    def _replayed(self, line: str, words: list[str]) -> Answer:
        assert self.replay is not None
        path = self.replay / f"{self.replay_prefix}_{'_'.join(words)}.txt"
        if not path.is_file():
            return self._invalid(line, words[0])
        return Answer(replay_pages(path.read_bytes(), line), line)


def refused(words: list[str]) -> bool:
    """Whether a command is one the simulator never runs (it would change state)."""
    name = words[0]
    if name == "time":
        return len(words) > 1
    return name in REFUSED or name.startswith(("t", "set"))


def replay_pages(dump: bytes, line: str) -> tuple[bytes, ...]:
    """A dump's bytes from the echo of `line` on, cut after each page prompt."""
    body = dump.split(b"\n", 1)[1] if dump.startswith(b"#") else dump
    echo = re.search(rb"(?:\A|>)(" + re.escape(line.encode("latin-1")) + rb")[\r\n]", body)
    if echo is not None:
        body = body[echo.start(1) :]
    pages = body.split(PAGE_PROMPT)
    return (*(page + PAGE_PROMPT for page in pages[:-1]), pages[-1])
