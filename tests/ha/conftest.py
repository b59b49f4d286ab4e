"""Home Assistant test set-up: the integration from this repository, and real simulators.

Every stack in these tests is the library's simulator on a loopback port; its clock stands still
(at `SIMULATION_TIME`) unless a test moves it, so values are the same in every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import PropertyMock, patch

from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

from custom_components.pylontech.bms.simulator import Simulator
from custom_components.pylontech.const import (
    CONF_ADDRESSES,
    CONF_CONNECTION,
    CONF_DIALECT,
    CONF_GAP,
    CONF_SCAN_INTERVAL,
    CONF_TIMEOUT,
    CONNECTION_NETWORK,
    DOMAIN,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

SIMULATION_TIME = 1000.0
FAST_OPTIONS = {CONF_SCAN_INTERVAL: 30, CONF_GAP: 0.0, CONF_TIMEOUT: 0.3}
"""Loopback needs no pause between requests, and answers within milliseconds."""


class Clock:
    """The simulation time; a test moves it to make values drift."""

    def __init__(self) -> None:
        self.t = SIMULATION_TIME

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def every_entity_enabled() -> Iterator[None]:
    """Entities that are off by default (single cells, single temperatures, a pack's energy
    counters) are created enabled: for tests that read every value a pack has."""
    with patch.object(
        Entity, "entity_registry_enabled_default", new_callable=PropertyMock, return_value=True
    ):
        yield


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant find this integration in every test of this folder."""


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """The simulators listen on loopback; pytest-homeassistant blocks sockets otherwise."""


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in `snapshots/`, as HA's own fixture would (syrupy's shadows it here)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


def simulator_for(dialect: str, packs: int, clock: Clock, **kwargs: object) -> Simulator:
    """A simulator of `packs` packs with a still clock and a fixed seed."""
    return Simulator(dialect, packs, clock=clock, seed=7, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def pace(clock: Clock) -> AsyncIterator[Simulator]:
    """A 2-pack PACE (SOK) stack."""
    async with simulator_for("pace", 2, clock) as simulator:
        yield simulator


@pytest.fixture
async def pylontech(clock: Clock) -> AsyncIterator[Simulator]:
    """A 2-pack Pylontech stack."""
    async with simulator_for("pylontech", 2, clock) as simulator:
        yield simulator


@pytest.fixture
async def seplos(clock: Clock) -> AsyncIterator[Simulator]:
    """A 2-pack Seplos v2 stack (ADR 0 and 1): a dialect with SOC and SOH of its own."""
    async with simulator_for("seplos", 2, clock) as simulator:
        yield simulator


@pytest.fixture(params=["pylontech", "pace"])
def simulator(request: pytest.FixtureRequest) -> Simulator:
    """The 2-pack stack of each dialect (the `pylontech` or `pace` fixture)."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture(params=["pylontech", "pace", "seplos"])
def any_stack(request: pytest.FixtureRequest) -> Simulator:
    """`simulator`, and a Seplos stack too: a later dialect, shown to work with nothing
    changed but the kinds of values it has (SOH, its flags), for the entity tests."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def entry_for(
    simulator: Simulator, *, title: str = "Battery", **options: object
) -> MockConfigEntry:
    """A config entry as the config flow makes it for `simulator`."""
    dialect = simulator.stack.dialect
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=simulator.stack.master.identity.serial_number,
        data={
            CONF_CONNECTION: CONNECTION_NETWORK,
            "host": "127.0.0.1",
            "port": simulator.port,
            "name": title,
            CONF_DIALECT: dialect.name,
            CONF_ADDRESSES: [pack.address for pack in simulator.stack.packs],
        },
        options={**FAST_OPTIONS, **options},
    )


async def add_entry(
    hass: HomeAssistant, simulator: Simulator, **options: object
) -> MockConfigEntry:
    """Add and set up an entry for `simulator`."""
    entry = entry_for(simulator, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One poll of the stack, and the state writes it causes."""
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def device_of(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> dr.DeviceEntry:
    """The entry's device with the identifier (DOMAIN, `identifier`).

    By config entry, as every Home Assistant we test can look up (`async_get_device` is
    deprecated from 2026.9 on).
    """
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    found = [device for device in devices if (DOMAIN, identifier) in device.identifiers]
    assert len(found) == 1, f"{len(found)} devices with {identifier!r}"
    return found[0]
