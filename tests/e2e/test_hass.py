"""A real `hass` process: the integration added through the config-flow API shows every pack
with the simulator's values, goes unavailable under a fault and comes back, and nothing is left
running afterwards."""

from __future__ import annotations

import asyncio
import socket
from typing import TYPE_CHECKING, Any

from awesomeversion import AwesomeVersion

from custom_components.pylontech.bms.simulator import ConsoleSimulator, Simulator

from .conftest import deprecation_lines, running_stack

if TYPE_CHECKING:
    from pathlib import Path

    from dev.hass import HomeAssistantApi


async def _refresh(api: HomeAssistantApi, entity_id: str) -> None:
    """Ask for a poll now, as the "update entity" action does (instead of waiting 30 s)."""
    await api.post_service("homeassistant", "update_entity", {"entity_id": entity_id})


async def _wait_for(api: HomeAssistantApi, check: Any) -> dict[str, Any]:
    """Poll the states until `check(states)` holds (at most 30 s); the states then."""
    async with asyncio.timeout(30):
        while not check(states := await api.states()):  # noqa: ASYNC110  # another process
            await asyncio.sleep(0.3)
    return states


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_real_home_assistant(tmp_path: Path) -> None:
    """Devices and values from the simulator; a fault and its recovery; a clean stop."""
    async with running_stack(tmp_path / "config", "pace", 3) as running:
        api, simulator, entry = running.api, running.simulator, running.entry
        assert entry["domain"] == "pylontech"
        assert entry["title"] == "Battery"

        devices = await api.devices(entry["entry_id"])
        assert sorted(d["name"] for d in devices) == [
            "Battery", "Battery Pack 1", "Battery Pack 2", "Battery Pack 3",
        ]  # fmt: skip
        stack = next(d for d in devices if d["name"] == "Battery")
        packs = [d for d in devices if d["name"] != "Battery"]
        assert all(d["via_device_id"] == stack["id"] for d in packs)

        voltage = "sensor.battery_pack_{}_voltage"
        states = await _wait_for(
            api, lambda s: all(s.get(voltage.format(n), {}).get("state") not in
                               (None, "unavailable", "unknown") for n in (1, 2, 3))
        )  # fmt: skip
        assert isinstance(simulator, Simulator)
        for number, pack in enumerate(simulator.stack.packs, start=1):
            served = simulator.stack.analog_values(pack.address)
            prefix = f"sensor.battery_pack_{number}"
            assert float(states[f"{prefix}_voltage"]["state"]) == served.voltage
            assert float(states[f"{prefix}_current"]["state"]) == served.current
            assert float(states[f"{prefix}_cycles"]["state"]) == served.cycles
            cells = served.cell_voltages
            assert float(states[f"{prefix}_lowest_cell_voltage"]["state"]) == min(cells)  # type: ignore[type-var]
            assert float(states[f"{prefix}_highest_cell_voltage"]["state"]) == max(cells)  # type: ignore[type-var]
            # The single cells are off by default (README, What the history costs): no state.
            width = 2 if len(cells) >= 10 else 1  # "Cell 01 voltage"
            assert not any(f"{prefix}_cell_{c:0{width}d}_voltage" in states for c in (1, 2))
            assert states[f"{prefix}_voltage"]["attributes"]["unit_of_measurement"] == "V"
        assert states["sensor.battery_power"]["attributes"]["device_class"] == "power"

        # The serial form as the frontend gets it: the port field is HA's serial port selector
        # (USB adapters, ESPHome serial proxies, or typed by hand) where HA has it.
        form = await api.config_flow("pylontech", {"next_step_id": "serial"})
        assert form["step_id"] == "serial"
        device = next(field for field in form["data_schema"] if field["name"] == "device")
        version = AwesomeVersion((await api.get("/api/config"))["version"])
        if version >= AwesomeVersion("2026.10.0"):
            assert device["selector"] == {"serial_port": {}}
        else:
            assert device["type"] == "string"

        # Every request dropped: the next poll fails and every entity goes unavailable ...
        simulator.faults = "drop=1"
        await _refresh(api, voltage.format(1))
        await _wait_for(
            api, lambda s: all(s[voltage.format(n)]["state"] == "unavailable" for n in (1, 2, 3))
        )
        # ... and comes back with the same values once the fault clears.
        simulator.faults = None
        await asyncio.sleep(1.1)  # past the client's first backoff step
        await _refresh(api, voltage.format(1))
        states = await _wait_for(
            api, lambda s: all(s[voltage.format(n)]["state"] != "unavailable" for n in (1, 2, 3))
        )
        served = simulator.stack.analog_values(simulator.stack.packs[0].address)
        assert float(states[voltage.format(1)]["state"]) == served.voltage
        process = running.hass.process
        ports = (running.hass.port, simulator.port)
        assert process is not None

    # Everything it started is gone: the process, its port, the simulator's port.
    assert process.poll() is not None
    assert not any(_listening(port) for port in ports)


async def test_real_home_assistant_console_string(tmp_path: Path) -> None:
    """A Force H2 console: the controller as the stack device, one device per module with the
    values the console serves, and the string voltage as the sum of the modules'."""
    async with running_stack(tmp_path / "config", packs=2, console="force-h2") as running:
        api, simulator = running.api, running.simulator
        assert isinstance(simulator, ConsoleSimulator)
        devices = await api.devices(running.entry["entry_id"])
        assert sorted(d["name"] for d in devices) == [
            "Battery", "Battery Module 1", "Battery Module 2",
        ]  # fmt: skip
        assert next(d for d in devices if d["name"] == "Battery")["model"] == "Force_H2"
        voltage = "sensor.battery_module_{}_voltage"
        states = await _wait_for(
            api, lambda s: all(s.get(voltage.format(n), {}).get("state") not in
                               (None, "unavailable", "unknown") for n in (1, 2))
        )  # fmt: skip
        units = simulator.console.stack.readings(simulator.console.now())
        for number, unit in enumerate(units, start=1):
            prefix = f"sensor.battery_module_{number}"
            assert float(states[f"{prefix}_voltage"]["state"]) == unit.voltage_mv / 1000
            assert float(states[f"{prefix}_current"]["state"]) == unit.current_ma / 1000
            lowest = float(states[f"{prefix}_lowest_cell_voltage"]["state"])
            assert lowest == min(unit.cells_mv) / 1000
        string = sum(unit.voltage_mv for unit in units) / 1000
        assert float(states["sensor.battery_voltage"]["state"]) == string


def test_deprecation_reports_are_recognised() -> None:
    """The report HA 2026.8+ logs for a `via_device` link (seen on 2026.11.0), and none of the
    lines every start logs for a custom integration."""
    reported = (
        "2026-12-06 10:12:01.123 WARNING (MainThread) [homeassistant.helpers.frame] Detected that"
        " custom integration 'pylontech' calls `device_registry.async_get_or_create` with a"
        " deprecated `via_device` parameter; use `via_device_id` instead at"
        " custom_components/pylontech/entity.py, line 53: async_add_entities(entities). This will"
        " stop working in Home Assistant 2027.8.0, please create a bug report at"
        " https://github.com/pylontech-bms/ha-pylontech/issues"
    )
    untested = (
        "2026-12-06 10:11:58.456 WARNING (SyncWorker_0) [homeassistant.loader] We found a custom"
        " integration pylontech which has not been tested by Home Assistant. This component might"
        " cause stability problems, be sure to disable it if you experience issues with Home"
        " Assistant"
    )
    assert deprecation_lines(f"{untested}\n{reported}\n") == [reported]
