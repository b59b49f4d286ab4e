"""Binary sensors against a real simulator: snapshots, flags as served, injected alarms."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.helpers import entity_registry as er

from custom_components.pylontech.binary_sensor import LIMIT_BINARY_SENSORS, descriptions_for
from custom_components.pylontech.bms.models import AlarmLevel, FlagCategory
from custom_components.pylontech.bms.simulator.served import alarm_info, status_bytes

from .conftest import Clock, add_entry, refresh, simulator_for
from .snapshot_helpers import entity_id_for, platform_projection, served, shown

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from custom_components.pylontech.bms.models import PackAlarmInfo
    from custom_components.pylontech.bms.simulator import Simulator

SUMMARIES = (FlagCategory.WARNING, FlagCategory.PROTECTION, FlagCategory.FAULT)
# A fault each dialect reports, to inject.
FAULT = {"pylontech": "cell_3_voltage_error", "pace": "cell_fault"}


def on_off(value: bool) -> str:
    return STATE_ON if value else STATE_OFF


def expected_flags(alarm: PackAlarmInfo) -> dict[str, str]:
    """Binary sensor key -> state, for every flag and summary the alarm answer supports."""
    cells = len(alarm.cell_states)
    expected = {
        flag.key: on_off(flag.active)
        for flag in alarm.flags
        # Pylontech names 16 per-cell bits; a pack has sensors only for the cells it has.
        if not (flag.key.endswith("_voltage_error") and int(flag.key.split("_")[1]) > cells)
    }
    categories = {flag.category for flag in alarm.flags}
    for category in SUMMARIES:
        if category in categories:
            active = [flag for flag in alarm.flags if flag.category is category and flag.active]
            expected[str(category)] = on_off(bool(active))
    if alarm.balancing_cells is not None:
        expected["balancing"] = on_off(bool(alarm.balancing_cells))
    return expected


def pack_binary_states(
    hass: HomeAssistant, entry: MockConfigEntry, address: int
) -> dict[str, str | None]:
    """Binary sensor key -> state of the pack's binary sensors (None where disabled)."""
    registry = er.async_get(hass)
    prefix = f"{entry.entry_id}_{address}_"
    states: dict[str, str | None] = {}
    for item in er.async_entries_for_config_entry(registry, entry.entry_id):
        if item.domain == "binary_sensor" and item.unique_id.startswith(prefix):
            state = hass.states.get(item.entity_id)
            states[item.unique_id.removeprefix(prefix)] = state.state if state else None
    return states


def assert_flags_shown(hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator) -> None:
    """Every enabled binary sensor of every pack shows the flag the simulator served."""
    limit_keys = {description.key for description in LIMIT_BINARY_SENSORS}
    for pack in simulator.stack.packs:
        expected = expected_flags(served(simulator, pack.address)[1])
        states = pack_binary_states(hass, entry, pack.address)
        states = {key: state for key, state in states.items() if key not in limit_keys}
        assert states.keys() == expected.keys()
        enabled = {key: state for key, state in states.items() if state is not None}
        assert enabled == {key: expected[key] for key in enabled}


def inject(simulator: Simulator, address: int, flags: dict[str, bool]) -> None:
    """From now on the pack reports these flags set (and its voltage above its upper limit)."""
    pack = simulator.stack.pack(address)
    dialect = simulator.stack.dialect
    healthy = pack.alarm_info

    def alarm(t: float) -> PackAlarmInfo:
        normal = healthy(t)
        changed = alarm_info(
            dialect,
            address=address,
            cell_states=normal.cell_states,
            temperature_states=normal.temperature_states,
            voltage_state=AlarmLevel.ABOVE_UPPER_LIMIT,
            status=status_bytes(dialect, base=normal.status_bytes, flags=flags),
        )
        return replace(changed, extra=normal.extra)

    pack.alarm_info = alarm  # type: ignore[method-assign]


async def test_snapshot(
    hass: HomeAssistant, any_stack: Simulator, snapshot: SnapshotAssertion
) -> None:
    """Every binary sensor (disabled ones from the registry, without a state)."""
    entry = await add_entry(hass, any_stack)
    assert platform_projection(hass, entry, "binary_sensor") == snapshot(name="binary_sensors")


async def test_flags_equal_simulator(
    hass: HomeAssistant, any_stack: Simulator, clock: Clock
) -> None:
    """Flags and summaries as served while discharging, then while charging."""
    entry = await add_entry(hass, any_stack)
    address = any_stack.stack.master.address
    assert served(any_stack, address)[0].current < 0  # type: ignore[operator]
    assert_flags_shown(hass, entry, any_stack)
    before = pack_binary_states(hass, entry, address)

    clock.t += 150  # a quarter cycle on: charging at 0.7 of the peak current
    assert served(any_stack, address)[0].current > 0  # type: ignore[operator]
    await refresh(hass, entry)
    assert_flags_shown(hass, entry, any_stack)
    after = pack_binary_states(hass, entry, address)
    # What shows the swing from discharging to charging: a status bit, or (PACE, which has
    # none, and Seplos) the balancing that starts while charging.
    key = "using_battery_power" if any_stack.stack.dialect.name == "pylontech" else "balancing"
    assert (before[key], after[key]) == (
        (STATE_ON, STATE_OFF) if key == "using_battery_power" else (STATE_OFF, STATE_ON)
    )


