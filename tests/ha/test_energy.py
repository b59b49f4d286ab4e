"""Charged and discharged energy: the meter's arithmetic, and the sensors in Home Assistant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import random
from typing import TYPE_CHECKING

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, UnitOfEnergy
from homeassistant.core import State
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.pylontech.bms.derive.energy_meter import (
    C_RATE,
    JOULES_PER_KWH,
    MAX_POWER_UNKNOWN_CAPACITY,
    EnergyMeter,
    EnergyTotals,
    max_power,
)

from .conftest import add_entry
from .snapshot_helpers import entity_id_for, served

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.pylontech.bms.simulator import Simulator

    from .conftest import Clock

KEYS = ("charged_energy", "discharged_energy")
STEP = 30.0  # s between polls: the entries' scan interval

# -- the meter -----------------------------------------------------------------------------------


def kwh(joules: float) -> float:
    return joules / JOULES_PER_KWH


@dataclass(frozen=True)
class Reading:
    """The part of a pack's analog values the meter reads."""

    power: float | None
    voltage: float | None = 51.2
    full_capacity: float | None = 100.0
    design_capacity: float | None = None


def watts(power: float) -> Reading:
    """A poll of a 100 Ah pack at 51.2 V (a US5000) with `power`."""
    return Reading(power)


def test_first_reading_counts_nothing() -> None:
    meter = EnergyMeter(max_gap=120)
    meter.add(2, watts(5000.0), 100.0)
    assert meter.total(2) == EnergyTotals(0.0, 0.0)
    assert 2 in meter.totals


def test_trapezoid_while_charging() -> None:
    """1 kW rising to 2 kW over an hour: 1.5 kWh charged, nothing discharged."""
    meter = EnergyMeter(max_gap=7200)
    meter.add(2, watts(1000.0), 0.0)
    meter.add(2, watts(2000.0), 3600.0)
    assert meter.total(2) == EnergyTotals(charged=1.5, discharged=0.0)


def test_trapezoid_while_discharging() -> None:
    """-1 kW to -3 kW over half an hour: 1 kWh discharged."""
    meter = EnergyMeter(max_gap=7200)
    meter.add(2, watts(-1000.0), 0.0)
    meter.add(2, watts(-3000.0), 1800.0)
    assert meter.total(2) == EnergyTotals(charged=0.0, discharged=1.0)


def test_zero_crossing_from_charging() -> None:
    """1 kW to -3 kW over an hour: zero after 900 s; 0.125 kWh in, then 1.125 kWh out."""
    meter = EnergyMeter(max_gap=7200)
    meter.add(2, watts(1000.0), 0.0)
    meter.add(2, watts(-3000.0), 3600.0)
    assert meter.total(2) == EnergyTotals(charged=0.125, discharged=1.125)


def test_zero_crossing_from_discharging() -> None:
    """-2 kW to 6 kW over 400 s: zero after 100 s; 20 kJ out, then 900 kJ in."""
    meter = EnergyMeter(max_gap=7200)
    meter.add(3, watts(-2000.0), 0.0)
    meter.add(3, watts(6000.0), 400.0)
    totals = meter.total(3)
    assert totals.discharged == pytest.approx(kwh(2000 / 2 * 100), rel=1e-12)
    assert totals.charged == pytest.approx(kwh(6000 / 2 * 300), rel=1e-12)


@pytest.mark.parametrize(
    ("start", "end", "charged", "discharged"),
    [(0.0, 3600.0, 0.5, 0.0), (0.0, -3600.0, 0.0, 0.5), (-3600.0, 0.0, 0.0, 0.5), (0.0, 0.0, 0, 0)],
)
def test_from_or_to_zero(start: float, end: float, charged: float, discharged: float) -> None:
    meter = EnergyMeter(max_gap=7200)
    meter.add(2, watts(start), 0.0)
    meter.add(2, watts(end), 1000.0)
    assert meter.total(2) == EnergyTotals(charged=charged, discharged=discharged)


