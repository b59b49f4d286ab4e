"""The `simulate` subcommand of the command-line tool: serve a simulated stack until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..dialects import DIALECTS
from ..exceptions import PylontechError
from ..simulator.binary.simulator import Simulator
from ..simulator.faults import FaultPlan
from ..simulator.gateway import DEFAULT_DELAY
from .serving import fail, serve_until_interrupted
from .simulate_console import add_console_arguments, run_console

if TYPE_CHECKING:
    from collections.abc import Callable

# argparse has no public name for what ``ArgumentParser.add_subparsers()`` returns.
type Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]  # noqa: SLF001


def add_simulate_command(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register ``simulate`` on `subparsers`; its handler is ``args.run(args) -> exit code``."""
    parser = subparsers.add_parser(
        "simulate",
        help="serve a simulated battery stack on TCP",
        description="Answer the binary protocol on TCP like a serial gateway with a battery "
        "stack behind it, until Ctrl-C. Without --scenario the values drift over a "
        "10-minute charge/discharge cycle.",
    )
    names = sorted({name for dialect in DIALECTS for name in (dialect.name, *dialect.aliases)})
    parser.add_argument("--dialect", choices=names, help="default: the scenario's, else pylontech")
    parser.add_argument("--packs", type=_whole(1), help="number of packs, 1 to 16 (default 1)")
    parser.add_argument(
        "--address", type=_whole(0), metavar="ADR",
        help="address of the first pack (default: the dialect's master address; PACE 0 is a "
        "stand-alone pack)",
    )  # fmt: skip
    parser.add_argument(
        "--only-adr", type=_whole(0), metavar="ADR",
        help="answer requests to this ADR only (a PACE master's RS232 port: 0)",
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_whole(0), default=0, help="TCP port (0: pick a free one)")
    parser.add_argument("--baud", type=_whole(1), help="throttle replies to this serial rate")
    parser.add_argument(
        "--turnaround", type=float, default=0.0, metavar="MS", help="ms before each reply"
    )
    parser.add_argument("--scenario", metavar="FILE", help="JSON as `read --json` prints it")
    parser.add_argument(
        "--faults", default="", metavar="SPEC", help="e.g. drop=0.1,delay=0.05,checksum=0.02"
    )
    parser.add_argument(
        "--delay", type=float, default=DEFAULT_DELAY, metavar="S", help="seconds of a delay fault"
    )
    parser.add_argument("--clients", type=_whole(1), help="most TCP clients at once")
    parser.add_argument("--seed", type=int, default=0, help="seed of values and faults")
    add_console_arguments(parser)
    parser.set_defaults(run=run_simulate)
    return parser


def _whole(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            msg = f"must be a whole number of at least {low}, not {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def run_simulate(args: argparse.Namespace) -> int:
    """Serve until interrupted: 0 after Ctrl-C, 1 with a one-line error."""
    if args.console:
        return run_console(args)
    try:
        simulator = Simulator(
            args.dialect,
            args.packs,
            scenario=args.scenario,
            host=args.host,
            port=args.port,
            baud=args.baud,
            turnaround=args.turnaround,
            clients=args.clients,
            faults=FaultPlan.parse(args.faults),
            delay_seconds=args.delay,
            seed=args.seed,
            first_address=args.address,
            only_adr=args.only_adr,
        )
    except (ValueError, PylontechError) as err:
        return fail(str(err))
    stack = simulator.stack
    return serve_until_interrupted(
        simulator,
        lambda: f"simulating {len(stack.packs)}-pack {stack.dialect.name} stack on {simulator.url}",
    )
