"""The `pylontech-bms` command-line tool (also `python3 -m custom_components.pylontech.bms`)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TYPE_CHECKING

from ..decode import decode_response
from ..dialects import DIALECTS, Dialect
from ..exceptions import PylontechError
from ..serialize import JsonValue, to_json
from .decode_console import run_console_decode
from .render import answer_table
from .simulate import add_simulate_command
from .stack_commands import add_stack_commands

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..models import Response

_EXIT_ERROR = 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tool; return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.debug:
        logging.basicConfig(format="%(asctime)s %(name)s: %(message)s")
        logging.getLogger("custom_components.pylontech").setLevel(logging.DEBUG)
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pylontech-bms",
        description="Read-only tools for Pylontech and compatible battery BMS.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="log every frame sent and received (stderr)"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    decode = commands.add_parser(
        "decode",
        help="decode answer frames given as text",
        description="Decode answer frames such as ~20024600C0220248...F6D2 (the trailing CR "
        "is optional). The dialect follows from VER and CID1 unless --dialect is given. With "
        "--console, parse a saved console (text) dump FILE instead.",
    )
    what = decode.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--command",
        type=_command_code,
        help="the read command the frames answer, e.g. 0x42",
    )
    what.add_argument(
        "--console",
        metavar="COMMAND",
        help='the console command the dump FILE answers, e.g. "pwr", "bat 1", "unit"',
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
    decode.add_argument("frames", nargs="+", metavar="FRAME", help="frames, or one FILE")
    decode.set_defaults(run=_run_decode)
    add_stack_commands(commands, _command_code)
    add_simulate_command(commands)
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
    if args.console is not None:
        return run_console_decode(args.console, args.frames, as_json=args.json)
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
            print(answer_table(dialect, args.command, response))
    return status


def _envelope(dialect: Dialect, command: int, response: Response) -> dict[str, JsonValue]:
    body = to_json(response)
    assert isinstance(body, dict)
    return {"dialect": dialect.name, "command": f"0x{command:02X}", **body}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
