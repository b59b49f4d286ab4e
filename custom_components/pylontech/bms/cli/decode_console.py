"""`pylontech-bms decode --console COMMAND FILE`: a saved console dump, parsed."""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import TYPE_CHECKING, TypeGuard

from ..console import (
    CellTable,
    EventLog,
    SohTable,
    StackPower,
    SystemPower,
    UnitTable,
    hv_stack,
    hv_system,
    parse,
    us_pack,
    us_stack,
)
from ..console.models import ConsoleStack, Topology
from ..exceptions import PylontechError
from ..serialize import JsonValue, stack_to_json, to_json
from .render import columns_table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..console import ConsoleResponse

PROVENANCE = b"# provenance:"
"""A first line starting so (tests/vectors/console) is a note about the dump, not console text."""

_ROW_LISTS = ("rows", "cells", "units", "records")
_PAIR_LISTS = ("other", "counters", "commands", "remote_commands")


def run_console_decode(command: str, files: Sequence[str], *, as_json: bool) -> int:
    """Parse one dump file as the answer to `command`; print a table or JSON; exit code."""
    if len(files) != 1:
        print("error: --console reads exactly one dump FILE", file=sys.stderr)
        return 1
    try:
        raw = Path(files[0]).read_bytes()
    except OSError as err:
        print(f"error: cannot read {files[0]}: {err.strerror}", file=sys.stderr)
        return 1
    if raw.startswith(PROVENANCE):
        raw = raw.partition(b"\n")[2]
    try:
        response = parse(command, raw)
        text = json.dumps(console_json(command, response)) if as_json else _table(command, response)
    except PylontechError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(text)
    return 0


def console_json(command: str, response: ConsoleResponse) -> dict[str, JsonValue]:
    """The `read --json` schema where the answer describes packs, else the parsed model.

    Packs: US `pwr` (parallel), `bat N` and a US pack's `bat` (its cells only), `unit` (series).
    A high-voltage `pwr` gives the string's totals as "system", with no packs. The stack schema
    gains "topology" (how the packs add up) and, for high voltage, "system".
    """
    stack: ConsoleStack | None = None
    if isinstance(response, StackPower):
        stack = us_stack(response)
    elif isinstance(response, UnitTable):
        stack = hv_stack(None, response)
    elif isinstance(response, SystemPower):
        return {
            "dialect": "console",
            "topology": Topology.SERIES.value,
            "system": to_json(hv_system(response)),
            "packs": [],
        }
    elif isinstance(response, CellTable) and not response.high_voltage:
        # `bat` without a number lists the cells of the pack the console is attached to: the
        # master, position 1 of `pwr` (protocol.md 5.1).
        pack = us_pack(response.pack or 1, None, bat=response)
        assert pack is not None
        stack = ConsoleStack(topology=Topology.PARALLEL, packs=(pack,))
    if stack is not None:
        body = stack_to_json(stack.stack_data())
        return {"dialect": body["dialect"], "topology": stack.topology.value, **body}
    model = to_json(response)
    assert isinstance(model, dict)
    return {"dialect": "console", "command": command, **model}


def _table(command: str, response: ConsoleResponse) -> str:
    body = _readable(to_json(response))
    title = f"console {command!r}: {type(response).__name__}"
    if not isinstance(response, StackPower | CellTable | UnitTable | SohTable | EventLog):
        return columns_table(title, ["value"], [body])
    rows = next(body.pop(key) for key in _ROW_LISTS if key in body)
    assert isinstance(rows, list)
    head = [f"{key}: {value}" for key, value in body.items() if value is not None]
    objects = [row for row in rows if isinstance(row, dict)]
    return "\n".join([title, *head, _rows_table(objects)])


def _readable(value: JsonValue) -> dict[str, JsonValue]:
    """Pairs lists ("other", "counters", help's "commands") as objects, in every row too.

    Lists of named objects (`sysinfo` thresholds, `ver` images) become objects by name.
    """
    assert isinstance(value, dict)
    out: dict[str, JsonValue] = {}
    for key, item in value.items():
        if key in _PAIR_LISTS and isinstance(item, list):
            out[key] = {str(p[0]): p[1] for p in item if isinstance(p, list) and len(p) == 2}
        elif key in _ROW_LISTS and isinstance(item, list):
            out[key] = [_readable(row) for row in item]
        elif isinstance(item, list) and item and all(_named(row) for row in item):
            out[key] = {
                str(row["name"]): _readable({k: v for k, v in row.items() if k != "name"})
                for row in item
                if _named(row)
            }
        else:
            out[key] = item
    return out


def _named(row: JsonValue) -> TypeGuard[dict[str, JsonValue]]:
    return isinstance(row, dict) and isinstance(row.get("name"), str)


def _rows_table(rows: list[dict[str, JsonValue]]) -> str:
    """One line per row, one column per field (the "other" fields flattened)."""
    flat = []
    for row in rows:
        other = row.pop("other", {})
        flat.append({**row, **(other if isinstance(other, dict) else {})})
    keys = list(dict.fromkeys(key for row in flat for key in row))
    cells = [[_text(row.get(key)) for key in keys] for row in flat]
    widths = [max([len(key)] + [len(line[i]) for line in cells]) for i, key in enumerate(keys)]
    lines = ["  ".join(key.rjust(w) for key, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


def _text(value: JsonValue) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
