"""Sensors against a real simulator: snapshots, values equal to what it served, availability."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.pylontech.bms import parse_frame
from custom_components.pylontech.bms.derive import StackSummary, summarize
from custom_components.pylontech.bms.models import ChargeDischargeManagement, PackData, StackData
from custom_components.pylontech.bms.simulator import SimulatedStack
from custom_components.pylontech.bms.simulator.served import analog_values
from custom_components.pylontech.const import DOMAIN
from custom_components.pylontech.sensor_values import battery_state as _battery_state

from .conftest import Clock, add_entry, refresh, simulator_for
from .snapshot_helpers import (
    battery_state,
    device_projection,
    entity_id_for,
    expected_pack_sensors,
    platform_projection,
    served,
    shown,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from custom_components.pylontech.bms.models import PackAnalogValues
    from custom_components.pylontech.bms.simulator import Simulator

FAST_FAILURE = {"timeout": 0.1}
"""Requests that go unanswered give up quickly (the loopback answers in a millisecond)."""


def assert_pack_shows(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, address: int
) -> None:
    """Every sensor of the pack shows what the simulator serves at its current clock.

    Exactly what the wire carries; and that is the simulator's model, but for the Pylontech
    current (0.1 A on the wire, 0.01 A in the model) and the power derived from it.
    """
    analog, alarm = served(simulator, address)
    expected = expected_pack_sensors(analog, alarm)
    shown_values = {
        key: shown(hass.states.get(entity_id_for(hass, entry, key, address))) for key in expected
    }
    assert shown_values == expected
    model = expected_pack_sensors(
        simulator.stack.analog_values(address), simulator.stack.alarm_info(address)
    )
    assert shown_values["current"] == pytest.approx(model["current"], abs=0.05)
    assert shown_values["power"] == pytest.approx(model["power"], abs=0.05 * analog.voltage + 0.01)  # type: ignore[operator]
    del shown_values["current"], shown_values["power"], model["current"], model["power"]
    if model["battery_state"] != shown_values["battery_state"]:  # a current within 0.05 A of 0.1 A
        assert abs(abs(analog.current) - 0.1) <= 0.05  # type: ignore[arg-type]
        del shown_values["battery_state"], model["battery_state"]
    assert shown_values == model


def assert_stack_shows(hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator) -> None:
    """The stack sensors: sums, the capacity-weighted SOC and the extreme cells of the packs."""
    first = simulator.stack.dialect.first_address
    packs = [served(simulator, pack.address)[0] for pack in simulator.stack.packs]
    full = sum(pack.full_capacity for pack in packs)  # type: ignore[misc]
    soc = sum(pack.soc * pack.full_capacity for pack in packs) / full  # type: ignore[operator]
    expected = {
        "power": round(sum(pack.power for pack in packs), 3),  # type: ignore[misc]
        "current": round(sum(pack.current for pack in packs), 3),  # type: ignore[misc]
        "voltage": round(sum(pack.voltage for pack in packs) / len(packs), 3),  # type: ignore[misc]
        "soc": round(soc, 1),
        "remaining_capacity": round(sum(pack.remaining_capacity for pack in packs), 3),  # type: ignore[misc]
        "full_capacity": round(full, 3),
    }
    assert {
        key: shown(hass.states.get(entity_id_for(hass, entry, key))) for key in expected
    } == expected
    # The extreme cells, found cell by cell: the first one on a tie (packs in address order).
    cells = [
        (voltage, pack.address - first + 1, number)  # type: ignore[operator]
        for pack in packs
        for number, voltage in enumerate(pack.cell_voltages, start=1)
    ]
    lowest = min(cells, key=lambda cell: cell[0])
    highest = max(cells, key=lambda cell: cell[0])
    for key, (voltage, pack_number, cell) in (
        ("cell_voltage_min", lowest),
        ("cell_voltage_max", highest),
    ):
        state = hass.states.get(entity_id_for(hass, entry, key))
        assert state is not None
        assert (float(state.state), state.attributes["pack"], state.attributes["cell"]) == (
            voltage,
            pack_number,
            cell,
        ), key


def entry_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """entity_id -> state of every enabled entity of the entry."""
    registry = er.async_get(hass)
    states = {}
    for item in er.async_entries_for_config_entry(registry, entry.entry_id):
        if item.disabled_by is None:
            state = hass.states.get(item.entity_id)
            assert state is not None, item.entity_id
            states[item.entity_id] = state.state
    return states


async def test_snapshot(
    hass: HomeAssistant, any_stack: Simulator, snapshot: SnapshotAssertion
) -> None:
    """Devices and every sensor (disabled ones from the registry, without a state)."""
    entry = await add_entry(hass, any_stack)
    assert device_projection(hass, entry) == snapshot(name="devices")
    assert platform_projection(hass, entry, "sensor") == snapshot(name="sensors")


@pytest.mark.usefixtures("every_entity_enabled")
async def test_pack_sensors_equal_simulator(
    hass: HomeAssistant, any_stack: Simulator, clock: Clock
) -> None:
    """Each pack's sensors show the values the simulator served, before and after a drift."""
    entry = await add_entry(hass, any_stack)
    addresses = [pack.address for pack in any_stack.stack.packs]
    for address in addresses:
        assert_pack_shows(hass, entry, any_stack, address)
    voltage = entity_id_for(hass, entry, "voltage", addresses[0])
    before = hass.states.get(voltage)
    clock.t += 200  # a third of the simulated cycle: every value has moved
    await refresh(hass, entry)
    assert hass.states.get(voltage) != before
    for address in addresses:
        assert_pack_shows(hass, entry, any_stack, address)


