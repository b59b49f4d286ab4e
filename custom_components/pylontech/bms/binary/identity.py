"""Who the packs of a binary stack are: serial number, model and firmware, where the dialect says."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..exceptions import PylontechError
from ..models import PackIdentity

if TYPE_CHECKING:
    from ..dialects import Dialect
    from .client import PylontechClient

_LOGGER = logging.getLogger(__name__)


async def identify(
    client: PylontechClient, dialect: Dialect, address: int, *, at: int | None = None
) -> PackIdentity:
    """Serial number, model and firmware where the dialect has them for this pack.

    Masters answer some identity commands for every address with their own identity
    (Pylontech 0x51, PACE 0xC1/0xC2, protocol.md 2.1 and 3.4): those are asked of the master
    only; 0x93 and 0x96 are relayed per pack. The requests go to ADR `at` where given (a stack
    reached at ADR 0), else to the pack's address.
    """
    master = address == dialect.first_address
    identity_of = address
    address = address if at is None else at
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
    return PackIdentity(address=identity_of, **identity)
