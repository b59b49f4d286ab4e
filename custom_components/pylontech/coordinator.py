"""One coordinator per stack: one bus pass per refresh through the library's `poll()`.

Library errors become Home Assistant errors with translation keys in `update_failed` and
nowhere else. A pack that fails keeps only its own entities unavailable; repair issues ask the
user to act when a gateway is held by another client or the stack has not answered for a while.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
import time
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .bms import (
    EnergyMeter,
    PylontechBackoffError,
    PylontechConnectionError,
    PylontechError,
    PylontechGatewayBusyError,
    PylontechProtocolError,
    PylontechResponseError,
    PylontechTimeoutError,
    StackSummary,
    summarize,
)
from .const import (
    CONF_ADDRESSES,
    CONF_GAP,
    CONF_SCAN_INTERVAL,
    CONF_TIMEOUT,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    RESCAN_INTERVAL,
    UNRESPONSIVE_AFTER,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from homeassistant.core import HomeAssistant

    from .bms import PackData, PackIdentity, StackClient, StackData

type PylontechConfigEntry = ConfigEntry[PylontechCoordinator]

ISSUE_GATEWAY_BUSY = "gateway_busy"
ISSUE_UNRESPONSIVE = "stack_unresponsive"
BUSY_REPEATS = 3
"""Polls in a row refused by a gateway that hangs up at once before that becomes a repair."""


@dataclass(frozen=True, slots=True)
class PylontechData:
    """One refresh: the poll, its packs by address, and the whole-stack values."""

    stack: StackData
    packs: dict[int, PackData] = field(default_factory=dict)
    summary: StackSummary = field(default_factory=StackSummary)
    energy: tuple[tuple[int, float, float], ...] = ()
    """(pack, charged kWh, discharged kWh) so far: a refresh that counted energy differs."""


def update_failed(err: PylontechError) -> UpdateFailed:
    """The Home Assistant error, with its translation key, for a library error."""
    if isinstance(err, PylontechGatewayBusyError):
        key = "gateway_busy"
    elif isinstance(err, PylontechTimeoutError):
        key = "timeout"
    elif isinstance(err, PylontechConnectionError):
        key = "cannot_connect"
    elif isinstance(err, PylontechResponseError):
        key = "response_error"
    elif isinstance(err, PylontechProtocolError):
        key = "protocol_error"
    else:
        key = "communication_error"
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )


class PylontechCoordinator(DataUpdateCoordinator[PylontechData]):
    """Polls one stack and keeps what the entities need: values, identities, energy."""

    config_entry: PylontechConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: PylontechConfigEntry, client: StackClient
    ) -> None:
        """Prepare polling; nothing is sent before the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=DEFAULT_SCAN_INTERVAL,
            # A poll equal to the last one (a stack at rest) updates no entity at all.
            always_update=False,
        )
        self.client = client
        self.dialect = client.dialect
        self.addresses: list[int] = list(entry.data[CONF_ADDRESSES])
        self.identities: dict[int, PackIdentity] = {}
        self.stack_identity: PackIdentity | None = None
        """The controller's identity where it is not one of the packs (HV controllers)."""
        self.energy = EnergyMeter(max_gap=self._max_gap())
        self.apply_options(entry.options)
        self._unavailable: set[int] = set()
        self._failing_since: datetime | None = None
        self._busy_in_a_row = 0
        self._next_rescan = time.monotonic() + RESCAN_INTERVAL.total_seconds()

    def apply_options(self, options: Mapping[str, object]) -> None:
        """Use new options at once: scan interval, request gap and timeout (no reload needed)."""
        interval = options.get(CONF_SCAN_INTERVAL)
        if isinstance(interval, int | float):
            self.update_interval = timedelta(seconds=interval)
        gap = options.get(CONF_GAP)
        if isinstance(gap, int | float):
            self.client.gap = float(gap)
        timeout = options.get(CONF_TIMEOUT)
        if isinstance(timeout, int | float):
            self.client.timeout = float(timeout)
        self.energy.max_gap = self._max_gap()

    def _max_gap(self) -> float:
        interval: timedelta = self.update_interval or DEFAULT_SCAN_INTERVAL
        return max(3 * interval.total_seconds(), 120.0)

    @property
    def pack_word(self) -> str:
        """What the stack's parts are called: modules of a high-voltage string, else packs."""
        return "Module" if self.data is not None and self.data.stack.series else "Pack"

    def pack_number(self, address: int) -> int:
        """The pack's number in the stack, from 1 (address 2 is pack 1 on Pylontech)."""
        return address - self.dialect.first_address + 1

    async def _async_setup(self) -> None:
        """Read who the stack and its packs are (serial number, model, firmware) once per setup."""
        self.stack_identity = await self.client.identify_stack()
        for address in self.addresses:
            self.identities[address] = await self.client.identify(address)

    async def _async_update_data(self) -> PylontechData:
        try:
            # Not while polls fail: the link has better things to do than look for new packs.
            if time.monotonic() >= self._next_rescan and self._failing_since is None:
                await self._look_for_new_pack()
            stack = await self.client.poll(self.addresses)
        except PylontechError as err:
            self._failed(err)
            raise update_failed(err) from err
        self._answered()
        now = time.monotonic()
        packs = {pack.address: pack for pack in stack.packs}
        for address, pack in packs.items():
            if pack.analog is None:
                if address not in self._unavailable:
                    self._unavailable.add(address)
                    LOGGER.info(
                        "Pack %d of %s is unavailable: %s",
                        self.pack_number(address),
                        self.config_entry.title,
                        pack.error,
                    )
                continue
            if address in self._unavailable:
                self._unavailable.discard(address)
                LOGGER.info(
                    "Pack %d of %s answers again",
                    self.pack_number(address),
                    self.config_entry.title,
                )
            if pack.analog.power is not None:
                self.energy.add(address, pack.analog, now)
        return PylontechData(
            stack=stack,
            packs=packs,
            summary=summarize(stack, self.dialect.first_address),
            energy=tuple((a, t.charged, t.discharged) for a, t in self.energy.totals.items()),
        )

    async def _look_for_new_pack(self) -> None:
        """Ask the address after the last pack; a pack that answers joins the stack."""
        self._next_rescan = time.monotonic() + RESCAN_INTERVAL.total_seconds()
        address = max(self.addresses) + 1
        try:
            await self.client.analog_values(address)
        except PylontechTimeoutError:
            return  # nothing there, as usual
        except PylontechConnectionError:
            raise  # the link failed: the refresh fails with it, as the poll would
        except PylontechError:
            return
        LOGGER.info("A new pack answers at address %d of %s", address, self.config_entry.title)
        self.identities[address] = await self.client.identify(address)
        self.set_addresses([*self.addresses, address])

    def set_addresses(self, addresses: list[int]) -> None:
        """Poll these packs from now on, and remember them across restarts."""
        self.addresses = sorted(addresses)
        self.hass.config_entries.async_update_entry(
            self.config_entry, data={**self.config_entry.data, CONF_ADDRESSES: self.addresses}
        )

    def _failed(self, err: PylontechError) -> None:
        now = dt_util.utcnow()
        if self._failing_since is None:
            self._failing_since = now
        placeholders = {"name": self.config_entry.title, "error": str(err)}
        # A gateway that drops one connection may be rebooting or resetting a noisy line;
        # only the same refusal poll after poll means another client holds it.
        if isinstance(err, PylontechGatewayBusyError):
            self._busy_in_a_row += 1
        elif not isinstance(err, PylontechBackoffError):  # a backoff tried nothing: no verdict
            self._busy_in_a_row = 0
        if self._busy_in_a_row >= BUSY_REPEATS:
            self._issue(ISSUE_GATEWAY_BUSY, placeholders)
        if now - self._failing_since >= UNRESPONSIVE_AFTER:
            minutes = int((now - self._failing_since).total_seconds() // 60)
            self._issue(ISSUE_UNRESPONSIVE, {**placeholders, "minutes": str(minutes)})

    def _answered(self) -> None:
        self._failing_since = None
        self._busy_in_a_row = 0
        for issue in (ISSUE_GATEWAY_BUSY, ISSUE_UNRESPONSIVE):
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(issue))

    def _issue(self, issue: str, placeholders: dict[str, str]) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(issue),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=issue,
            translation_placeholders=placeholders,
        )

    def _issue_id(self, issue: str) -> str:
        return f"{issue}_{self.config_entry.entry_id}"