async def test_stack_sensors(hass: HomeAssistant, simulator: Simulator, clock: Clock) -> None:
    """Stack power, current, SOC, capacities and extreme cells from the packs' values."""
    entry = await add_entry(hass, simulator)
    assert_stack_shows(hass, entry, simulator)
    clock.t += 350
    await refresh(hass, entry)
    assert_stack_shows(hass, entry, simulator)


async def test_stack_soc_is_capacity_weighted(
    hass: HomeAssistant, pace: Simulator, clock: Clock
) -> None:
    """PACE packs differ in full capacity: the stack SOC is not the plain mean of the packs'."""
    entry = await add_entry(hass, pace)
    packs = [pace.stack.analog_values(pack.address) for pack in pace.stack.packs]
    assert packs[0].full_capacity != packs[1].full_capacity
    weighted = sum(p.soc * p.full_capacity for p in packs) / sum(p.full_capacity for p in packs)  # type: ignore[operator,misc]
    plain = sum(p.soc for p in packs) / len(packs)  # type: ignore[misc]
    assert round(weighted, 1) != round(plain, 1)
    assert shown(hass.states.get(entity_id_for(hass, entry, "soc"))) == round(weighted, 1)


async def test_disabled_sensors_when_enabled(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock
) -> None:
    """The cell numbers, disabled by default, show the lowest and highest cell once enabled."""
    entry = await add_entry(hass, pylontech)
    registry = er.async_get(hass)
    keys = ("cell_voltage_min_cell", "cell_voltage_max_cell")
    entity_ids = [
        entity_id_for(hass, entry, key, pack.address)
        for pack in pylontech.stack.packs
        for key in keys
    ]
    for entity_id in entity_ids:
        item = registry.async_get(entity_id)
        assert item is not None
        assert item.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None
        registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(2):
        for pack in pylontech.stack.packs:
            analog, _ = served(pylontech, pack.address)
            cells = analog.cell_voltages
            low = cells.index(min(cells)) + 1  # type: ignore[type-var]
            high = cells.index(max(cells)) + 1  # type: ignore[type-var]
            for key, cell in zip(keys, (low, high), strict=True):
                assert shown(hass.states.get(entity_id_for(hass, entry, key, pack.address))) == cell
        clock.t += 170
        await refresh(hass, entry)


async def test_battery_state_follows_current(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock
) -> None:
    """Charging, discharging and idle (|current| <= 0.1 A) as the simulated current swings.

    The Pylontech wire carries 0.1 A steps, so the edges (exactly +-0.1 A: idle) are served too.
    """
    entry = await add_entry(hass, pylontech)
    address = pylontech.stack.master.address
    sensor = entity_id_for(hass, entry, "battery_state", address)
    start = clock.t
    wanted = {"charging", "discharging", 0.1, -0.1, 0.0}
    # Search the cycle (600 s) for a moment of each, in 0.1 s steps.
    for step in range(6000):
        clock.t = start + step * 0.1
        current = served(pylontech, address)[0].current
        state = battery_state(current)
        found = current if state == "idle" else state
        if found not in wanted:
            continue
        wanted.discard(found)
        await refresh(hass, entry)
        assert hass.states.get(sensor).state == state, current  # type: ignore[union-attr]
        if not wanted:
            break
    assert not wanted


