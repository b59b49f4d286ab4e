"""Runtime against the real simulator: setup, unload, reload, per-pack availability, repairs,
new packs and removing a pack that is gone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest

from custom_components.pylontech import coordinator as coordinator_module
from custom_components.pylontech.bms import link as link_module
from custom_components.pylontech.bms.simulator.binary.stack import SimulatedStack
from custom_components.pylontech.const import CONF_ADDRESSES, DOMAIN
from custom_components.pylontech.coordinator import ISSUE_GATEWAY_BUSY, ISSUE_UNRESPONSIVE

from .conftest import Clock, add_entry, device_of, entry_for, simulator_for

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import WebSocketGenerator

    from custom_components.pylontech.bms.simulator import Simulator
    from custom_components.pylontech.coordinator import PylontechCoordinator


def _without(simulator: Simulator, address: int) -> SimulatedStack:
    """The simulator's stack without the pack at `address` (which then stays silent)."""
    stack = simulator.stack
    packs = [pack for pack in stack.packs if pack.address != address]
    return SimulatedStack(stack.dialect, packs, simulator.now)


def _pack_states(hass: HomeAssistant, entry_id: str, address: int) -> dict[str, str]:
    """entity_id -> state of every enabled entity of one pack."""
    registry = er.async_get(hass)
    return {
        item.entity_id: hass.states.get(item.entity_id).state  # type: ignore[union-attr]
        for item in er.async_entries_for_config_entry(registry, entry_id)
        if item.unique_id.startswith(f"{entry_id}_{address}_") and not item.disabled_by
    }


async def test_setup_unload_reload(hass: HomeAssistant, pace: Simulator) -> None:
    """Loading connects and creates the devices; unloading closes the link; reload works."""
    entry = await add_entry(hass, pace)
    assert entry.state is ConfigEntryState.LOADED
    coordinator: PylontechCoordinator = entry.runtime_data
    transport = coordinator.client.transport
    assert transport.is_open
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert sorted(device.name for device in devices) == [
        "Battery",
        "Battery Pack 1",
        "Battery Pack 2",
    ]

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not transport.is_open
    assert all(state.state == STATE_UNAVAILABLE for state in hass.states.async_all())

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.battery_pack_1_voltage").state != STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_not_ready_until_the_stack_answers(hass: HomeAssistant, pace: Simulator) -> None:
    """A stack that does not answer at startup: retried later, loaded once it answers."""
    pace.faults = "drop=1"
    entry = entry_for(pace)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    pace.faults = None
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED


