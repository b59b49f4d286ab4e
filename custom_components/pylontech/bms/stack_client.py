"""What a caller needs of a client, whichever protocol it speaks: binary frames or console text.

`PylontechClient` (the binary dialects) and `PylontechConsoleClient` (the console of the
high-voltage controllers and the US-series console port) both read a whole stack with `poll`,
say who its packs are with `identify`, and keep the last exchanges for diagnostics. The
integration holds a `StackClient` and never needs to know which one it has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .binary.client import PylontechClient
from .console.client import PylontechConsoleClient
from .dialects import get_dialect
from .dialects.console import CONSOLE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .dialects import Dialect
    from .link import RawFrame
    from .models import AnalogValues, PackIdentity, StackData
    from .transport import Transport


class StackClient(Protocol):
    """A client of one stack over one transport."""

    dialect: Dialect
    timeout: float
    gap: float

    @property
    def transport(self) -> Transport:
        """The link to the stack."""

    @property
    def raw_frames(self) -> tuple[RawFrame, ...]:
        """The last exchanges, oldest first."""

    async def poll(self, addresses: Sequence[int]) -> StackData:
        """Every pack's values; a pack that fails carries its error."""

    async def analog_values(self, pack: int, *, address: int | None = None) -> AnalogValues:
        """One pack's values; raises a `PylontechError` when it does not answer."""

    async def identify(self, address: int) -> PackIdentity:
        """Who the pack at `address` is, as far as the protocol tells."""

    async def identify_stack(self) -> PackIdentity | None:
        """Who the stack's controller is, where it is not one of the packs (HV controllers)."""

    async def close(self) -> None:
        """Close the transport; the next request opens it again."""


def client_for(
    transport: Transport, dialect: str, *, all_packs_at: int | None = None
) -> StackClient:
    """The client that speaks `dialect` (a binary dialect's name, or "console") on `transport`.

    `all_packs_at`: the ADR a stack answers only all-packs requests at (`Detection`).
    """
    if dialect == CONSOLE.name:
        return PylontechConsoleClient(transport)
    return PylontechClient(transport, get_dialect(dialect), all_packs_at=all_packs_at)