def test_longer_than_max_gap_is_skipped() -> None:
    """A gap over `max_gap` counts nothing, but the reading after it starts the next interval."""
    meter = EnergyMeter(max_gap=120)
    meter.add(2, watts(3600.0), 0.0)
    meter.add(2, watts(3600.0), 121.0)
    assert meter.total(2) == EnergyTotals(0.0, 0.0)
    meter.add(2, watts(3600.0), 241.0)  # exactly max_gap: counted
    assert meter.total(2) == EnergyTotals(charged=kwh(3600 * 120), discharged=0.0)


def test_non_positive_intervals_count_nothing() -> None:
    meter = EnergyMeter(max_gap=120)
    meter.add(2, watts(1000.0), 50.0)
    meter.add(2, watts(1000.0), 50.0)
    meter.add(2, watts(1000.0), 40.0)
    assert meter.total(2) == EnergyTotals(0.0, 0.0)
    meter.add(2, watts(1000.0), 100.0)  # counted from the last reading (40 s)
    assert meter.total(2) == EnergyTotals(charged=kwh(1000 * 60), discharged=0.0)


def test_packs_are_counted_apart() -> None:
    meter = EnergyMeter(max_gap=120)
    for at in (0.0, 60.0):
        meter.add(2, watts(1200.0), at)
        meter.add(3, watts(-2400.0), at)
    assert meter.total(2) == EnergyTotals(charged=0.02, discharged=0.0)
    assert meter.total(3) == EnergyTotals(charged=0.0, discharged=0.04)
    assert meter.total(4) == EnergyTotals(0.0, 0.0)
    assert 4 not in meter.totals  # asking does not add a pack


def test_totals_only_grow_and_add_up() -> None:
    """Random swings: both totals never shrink, and charged - discharged is the net area."""
    rng = random.Random(3)
    meter = EnergyMeter(max_gap=60)
    at, power, net = 0.0, 0.0, 0.0
    meter.add(2, watts(power), at)
    previous = EnergyTotals()
    for _ in range(2000):
        seconds = rng.choice([0.0, rng.uniform(0.1, 60.0), rng.uniform(60.1, 300.0)])
        new = rng.uniform(-5000.0, 5000.0)
        if 0 < seconds <= 60:
            net += (power + new) / 2 * seconds
        at += seconds
        power = new
        meter.add(2, watts(power), at)
        totals = meter.total(2)
        assert totals.charged >= previous.charged
        assert totals.discharged >= previous.discharged
        previous = EnergyTotals(totals.charged, totals.discharged)
    assert previous.charged > 1
    assert previous.discharged > 1
    assert previous.charged - previous.discharged == pytest.approx(kwh(net), abs=1e-9)


def test_the_issue_jump_is_refused() -> None:
    """Issue 11: one reading of 1.3e19 W (a voltage of 1e18 V at 13 A) jumped the discharged
    counter by 1.08e14 kWh in one 30 s poll. It is refused, and the counting goes on after it."""
    meter = EnergyMeter(max_gap=120)
    meter.add(2, watts(-600.0), 0.0)
    meter.add(2, Reading(power=-1.3e19, voltage=1e18), 30.0)
    assert meter.total(2) == EnergyTotals(0.0, 0.0)
    meter.add(2, watts(-600.0), 60.0)  # the interval after the absurd one is not counted either
    assert meter.total(2) == EnergyTotals(0.0, 0.0)
    meter.add(2, watts(-600.0), 90.0)
    assert meter.total(2) == EnergyTotals(charged=0.0, discharged=kwh(600 * 30))


