"""Waking a console that starts at 1200 Bd (older US2000B firmware, protocol.md 5.2).

Such a port speaks the binary protocol at 1200 Bd until it receives one binary frame, sent at
1200 Bd, that switches it to the text console at 115200 Bd; the console then answers a line
break with its prompt. Only a serial port can change its speed; through a TCP gateway the
gateway's own speed must be set (protocol.md 5.2), so there is nothing to do here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TypeGuard

from ..transport import SerialTransport, Transport
from .lines import ends_with_prompt

_LOGGER = logging.getLogger(__name__)

WAKE_FRAME = b"~20014682C0048520FCC3\r"
"""The frame that switches the console port to text at 115200 Bd (protocol.md 5.2; CID2 0x82
with INFO 0x85 0x20: its meaning is not documented, protocol.md 8.3)."""
SLOW_BAUD = 1200
CONSOLE_BAUD = 115200
LINE_BREAK = b"\r\n"
SWITCH_DELAY = 1.0
"""Seconds between the wake frame and the first line break at the new speed."""
TRIES = 10
"""Line breaks sent, one per `INTERVAL`, before giving up."""
INTERVAL = 1.0
_TAIL = 256


def can_wake(transport: Transport) -> TypeGuard[SerialTransport]:
    """Whether `transport` is a serial port at the console's speed, which waking needs."""
    return isinstance(transport, SerialTransport) and transport.baudrate == CONSOLE_BAUD


async def prompt_answers(transport: Transport, *, wait: float) -> bool:
    """Send a line break; True when a console prompt follows within `wait` seconds."""
    transport.discard_input()
    await transport.write(LINE_BREAK)
    received = b""
    try:
        async with asyncio.timeout(wait):
            while not ends_with_prompt(received.rstrip()):
                # Only the end matters: keep a tail, so a flood costs no more than its length.
                received = (received + await transport.read())[-_TAIL:]
    except TimeoutError:
        return False
    return True


async def wake_console(
    transport: SerialTransport,
    *,
    tries: int | None = None,
    interval: float | None = None,
    switch_delay: float | None = None,
) -> bool:
    """Switch a sleeping console to text at 115200 Bd; True once it shows its prompt.

    Reopens the port at 1200 Bd, sends `WAKE_FRAME`, reopens it at 115200 Bd and sends a line
    break every `interval` seconds, up to `tries` times, until the prompt answers. The
    transport is left open at 115200 Bd either way. Raises `PylontechConnectionError` when the
    port cannot be reopened. Unset, `tries`, `interval` and `switch_delay` are the module's
    `TRIES`, `INTERVAL` and `SWITCH_DELAY` at the time of the call.
    """
    tries = TRIES if tries is None else tries
    interval = INTERVAL if interval is None else interval
    switch_delay = SWITCH_DELAY if switch_delay is None else switch_delay
    await transport.close()
    transport.set_baudrate(SLOW_BAUD)
    try:
        await transport.open()
        await transport.write(WAKE_FRAME)
        await asyncio.sleep(switch_delay)
    finally:
        await transport.close()
        transport.set_baudrate(CONSOLE_BAUD)
    await transport.open()
    for attempt in range(1, tries + 1):
        if await prompt_answers(transport, wait=interval):
            _LOGGER.debug("console woke after %d line breaks", attempt)
            return True
    return False
