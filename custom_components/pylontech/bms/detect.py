"""Detection: given a transport and nothing else, find the dialect, the packs and who they are.

Probes the dialects in registry order with an analog-values request to each one's master
address, then finds the pack addresses (one all-packs request where the dialect allows it, else
pack by pack until the first address that stays silent) and reads each pack's identity where the
dialect has it. Bounded in time: at most one request per dialect, one per pack plus one, and the
identity requests, each bounded by the client's timeout.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .client import PylontechClient
from .dialects import DIALECTS
from .exceptions import (
    PylontechConnectionError,
    PylontechDetectionError,
    PylontechError,
    PylontechResponseError,
    PylontechTimeoutError,
    PylontechUnknownDialectError,
)
from .frame import parse_frame
from .models import model

if TYPE_CHECKING:
    from .dialects import Dialect
    from .transport import Transport

_LOGGER = logging.getLogger(__name__)

DETECT_TIMEOUT = 1.0  # s per request while probing
MAX_PACKS = 16


@model
class PackIdentity:
    """Who a pack is, as far as its dialect tells."""

    address: int
    serial_number: str | None = None
    model: str | None = None
    software_version: str | None = None
    manufacturer: str | None = None


@model
class Detection:
    """What answered on a transport."""

    dialect: str
    addresses: tuple[int, ...]
    """Pack addresses, master first."""
    all_packs: bool
    """Whether the master answered the all-packs request (polls then use it)."""
    packs: tuple[PackIdentity, ...]

    @property
    def master_serial(self) -> str | None:
        """The master pack's serial number or barcode, when the BMS gives one."""
        return self.packs[0].serial_number if self.packs else None


async def detect(
    transport: Transport,
    *,
    request_timeout: float = DETECT_TIMEOUT,
    gap: float = 0.05,
    max_packs: int = MAX_PACKS,
) -> Detection:
    """Find what answers on `transport`; the transport is left open for the caller.

    Raises `PylontechConnectionError` when the transport cannot be opened, and
    `PylontechDetectionError` (`PylontechUnknownDialectError` for a frame of an unknown dialect,
    with the raw reply) when nothing usable answers.
    """
    seen: list[bytes] = []
    garbage = b""
    # Open the link first: a connect that times out is an unreachable gateway, not a dialect that
    # stays silent, and reaches the caller as such.
    await transport.open()
    for dialect in DIALECTS:
        client = PylontechClient(transport, dialect, timeout=request_timeout, gap=gap)
        try:
            await client.analog_values(dialect.first_address)
        except (PylontechTimeoutError, PylontechResponseError) as err:
            seen += [f.data for f in client.raw_frames if f.direction == "rx"]
            garbage = garbage or client.garbage
            if isinstance(err, PylontechTimeoutError):
                _LOGGER.debug("no %s answer at ADR %d", dialect.name, dialect.first_address)
                continue
        except PylontechConnectionError:
            raise  # the transport itself failed: nothing to learn from the other dialects
        except PylontechError as err:
            # A damaged answer: a BMS may well be there; try the next dialect all the same.
            _LOGGER.debug("%s probe: %s", dialect.name, err)
            seen += [f.data for f in client.raw_frames if f.direction == "rx"]
            continue
        return await _survey(client, dialect, max_packs)
    raise _nothing_usable(transport, seen, garbage)


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


async def identify(client: PylontechClient, dialect: Dialect, address: int) -> PackIdentity:
    """Serial number, model and firmware where the dialect has them for this pack.

    Masters answer some identity commands for every address with their own identity
    (Pylontech 0x51, PACE 0xC1/0xC2, protocol.md 2.1 and 3.4): those are asked of the master
    only; 0x93 and 0x96 are relayed per pack.
    """
    master = address == dialect.first_address
    identity: dict[str, str | None] = {}
    try:
        if 0x93 in dialect.commands:
            identity["serial_number"] = (await client.serial_number(address)).serial_number
        if 0x96 in dialect.commands:
            identity["software_version"] = (await client.software_version(address)).version
        if master and 0x51 in dialect.commands:
            info = await client.manufacturer_info(address)
            identity.update(model=info.device_name, manufacturer=info.manufacturer)
        if master and 0xC1 in dialect.commands:
            version = (await client.software_version(address)).version
            identity.update(model=version, software_version=version)
        if master and 0xC2 in dialect.commands:
            identity["serial_number"] = (await client.barcode(address)).barcode
    except PylontechError as err:
        _LOGGER.debug("identity of pack %d incomplete: %s", address, err)
    return PackIdentity(address=address, **identity)


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