@pytest.mark.usefixtures("every_entity_enabled")
async def test_all_unavailable_then_back(
    hass: HomeAssistant, simulator: Simulator, clock: Clock
) -> None:
    """No answer at all: every entity is unavailable; the next answer brings all back, right."""
    entry = await add_entry(hass, simulator, **FAST_FAILURE)
    addresses = [pack.address for pack in simulator.stack.packs]
    before = entry_states(hass, entry)
    assert STATE_UNAVAILABLE not in before.values()
    assert any(entity_id.startswith("binary_sensor.") for entity_id in before)

    simulator.faults = "drop=1"
    clock.t += 60
    await refresh(hass, entry)
    assert not entry.runtime_data.last_update_success
    assert set(entry_states(hass, entry).values()) == {STATE_UNAVAILABLE}

    simulator.faults = None
    clock.t += 60
    await refresh(hass, entry)
    assert entry.runtime_data.last_update_success
    after = entry_states(hass, entry)
    assert STATE_UNAVAILABLE not in after.values()
    assert after.keys() == before.keys()
    for address in addresses:
        assert_pack_shows(hass, entry, simulator, address)
    assert_stack_shows(hass, entry, simulator)


@pytest.mark.usefixtures("every_entity_enabled")
async def test_one_pack_unavailable(
    hass: HomeAssistant, simulator: Simulator, clock: Clock
) -> None:
    """A pack that stops answering: only its entities and the stack totals go unavailable."""
    entry = await add_entry(hass, simulator, **FAST_FAILURE)
    registry = er.async_get(hass)
    full_stack = simulator.stack
    master, other = (pack.address for pack in full_stack.packs)
    other_entities = {
        item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.unique_id.startswith(f"{entry.entry_id}_{other}_") and item.disabled_by is None
    }
    stack_entities = {
        item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.unique_id.startswith(f"{entry.entry_id}_stack_")
    }
    assert other_entities
    assert len(stack_entities) == 15

    # The second pack is gone from the bus: requests for it get no answer.
    simulator.stack = SimulatedStack(full_stack.dialect, [full_stack.pack(master)], simulator.now)
    clock.t += 45
    await refresh(hass, entry)
    assert entry.runtime_data.last_update_success
    states = entry_states(hass, entry)
    unavailable = {entity_id for entity_id, state in states.items() if state == STATE_UNAVAILABLE}
    assert unavailable == other_entities | stack_entities
    assert_pack_shows(hass, entry, simulator, master)

    simulator.stack = full_stack
    clock.t += 45
    await refresh(hass, entry)
    assert STATE_UNAVAILABLE not in entry_states(hass, entry).values()
    for address in (master, other):
        assert_pack_shows(hass, entry, simulator, address)
    assert_stack_shows(hass, entry, simulator)


@pytest.mark.usefixtures("every_entity_enabled")
async def test_numbered_temperatures(hass: HomeAssistant, pylontech: Simulator) -> None:
    """A pack with a temperature count the dialect has no names for: "Temperature 1", ..."""
    dialect = pylontech.stack.dialect
    address = pylontech.stack.master.address
    pack = pylontech.stack.pack(address)
    usual = pack.analog_values

    def three_temperatures(t: float) -> PackAnalogValues:
        model = usual(t)
        return analog_values(
            dialect,
            address=address,
            cell_voltages=model.cell_voltages,
            temperatures=model.temperatures[:3],
            current=model.current,  # type: ignore[arg-type]
            voltage=model.voltage,
            remaining_capacity=model.remaining_capacity,
            full_capacity=model.full_capacity,
            design_capacity=model.design_capacity,
            cycles=model.cycles,
        )

    pack.analog_values = three_temperatures  # type: ignore[method-assign]
    entry = await add_entry(hass, pylontech)
    analog, _ = served(pylontech, address)
    assert analog.temperature_names == ("temperature_1", "temperature_2", "temperature_3")
    registry = er.async_get(hass)
    for index, temperature in enumerate(analog.temperatures, start=1):
        entity_id = entity_id_for(hass, entry, f"temperature_{index}", address)
        assert entity_id == f"sensor.battery_pack_1_temperature_{index}"
        item = registry.async_get(entity_id)
        assert item is not None
        assert item.translation_key == "temperature_numbered"
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes["friendly_name"] == f"Battery Pack 1 Temperature {index}"
        assert float(state.state) == temperature
    assert (
        registry.async_get_entity_id("sensor", DOMAIN, f"{entry.entry_id}_{address}_temperature_4")
        is None
    )
    # The other pack still has its five named sensors.
    assert entity_id_for(hass, entry, "temperature_5", address + 1).endswith(
        "_cells_13_16_temperature"
    )


