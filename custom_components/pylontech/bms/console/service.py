"""The service commands: `sysinfo`, `bmuinfo N`, `log`, `ver` and `help` (protocol.md 5.4, 5.5).

All but `help` are "key : value" lines (keyvalue.py); `log` repeats one block per event,
each opened by "Index", with paging lines between pages (already gone after `body_lines`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..exceptions import PylontechConsoleError
from .keyvalue import split_pair
from .named_fields import Fields, pair_fields
from .numbers import integer, milli, quantity, yes_no
from .records import split_specification
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

if TYPE_CHECKING:
    from collections.abc import Callable

# "Vol High 4" / "Vol High 4R": a threshold and its release value; the name ends in a digit.
_THRESHOLD = re.compile(r"^((?:Vol|Temp|Bal)\b.*\d)(R?)$", re.IGNORECASE)
_SECTION = re.compile(r"^(\w+) command:$", re.IGNORECASE)
_COMMAND = re.compile(r"^([a-z][a-z0-9_]*)(?:\s+(.*))?$", re.IGNORECASE)
_RULE = re.compile(r"^\*{4,}$")
_IMAGE_KEYS = frozenset({"version", "size", "date"})


def parse_system_settings(lines: list[str], number: int | None) -> SystemSettings:
    """`sysinfo`: limits and requests, then voltage, temperature and balancing thresholds."""
    fields, _ = pair_fields(lines)
    settings = {
        "charge_voltage": milli(fields.text("Chg Sug Volt"), "Chg Sug Volt"),
        "charge_cutoff_voltage": milli(fields.text("Chg Cut Volt"), "Chg Cut Volt"),
        "discharge_cutoff_voltage": milli(fields.text("Dsg Cut Volt"), "Dsg Cut Volt"),
        "max_charge_current": milli(fields.text("Max Chg Curr"), "Max Chg Curr"),
        "max_discharge_current": milli(fields.text("Max Dsg Curr"), "Max Dsg Curr"),
    }
    balance_request = yes_no(fields.text("Bal Chg Req"), "Bal Chg Req")
    force_request = yes_no(fields.text("Force Chg Req"), "Force Chg Req")
    # Kind ("vol", "temp", "bal") -> threshold name -> [trigger text, release text].
    groups: dict[str, dict[str, list[str | None]]] = {"vol": {}, "temp": {}, "bal": {}}
    other: list[tuple[str, str]] = []
    for name, value in fields.other():
        match = _THRESHOLD.match(" ".join(name.split()))
        if match is None:
            other.append((name, value))
            continue
        base = match.group(1)
        pair = groups[base.split()[0].lower()].setdefault(base, [None, None])
        pair[1 if match.group(2) else 0] = value
    if all(value is None for value in settings.values()) and not any(groups.values()):
        msg = "no sysinfo settings"
        raise PylontechConsoleError(msg)
    return SystemSettings(
        **settings,
        balance_charge_request=balance_request,
        force_charge_request=force_request,
        cell_voltage_thresholds=_thresholds(groups["vol"], milli),
        temperature_thresholds=_thresholds(groups["temp"], milli),
        balance_thresholds=_thresholds(groups["bal"], quantity),
        other=tuple(other),
    )


def _thresholds(
    group: dict[str, list[str | None]], read: Callable[[str | None, str], float | None]
) -> tuple[Threshold, ...]:
    return tuple(
        Threshold(name=name, trigger=read(trigger, name), release=read(release, f"{name}R"))
        for name, (trigger, release) in group.items()
    )


def parse_module_info(lines: list[str], number: int | None) -> ModuleInfo:
    """`bmuinfo N`: one module's board: name, version, barcodes, test time, specification."""
    fields, _ = pair_fields(lines)
    specification = fields.text("Specification")
    voltage, capacity = split_specification(specification)
    info = ModuleInfo(
        module=number,
        manufacturer=fields.text("Manufacturer"),
        device_name=fields.text("Device name"),
        board_version=fields.text("Board version"),
        pcba_barcode=fields.text("PCBA Barcode"),
        power_supply_barcode=fields.text("PowerSupply Barcode"),
        test_time=fields.text("Device Test Time"),
        specification=specification,
        nominal_voltage=voltage,
        nominal_capacity=capacity,
        cell_count=integer(fields.text("Cell Number"), "Cell Number"),
        other=fields.other(),
    )
    if info.device_name is None and info.pcba_barcode is None and info.board_version is None:
        msg = "no module identity (Device name, Board version, PCBA Barcode)"
        raise PylontechConsoleError(msg)
    return info


