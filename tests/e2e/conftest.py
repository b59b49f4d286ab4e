"""A real Home Assistant process with the integration added through its config-flow API.

The simulator runs in the test's event loop (so a test can inject faults); `hass` runs as a
process of its own on a free loopback port with a temporary configuration directory.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
import re
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.pylontech.bms.simulator import ConsoleSimulator, Simulator
from dev.hass import HomeAssistantApi, HomeAssistantProcess, stack_added

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

USER = {"name": "Test User", "username": "tester", "password": "e2e-password"}
WARNED = re.compile(r"deprecat|will stop working|no longer (be )?supported", re.IGNORECASE)


def deprecation_lines(log: str) -> list[str]:
    """Lines of a `hass` log that call this integration deprecated or say it will stop working
    (Home Assistant names the integration, or its file, in such a report)."""
    return [line for line in log.splitlines() if "pylontech" in line and WARNED.search(line)]


class Clock:
    """A still simulation clock: the values the simulator serves do not drift."""

    t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Talk to `hass` and the simulator on loopback (pytest-homeassistant blocks sockets)."""


@dataclass
class Running:
    """What `running_stack` started."""

    simulator: Simulator | ConsoleSimulator
    hass: HomeAssistantProcess
    api: HomeAssistantApi
    entry: dict[str, Any]


@asynccontextmanager
async def running_stack(
    config_dir: Path, dialect: str = "pace", packs: int = 3, *, console: str | None = None
) -> AsyncIterator[Running]:
    """Simulator, `hass`, onboarding, the integration added as a user adds it; all stopped after.

    With `console` (a console model such as "force-h2"), the simulator is that console instead.
    Once all went well, the log must hold no report that the integration uses something
    deprecated (the newest Home Assistant tells what will stop working in its next releases).
    """
    simulator: Simulator | ConsoleSimulator = (
        Simulator(dialect, packs, clock=Clock(), seed=11)
        if console is None
        else ConsoleSimulator(console, packs, clock=Clock(), seed=11)
    )
    async with simulator, stack_added(config_dir, simulator.port, USER) as (hass, api, entry):
        yield Running(simulator, hass, api, entry)
    assert deprecation_lines(hass.log.read_text(errors="replace")) == []