def test_summary_needs_every_pack_and_value() -> None:
    """A stack value is None unless every pack answered with what it needs."""
    stack = simulator_for("pylontech", 2, Clock()).stack  # its models; it need not listen
    models = [stack.analog_values(pack.address) for pack in stack.packs]

    def summary(*packs: PackAnalogValues | None) -> StackSummary:
        data = StackData(
            dialect="pylontech",
            packs=tuple(
                PackData(address=address, analog=model, alarm=None)
                for address, model in zip((2, 3), packs, strict=True)
            ),
        )
        return summarize(data, first_address=2)

    whole = summary(*models)
    assert None not in (whole.power, whole.soc, whole.cell_voltage_min, whole.cell_voltage_max)
    assert summary(models[0], None) == StackSummary()
    assert summarize(StackData(dialect="pylontech", packs=()), 2) == StackSummary()

    no_current = summary(models[0], replace(models[1], current=None, power=None))
    assert (no_current.current, no_current.power) == (None, None)
    assert no_current.soc == whole.soc
    no_full = summary(replace(models[0], full_capacity=None), models[1])
    assert (no_full.full_capacity, no_full.soc) == (None, None)
    assert no_full.remaining_capacity == whole.remaining_capacity
    no_soc = summary(models[0], replace(models[1], soc=None))
    assert no_soc.soc is None
    assert no_soc.full_capacity == whole.full_capacity
    no_cells = summary(models[0], replace(models[1], cell_voltage_min=None))
    assert (no_cells.cell_voltage_min, no_cells.cell_voltage_max) == (None, None)
    assert no_cells.power == whole.power
    no_voltage = summary(replace(models[0], voltage=None), models[1])
    assert no_voltage.voltage is None
    assert _battery_state(replace(models[0], current=None)) is None


async def test_limits_and_the_energy_dashboards_power(
    hass: HomeAssistant, pylontech: Simulator
) -> None:
    """Each pack's 0x92 limits as served, and the power in the Energy dashboard's sign."""
    entry = await add_entry(hass, pylontech)
    dialect = pylontech.stack.dialect
    for pack in pylontech.stack.packs:
        limits = dialect.decode(
            0x92, parse_frame(pylontech.stack.pack_answer(0x92, pack.address).frame)
        )
        assert isinstance(limits, ChargeDischargeManagement)
        assert limits.discharge_current_limit is not None and limits.discharge_current_limit < 0

        def state(key: str, platform: str = "sensor", address: int = pack.address) -> str | None:
            return shown(hass.states.get(entity_id_for(hass, entry, key, address, platform)))

        assert [float(state(key) or "nan") for key in LIMIT_KEYS] == [
            limits.charge_voltage_limit,
            limits.discharge_voltage_limit,
            limits.charge_current_limit,
            -limits.discharge_current_limit,  # shown as its size
        ]
        assert [state(key, "binary_sensor") for key in ("charge_allowed", "discharge_allowed")] == [
            "on" if limits.charge_enable else "off",
            "on" if limits.discharge_enable else "off",
        ]
        item = er.async_get(hass).async_get(
            entity_id_for(hass, entry, "discharge_power", pack.address)
        )
        assert item is not None and item.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    power = float(shown(hass.states.get(entity_id_for(hass, entry, "power"))) or "nan")
    discharging = float(
        shown(hass.states.get(entity_id_for(hass, entry, "discharge_power"))) or "nan"
    )
    assert power < 0  # the simulator starts discharging
    assert discharging == -power


LIMIT_KEYS = (
    "charge_voltage_limit",
    "discharge_voltage_limit",
    "charge_current_limit",
    "discharge_current_limit",
)


async def test_what_a_pack_records_by_default(hass: HomeAssistant, pace: Simulator) -> None:
    """The values that change on most polls and are on by default are the few an owner reads
    (sensor_descriptions.RECORDED_BY_DEFAULT); the single cells and temperature sensors, the
    average cell voltage and the pack's energy counters are one option away."""
    entry = await add_entry(hass, pace)
    prefix = f"{entry.entry_id}_1_"
    enabled, disabled = set(), set()
    for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if item.domain == "sensor" and item.unique_id.startswith(prefix):
            key = item.unique_id.removeprefix(prefix)
            (disabled if item.disabled_by else enabled).add(key)
    changing = {
        "voltage", "current", "power", "remaining_capacity", "cell_voltage_min",
        "cell_voltage_max", "cell_voltage_delta", "cell_temperature_min", "cell_temperature_max",
    }  # fmt: skip
    assert changing <= enabled
    cells = {f"cell_voltage_{n}" for n in range(1, 17)}
    temperatures = {f"temperature_{n}" for n in range(1, 7)}
    off = {"cell_voltage_average", "charged_energy", "discharged_energy", "discharge_power"}
    assert cells | temperatures | off <= disabled
