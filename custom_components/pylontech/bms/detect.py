"""Detection: given a transport and nothing else, find the dialect, the packs and who they are.

Probes the dialects in registry order with an analog-values request to each one's master
address (and, where that is silent, an all-packs request to the ADRs of the dialect's
`all_packs_only_at`), then finds the pack addresses (one all-packs request where the dialect
allows it, else pack by pack until the first address that stays silent) and reads each pack's
identity where the dialect has it. Bounded in time: at most one request per dialect, one per pack plus one, and the
identity requests, each bounded by the client's timeout.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from .binary.client import PylontechClient
from .binary.frame import parse_frame
from .binary.identity import identify
from .console.detect import detect_console
from .console.lines import PROMPTS
from .dialects import DIALECTS
from .exceptions import (
    PylontechBudgetError,
    PylontechConnectionError,
    PylontechDetectionError,
    PylontechError,
    PylontechResponseError,
    PylontechTimeoutError,
    PylontechUnknownDialectError,
    PylontechWebServerError,
)
from .models import AnalogValues, Detection

if TYPE_CHECKING:
    from .dialects import Dialect
    from .transport import Transport

_LOGGER = logging.getLogger(__name__)

_WEB_ANSWERS = (b"http/", b"<!doctype html", b"<html")
"""How a web server's answer starts, lower-cased: its status line, or (to a request line
without a version, HTTP/0.9) the page itself."""

DETECT_TIMEOUT = 1.0  # s per request while probing
QUICK_TIMEOUT = 0.3
"""s per request in the first pass: BMSs begin to answer 35-50 ms after a request at 9600 Bd
(protocol.md 6.2), so six times that, with room for a gateway's network delay, is ample; a
slower BMS is found by the second pass, with the full `request_timeout`."""
DETECT_BUDGET = 60.0
"""Seconds a whole detection may take: 16 packs found one by one at 9600 Bd with their
identities take about 20 s; a line that answers but never usefully must not hold it longer."""
MAX_PACKS = 16
CELL_SUM_TOLERANCE = 0.05
"""Most a probed pack's voltage may differ from the sum of its cells (relative)."""

# What tells the dialects apart, in the registry's probe order (dialects/__init__.py):
#
# - Pylontech: VER 0x20, CID1 0x46, master at ADR 2, INFO = pack. Its 0x42 block has the
#   user-defined count 2 or 4 after the remaining capacity and LENID fits its walk exactly.
# - PACE: VER 0x25 (answers carry it), master at ADR 1.
# - Seplos v2: the same VER 0x20 and CID1 0x46 as Pylontech, so neither header nor request
#   tells them apart: the answer's layout does. Its 0x42 block carries the custom count 10
#   (Pylontech 2 or 4) and 27 bytes after the temperatures (Pylontech 11 or 17), its 0x44 the
#   custom count 20 and twenty status bytes; each table refuses the other's answers (LENID
#   must fit), and the pack voltage equals the sum of the cells only under the right reading
#   (10 mV Seplos, 1 mV Pylontech), which the probe checks too. Addressing differs as well:
#   a Seplos answers at ADR 0 by default and names a "command group" in INFO, which is why
#   it is probed after Pylontech (whose ADR 2 a lone Seplos never has) and after PACE.
# - EG4 LIFEPOWER4: VER 0x20 with CID1 0x4A (unique), ADR 1, requests without INFO.
# - Boqiang: VER 0x26 (unique), requests to ADR 0 with the pack (from 1) in INFO.
#
# An answer whose VER/CID1 are not the probed dialect's is dropped by the client, and one
# whose INFO does not fit the probed dialect's table is too: a wrong dialect times out, and
# the next is tried. Every probe is one request bounded by `request_timeout`.