@pytest.mark.parametrize("power", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_power_is_refused(power: float) -> None:
    meter = EnergyMeter(max_gap=120)
    meter.add(2, watts(1000.0), 0.0)
    meter.add(2, watts(power), 30.0)
    meter.add(2, watts(1000.0), 60.0)
    assert meter.total(2) == EnergyTotals(0.0, 0.0)


def test_power_bound_follows_the_pack() -> None:
    """C_RATE x capacity (full, else design) x voltage; a fixed bound without a capacity."""
    assert max_power(Reading(None, voltage=50.0, full_capacity=100.0)) == C_RATE * 5000.0
    assert max_power(Reading(None, voltage=50.0, full_capacity=None, design_capacity=50.0)) == (
        C_RATE * 2500.0
    )
    assert max_power(Reading(None, voltage=50.0, full_capacity=None)) == (
        MAX_POWER_UNKNOWN_CAPACITY
    )
    assert max_power(Reading(None, voltage=None)) == MAX_POWER_UNKNOWN_CAPACITY
    # Values out of the library's ranges (bms/plausible.py) are not trusted for the bound.
    assert max_power(Reading(None, voltage=1e18)) == 0.0
    assert max_power(Reading(None, voltage=50.0, full_capacity=1e9)) == (MAX_POWER_UNKNOWN_CAPACITY)
    limit = C_RATE * 100.0 * 51.2
    for power, counted in ((limit, True), (-limit, True), (limit * 1.01, False)):
        meter = EnergyMeter(max_gap=120)
        meter.add(2, watts(power), 0.0)
        meter.add(2, watts(power), 36.0)
        assert (meter.total(2) != EnergyTotals()) is counted, power


def test_a_small_pack_at_a_big_packs_power_is_refused() -> None:
    """2 kW is a normal reading for a 100 Ah pack and impossible for a 5 Ah one (15 C)."""
    meter = EnergyMeter(max_gap=120)
    for at in (0.0, 30.0):
        meter.add(2, watts(2000.0), at)
        meter.add(3, Reading(2000.0, voltage=26.6, full_capacity=5.0), at)
    assert meter.total(2) == EnergyTotals(charged=kwh(2000 * 30), discharged=0.0)
    assert meter.total(3) == EnergyTotals(0.0, 0.0)
    assert 3 in meter.totals


# -- the sensors ---------------------------------------------------------------------------------


@pytest.fixture(params=["pylontech", "pace"])
def simulator(request: pytest.FixtureRequest) -> Simulator:
    """The 2-pack stack of each dialect (the `pylontech` or `pace` fixture)."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def split_kwh(start: float, end: float, seconds: float) -> tuple[float, float]:
    """(charged, discharged) kWh under the line from `start` W to `end` W."""
    if start * end >= 0:
        area = (start + end) / 2 * seconds
        return (kwh(area), 0.0) if start + end >= 0 else (0.0, kwh(-area))
    crossing = start / (start - end) * seconds
    first, second = start / 2 * crossing, end / 2 * (seconds - crossing)
    return (kwh(first), kwh(-second)) if start > 0 else (kwh(second), kwh(-first))


class Expected:
    """What each pack must have counted, from the powers the simulator served at each poll."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.powers = {pack.address: self._power(pack.address) for pack in simulator.stack.packs}
        self.totals = {address: [0.0, 0.0] for address in self.powers}

    def _power(self, address: int) -> float:
        power = served(self.simulator, address)[0].power
        assert power is not None
        return power

    def polled(self, seconds: float) -> None:
        """A poll `seconds` after the previous one."""
        for address, before in self.powers.items():
            now = self.powers[address] = self._power(address)
            charged, discharged = split_kwh(before, now, seconds)
            self.totals[address][0] += charged
            self.totals[address][1] += discharged


def energy_states(hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator) -> dict:
    """(address or None for the stack, key) -> the energy sensor's value."""
    values = {}
    for address in [None, *(pack.address for pack in simulator.stack.packs)]:
        for key in KEYS:
            state = hass.states.get(entity_id_for(hass, entry, key, address))
            assert state is not None
            values[address, key] = float(state.state)
    return values


async def poll_later(
    hass: HomeAssistant, entry: MockConfigEntry, clock: Clock, freezer: FrozenDateTimeFactory,
    seconds: float = STEP,
) -> None:  # fmt: skip
    """Move Home Assistant's time and the simulation by `seconds`, then poll."""
    freezer.tick(timedelta(seconds=seconds))
    clock.t += seconds
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def start_before_a_swing(simulator: Simulator, clock: Clock) -> None:
    """Put the simulation 75 s before the current of the master turns from - to +."""
    address = simulator.stack.master.address
    start = clock.t
    for second in range(600):
        clock.t = start + second
        if served(simulator, address)[0].current > 0 and second:  # type: ignore[operator]
            clock.t = start + second - 75
            assert served(simulator, address)[0].current < 0  # type: ignore[operator]
            return
    pytest.fail("the current never turned")


@pytest.mark.usefixtures("every_entity_enabled")
async def test_energy_sensors_are_for_the_energy_dashboard(
    hass: HomeAssistant, pylontech: Simulator
) -> None:
    """kWh, device class energy, state class total_increasing, on the stack and every pack."""
    entry = await add_entry(hass, pylontech)
    for address in [None, *(pack.address for pack in pylontech.stack.packs)]:
        for key in KEYS:
            state = hass.states.get(entity_id_for(hass, entry, key, address))
            assert state is not None
            assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR
            assert state.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENERGY
            assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
            assert state.state == "0.0"  # one reading so far: no interval yet


@pytest.mark.usefixtures("every_entity_enabled")
async def test_energy_counts_what_the_packs_did(
    hass: HomeAssistant, simulator: Simulator, clock: Clock, freezer: FrozenDateTimeFactory
) -> None:
    """Over polls 30 s apart (frozen time moved by the test), through a swing to charging.

    The coordinator times readings with `time.monotonic()`, which freezegun moves: the counts
    match 30 s intervals exactly, where real time between polls is a few milliseconds.
    """
    start_before_a_swing(simulator, clock)
    entry = await add_entry(hass, simulator)
    expected = Expected(simulator)
    previous = energy_states(hass, entry, simulator)
    assert set(previous.values()) == {0.0}
    for _ in range(5):
        await poll_later(hass, entry, clock, freezer)
        expected.polled(STEP)
        values = energy_states(hass, entry, simulator)
        for where, value in values.items():
            assert value >= previous[where], where
        for address, (charged, discharged) in expected.totals.items():
            assert values[address, "charged_energy"] == pytest.approx(charged, abs=1e-6)
            assert values[address, "discharged_energy"] == pytest.approx(discharged, abs=1e-6)
        for index, key in enumerate(KEYS):
            total = sum(counted[index] for counted in expected.totals.values())
            assert values[None, key] == pytest.approx(total, abs=2e-6)
        previous = values
    # The swing was crossed: both directions counted, on every pack.
    assert all(charged > 0 and discharged > 0 for charged, discharged in expected.totals.values())


@pytest.mark.usefixtures("every_entity_enabled")
async def test_scheduled_polls_count(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock, freezer: FrozenDateTimeFactory
) -> None:
    """The coordinator's own schedule (the scan interval) polls and counts, no manual refresh."""
    entry = await add_entry(hass, pylontech)
    expected = Expected(pylontech)
    frames = len(entry.runtime_data.client.raw_frames)
    for _ in range(3):
        freezer.tick(timedelta(seconds=STEP))
        clock.t += STEP
        async_fire_time_changed(hass, dt_util.utcnow())
        await hass.async_block_till_done(wait_background_tasks=True)
        expected.polled(STEP)
    assert len(entry.runtime_data.client.raw_frames) > frames
    values = energy_states(hass, entry, pylontech)
    for address, (charged, discharged) in expected.totals.items():
        assert values[address, "charged_energy"] == pytest.approx(charged, abs=1e-6)
        assert values[address, "discharged_energy"] == pytest.approx(discharged, abs=1e-6)
    assert values[None, "discharged_energy"] > 0


@pytest.mark.usefixtures("every_entity_enabled")
async def test_a_long_silence_is_not_counted(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock, freezer: FrozenDateTimeFactory
) -> None:
    """Polls 200 s apart (over 3 scan intervals) count nothing; 30 s apart again, they do."""
    entry = await add_entry(hass, pylontech)
    await poll_later(hass, entry, clock, freezer, seconds=200)
    assert set(energy_states(hass, entry, pylontech).values()) == {0.0}
    expected = Expected(pylontech)
    await poll_later(hass, entry, clock, freezer)
    expected.polled(STEP)
    values = energy_states(hass, entry, pylontech)
    for address, (charged, discharged) in expected.totals.items():
        assert (charged, discharged) != (0.0, 0.0)
        assert values[address, "charged_energy"] == pytest.approx(charged, abs=1e-6)
        assert values[address, "discharged_energy"] == pytest.approx(discharged, abs=1e-6)


@pytest.mark.usefixtures("every_entity_enabled")
async def test_restored_after_restart(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock, freezer: FrozenDateTimeFactory
) -> None:
    """Each energy sensor starts from its value before the restart and counts on from there."""
    restored = {
        "sensor.battery_charged_energy": 100.0,
        "sensor.battery_discharged_energy": 80.25,
        "sensor.battery_pack_1_charged_energy": 12.5,
        "sensor.battery_pack_1_discharged_energy": 7.125,
        # Pack 2 has no stored value: it starts from zero.
    }
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(entity_id, str(value)),
                {"native_value": value, "native_unit_of_measurement": "kWh"},
            )
            for entity_id, value in restored.items()
        ],
    )
    start_before_a_swing(pylontech, clock)
    entry = await add_entry(hass, pylontech)
    master, other = (pack.address for pack in pylontech.stack.packs)
    base = {
        (None, "charged_energy"): 100.0,
        (None, "discharged_energy"): 80.25,
        (master, "charged_energy"): 12.5,
        (master, "discharged_energy"): 7.125,
        (other, "charged_energy"): 0.0,
        (other, "discharged_energy"): 0.0,
    }
    for (address, key), value in base.items():  # the entity ids restored are these
        assert entity_id_for(hass, entry, key, address) in restored or value == 0.0
    assert energy_states(hass, entry, pylontech) == base

    expected = Expected(pylontech)
    previous = base
    for _ in range(4):
        await poll_later(hass, entry, clock, freezer)
        expected.polled(STEP)
        values = energy_states(hass, entry, pylontech)
        assert all(values[where] >= previous[where] for where in values)
        for address in (master, other):
            for index, key in enumerate(KEYS):
                counted = expected.totals[address][index]
                assert values[address, key] == pytest.approx(base[address, key] + counted, abs=1e-6)
        for key in KEYS:
            packs = sum(values[address, key] - base[address, key] for address in (master, other))
            assert values[None, key] == pytest.approx(base[None, key] + packs, abs=2e-6)
        previous = values
    assert values[master, "charged_energy"] > 12.5
    assert values[master, "discharged_energy"] > 7.125


@pytest.mark.usefixtures("every_entity_enabled")
async def test_kept_across_a_reload(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock, freezer: FrozenDateTimeFactory
) -> None:
    """Reloading the entry (a new coordinator, its meter at zero) keeps the totals and adds on."""
    entry = await add_entry(hass, pylontech)
    for _ in range(3):
        await poll_later(hass, entry, clock, freezer)
    before = energy_states(hass, entry, pylontech)
    assert before[None, "discharged_energy"] > 0

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert energy_states(hass, entry, pylontech) == before
    assert entry.runtime_data.energy.total(pylontech.stack.master.address) == EnergyTotals()

    await poll_later(hass, entry, clock, freezer)
    after = energy_states(hass, entry, pylontech)
    assert all(after[where] >= before[where] for where in after)
    assert sum(after.values()) > sum(before.values())
    meter = entry.runtime_data.energy
    for pack in pylontech.stack.packs:
        counted = meter.total(pack.address)
        for key, value in zip(KEYS, (counted.charged, counted.discharged), strict=True):
            assert after[pack.address, key] == pytest.approx(
                before[pack.address, key] + value, abs=1e-6
            )
