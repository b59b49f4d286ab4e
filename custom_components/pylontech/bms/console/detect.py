"""Telling a console from a binary port, and surveying a console stack.

A binary BMS ignores a bare line break (nothing starts with "~"); a console answers it with its
prompt (protocol.md 5.3). A console still at 1200 Bd on a serial port at 115200 Bd answers
nothing until it is woken (protocol.md 5.2, `wake`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..models import Detection
from .client import PylontechConsoleClient
from .wake import can_wake, prompt_answers, wake_console

if TYPE_CHECKING:
    from ..transport import Transport

_LOGGER = logging.getLogger(__name__)


async def detect_console(
    transport: Transport, *, request_timeout: float, wake: bool = True
) -> Detection | None:
    """The console stack on the open `transport`, or None when no console prompt answers.

    With `wake`, a serial port at 115200 Bd that stays silent gets the wake-up sequence.
    """
    if not await prompt_answers(transport, wait=request_timeout):
        if not (wake and can_wake(transport)):
            return None
        _LOGGER.debug("no prompt on %s: trying to wake a 1200 Bd console", transport.description)
        if not await wake_console(transport):
            return None
    client = PylontechConsoleClient(transport, timeout=max(request_timeout, 2.0))
    addresses = await client.addresses()
    if not addresses:
        _LOGGER.debug("a console answers on %s but lists no pack", transport.description)
        return None
    controller = await client.identify_stack()
    packs = [await client.identify(address) for address in addresses]
    if controller is not None:
        packs = [controller, *packs]
    return Detection(dialect="console", addresses=addresses, all_packs=False, packs=tuple(packs))