async def detect(
    transport: Transport,
    *,
    request_timeout: float = DETECT_TIMEOUT,
    gap: float = 0.05,
    max_packs: int = MAX_PACKS,
    budget: float = DETECT_BUDGET,
    quick: bool = True,
    full: bool = True,
) -> Detection:
    """Find what answers on `transport`; the transport is left open for the caller.

    Looks twice where `request_timeout` is longer than `QUICK_TIMEOUT`: first waiting
    `QUICK_TIMEOUT` for each answer (a silent probe, and the silent address after the last
    pack, then cost that much), and only when that finds nothing usable, waiting
    `request_timeout`. `quick=False` leaves out the first pass, `full=False` the second (a
    caller that tries several connections quickly before it waits on any).

    Raises `PylontechConnectionError` when the transport cannot be opened,
    `PylontechDetectionError` (`PylontechUnknownDialectError` for a frame of an unknown dialect,
    with the raw reply) when nothing usable answers, and `PylontechBudgetError` when the whole
    detection takes longer than `budget` seconds, whatever the line sends.
    """
    windows = [min(QUICK_TIMEOUT, request_timeout)] if quick else []
    if (full and request_timeout > QUICK_TIMEOUT) or not windows:
        windows.append(request_timeout)
    try:
        async with asyncio.timeout(budget):
            for window in windows[:-1]:
                try:
                    return await _detect(transport, window, gap, max_packs)
                except PylontechUnknownDialectError:
                    raise  # it did answer, in time
                except PylontechDetectionError as err:
                    _LOGGER.debug(
                        "nothing within %g s (%s); waiting %g s", window, err, windows[-1]
                    )
            return await _detect(transport, windows[-1], gap, max_packs)
    except TimeoutError:
        msg = f"detection on {transport.description} did not finish within {budget:g} s"
        raise PylontechBudgetError(msg) from None
    except PylontechConnectionError as err:
        # A web server answers a line of junk with its status line, then hangs up.
        first = transport.first_received
        if first.lstrip().lower().startswith(_WEB_ANSWERS):
            line = first.strip().split(b"\n", 1)[0].strip().decode("ascii", "replace")
            msg = f"a web server answered on {transport.description} ({line[:60]}), not a BMS"
            raise PylontechWebServerError(msg, first) from err
        raise


async def _detect(
    transport: Transport, request_timeout: float, gap: float, max_packs: int
) -> Detection:
    seen: list[bytes] = []
    garbage = b""
    # Open the link first: a connect that times out is an unreachable gateway, not a dialect that
    # stays silent, and reaches the caller as such.
    await transport.open()
    for dialect in DIALECTS:
        client = PylontechClient(transport, dialect, timeout=request_timeout, gap=gap)
        probe: AnalogValues | None = None  # stays None after an error return code
        try:
            probe = await client.analog_values(dialect.first_address)
        except (PylontechTimeoutError, PylontechResponseError) as err:
            seen += [f.data for f in client.raw_frames if f.direction == "rx"]
            garbage = garbage or client.garbage
            if isinstance(err, PylontechTimeoutError):
                if (found := await _after_silence(client, request_timeout)) is not None:
                    return found
                continue
        except PylontechConnectionError:
            raise  # the transport itself failed: nothing to learn from the other dialects
        except PylontechError as err:
            # A damaged answer: a BMS may well be there; try the next dialect all the same.
            _LOGGER.debug("%s probe: %s", dialect.name, err)
            seen += [f.data for f in client.raw_frames if f.direction == "rx"]
            if (console := await _console_instead(client, request_timeout)) is not None:
                return console
            continue
        if probe is not None and not _cells_add_up(probe):
            _LOGGER.debug("%s probe: pack voltage is not the sum of the cells", dialect.name)
            seen += [f.data for f in client.raw_frames if f.direction == "rx"]
            continue
        return await _survey(client, dialect, max_packs)
    # Last, the console (protocol.md 5): it answers a line break with its prompt, and may need
    # waking on a serial port. A binary BMS ignores the line break.
    console = await detect_console(transport, request_timeout=request_timeout)
    if console is not None:
        return console
    raise _nothing_usable(transport, seen, garbage)


async def _after_silence(client: PylontechClient, request_timeout: float) -> Detection | None:
    """After a silent probe: a console that echoed it, or a stack at another ADR."""
    dialect = client.dialect
    _LOGGER.debug("no %s answer at ADR %d", dialect.name, dialect.first_address)
    if (console := await _console_instead(client, request_timeout)) is not None:
        return console
    for at in dialect.all_packs_only_at:
        if (found := await _all_packs_only(client, at)) is not None:
            return found
    return None