async def test_injected_alarms(hass: HomeAssistant, simulator: Simulator) -> None:
    """A protection and a fault of one pack: its summaries turn on, the other pack's stay off."""
    entry = await add_entry(hass, simulator)
    dialect = simulator.stack.dialect.name
    first, second = (pack.address for pack in simulator.stack.packs)
    voltage_state = entity_id_for(hass, entry, "voltage_state", second)
    assert hass.states.get(voltage_state).state == "normal"  # type: ignore[union-attr]
    for address in (first, second):
        states = pack_binary_states(hass, entry, address)
        assert (states["protection"], states["fault"]) == (STATE_OFF, STATE_OFF)

    summaries = [entity_id_for(hass, entry, "alarms", address) for address in (first, second)]
    summaries.append(entity_id_for(hass, entry, "alarms"))
    assert [shown(hass.states.get(entity_id)) for entity_id in summaries] == ["OK"] * 3

    inject(simulator, second, {"charge_over_current_protection": True, FAULT[dialect]: True})
    await refresh(hass, entry)
    assert_flags_shown(hass, entry, simulator)
    states = pack_binary_states(hass, entry, second)
    assert states["charge_over_current_protection"] == STATE_ON
    assert (states["protection"], states["fault"]) == (STATE_ON, STATE_ON)
    assert states[FAULT[dialect]] == (STATE_ON if dialect == "pace" else None)  # else disabled
    assert shown(hass.states.get(voltage_state)) == "above_upper_limit"
    states = pack_binary_states(hass, entry, first)
    assert (states["protection"], states["fault"]) == (STATE_OFF, STATE_OFF)
    # The summaries name what is wrong, protections first, and where (the stack's).
    keys = ["charge_over_current_protection", FAULT[dialect], "voltage_above_upper_limit"]
    words = ", ".join(key.replace("_", " ").capitalize() for key in keys)
    pack_summary, stack_summary = hass.states.get(summaries[1]), hass.states.get(summaries[2])
    assert pack_summary is not None and stack_summary is not None
    assert (pack_summary.state, pack_summary.attributes["alarms"]) == (words, keys)
    number = second - simulator.stack.master.address + 1
    assert stack_summary.state == f"Pack {number}: {words.replace(', ', '; ')}"
    assert stack_summary.attributes["alarms"] == {f"pack_{number}": keys}
    assert shown(hass.states.get(summaries[0])) == "OK"

    del simulator.stack.pack(second).alarm_info  # the pack's own method again
    await refresh(hass, entry)
    assert_flags_shown(hass, entry, simulator)
    states = pack_binary_states(hass, entry, second)
    assert (states["protection"], states["fault"]) == (STATE_OFF, STATE_OFF)
    assert hass.states.get(voltage_state).state == "normal"  # type: ignore[union-attr]
    assert [shown(hass.states.get(entity_id)) for entity_id in summaries] == ["OK"] * 3


async def test_disabled_flags_when_enabled(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock
) -> None:
    """The flags disabled by default (cell errors, buzzer, ...) work once enabled."""
    entry = await add_entry(hass, pylontech)
    registry = er.async_get(hass)
    disabled = [
        item
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
        if item.domain == "binary_sensor" and item.disabled_by is not None
    ]
    keys = {item.unique_id.split("_", 2)[2] for item in disabled}
    assert {"cell_3_voltage_error", "buzzer", "effective_charge_current"} <= keys
    for item in disabled:
        assert item.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        registry.async_update_entity(item.entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    master = pylontech.stack.master.address
    assert None not in pack_binary_states(hass, entry, master).values()
    assert_flags_shown(hass, entry, pylontech)

    inject(pylontech, master, {"cell_3_voltage_error": True})
    clock.t += 150
    await refresh(hass, entry)
    assert_flags_shown(hass, entry, pylontech)
    states = pack_binary_states(hass, entry, master)
    assert (states["cell_3_voltage_error"], states["cell_4_voltage_error"]) == (STATE_ON, STATE_OFF)
    assert states["fault"] == STATE_ON
    assert (states["effective_charge_current"], states["effective_discharge_current"]) == (
        STATE_ON,
        STATE_OFF,
    )


def test_flags_found_in_any_order() -> None:
    """Flags are looked up by key when an answer does not list them in the dialect's order."""
    alarm = served(simulator_for("pace", 1, Clock()), 1)[1]
    alarm = replace(alarm, flags=tuple(
        replace(flag, active=flag.key in {"cell_fault", "short_circuit_protection"})
        for flag in alarm.flags
    ))  # fmt: skip
    descriptions = {d.key: d for d in descriptions_for(alarm)}
    shuffled = replace(alarm, flags=alarm.flags[::-1])
    for flag in alarm.flags:
        assert descriptions[flag.key].is_on_fn(alarm) is flag.active
        assert descriptions[flag.key].is_on_fn(shuffled) is flag.active
    assert descriptions["fault"].is_on_fn(shuffled) is True
    fewer = replace(alarm, flags=alarm.flags[1:])
    assert descriptions[alarm.flags[0].key].is_on_fn(fewer) is None
