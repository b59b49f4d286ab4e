"""One bus pass over a binary stack: how a client's `poll` asks it.

All packs in one frame each where the dialect and the stack allow it (Pylontech's master; a PACE
stack reached at ADR 0 answers only that), else pack by pack; with each pack's
charge/discharge limits (0x92) where its dialect has them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..exceptions import (
    PylontechBudgetError,
    PylontechError,
    PylontechProtocolError,
    PylontechResponseError,
    PylontechTimeoutError,
)
from ..models import AlarmInfo, AnalogValues, ChargeDischargeManagement, PackData, StackData

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .client import PylontechClient

_LOGGER = logging.getLogger(__name__)

SILENT_PACKS = 3
"""Packs that time out in a row, with none answering before, after which a poll gives up."""

LIMITS = 0x92
"""The charge/discharge management request (Pylontech): the limits a pack asks for."""


class StackPoll:
    """What a client learns across polls about how its stack answers, and the poll itself."""

    def __init__(self, client: PylontechClient) -> None:
        """Nothing learned yet."""
        self.client = client
        self._all_packs: bool | None = None
        """Whether the stack answers all-packs requests; None until tried."""
        self._limits: dict[int, bool] = {}
        """Per pack, whether it answers the charge/discharge limits request (0x92); a pack whose
        first request fails is not asked again."""
        self._last_error: PylontechError | None = None

    async def run(self, addresses: Sequence[int]) -> StackData:
        """The packs at `addresses`, each with its values or its error.

        Where the dialect allows it, asks the master (the first address) for every pack in
        one frame each, which saves a round trip per pack; a stack that never answers that (or
        refuses it) is asked pack by pack from then on, one that did answer it falls back for
        a single poll after a transient fault.
        """
        client = self.client
        self._last_error = None
        if client.all_packs_at is not None:
            return await self._poll_only_all_packs(addresses, client.all_packs_at)
        packs: dict[int, PackData] | None = None
        if client.dialect.all_packs_request and self._all_packs is not False and addresses:
            packs = await self._poll_all_packs(addresses)
        if packs is None:
            packs = await self._poll_packs(addresses)
        if packs and all(pack.error for pack in packs.values()):
            raise self._last_error or PylontechTimeoutError("no pack answered")
        return StackData(dialect=client.dialect.name, packs=tuple(packs.values()))

    async def _poll_packs(self, addresses: Sequence[int]) -> dict[int, PackData]:
        """Each pack on its own; a silent line ends the poll early, a spent budget too.

        When the first `SILENT_PACKS` packs of the poll all time out, the line is dead (the
        master relays every other pack): the poll fails now instead of timing out on each.
        """
        packs: dict[int, PackData] = {}
        silent = 0
        answered = False
        for index, address in enumerate(addresses):
            try:
                pack = await self._poll_pack(address)
            except PylontechBudgetError as err:
                self._last_error = err
                for rest in addresses[index:]:
                    packs[rest] = PackData(address=rest, analog=None, alarm=None, error=str(err))
                break
            packs[address] = pack
            if pack.error is None:
                answered = True
            elif not answered and isinstance(self._last_error, PylontechTimeoutError):
                silent += 1
                if silent >= SILENT_PACKS:
                    raise self._last_error
        return packs

    async def _poll_all_packs(self, addresses: Sequence[int]) -> dict[int, PackData] | None:
        """Both all-packs requests; None when the stack does not serve them as expected."""
        try:
            analog = await self.client.all_analog_values(address=addresses[0])
            alarm = await self.client.all_alarm_info(address=addresses[0])
        except PylontechBudgetError:
            raise
        except (PylontechTimeoutError, PylontechProtocolError, PylontechResponseError) as err:
            # A stack that never answered it (a US3000C ignores INFO 0xFF, protocol.md 2.1) or
            # refuses it is asked pack by pack from now on; after a transient fault on a stack
            # that has answered it, only this poll falls back.
            if self._all_packs is None or isinstance(err, PylontechResponseError):
                self._all_packs = False
            _LOGGER.debug("no all-packs answer (%s); asking pack by pack", err)
            return None
        if not len(analog.packs) == len(alarm.packs) == len(addresses):
            _LOGGER.debug(
                "all-packs answer has %d packs, %d expected", len(analog.packs), len(addresses)
            )
            return None
        self._all_packs = True
        return {
            address: PackData(
                address=address, analog=a, alarm=b, limits=await self._read_limits(address)
            )
            for address, a, b in zip(addresses, analog.packs, alarm.packs, strict=True)
        }

    async def _poll_only_all_packs(self, addresses: Sequence[int], at: int) -> StackData:
        """Both all-packs requests at ADR `at`, the packs named `addresses` in block order.

        The stack answers nothing else, so any failure fails the poll; an answer for another
        number of packs than `addresses` is a stack that changed, and fails it too.
        """
        analog = await self.client.all_analog_values(address=at)
        alarm = await self.client.all_alarm_info(address=at)
        if not len(analog.packs) == len(alarm.packs) == len(addresses):
            msg = (
                f"the stack at ADR {at} answered for {len(analog.packs)} packs "
                f"({len(alarm.packs)} in its alarm answer), {len(addresses)} expected"
            )
            raise PylontechProtocolError(msg)
        return StackData(
            dialect=self.client.dialect.name,
            packs=tuple(
                PackData(address=address, analog=a, alarm=b)
                for address, a, b in zip(addresses, analog.packs, alarm.packs, strict=True)
            ),
        )

    async def _poll_pack(self, address: int) -> PackData:
        try:
            analog = await self.client.read(0x42, address=address, pack=address)
            # A dialect without an alarm command (Boqiang: none captured) polls values only.
            alarm = None
            if 0x44 in self.client.dialect.commands:
                alarm = await self.client.read(0x44, address=address, pack=address)
        except PylontechBudgetError:
            raise
        except (PylontechTimeoutError, PylontechProtocolError, PylontechResponseError) as err:
            self._last_error = err
            return PackData(address=address, analog=None, alarm=None, error=str(err))
        assert isinstance(analog, AnalogValues)
        assert alarm is None or isinstance(alarm, AlarmInfo)
        return PackData(
            address=address,
            analog=analog.packs[0],
            alarm=alarm.packs[0] if alarm is not None else None,
            limits=await self._read_limits(address),
        )

    async def _read_limits(self, address: int) -> ChargeDischargeManagement | None:
        """The pack's charge/discharge limits (0x92) where the dialect and the pack have them.

        A pack whose first answer fails (firmware without the command: an error code or
        silence) is not asked again; after that, a failure leaves this poll without limits
        and the pack's values stand.
        """
        if LIMITS not in self.client.dialect.commands or self._limits.get(address) is False:
            return None
        try:
            limits = await self.client.read(LIMITS, address=address, pack=address)
        except PylontechBudgetError:
            raise
        except (PylontechTimeoutError, PylontechProtocolError, PylontechResponseError) as err:
            if address not in self._limits:
                self._limits[address] = False
                _LOGGER.debug("pack %d gives no charge/discharge limits: %s", address, err)
            return None
        self._limits[address] = True
        assert isinstance(limits, ChargeDischargeManagement)
        return limits
