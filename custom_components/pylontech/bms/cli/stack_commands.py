"""The command-line commands that talk to a stack: scan, read, monitor and raw."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING

from ..binary.client import PylontechClient
from ..detect import detect
from ..dialects import get_dialect
from ..exceptions import PylontechError, PylontechUnsupportedCommandError
from ..serialize import stack_to_json, to_json
from ..stack_client import StackClient, client_for
from ..transport import DEFAULT_BAUDRATE, open_transport
from .render import answer_table, columns_table

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ..models import Detection, StackData
    from ..transport import Transport

MONITOR_INTERVAL = 5.0


def add_stack_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    command_code: Callable[[str], int],
) -> None:
    """Register scan, read, monitor and raw, each with the connection options."""
    connection = argparse.ArgumentParser(add_help=False)
    where = connection.add_argument_group("connection (one of --host or --serial)")
    where.add_argument("--host", help="serial-to-TCP gateway address")
    where.add_argument("--port", type=int, default=1234, help="gateway TCP port (1234)")
    where.add_argument("--serial", help="serial port, e.g. /dev/ttyUSB0 or a serialx URL")
    where.add_argument("--baud", type=int, default=DEFAULT_BAUDRATE, help="serial baud rate")
    where.add_argument("--timeout", type=float, default=2.0, help="seconds per request (2)")

    scan = commands.add_parser(
        "scan", parents=[connection], help="find the dialect, the packs and their identity"
    )
    scan.add_argument("--json", action="store_true", help="print JSON")
    scan.set_defaults(run=_runner(_scan))

    read = commands.add_parser("read", parents=[connection], help="read every pack once (one poll)")
    read.add_argument("--json", action="store_true", help="print JSON")
    read.set_defaults(run=_runner(_read))

    monitor = commands.add_parser(
        "monitor", parents=[connection], help="a live table, refreshed until Ctrl-C"
    )
    monitor.add_argument(
        "--interval", type=float, default=MONITOR_INTERVAL, help="seconds between polls (5)"
    )
    monitor.set_defaults(run=_runner(_monitor))

    raw = commands.add_parser(
        "raw",
        parents=[connection],
        help="send one read command and print its answer decoded and in hex",
        description="Send one READ command by code; write and control codes are refused.",
    )
    raw.add_argument("code", type=command_code, help="read command code, e.g. 0x42")
    raw.add_argument("--address", type=lambda t: int(t, 0), help="ADR (default: the master)")
    raw.add_argument("--pack", type=lambda t: int(t, 0), help="INFO pack byte (0xFF = all)")
    raw.add_argument("--dialect", help="skip detection and use this dialect")
    raw.set_defaults(run=_runner(_raw))


def _runner(
    command: Callable[[argparse.Namespace, Transport], Awaitable[int]],
) -> Callable[[argparse.Namespace], int]:
    """Run an async command on a transport with one-line errors and no traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            transport = open_transport(
                host=args.host,
                port=args.port if args.host else None,
                serial=args.serial,
                baudrate=args.baud,
            )
            return asyncio.run(_closing(command, args, transport))
        except PylontechError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0

    return run


async def _closing(
    command: Callable[[argparse.Namespace, Transport], Awaitable[int]],
    args: argparse.Namespace,
    transport: Transport,
) -> int:
    try:
        return await command(args, transport)
    finally:
        await transport.close()


async def _scan(args: argparse.Namespace, transport: Transport) -> int:
    found = await detect(transport, request_timeout=min(args.timeout, 1.0))
    if args.json:
        print(json.dumps(to_json(found)))
    else:
        print(_detection_text(found))
    return 0


async def _connect(args: argparse.Namespace, transport: Transport) -> tuple[StackClient, Detection]:
    found = await detect(transport, request_timeout=min(args.timeout, 1.0))
    client = client_for(transport, found.dialect)
    client.timeout = args.timeout
    return client, found


async def _read(args: argparse.Namespace, transport: Transport) -> int:
    client, found = await _connect(args, transport)
    stack = await client.poll(found.addresses)
    if args.json:
        print(json.dumps(stack_to_json(stack)))
    else:
        print(_stack_table(stack))
    return 0


async def _monitor(args: argparse.Namespace, transport: Transport) -> int:
    client, found = await _connect(args, transport)
    while True:
        try:
            text = _stack_table(await client.poll(found.addresses))
        except PylontechError as err:
            text = f"error: {err}"
        print("\033[H\033[J" + text, flush=True)  # clear the terminal, then draw
        await asyncio.sleep(args.interval)


async def _raw(args: argparse.Namespace, transport: Transport) -> int:
    if args.dialect:
        dialect = get_dialect(args.dialect)
    else:
        dialect = get_dialect((await detect(transport, request_timeout=1.0)).dialect)
    if not dialect.commands:
        msg = f"{dialect.title} has no binary frames; use `read` (or `decode --console`)"
        raise PylontechUnsupportedCommandError(msg)
    client = PylontechClient(transport, dialect, timeout=args.timeout)
    address = dialect.first_address if args.address is None else args.address
    try:
        response = await client.read(args.code, address=address, pack=args.pack)
    finally:
        for frame in client.raw_frames[-2:]:
            print(f"{frame.direction} {frame.data.decode('ascii', 'backslashreplace').strip()}")
    print(answer_table(dialect, args.code, response))
    return 0


def _detection_text(found: Detection) -> str:
    title = (
        f"{found.dialect} stack, {len(found.addresses)} pack(s) at ADR "
        + ", ".join(str(a) for a in found.addresses)
        + (" (answers the all-packs request)" if found.all_packs else "")
    )
    packs = [to_json(pack) for pack in found.packs]
    return columns_table(
        title,
        [f"pack {i}" for i in range(1, len(packs) + 1)],
        [p for p in packs if isinstance(p, dict)],
    )


def _stack_table(stack: StackData) -> str:
    body = stack_to_json(stack)
    packs = body["packs"]
    assert isinstance(packs, list)
    return columns_table(
        f"{stack.dialect} stack, {len(packs)} pack(s)",
        [f"pack {i}" for i in range(1, len(packs) + 1)],
        [p for p in packs if isinstance(p, dict)],
    )
