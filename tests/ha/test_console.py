"""A console stack end to end through the integration: the config flow finds the console of a
high-voltage controller or of a US master, and every module or pack shows what the console
simulator serves, over real loopback sockets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.pylontech.bms.simulator import ConsoleSimulator
from custom_components.pylontech.const import CONF_ADDRESSES, CONF_DIALECT, DOMAIN
from custom_components.pylontech.diagnostics import async_get_config_entry_diagnostics

from .conftest import FAST_OPTIONS, Clock, device_of, refresh

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.pylontech.bms.simulator.console.measurements import Reading


@pytest.fixture
async def force_h2(clock: Clock) -> AsyncIterator[ConsoleSimulator]:
    """A Force H2 controller with 3 modules in series."""
    async with ConsoleSimulator("force-h2", 3, clock=clock, seed=5) as simulator:
        yield simulator


@pytest.fixture
async def us_console(clock: Clock) -> AsyncIterator[ConsoleSimulator]:
    """The console port of a US master with 3 packs in parallel."""
    async with ConsoleSimulator("us", 3, clock=clock, seed=5) as simulator:
        yield simulator


async def _add_through_flow(hass: HomeAssistant, simulator: ConsoleSimulator) -> MockConfigEntry:
    """Add the stack as a user does: menu, network form, confirmation."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": simulator.port, "name": "Battery"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS  # the search for the stack
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"]["dialect"] == "Pylontech console"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    hass.config_entries.async_update_entry(entry, options=FAST_OPTIONS)
    await hass.async_block_till_done()
    return entry  # type: ignore[no-any-return]


def _state(hass: HomeAssistant, entry: MockConfigEntry, unique_id: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _readings(simulator: ConsoleSimulator) -> list[Reading]:
    console = simulator.console
    return list(console.stack.readings(console.now()))


@pytest.mark.usefixtures("every_entity_enabled")
async def test_force_h2_string_of_modules(hass: HomeAssistant, force_h2: ConsoleSimulator) -> None:
    """The controller is the stack device; each module is a device with its own cells; the
    string's voltage is the sum of the modules' and its current is theirs, not a sum."""
    entry = await _add_through_flow(hass, force_h2)
    assert entry.data[CONF_DIALECT] == "console"
    assert entry.data[CONF_ADDRESSES] == [1, 2, 3]
    devices = {
        device.name: device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    assert sorted(devices) == [
        "Battery",
        "Battery Module 1",
        "Battery Module 2",
        "Battery Module 3",
    ]
    assert devices["Battery"].model == "Force_H2"
    assert entry.unique_id == devices["Battery"].serial_number
    assert devices["Battery Module 2"].via_device_id == devices["Battery"].id

    units = _readings(force_h2)
    uid = entry.entry_id
    for address, unit in enumerate(units, start=1):
        assert float(_state(hass, entry, f"{uid}_{address}_voltage")) == unit.voltage_mv / 1000
        assert float(_state(hass, entry, f"{uid}_{address}_current")) == unit.current_ma / 1000
        assert float(_state(hass, entry, f"{uid}_{address}_soc")) == unit.soc
        for cell, millivolts in enumerate(unit.cells_mv, start=1):
            state = _state(hass, entry, f"{uid}_{address}_cell_voltage_{cell}")
            assert float(state) == millivolts / 1000
    string_volts = sum(unit.voltage_mv for unit in units) / 1000
    assert float(_state(hass, entry, f"{uid}_stack_voltage")) == pytest.approx(string_volts)
    assert float(_state(hass, entry, f"{uid}_stack_current")) == units[0].current_ma / 1000
    power = float(_state(hass, entry, f"{uid}_stack_power"))
    assert power == pytest.approx(string_volts * units[0].current_ma / 1000, abs=0.01)


async def test_us_console_packs_in_parallel(
    hass: HomeAssistant, us_console: ConsoleSimulator
) -> None:
    """A US master's console: one device per pack, the stack current is the packs' sum."""
    entry = await _add_through_flow(hass, us_console)
    devices = sorted(
        device.name
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    )
    assert devices == ["Battery", "Battery Pack 1", "Battery Pack 2", "Battery Pack 3"]
    packs = _readings(us_console)
    uid = entry.entry_id
    for address, pack in enumerate(packs, start=1):
        assert float(_state(hass, entry, f"{uid}_{address}_voltage")) == pack.voltage_mv / 1000
        assert float(_state(hass, entry, f"{uid}_{address}_soc")) == pack.soc
        full = float(_state(hass, entry, f"{uid}_{address}_full_capacity"))
        assert full == pack.full_mah / 1000
        prefix = f"{uid}_{address}_cell_voltage_"
        cells = [
            entity
            for entity in er.async_entries_for_config_entry(er.async_get(hass), uid)
            if entity.unique_id.startswith(prefix) and entity.unique_id[len(prefix) :].isdigit()
        ]
        assert len(cells) == len(pack.cells_mv)
    total = sum(pack.current_ma for pack in packs) / 1000
    assert float(_state(hass, entry, f"{uid}_stack_current")) == pytest.approx(total)


async def test_console_fault_and_recovery(hass: HomeAssistant, force_h2: ConsoleSimulator) -> None:
    """A console that stops answering makes every value unavailable; they come back after."""
    entry = await _add_through_flow(hass, force_h2)
    uid = entry.entry_id
    assert _state(hass, entry, f"{uid}_1_voltage") != STATE_UNAVAILABLE
    force_h2.faults = "drop=1"
    await refresh(hass, entry)
    assert _state(hass, entry, f"{uid}_1_voltage") == STATE_UNAVAILABLE
    assert _state(hass, entry, f"{uid}_stack_voltage") == STATE_UNAVAILABLE
    force_h2.faults = None
    await refresh(hass, entry)
    await refresh(hass, entry)
    unit = _readings(force_h2)[0]
    assert float(_state(hass, entry, f"{uid}_1_voltage")) == unit.voltage_mv / 1000


async def test_console_diagnostics_redact_barcodes(
    hass: HomeAssistant, force_h2: ConsoleSimulator
) -> None:
    """`info` answers carry barcodes: diagnostics show the exchange but not them."""
    entry = await _add_through_flow(hass, force_h2)
    await refresh(hass, entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)  # type: ignore[arg-type]
    commands = {frame["command"] for frame in diagnostics["raw_frames"]}
    assert {"pwr", "unit", "bat"} <= commands
    text = repr(diagnostics)
    barcode = device_of(hass, entry, entry.entry_id).serial_number
    assert barcode
    assert barcode not in text
    assert diagnostics["stack"]["dialect"] == "console"
    assert diagnostics["last_poll"]["topology"] == "series"
