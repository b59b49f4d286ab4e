"""Running a simulator from the command line: listen, say where, serve until Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..simulator.gateway import TcpSimulator

EXIT_ERROR = 1


def serve_until_interrupted(simulator: TcpSimulator, banner: Callable[[], str]) -> int:
    """Serve, print `banner()` once listening, stop at Ctrl-C: 0, or 1 with a one-line error."""
    try:
        asyncio.run(_serve(simulator, banner))
    except KeyboardInterrupt:
        return 0
    except OSError as err:  # asyncio words it "error while attempting to bind ...": say less
        reason = os.strerror(err.errno) if err.errno else str(err)
        return fail(f"cannot listen on {simulator.host}:{simulator.requested_port}: {reason}")
    return 0  # pragma: no cover  # _serve only ends by an exception


async def _serve(simulator: TcpSimulator, banner: Callable[[], str]) -> None:
    async with simulator:
        sys.stdout.write(banner() + "\n")
        sys.stdout.flush()
        await asyncio.Event().wait()


def fail(message: str) -> int:
    """Print `message` as the one error line; the exit status of a failed command."""
    sys.stderr.write(f"error: {message}\n")
    return EXIT_ERROR