async def _console_instead(client: PylontechClient, request_timeout: float) -> Detection | None:
    """The console stack, when the reply to a binary probe looked like a console's.

    A console echoes the probe and then its prompt (protocol.md 5.3); some RS485 adapters echo
    too, so the console is asked before it is believed.
    """
    frames = client.raw_frames
    sent = {frame.data.strip() for frame in frames if frame.direction == "tx"}
    echoed = any(f.data.strip() in sent for f in frames if f.direction == "rx")
    if not echoed and not any(prompt in client.garbage for prompt in PROMPTS):
        return None
    return await detect_console(client.transport, request_timeout=request_timeout, wake=False)


def _cells_add_up(analog: AnalogValues) -> bool:
    """Whether each pack's voltage is the sum of its cells, where both are known.

    A frame read with the wrong dialect's units (10 mV against 1 mV) fails this.
    """
    for pack in analog.packs:
        cells = [cell for cell in pack.cell_voltages if cell is not None]
        if pack.voltage is None or not cells or len(cells) != len(pack.cell_voltages):
            continue
        if abs(sum(cells) - pack.voltage) > CELL_SUM_TOLERANCE * pack.voltage:
            return False
    return True


async def _all_packs_only(client: PylontechClient, at: int) -> Detection | None:
    """The stack that answers an all-packs request at ADR `at` when its master's is silent.

    A PACE pack set to address 0 (stand-alone) and a master asked on its RS232 port answer
    there for all their packs in one frame (protocol.md 3.4); its packs are then named from the
    dialect's master address on, in block order, and polled only that way.
    """
    dialect = client.dialect
    try:
        stack = await client.all_analog_values(address=at)
    except PylontechError as err:
        _LOGGER.debug("no %s all-packs answer at ADR %d: %s", dialect.name, at, err)
        return None
    if not _cells_add_up(stack):
        _LOGGER.debug("%s at ADR %d: pack voltage is not the sum of the cells", dialect.name, at)
        return None
    addresses = tuple(dialect.first_address + index for index in range(len(stack.packs)))
    only = PylontechClient(
        client.transport, dialect, timeout=client.timeout, gap=client.gap, all_packs_at=at
    )
    packs = tuple([await only.identify(address) for address in addresses])
    return Detection(
        dialect=dialect.name, addresses=addresses, all_packs=True, packs=packs, all_packs_at=at
    )


async def _survey(client: PylontechClient, dialect: Dialect, max_packs: int) -> Detection:
    first = dialect.first_address
    addresses: list[int] = []
    all_packs = False
    if dialect.all_packs_request:
        try:
            stack = await client.all_analog_values(address=first)
        except PylontechError as err:
            _LOGGER.debug("no all-packs answer: %s", err)
        else:
            all_packs = True
            addresses = [first + index for index in range(len(stack.packs))]
    if not addresses:
        addresses = [first]
        for address in range(first + 1, first + max_packs):
            try:
                await client.analog_values(address)
            except PylontechError:
                break
            addresses.append(address)
    packs = [await identify(client, dialect, address) for address in addresses]
    return Detection(
        dialect=dialect.name, addresses=tuple(addresses), all_packs=all_packs, packs=tuple(packs)
    )


def _nothing_usable(transport: Transport, seen: list[bytes], garbage: bytes) -> PylontechError:
    tried = ", ".join(f"{d.name} at ADR {d.first_address}" for d in DIALECTS)
    for raw in seen:
        try:
            frame = parse_frame(raw)
        except PylontechError:
            continue
        if all((d.ver, d.cid1) != (frame.ver, frame.cid1) for d in DIALECTS):
            msg = (
                f"a BMS of an unknown dialect answered on {transport.description} "
                f"(VER 0x{frame.ver:02X}, CID1 0x{frame.cid1:02X}): {raw!r}"
            )
            return PylontechUnknownDialectError(msg, raw)
    if seen or garbage:
        sample = seen[0] if seen else garbage
        msg = f"something answers on {transport.description} but not as a BMS: {sample!r}"
        return PylontechDetectionError(msg, sample)
    msg = f"nothing answered on {transport.description} (tried {tried})"
    return PylontechDetectionError(msg)
