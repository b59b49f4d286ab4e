"""``pylontech-bms simulate --console MODEL``: serve a simulated text console until Ctrl-C."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..simulator.console.catalog import MODELS
from ..simulator.console.simulator import ConsoleSimulator
from .serving import fail, serve_until_interrupted

if TYPE_CHECKING:
    import argparse


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
        return fail(f"{', '.join(binary_only)} cannot be used with --console")
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
        return fail(str(err))
    console = simulator.console
    what = "replayed" if console.replay is not None else "simulated"
    parts = "units" if console.model.series else "packs"
    return serve_until_interrupted(
        simulator,
        lambda: (
            f"{what} {console.model.name} console ({len(console.stack.packs)} {parts}) "
            f"on {simulator.url}"
        ),
    )
