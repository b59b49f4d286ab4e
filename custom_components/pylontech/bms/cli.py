"""The `pylontech-bms` command-line tool (also `python3 -m custom_components.pylontech.bms`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .decode import decode_response
from .dialects import DIALECTS, Dialect
from .exceptions import PylontechError
from .serialize import JsonValue, to_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .models import Response

_EXIT_ERROR = 1
_TEMPERATURE_LISTS = ("temperatures", "temperature_states")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pylontech-bms",
        description="Read-only tools for Pylontech and compatible battery BMS.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    decode = commands.add_parser(
        "decode",
        help="decode answer frames given as text",
        description="Decode answer frames such as ~20024600C0220248...F6D2 (the trailing CR "
        "is optional). The dialect follows from VER and CID1 unless --dialect is given.",
    )
    decode.add_argument(
        "--command",
        required=True,
        type=_command_code,
        help="the read command the frames answer, e.g. 0x42",
    )
    decode.add_argument(
        "--dialect",
        choices=sorted({n for d in DIALECTS for n in (d.name, *d.aliases)}),
        help="decode with this dialect instead of the one the frame's VER/CID1 name",
    )
    packs = decode.add_mutually_exclusive_group()
    packs.add_argument(
        "--all-packs",
        dest="all_packs",
        action="store_true",
        default=None,
        help="the request asked for every pack (INFO 0xFF)",
    )
    packs.add_argument(
        "--one-pack",
        dest="all_packs",
        action="store_false",
        help="the request asked for one pack (default: decided by the layout)",
    )
    decode.add_argument("--json", action="store_true", help="print one JSON object per frame")
    decode.add_argument("frames", nargs="+", metavar="FRAME")
    decode.set_defaults(run=_run_decode)
    return parser


def _command_code(text: str) -> int:
    try:
        code = int(text.lower().removeprefix("0x").removesuffix("h"), 16)
    except ValueError:
        msg = f"not a command code: {text!r} (write it in hex, e.g. 0x42)"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= code <= 0xFF:
        msg = f"command code out of range: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return code


def _run_decode(args: argparse.Namespace) -> int:
    status = 0
    for number, text in enumerate(args.frames, start=1):
        try:
            dialect, response = decode_response(
                text, args.command, dialect=args.dialect, all_packs=args.all_packs
            )
        except PylontechError as err:
            print(f"error: frame {number}: {err}", file=sys.stderr)
            status = _EXIT_ERROR
            continue
        if args.json:
            print(json.dumps(_envelope(dialect, args.command, response)))
        else:
            print(_table(dialect, args.command, response))
    return status


def _envelope(dialect: Dialect, command: int, response: Response) -> dict[str, JsonValue]:
    body = to_json(response)
    assert isinstance(body, dict)
    return {"dialect": dialect.name, "command": f"0x{command:02X}", **body}


def _table(dialect: Dialect, command: int, response: Response) -> str:
    """Readable text: one column per pack for pack answers, else one value per line."""
    body = to_json(response)
    assert isinstance(body, dict)
    name = dialect.command(command).name.replace("_", " ")
    title = f"{dialect.title}, 0x{command:02X} {name}"
    packs = body.pop("packs", None)
    columns: list[list[tuple[str, str]]]
    if isinstance(packs, list):
        headers = [f"pack {i}" for i in range(1, len(packs) + 1)]
        columns = [_rows(pack) for pack in packs if isinstance(pack, dict)]
        title += f": {len(packs)} pack{'s' if len(packs) != 1 else ''}"
    else:
        headers = ["value"]
        columns = [_rows(body)]
    labels = list(dict.fromkeys(label for column in columns for label, _ in column))
    cells = [dict(column) for column in columns]
    width = max(len(label) for label in labels) if labels else 0
    widths = [
        max([len(header)] + [len(column.get(label, "")) for label in labels])
        for header, column in zip(headers, cells, strict=True)
    ]
    lines = [title, "  ".join([" " * width, *(h.rjust(w) for h, w in zip(headers, widths))])]
    lines.extend(
        "  ".join(
            [label.ljust(width)] + [c.get(label, "-").rjust(w) for c, w in zip(cells, widths)]
        )
        for label in labels
    )
    return "\n".join(lines)


def _rows(value: dict[str, JsonValue], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten one object into (label, text) rows; list items are labelled by number or name."""
    rows: list[tuple[str, str]] = []
    names = value.get("temperature_names")
    for key, item in value.items():
        label = prefix + key
        if key == "temperature_names":
            continue
        if isinstance(item, dict):
            rows.extend(_rows(item, f"{label}."))
        elif isinstance(item, list):
            tags: Sequence[object] = range(1, len(item) + 1)
            if key in _TEMPERATURE_LISTS and isinstance(names, list):
                tags = names
            rows.extend((f"{label}.{tag}", _text(v)) for tag, v in zip(tags, item, strict=False))
        else:
            rows.append((label, _text(item)))
    return rows


def _text(value: JsonValue) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == "":
        return '""'
    return str(value)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
