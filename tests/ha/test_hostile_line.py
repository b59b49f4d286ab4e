"""A line that goes bad under Home Assistant: noisy but silent, stuck, then healed (issue 11).

The stack is the real simulator behind a proxy that can stop passing the battery's answers and
send junk instead, as a gateway on a disturbed RS485 line does. A value on screen must be a
value read now: within one poll budget of the line going bad, every entity of the stack is
unavailable (the next poll starts one scan interval after the last one ended, so the README's
bound is a scan interval plus a poll budget); when the line heals, the served values return.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import entity_registry as er

from tests.hostile.hostile import HostileProxy, trickle

from .conftest import entry_for

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from custom_components.pylontech.bms.simulator import Simulator
    from custom_components.pylontech.coordinator import PylontechCoordinator

NOISE = trickle(b"\x00", 0.1)
"""A junk byte every 0.1 s: faster than the request timeout, so a wait for silence never ends."""


def _states(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    """entity_id -> state of every enabled entity but the energy counters (they count on)."""
    registry = er.async_get(hass)
    return {
        item.entity_id: hass.states.get(item.entity_id).state  # type: ignore[union-attr]
        for item in er.async_entries_for_config_entry(registry, entry_id)
        if not item.disabled_by and not item.entity_id.endswith("_energy")
    }


async def _add_behind(hass: HomeAssistant, simulator: Simulator, proxy: HostileProxy):  # type: ignore[no-untyped-def]
    entry = entry_for(simulator)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, "port": proxy.port})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_a_noisy_silent_line_makes_values_unavailable_then_they_return(
    hass: HomeAssistant, pace: Simulator
) -> None:
    """Values go unavailable within the poll budget, and come back as served."""
    async with HostileProxy(pace.port) as proxy:
        entry = await _add_behind(hass, pace, proxy)
        coordinator: PylontechCoordinator = entry.runtime_data
        healthy = _states(hass, entry.entry_id)
        assert healthy
        assert STATE_UNAVAILABLE not in healthy.values()
        budget = coordinator.client.poll_budget(len(coordinator.addresses))  # type: ignore[attr-defined]

        proxy.go_bad(NOISE)
        start = time.monotonic()
        async with asyncio.timeout(budget + 5):  # a hang fails here instead of blocking
            await coordinator.async_refresh()
        await hass.async_block_till_done()
        elapsed = time.monotonic() - start
        assert not coordinator.last_update_success
        assert elapsed <= budget + 1
        stale = {
            entity: state
            for entity, state in _states(hass, entry.entry_id).items()
            if state != STATE_UNAVAILABLE
        }
        assert stale == {}

        proxy.heal()
        await asyncio.sleep(0.05)
        for _ in range(3):  # the backoff after the failure, then a clean poll
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            if coordinator.last_update_success:
                break
            await asyncio.sleep(1.1)
        assert coordinator.last_update_success
        assert _states(hass, entry.entry_id) == healthy
        await hass.config_entries.async_unload(entry.entry_id)


async def test_unload_during_a_stuck_exchange_completes_at_once(
    hass: HomeAssistant, pace: Simulator
) -> None:
    """Unloading while a poll waits on a noisy line neither waits for it nor leaves it running."""
    async with HostileProxy(pace.port) as proxy:
        entry = await _add_behind(hass, pace, proxy)
        coordinator: PylontechCoordinator = entry.runtime_data
        coordinator.client.timeout = 5.0
        proxy.go_bad(NOISE)
        refresh = asyncio.ensure_future(coordinator.async_refresh())
        await asyncio.sleep(0.5)
        assert not refresh.done()

        start = time.monotonic()
        assert await hass.config_entries.async_unload(entry.entry_id)
        unloading = time.monotonic() - start
        async with asyncio.timeout(2):
            await refresh
        assert unloading < 1.5
        assert entry.state is ConfigEntryState.NOT_LOADED
        assert not coordinator.client.transport.is_open