async def test_a_failing_pack_makes_only_its_entities_unavailable(
    hass: HomeAssistant, pace: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Pack 2 stops answering: its entities go, pack 1's stay, stack totals go; logged once."""
    entry = await add_entry(hass, pace)
    coordinator: PylontechCoordinator = entry.runtime_data
    full = pace.stack
    assert set(_pack_states(hass, entry.entry_id, 2).values()) - {"on", "off"} != {
        STATE_UNAVAILABLE
    }

    caplog.set_level(logging.INFO, logger="custom_components.pylontech")
    pace.stack = _without(pace, 2)
    for _ in range(2):
        await coordinator.async_refresh()
    assert set(_pack_states(hass, entry.entry_id, 2).values()) == {STATE_UNAVAILABLE}
    assert STATE_UNAVAILABLE not in _pack_states(hass, entry.entry_id, 1).values()
    assert hass.states.get("sensor.battery_power").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert caplog.text.count("Pack 2 of Battery is unavailable") == 1

    pace.stack = full
    for _ in range(2):
        await coordinator.async_refresh()
    assert STATE_UNAVAILABLE not in _pack_states(hass, entry.entry_id, 2).values()
    assert float(hass.states.get("sensor.battery_pack_2_voltage").state) == (  # type: ignore[union-attr]
        full.analog_values(2).voltage
    )
    assert caplog.text.count("Pack 2 of Battery answers again") == 1


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff after a failure and the silence before a repair issue, shortened for tests.

    (freezegun cannot stand in: it stops the clock the event loop's timeouts run on.)
    """
    monkeypatch.setattr(link_module, "BACKOFF_FIRST", 0.01)
    monkeypatch.setattr(link_module, "BACKOFF_MAX", 0.01)
    monkeypatch.setattr(coordinator_module, "UNRESPONSIVE_AFTER", timedelta(seconds=0.5))
    monkeypatch.setattr(coordinator_module, "RESCAN_INTERVAL", timedelta(seconds=0.5))


async def test_unresponsive_stack_raises_and_clears_a_repair_issue(
    hass: HomeAssistant, pace: Simulator, short_waits: None
) -> None:
    """After a while of silence a repair issue; it goes away when the stack answers."""
    entry = await add_entry(hass, pace)
    coordinator: PylontechCoordinator = entry.runtime_data
    issues = ir.async_get(hass)
    issue_id = f"{ISSUE_UNRESPONSIVE}_{entry.entry_id}"
    pace.faults = "drop=1"
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert hass.states.get("sensor.battery_pack_1_voltage").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert issues.async_get_issue(DOMAIN, issue_id) is None

    await asyncio.sleep(0.5)
    await coordinator.async_refresh()
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == ISSUE_UNRESPONSIVE
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["name"] == "Battery"
    assert "no answer" in issue.translation_placeholders["error"]

    pace.faults = None
    await asyncio.sleep(0.02)
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get("sensor.battery_pack_1_voltage").state != STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_busy_gateway_raises_and_clears_a_repair_issue(
    hass: HomeAssistant, clock: Clock, short_waits: None
) -> None:
    """A one-client gateway held by someone else: a repair issue until it is free again.

    A single refusal is not enough (a gateway resetting a faulty line drops a connection too):
    the repair comes once the refusal repeats, poll after poll.
    """
    async with simulator_for("pace", 1, clock, clients=1) as simulator:
        entry = await add_entry(hass, simulator)
        coordinator: PylontechCoordinator = entry.runtime_data
        issues = ir.async_get(hass)
        issue_id = f"{ISSUE_GATEWAY_BUSY}_{entry.entry_id}"
        await coordinator.client.close()
        _, holder = await _hold(simulator)
        for _ in range(coordinator_module.BUSY_REPEATS - 1):
            await coordinator.async_refresh()
            assert not coordinator.last_update_success
            assert issues.async_get_issue(DOMAIN, issue_id) is None
            await asyncio.sleep(0.05)
        await coordinator.async_refresh()
        assert not coordinator.last_update_success
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.translation_key == ISSUE_GATEWAY_BUSY

        holder.close()
        await holder.wait_closed()
        for _ in range(100):  # until the gateway has let the other client go (a busy CI machine)
            if simulator._active == 0:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # past the backoff of the last refusal
        await coordinator.async_refresh()
        assert coordinator.last_update_success
        assert issues.async_get_issue(DOMAIN, issue_id) is None
        await hass.config_entries.async_unload(entry.entry_id)


async def _hold(simulator: Simulator) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Another client that takes the simulator's only slot."""
    reader, writer = await asyncio.open_connection("127.0.0.1", simulator.port)
    await asyncio.sleep(0.05)
    return reader, writer


async def test_a_new_pack_appears_without_a_reload(
    hass: HomeAssistant, clock: Clock, short_waits: None
) -> None:
    """A third pack joins: after the rescan interval it is a device with entities."""
    async with simulator_for("pace", 3, clock) as simulator:
        full = simulator.stack
        simulator.stack = _without(simulator, 3)
        entry = entry_for(simulator)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        coordinator: PylontechCoordinator = entry.runtime_data
        assert hass.states.get("sensor.battery_pack_3_voltage") is None

        simulator.stack = full
        await asyncio.sleep(0.5)  # the (shortened) rescan interval
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert entry.data[CONF_ADDRESSES] == [1, 2, 3]
        state = hass.states.get("sensor.battery_pack_3_voltage")
        assert state is not None
        assert float(state.state) == full.analog_values(3).voltage
        device = device_of(hass, entry, f"{entry.entry_id}_3")
        assert device.name == "Battery Pack 3"
        await hass.config_entries.async_unload(entry.entry_id)


async def test_remove_a_pack_that_is_gone(
    hass: HomeAssistant, clock: Clock, hass_ws_client: WebSocketGenerator
) -> None:
    """Only a pack that no longer answers can be deleted; the stack and the master cannot."""
    assert await async_setup_component(hass, "config", {})
    async with simulator_for("pace", 3, clock) as simulator:
        entry = await add_entry(hass, simulator)
        coordinator: PylontechCoordinator = entry.runtime_data
        ws = await hass_ws_client(hass)

        async def remove(identifier: str) -> bool:
            device = device_of(hass, entry, identifier)
            await ws.send_json_auto_id(
                {
                    "type": "config/device_registry/remove_config_entry",
                    "config_entry_id": entry.entry_id,
                    "device_id": device.id,
                }
            )
            return bool((await ws.receive_json())["success"])

        assert not await remove(f"{entry.entry_id}_3")  # it still answers
        simulator.stack = _without(simulator, 3)
        await coordinator.async_refresh()
        assert not await remove(entry.entry_id)  # the stack
        assert not await remove(f"{entry.entry_id}_1")  # the master
        assert await remove(f"{entry.entry_id}_3")
        assert coordinator.addresses == [1, 2]
        assert entry.data[CONF_ADDRESSES] == [1, 2]
        await coordinator.async_refresh()
        assert coordinator.last_update_success
        assert set(coordinator.data.packs) == {1, 2}
        await hass.config_entries.async_unload(entry.entry_id)


async def test_pylontech_stack_polls_all_packs_at_once(
    hass: HomeAssistant, pylontech: Simulator
) -> None:
    """A Pylontech master answers for every pack: two requests per refresh, whatever the size,
    and then each pack's charge/discharge limits (0x92), which have no all-packs form."""
    entry = await add_entry(hass, pylontech)
    coordinator: PylontechCoordinator = entry.runtime_data
    before = len([f for f in coordinator.client.raw_frames if f.direction == "tx"])
    await coordinator.async_refresh()
    sent = [f for f in coordinator.client.raw_frames if f.direction == "tx"][before:]
    assert [f.command for f in sent] == [0x42, 0x44] + [0x92] * len(pylontech.stack.packs)
    packs = coordinator.data.packs
    for pack in pylontech.stack.packs:
        served = pylontech.stack.analog_values(pack.address)
        polled = packs[pack.address].analog
        assert polled is not None
        assert polled.voltage == served.voltage
        assert polled.current == pytest.approx(served.current, abs=0.05)  # 0.1 A on the wire
    powers = [packs[address].analog.power for address in packs]  # type: ignore[union-attr]
    assert coordinator.data.summary.power == round(sum(powers), 3)  # type: ignore[arg-type]