def parse_log(lines: list[str], number: int | None) -> EventLog:
    """`log`: one record per "Index" key, with the key : value lines that follow it."""
    blocks: list[list[tuple[str, str | None]]] = []
    for line in lines:
        pair = split_pair(line)
        if pair is None:
            msg = f"not a log line: {line.strip()!r}"
            raise PylontechConsoleError(msg)
        key, value = pair
        if " ".join(key.split()).lower() == "index":
            blocks.append([])
        elif not blocks:
            msg = f"log line before the first Index: {line.strip()!r}"
            raise PylontechConsoleError(msg)
        blocks[-1].append((key, value or None))
    return EventLog(records=tuple(_log_record(Fields(block)) for block in blocks))


def _log_record(fields: Fields) -> LogRecord:
    index = integer(fields.text("Index"), "Index")
    if index is None:
        msg = "log record without an Index value"
        raise PylontechConsoleError(msg)
    return LogRecord(
        index=index,
        time=fields.text("Time"),
        module=fields.text("ModID"),
        code=fields.text("Code"),
        info=fields.text("Info"),
        other=fields.other(),
    )


def parse_versions(lines: list[str], number: int | None) -> FirmwareVersions:
    """`ver` (Pytes): "Main Version:" and "Backup Version:" blocks, then "Active version"."""
    images: list[tuple[str, list[tuple[str, str | None]]]] = []
    general: list[tuple[str, str | None]] = []
    for line in lines:
        pair = split_pair(line)
        if pair is None:
            msg = f"not a ver line: {line.strip()!r}"
            raise PylontechConsoleError(msg)
        key, value = pair
        name = " ".join(key.split())
        if not value and name.lower() not in _IMAGE_KEYS:  # a block title: "Main Version:"
            images.append((re.sub(r"\s*version$", "", name, flags=re.IGNORECASE), []))
        elif images and name.lower() in _IMAGE_KEYS:
            images[-1][1].append((key, value or None))
        else:
            general.append((key, value or None))
    if not images:
        msg = "no firmware image listed"
        raise PylontechConsoleError(msg)
    fields = Fields(general)
    return FirmwareVersions(
        images=tuple(_image(title, Fields(block)) for title, block in images),
        active=fields.text("Active version"),
        other=fields.other(),
    )


def _image(title: str, fields: Fields) -> FirmwareImage:
    return FirmwareImage(
        name=title,
        version=fields.text("Version"),
        size=integer(fields.text("Size"), "Size"),
        date=fields.text("Date"),
        other=fields.other(),
    )


def parse_help(lines: list[str], number: int | None) -> CommandList:
    """`help`: "Local command:", a line per command, a rule of stars, "Remote command:" ..."""
    sections: dict[str, list[tuple[str, str]]] = {"local": [], "remote": []}
    current = "local"
    for line in lines:
        text = line.strip()
        section = _SECTION.match(text)
        if section is not None:
            current = section.group(1).lower()
            if current not in sections:
                msg = f"unknown help section: {text!r}"
                raise PylontechConsoleError(msg)
            continue
        if _RULE.match(text):
            continue
        entries = sections[current]
        if text.startswith("/") and entries:
            # A usage too long for its line goes on in lines of its own, each after a "/"
            # (US2000C firmware B67.5.0: `config`, `prot`).
            name, usage = entries[-1]
            entries[-1] = (name, f"{usage} {text}")
            continue
        command = _COMMAND.match(text)
        if command is None:
            msg = f"not a help line: {text!r}"
            raise PylontechConsoleError(msg)
        entries.append((command.group(1), (command.group(2) or "").strip()))
    if not sections["local"] and not sections["remote"]:
        msg = "no command listed"
        raise PylontechConsoleError(msg)
    return CommandList(commands=tuple(sections["local"]), remote_commands=tuple(sections["remote"]))
