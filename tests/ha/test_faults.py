"""Every fault kind of the simulator, at once, through Home Assistant: entities go unavailable
and come back, and no state ever shows a value the battery did not send."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.pylontech.bms import link as link_module

from .conftest import Clock, add_entry, simulator_for

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

FAULTS = (
    "disconnect=0.05,drop=0.1,rtn=0.1,wrongpack=0.2,checksum=0.1,garbage=0.2,delay=0.05,split=0.2"
)
REFRESHES = 15
ENERGY = ("_charged_energy", "_discharged_energy")


def _states(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    registry = er.async_get(hass)
    return {
        item.entity_id: hass.states.get(item.entity_id).state  # type: ignore[union-attr]
        for item in er.async_entries_for_config_entry(registry, entry_id)
        if not item.disabled_by
    }


@pytest.mark.parametrize("dialect", ["pace", "pylontech"])
async def test_faults_never_show_a_wrong_value(
    hass: HomeAssistant, clock: Clock, monkeypatch: pytest.MonkeyPatch, dialect: str
) -> None:
    """The clock stands still, so the first clean poll is the truth: under faults every state is
    that truth or unavailable; energy only grows; all comes back when the faults stop."""
    monkeypatch.setattr(link_module, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(link_module, "BACKOFF_MAX", 0.01)
    async with simulator_for(dialect, 2, clock, delay_seconds=0.4) as simulator:
        entry = await add_entry(hass, simulator)
        coordinator = entry.runtime_data
        truth = _states(hass, entry.entry_id)
        assert STATE_UNAVAILABLE not in truth.values()
        energy = {e: 0.0 for e in truth if e.endswith(ENERGY)}

        simulator.faults = FAULTS
        seen_unavailable = seen_back = 0
        for _ in range(REFRESHES):
            await asyncio.sleep(0.02)  # past the (shortened) backoff, as a scan interval would be
            await coordinator.async_refresh()
            for entity_id, state in _states(hass, entry.entry_id).items():
                if state == STATE_UNAVAILABLE:
                    seen_unavailable += 1
                    continue
                if entity_id in energy:
                    assert float(state) >= energy[entity_id], entity_id
                    energy[entity_id] = float(state)
                    continue
                seen_back += 1
                assert state == truth[entity_id], entity_id
        assert sum(simulator.fault_counts.values()) > REFRESHES
        assert seen_unavailable > 0
        assert seen_back > 0

        simulator.faults = None
        for _ in range(3):  # a late answer may still be draining
            await asyncio.sleep(0.02)
            await coordinator.async_refresh()
        final = _states(hass, entry.entry_id)
        assert {e: s for e, s in final.items() if e not in energy} == {
            e: s for e, s in truth.items() if e not in energy
        }
        await hass.config_entries.async_unload(entry.entry_id)
