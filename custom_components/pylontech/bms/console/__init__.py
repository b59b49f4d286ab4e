"""The Pylontech console (text) protocol: line discipline, parsers, models, conversion.

Free of Home Assistant. `parse(command, raw)` reads one answer into a model of `models` (the
readings) or `service_models` (sysinfo, bmuinfo, log, ver, help);
`convert` turns `pwr`/`bat`/`unit` answers into the library's `PackData`; `lines` tells a client
where an answer ends (protocol.md 5).
"""

from ..models import SystemTotals
from .convert import hv_stack, hv_system, hv_units, us_pack, us_stack
from .lines import PAGING, PROMPTS, body_lines, complete, ends_with_prompt, paging
from .models import (
    CellRow,
    CellTable,
    ClockTime,
    ConsoleInfo,
    ConsoleStack,
    PackStatus,
    PowerRow,
    SohCell,
    SohTable,
    StackPower,
    Statistics,
    SystemPower,
    Topology,
    UnitBarcode,
    UnitRow,
    UnitTable,
)
from .parse import COMMANDS, ConsoleResponse, parse
from .service_models import (
    CommandList,
    EventLog,
    FirmwareImage,
    FirmwareVersions,
    LogRecord,
    ModuleInfo,
    SystemSettings,
    Threshold,
)

__all__ = [
    "COMMANDS",
    "PAGING",
    "PROMPTS",
    "CellRow",
    "CellTable",
    "ClockTime",
    "CommandList",
    "ConsoleInfo",
    "ConsoleResponse",
    "ConsoleStack",
    "EventLog",
    "FirmwareImage",
    "FirmwareVersions",
    "LogRecord",
    "ModuleInfo",
    "PackStatus",
    "PowerRow",
    "SohCell",
    "SohTable",
    "StackPower",
    "Statistics",
    "SystemPower",
    "SystemSettings",
    "SystemTotals",
    "Threshold",
    "Topology",
    "UnitBarcode",
    "UnitRow",
    "UnitTable",
    "body_lines",
    "complete",
    "ends_with_prompt",
    "hv_stack",
    "hv_system",
    "hv_units",
    "paging",
    "parse",
    "us_pack",
    "us_stack",
]
