"""One entry point for every console answer: `parse("bat 1", raw)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import PylontechConsoleError
from .lines import body_lines, decode_text
from .power_system import parse_power_system
from .readings import parse_cells, parse_power, parse_soh, parse_units
from .records import parse_info, parse_pack_status, parse_statistics, parse_time
from .service import (
    parse_help,
    parse_log,
    parse_module_info,
    parse_system_settings,
    parse_versions,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from .models import (
        CellTable,
        ClockTime,
        ConsoleInfo,
        PackStatus,
        SohTable,
        StackPower,
        Statistics,
        SystemPower,
        UnitTable,
    )
    from .power_system import PowerSystem
    from .service_models import (
        CommandList,
        EventLog,
        FirmwareVersions,
        ModuleInfo,
        SystemSettings,
    )

type ConsoleResponse = (
    ClockTime
    | ConsoleInfo
    | StackPower
    | SystemPower
    | PackStatus
    | CellTable
    | UnitTable
    | SohTable
    | Statistics
    | SystemSettings
    | ModuleInfo
    | EventLog
    | FirmwareVersions
    | CommandList
    | PowerSystem
)
"""What `parse` returns: the model of one console answer."""

type _Parser = Callable[[list[str], int | None], ConsoleResponse]

# Command word -> (parser without a number, parser with one).
_PARSERS: dict[str, tuple[_Parser, _Parser]] = {
    "info": (parse_info, parse_info),
    "pwr": (parse_power, parse_pack_status),
    "bat": (parse_cells, parse_cells),
    "unit": (parse_units, parse_units),
    "soh": (parse_soh, parse_soh),
    "stat": (parse_statistics, parse_statistics),
    "time": (parse_time, parse_time),
    "sysinfo": (parse_system_settings, parse_system_settings),
    "bmuinfo": (parse_module_info, parse_module_info),
    "log": (parse_log, parse_log),
    "ver": (parse_versions, parse_versions),
    "help": (parse_help, parse_help),
    "pwrsys": (parse_power_system, parse_power_system),
}

_NUMBER_DIGITS = 3  # a pack (1..16) or module number

COMMANDS = tuple(_PARSERS)
"""The command words `parse` reads, each with an optional number (pack, module).

Parsing is not sending: `log` and `ver` answers are read here (from saved dumps), but what a
client may send is decided by `exchange.READ_COMMANDS`."""


def parse(command: str, text: str | bytes) -> ConsoleResponse:
    """Parse the raw text of one exchange as the answer to `command` ("pwr", "bat 1", ...).

    `text` is the whole exchange: the echo, which must be `command` itself (not "bat 12" for
    "bat 1"), the "@" line, the body, the completion line, "$$" and the prompt
    (`lines.body_lines`). Raises `PylontechConsoleError` for a command it has no parser for, a
    refused command, an answer cut short or with a prompt inside, and text that does not fit the
    command's layout (tables whose rows are not what the command prints); never another
    exception. Work is linear in the length of `text`.
    """
    raw = decode_text(text).encode("latin-1", "replace")
    words = command.split()
    parsers = _PARSERS.get(words[0].lower()) if words else None
    if parsers is None or len(words) > 2:
        msg = f"no console parser for {command!r} (known: {', '.join(COMMANDS)} [N])"
        raise PylontechConsoleError(msg, raw)
    number = None
    if len(words) == 2:
        if not (words[1].isascii() and words[1].isdigit() and len(words[1]) <= _NUMBER_DIGITS):
            msg = f"console command {command!r}: the pack number must be digits (at most 3)"
            raise PylontechConsoleError(msg, raw)
        number = int(words[1])
    try:
        lines = body_lines(text, command)
        if not lines:
            msg = "empty answer"
            raise PylontechConsoleError(msg)  # noqa: TRY301
        return parsers[number is not None](lines, number)
    except PylontechConsoleError as err:
        msg = f"console {command!r}: {err}"
        raise PylontechConsoleError(msg, raw) from err
