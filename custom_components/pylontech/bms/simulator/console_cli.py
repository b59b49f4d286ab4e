"""``pylontech-bms simulate --console MODEL``: serve a simulated text console until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING

from .console_models import MODELS
from .console_server import ConsoleSimulator

if TYPE_CHECKING:
    import argparse

_EXIT_ERROR = 1


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --console, --asleep and --replay to the ``simulate`` parser."""
    parser.add_argument(
        "--console",
        choices=list(MODELS),
        metavar="MODEL",
        help=f"serve the text console of MODEL ({', '.join(MODELS)}) instead of the binary "
        "protocol; --packs is then the packs (US) or units (HV)",
    )
    parser.add_argument(
        "--asleep", action="store_true", help="console: silent until the 1200 Bd wake frame"
    )
    parser.add_argument("--replay", metavar="DIR", help="console: answer from the dumps in DIR")


def run_console(args: argparse.Namespace) -> int:
    """Serve the console until interrupted: 0 after Ctrl-C, 1 with a one-line error."""
    given = {"--dialect": args.dialect, "--scenario": args.scenario,
             "--turnaround": args.turnaround or None}  # fmt: skip
    binary_only = [option for option, value in given.items() if value is not None]
    if binary_only:
        return _fail(f"{', '.join(binary_only)} cannot be used with --console")
    try:
        simulator = ConsoleSimulator(
            args.console,
            args.packs,
            host=args.host,
            port=args.port,
            asleep=args.asleep,
            replay=args.replay,
            baud=args.baud,
            clients=args.clients,
            faults=args.faults,
            delay_seconds=args.delay,
            seed=args.seed,
        )
    except ValueError as err:
        return _fail(str(err))
    try:
        asyncio.run(_serve(simulator))
    except KeyboardInterrupt:
        return 0
    except OSError as err:
        reason = os.strerror(err.errno) if err.errno else str(err)
        return _fail(f"cannot listen on {args.host}:{args.port}: {reason}")
    return 0  # pragma: no cover  # _serve only ends by an exception


async def _serve(simulator: ConsoleSimulator) -> None:
    async with simulator:
        console = simulator.console
        what = "replayed" if console.replay is not None else "simulated"
        sys.stdout.write(
            f"{what} {console.model.name} console ({len(console.stack.packs)} "
            f"{'units' if console.model.series else 'packs'}) on {simulator.url}\n"
        )
        sys.stdout.flush()
        await asyncio.Event().wait()


def _fail(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return _EXIT_ERROR
