"""Home Assistant benchmark: event-loop time of one coordinator refresh of a 16-pack stack.

Run by `scripts/bench` with `.venv/bin/python` (Home Assistant and
pytest-homeassistant-custom-component come from requirements/dev.txt). A real Home Assistant
runs in this process, on an event loop made by Home Assistant's own loop policy, built as the
tests build it (`pytest_homeassistant_custom_component.common.async_test_home_assistant`:
registries in memory, nothing written to disk; custom integrations enabled as the
`enable_custom_integrations` fixture does). The integration is loaded from this repository and
set up from a config entry as the config flow makes it for a 16-pack PACE (SOK) stack with 16
cells per pack, served by the library's simulator on loopback TCP.

The simulator runs in a process of its own (this script with `--serve`, told on its stdin which
scenario to serve), so that neither its CPU time nor a profile of it mixes with the measured
loop's. Every figure is CPU time of the Home Assistant loop's thread (`time.thread_time()`,
user and system): `refresh` around `await coordinator.async_refresh()` (the poll: requests,
answers, framing and decoding; the coordinator; the entities' state writes and Home Assistant's
state machine; not the time spent waiting for the wire); `poll` around the client's `poll()`
within it; `listeners` around the coordinator's `async_update_listeners()` within it (the
entity side alone); `gc` the garbage collections within it. `decode` replays the answers of the
last poll through `parse_frame` and the dialect's decoder alone (best of `DECODE_PASSES`).

`changed`: the simulator alternates between two scenarios in which every value differs (every
cell, temperature, capacity, cycle count, SOC and alarm state, every flag, charging against
discharging), so that every entity gets a new state at every refresh. `unchanged`: the simulator
serves one scenario of a stack at rest (0 A, so the energy counters stand still) again and
again, so that no entity gets a new state. Which happened is checked, not assumed: each refresh
counts the states that changed and the writes that changed nothing (`states_changed`,
`writes_unchanged`: Home Assistant only moved `last_reported`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import cProfile
from dataclasses import dataclass, field
import gc
import inspect
import io
import logging
from pathlib import Path
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
# pytest-homeassistant-custom-component ships a `custom_components` package of its own: this
# repository's must come first on the path, where Home Assistant's loader finds it.
sys.path.insert(0, str(ROOT))

from homeassistant import loader  # noqa: E402
from homeassistant.config_entries import ConfigEntryState  # noqa: E402
from homeassistant.const import STATE_UNAVAILABLE, __version__ as HA_VERSION  # noqa: E402
from homeassistant.helpers import entity_platform, entity_registry as er, frame  # noqa: E402
from homeassistant.runner import HassEventLoopPolicy  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.pylontech.bms.binary.frame import parse_frame  # noqa: E402
from custom_components.pylontech.bms.dialects import get_dialect  # noqa: E402
from custom_components.pylontech.bms.models import PackData  # noqa: E402
from custom_components.pylontech.bms.serialize import pack_to_json  # noqa: E402
from custom_components.pylontech.bms.simulator import Simulator  # noqa: E402
from custom_components.pylontech.bms.simulator.binary.scenario import (  # noqa: E402
    Scenario,
    load_scenario,
)
from custom_components.pylontech.const import (  # noqa: E402
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
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant, State

    from custom_components.pylontech.bms.binary.client import PylontechClient
    from custom_components.pylontech.coordinator import PylontechCoordinator

DIALECT = "pace"  # SOK packs: 16 cells and 6 temperatures each
PACKS = 16
CELLS = 16
REFRESHES = 20
"""Timed refreshes of each case."""
WARMUP = 4
"""Untimed refreshes before each case."""
DECODE_PASSES = 20
SEED = 7
SIMULATION_TIME = 1000.0
"""The invented stack the scenarios start from is read at this time of its cycle."""
CURRENT = 20.0
"""A per pack: charging in one `changed` scenario, discharging in the other."""
TARGET_CHANGED_MS = 30.0
TARGET_UNCHANGED_MS = 3.0
TARGET_CLIENT_CPU_US = 60.0
TARGET_CHANGED_RATIO = 1.3
"""A changed refresh costs at most this many times HA's own writes of the same states."""
OPTIONS = {CONF_SCAN_INTERVAL: 3600, CONF_GAP: 0.0, CONF_TIMEOUT: 2.0}
"""No scheduled refresh during the bench; loopback needs no gap between requests."""


class BenchError(Exception):
    """Home Assistant or the stack did not come up as the benchmark needs."""


def figure(name: str, value: float | str, unit: str) -> None:
    """Print one result line: `name: value unit`."""
    print(f"ha.{name}: {value} {unit}", flush=True)


# -- the scenarios and the simulator process -----------------------------------------------------


def base_document() -> dict[str, Any]:
    """The invented 16-pack stack of `DIALECT` at `SIMULATION_TIME`, as `read --json` prints it."""
    simulator = Simulator(DIALECT, PACKS, seed=SEED, clock=lambda: SIMULATION_TIME)
    t = simulator.now()
    packs = [
        pack_to_json(
            PackData(address=pack.address, analog=pack.analog_values(t), alarm=pack.alarm_info(t))
        )
        for pack in simulator.stack.packs
    ]
    cells = {len(pack["cell_voltages"]) for pack in packs}
    if cells != {CELLS}:
        msg = f"the {DIALECT} simulator invents packs of {cells} cells, not {CELLS}"
        raise BenchError(msg)
    return {"dialect": DIALECT, "packs": packs}


def scenarios(base: dict[str, Any]) -> dict[str, Scenario]:
    """`first` and `second`, in which every value differs, and `rest`, a stack at rest.

    `first` charges with every flag clear, every alarm state normal, both MOSFETs on and no
    cell balancing; `second` discharges with every flag set, every alarm state above its limit,
    both MOSFETs off, every cell balancing, and every number moved (the highest cells by 13 mV,
    the others by 10 mV, so that the cells' minimum, maximum, average and spread move too).
    `rest` is `first` at 0 A.
    """
    first = copy.deepcopy(base)
    second = copy.deepcopy(base)
    for one, two in zip(first["packs"], second["packs"], strict=True):
        for key in ("power", "voltage", "soc_source", "extra", "status_bytes"):
            one.pop(key, None)  # derived from the rest, or set through the keys below
            two.pop(key, None)
        one["current"] = CURRENT
        two["current"] = -CURRENT
        one["flags"] = dict.fromkeys(one["flags"], False)
        two["flags"] = dict.fromkeys(two["flags"], True)
        for key in ("charge_mosfet", "discharge_mosfet"):
            one[key] = one["flags"][key] = True
            two[key] = two["flags"][key] = False
        one["balancing_cells"] = []
        two["balancing_cells"] = list(range(1, CELLS + 1))
        for key in ("voltage_state", "charge_current_state", "discharge_current_state"):
            one[key] = "normal"
            two[key] = "above_upper_limit"
        one["cell_states"] = ["normal"] * CELLS
        two["cell_states"] = ["above_upper_limit"] * CELLS
        one["temperature_states"] = ["normal"] * len(one["temperatures"])
        two["temperature_states"] = ["above_upper_limit"] * len(two["temperatures"])
        highest = max(one["cell_voltages"])
        two["cell_voltages"] = [
            round(v + (0.013 if v == highest else 0.010), 3) for v in one["cell_voltages"]
        ]
        two["temperatures"] = [round(t + 1.5, 1) for t in one["temperatures"]]
        two["remaining_capacity"] = round(one["remaining_capacity"] - 5.0, 2)
        two["full_capacity"] = round(one["full_capacity"] - 1.0, 2)
        two["design_capacity"] = one["design_capacity"] + 5.0
        two["cycles"] = one["cycles"] + 1
        two["soc"] = one["soc"] - 6.0
    rest = copy.deepcopy(first)
    for pack in rest["packs"]:
        pack["current"] = 0.0
    return {
        name: load_scenario(document, seed=SEED)
        for name, document in (("first", first), ("second", second), ("rest", rest))
    }


def serve_forever(baud: int | None) -> None:
    """The simulator process (`--serve`): serve the scenario each line of stdin names.

    Prints `port PORT ADDRESS,ADDRESS,...` once listening, then `ok` after each switch; ends
    when stdin does.
    """
    named = scenarios(base_document())

    async def serve() -> None:
        simulator = Simulator(
            scenario=named["first"], seed=SEED, clock=lambda: SIMULATION_TIME, baud=baud
        )
        async with simulator:
            addresses = ",".join(str(pack.address) for pack in simulator.stack.packs)
            print(f"port {simulator.port} {addresses}", flush=True)
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader()
            await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer
            )
            while line := await reader.readline():
                simulator.set_scenario(named[line.decode().strip()])
                print("ok", flush=True)

    asyncio.run(serve())


class SimulatorProcess:
    """The simulator in a process of its own (this script with `--serve`), on loopback TCP."""

    def __init__(self, baud: int | None) -> None:
        """Start the process (its replies throttled to `baud`, if given); wait until it listens."""
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        if baud is not None:
            command += ["--baud", str(baud)]
        self.process = subprocess.Popen(  # this very script
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self._stdin, self._stdout = self.process.stdin, self.process.stdout
        words = self._stdout.readline().split()
        if len(words) != 3 or words[0] != "port":
            self.stop()
            msg = f"the simulator process did not start (it said {' '.join(words)!r})"
            raise BenchError(msg)
        self.port = int(words[1])
        self.addresses = [int(address) for address in words[2].split(",")]

    def serve(self, name: str) -> None:
        """Serve scenario `name` from now on; called between refreshes, never while timing."""
        self._stdin.write(f"{name}\n")
        self._stdin.flush()
        if self._stdout.readline().strip() != "ok":
            msg = f"the simulator process did not switch to {name}"
            raise BenchError(msg)

    def stop(self) -> None:
        """End the process."""
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Answers(asyncio.Protocol):
    """The least a client can do: hold what arrives, wake the waiter at a frame's CR."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is not None and not self.waiter.done() and b"\r" in self.buffer:
            self.waiter.set_result(None)


async def floor_seconds(port: int, address: int, requests: int, rounds: int) -> list[float]:
    """CPU seconds per request of a bare asyncio client on this loop (`floor`).

    It sends the request frames the poll sends (0x42 and 0x44 of one pack) to the same
    simulator process and waits for each answer's CR, with nothing else: no framing, no
    decoding, no deadline. What it costs, the event loop and the kernel's loopback TCP, any
    asyncio client pays on this machine.
    """
    dialect = get_dialect(DIALECT)
    frames = [dialect.encode_request(code, address=address) for code in (0x42, 0x44)]
    loop = asyncio.get_running_loop()
    transport, answers = await loop.create_connection(_Answers, "127.0.0.1", port)
    seconds = []
    try:
        for index in range(WARMUP + rounds):
            start = time.thread_time()
            for request in range(requests):
                answers.buffer.clear()
                answers.waiter = loop.create_future()
                transport.write(frames[request % 2])
                await answers.waiter
            if index >= WARMUP:
                seconds.append((time.thread_time() - start) / requests)
    finally:
        transport.close()
    return seconds


# -- timing --------------------------------------------------------------------------------------


class GcTimer:
    """Adds up the CPU time of garbage collections in one thread while `active`."""

    def __init__(self) -> None:
        """Hook into `gc.callbacks` for the life of the process."""
        self.active = False
        self.seconds = 0.0
        self.full = 0
        """Full (generation 2) collections."""
        self._thread = threading.get_ident()
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def start(self) -> None:
        """Count from zero, in the calling thread, until `active` is cleared."""
        self.seconds = 0.0
        self.full = 0
        self._thread = threading.get_ident()
        self.active = True

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if not self.active or threading.get_ident() != self._thread:
            return
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._start
            self.full += info["generation"] == 2


class MethodTimer:
    """Adds up the CPU time of calls to one method of one object.

    An instance attribute shadows the class's method until `restore()`.
    """

    def __init__(self, owner: object, name: str) -> None:
        """Wrap `owner.name`."""
        self.seconds = 0.0
        self._owner, self._name = owner, name
        method = getattr(owner, name)
        if inspect.iscoroutinefunction(method):
            setattr(owner, name, self._timed_async(method))
        else:
            setattr(owner, name, self._timed(method))

    def _timed(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - start

        return timed

    def _timed_async(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return await method(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - start

        return timed

    def restore(self) -> None:
        """Unwrap: the class's method again."""
        delattr(self._owner, self._name)


def decode_seconds(client: PylontechClient, requests: int) -> float:
    """Best time of parsing and decoding the answers of the last `requests` requests again."""
    answers = [raw for raw in client.raw_frames if raw.direction == "rx"][-requests:]
    if len(answers) != requests:
        msg = f"{len(answers)} answers in the client's history, {requests} expected"
        raise BenchError(msg)
    dialect = client.dialect
    best = float("inf")
    for _ in range(DECODE_PASSES):
        start = time.thread_time()
        for raw in answers:
            dialect.decode(raw.command, parse_frame(raw.data), all_packs=False)
        best = min(best, time.thread_time() - start)
    return best


# -- Home Assistant ------------------------------------------------------------------------------


@dataclass(slots=True)
class Refresh:
    """One timed refresh."""

    seconds: float
    """CPU time of the loop's thread around `async_refresh()`."""
    poll: float
    """... in the client's `poll()` within it."""
    listeners: float
    """... in `async_update_listeners()` within it (0 if it was not called)."""
    gc: float
    """... in garbage collections within it."""
    gc_full: int
    """Full (generation 2) garbage collections within it."""
    wall: float
    """Wall time of `async_refresh()`, the wire included."""
    changed: int
    """States of the entry's entities that changed."""
    unchanged_writes: int
    """Writes that changed nothing (Home Assistant only moved `last_reported`)."""


@dataclass(slots=True)
class Case:
    """The refreshes of one case."""

    name: str
    target_ms: float
    refreshes: list[Refresh] = field(default_factory=list)
    decode: float = 0.0
    state_writes: list[float] = field(default_factory=list)
    """Seconds of HA's own writes of the same changed states, per round (`Bench.state_writes`)."""
    """Seconds to parse and decode one poll's answers, replayed."""


@dataclass(slots=True)
class Stack:
    """What the set-up made: packs and cells read, and the entry's entities."""

    packs: int = 0
    cells: int = 0
    requests: int = 0
    """Requests of one poll."""
    registered: int = 0
    disabled: int = 0
    with_state: int = 0
    available: int = 0
    entity_ids: list[str] = field(default_factory=list)
    """The enabled entities that have a state."""


type Snapshot = list[tuple[State | None, float]]


def snapshot(hass: HomeAssistant, entity_ids: list[str]) -> Snapshot:
    """Each entity's State object and when it was last reported."""
    states = [hass.states.get(entity_id) for entity_id in entity_ids]
    return [(s, s.last_reported_timestamp if s else 0.0) for s in states]


def compare(before: Snapshot, after: Snapshot) -> tuple[int, int]:
    """(states that changed, writes that changed nothing) between two snapshots."""
    changed = unchanged = 0
    for (old, reported), (new, reported_now) in zip(before, after, strict=True):
        if new is not old:
            changed += 1
        elif new is not None and reported_now != reported:
            unchanged += 1
    return changed, unchanged


class Bench:
    """One Home Assistant, one entry for the simulator, and the timers on its coordinator."""

    def __init__(
        self, hass: HomeAssistant, simulator: SimulatorProcess, *, every_sensor: bool = True
    ) -> None:
        """Nothing is set up before `setup()`."""
        self.hass = hass
        self.simulator = simulator
        self.every_sensor = every_sensor
        self.gc = GcTimer()
        self.stack = Stack()
        self._coordinator: PylontechCoordinator | None = None

    @property
    def coordinator(self) -> PylontechCoordinator:
        """The entry's coordinator."""
        assert self._coordinator is not None
        return self._coordinator

    async def setup(self) -> None:
        """Add the entry as the config flow makes it (tests/ha/conftest.py) and set it up."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Battery",
            data={
                CONF_CONNECTION: CONNECTION_NETWORK,
                "host": "127.0.0.1",
                "port": self.simulator.port,
                "name": "Battery",
                CONF_DIALECT: DIALECT,
                CONF_ADDRESSES: self.simulator.addresses,
            },
            options=OPTIONS,
        )
        entry.add_to_hass(self.hass)
        if not await self.hass.config_entries.async_setup(entry.entry_id):
            msg = f"the entry did not set up: {entry.state} {entry.reason}"
            raise BenchError(msg)
        await self.hass.async_block_till_done()
        if self.every_sensor:
            # Every sensor on, as an owner who wants every cell does (and as the defaults were
            # before single cells and temperatures were turned off): the same entities as the
            # figures of earlier releases, so that they compare.
            registry = er.async_get(self.hass)
            for item in er.async_entries_for_config_entry(registry, entry.entry_id):
                if item.domain == "sensor" and item.disabled_by is not None:
                    registry.async_update_entity(item.entity_id, disabled_by=None)
            if not await self.hass.config_entries.async_reload(entry.entry_id):
                msg = f"the entry did not reload: {entry.state} {entry.reason}"
                raise BenchError(msg)
            await self.hass.async_block_till_done()
        integration = await loader.async_get_integration(self.hass, DOMAIN)
        if not integration.file_path.is_relative_to(ROOT / "custom_components"):
            msg = f"Home Assistant loaded the integration from {integration.file_path}"
            raise BenchError(msg)
        self._coordinator = entry.runtime_data
        self.stack = self._describe(entry.entry_id)
        if self.stack.packs != PACKS or self.stack.cells != PACKS * CELLS:
            msg = f"the stack has {self.stack.packs} packs and {self.stack.cells} cells"
            raise BenchError(msg)

    def _describe(self, entry_id: str) -> Stack:
        """Count the packs and cells of the last poll and the entry's entities."""
        stack = Stack()
        analog = [p.analog for p in self.coordinator.data.packs.values() if p.analog is not None]
        stack.packs = len(analog)
        stack.cells = sum(len(pack.cell_voltages) for pack in analog)
        stack.requests = 2 * len(self.coordinator.addresses)  # PACE: 0x42 and 0x44 per pack
        entries = er.async_entries_for_config_entry(er.async_get(self.hass), entry_id)
        stack.registered = len(entries)
        stack.disabled = sum(1 for entry in entries if entry.disabled_by is not None)
        for entry in entries:
            state = self.hass.states.get(entry.entity_id)
            if entry.disabled_by is None and state is not None:
                stack.entity_ids.append(entry.entity_id)
                stack.with_state += 1
                stack.available += state.state != STATE_UNAVAILABLE
        return stack

    async def run_case(
        self, case: Case, plan: Callable[[int], str], refreshes: int,
        profile: cProfile.Profile | None,
    ) -> None:  # fmt: skip
        """Warm up, then time `refreshes` refreshes, serving scenario `plan(index)` before each."""
        coordinator = self.coordinator
        listeners = MethodTimer(coordinator, "async_update_listeners")
        poll = MethodTimer(coordinator.client, "poll")
        try:
            for index in range(WARMUP + refreshes):
                self.simulator.serve(plan(index))
                listeners.seconds = poll.seconds = 0.0
                timed = index >= WARMUP
                result = await self._refresh(profile if timed else None)
                result.poll, result.listeners = poll.seconds, listeners.seconds
                if timed:
                    case.refreshes.append(result)
        finally:
            listeners.restore()
            poll.restore()
        case.decode = decode_seconds(coordinator.client, self.stack.requests)

    async def state_writes(self, plan: Callable[[int], str], rounds: int) -> list[float]:
        """HA's own cost of writing this stack's changed states, in seconds per round.

        A round is `async_write_ha_state()` on every entity, each with a changed state.

        Each entity's state for the scenarios of `plan` is taken from a refresh beforehand;
        then, untimed, each entity is handed the next scenario's state and, timed, Home
        Assistant writes it. What the integration adds on top of this (the poll, deciding what
        changed, computing values) is what the changed refresh costs beyond it.
        """
        entities = [
            entity
            for platform in entity_platform.async_get_platforms(self.hass, DOMAIN)
            for entity in platform.entities.values()
            if entity.entity_id in set(self.stack.entity_ids)
        ]
        shown: list[list[tuple[Any, ...]]] = []
        for index in range(2):
            self.simulator.serve(plan(index))
            await self.coordinator.async_refresh()
            await self.hass.async_block_till_done()
            shown.append([entity._shown for entity in entities])  # noqa: SLF001
        seconds = []
        for index in range(WARMUP + rounds):
            states = shown[index % 2]
            for entity, state in zip(entities, states, strict=True):
                entity._shown = state  # noqa: SLF001
            start = time.thread_time()
            for entity in entities:
                entity.async_write_ha_state()
            if index >= WARMUP:
                seconds.append(time.thread_time() - start)
            await self.hass.async_block_till_done()
        return seconds

    async def _refresh(self, profile: cProfile.Profile | None) -> Refresh:
        """Refresh once; time it, and count what it changed."""
        coordinator = self.coordinator
        before = snapshot(self.hass, self.stack.entity_ids)
        self.gc.start()
        if profile is not None:
            profile.enable()
        wall = time.perf_counter()
        start = time.thread_time()
        await coordinator.async_refresh()
        seconds = time.thread_time() - start
        wall = time.perf_counter() - wall
        if profile is not None:
            profile.disable()
        self.gc.active = False
        if not coordinator.last_update_success:
            msg = f"a refresh failed: {coordinator.last_exception}"
            raise BenchError(msg)
        changed, unchanged = compare(before, snapshot(self.hass, self.stack.entity_ids))
        await self.hass.async_block_till_done()
        return Refresh(
            seconds=seconds, poll=0.0, listeners=0.0, gc=self.gc.seconds, gc_full=self.gc.full,
            wall=wall, changed=changed, unchanged_writes=unchanged,
        )  # fmt: skip


async def measure(
    refreshes: int,
    profiles: dict[str, cProfile.Profile],
    baud: int | None,
    *,
    every_sensor: bool = True,
) -> tuple[Stack, list[Case], list[float]]:
    """Start the simulator and Home Assistant, set the entry up, and time both cases."""
    simulator = SimulatorProcess(baud)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ha-") as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                frame.async_setup(hass)
                # As the enable_custom_integrations fixture does: let the loader look for
                # custom integrations (this repository's `custom_components`, first on the path).
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
                try:
                    bench = Bench(hass, simulator, every_sensor=every_sensor)
                    await bench.setup()
                    changed = Case("changed", TARGET_CHANGED_MS)
                    await bench.run_case(
                        changed, lambda index: ("second", "first")[index % 2], refreshes,
                        profiles.get("changed"),
                    )  # fmt: skip
                    changed.state_writes = await bench.state_writes(
                        lambda index: ("second", "first")[index % 2], refreshes
                    )
                    unchanged = Case("unchanged", TARGET_UNCHANGED_MS)
                    await bench.run_case(
                        unchanged, lambda _: "rest", refreshes, profiles.get("unchanged")
                    )
                    floor = await floor_seconds(
                        simulator.port, simulator.addresses[0], bench.stack.requests, refreshes
                    )
                    return bench.stack, [changed, unchanged], floor
                finally:
                    for entry in hass.config_entries.async_entries(DOMAIN):
                        if entry.state is ConfigEntryState.LOADED:
                            await hass.config_entries.async_unload(entry.entry_id)
                    await hass.async_stop(force=True)
    finally:
        simulator.stop()


# -- the report ----------------------------------------------------------------------------------


def report(stack: Stack, cases: list[Case], floor: list[float]) -> None:
    """Print the counts, then each case's figures with its target."""
    figure("packs", stack.packs, "count")
    figure("cells", stack.cells, "count")
    figure("requests_per_poll", stack.requests, "count")
    figure("entities_registered", stack.registered, "count")
    figure("entities_disabled", stack.disabled, "count")
    figure("entities_with_state", stack.with_state, "count")
    figure("entities_available", stack.available, "count")
    for case in cases:
        runs = case.refreshes
        for name, values in (
            ("refresh", [r.seconds for r in runs]),
            ("poll", [r.poll for r in runs]),
            ("listeners", [r.listeners for r in runs]),
            ("gc", [r.gc for r in runs]),
        ):
            ms = [value * 1000 for value in values]
            prefix = f"{case.name}_{name}"
            figure(f"{prefix}_median_ms", f"{statistics.median(ms):.2f}", "ms")
            if name != "gc":
                figure(f"{prefix}_min_ms", f"{min(ms):.2f}", "ms")
            figure(f"{prefix}_max_ms", f"{max(ms):.2f}", "ms")
        figure(f"{case.name}_gc_full", sum(r.gc_full for r in runs), "count")
        figure(f"{case.name}_decode_ms", f"{case.decode * 1000:.2f}", "ms")
        wall = statistics.median(r.wall for r in runs) * 1000
        figure(f"{case.name}_refresh_wall_median_ms", f"{wall:.2f}", "ms")
        changed = [r.changed for r in runs]
        figure(f"{case.name}_states_changed_min", min(changed), "count")
        figure(f"{case.name}_states_changed_max", max(changed), "count")
        figure(f"{case.name}_writes_unchanged_max", max(r.unchanged_writes for r in runs), "count")
        figure(f"{case.name}_target_ms", f"{case.target_ms:g}", "ms")
        if case.name == "unchanged":
            # The client's CPU per request: the poll's thread time (the simulator is a process
            # of its own, so none of its work is in it) over the poll's requests.
            poll = statistics.median(r.poll for r in runs) * 1e6 / stack.requests
            figure("client_cpu_us_per_request", f"{poll:.0f}", "us")
            figure("client_cpu_target_us", f"{TARGET_CLIENT_CPU_US:g}", "us")
            # What a bare asyncio client pays for the same requests on this loop and machine.
            bare = statistics.median(floor) * 1e6
            figure("asyncio_floor_us_per_request", f"{bare:.0f}", "us")
            figure("client_cpu_over_floor_us_per_request", f"{poll - bare:.0f}", "us")
        if case.state_writes:
            writes = statistics.median(case.state_writes) * 1000
            refresh = statistics.median(r.seconds for r in runs) * 1000
            figure(f"{case.name}_ha_state_writes_median_ms", f"{writes:.2f}", "ms")
            figure(f"{case.name}_refresh_per_ha_state_writes", f"{refresh / writes:.2f}", "x")
            figure(
                f"{case.name}_refresh_per_ha_state_writes_target", f"{TARGET_CHANGED_RATIO:g}", "x"
            )
    for case in cases:
        median = statistics.median(r.seconds for r in case.refreshes) * 1000
        verdict = "within" if median <= case.target_ms else "OVER"
        print(f"# {case.name}: refresh median {median:.2f} ms, {verdict} the target of "
              f"{case.target_ms:g} ms")  # fmt: skip


def print_profile(name: str, profile: cProfile.Profile, refreshes: int, lines: int) -> None:
    """The functions the refreshes of case `name` spent the most time in, as '#' lines."""
    print(f"# cProfile of the {refreshes} timed `{name}` refreshes (CPU time of the loop's "
          "thread, inflated by the profiler; cumulative, then own time):")  # fmt: skip
    for sort in ("cumulative", "tottime"):
        stream = io.StringIO()
        pstats.Stats(profile, stream=stream).sort_stats(sort).print_stats(lines)
        for line in stream.getvalue().splitlines():
            print(f"# {line}".rstrip())


def main(argv: list[str] | None = None) -> int:
    """Run the Home Assistant benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=REFRESHES,
                        help=f"timed refreshes per case (default {REFRESHES})")  # fmt: skip
    parser.add_argument("--profile", action="append", choices=("changed", "unchanged"),
                        default=[], help="cProfile the timed refreshes of a case and print the "
                        "top functions (repeat for both)")  # fmt: skip
    parser.add_argument("--profile-lines", type=int, default=40, metavar="N")
    parser.add_argument("--baud", type=int, help="throttle the simulator's replies to this "
                        "serial rate, in chunks of 10 ms of line time (default: unthrottled)")  # fmt: skip
    parser.add_argument("--defaults", action="store_true", help="only the entities on by "
                        "default (fewer: the single cells and temperatures are off); without "
                        "it every sensor is on, as in the figures of earlier releases")  # fmt: skip
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baud is not None and args.baud < 1:
        parser.error("--baud must be at least 1")
    if args.serve:
        serve_forever(args.baud)
        return 0
    if args.refreshes < 1:
        parser.error("--refreshes must be at least 1")
    line = f"replies throttled to {args.baud} Bd" if args.baud else "replies unthrottled"
    print(
        f"# ha: Home Assistant {HA_VERSION} in-process; a {PACKS}-pack {DIALECT} stack with "
        f"{CELLS} cells per pack served by the simulator (a process of its own) on loopback TCP, "
        f"{line}; "
        f"{'the entities on by default' if args.defaults else 'every sensor enabled'}; "
        f"CPU time of the event loop's thread per coordinator refresh: median, min and max of "
        f"{args.refreshes} refreshes after {WARMUP} warm-up ones; CPython "
        f"{platform.python_version()}"
    )
    print(
        "# changed: two scenarios alternate in which every value differs; unchanged: one "
        "scenario of a stack at rest (0 A) again and again; refresh: around `await "
        "coordinator.async_refresh()`; poll: the client's poll() within it (wire I/O, framing, "
        "decoding); listeners: async_update_listeners() within it (entity updates and state "
        "writes); gc: garbage collections within it; decode: the poll's answers parsed and "
        "decoded again, alone"
    )
    asyncio.set_event_loop_policy(HassEventLoopPolicy(False))
    # Home Assistant's set-up chatter (custom integration warnings) stays off stdout.
    logging.basicConfig(level=logging.ERROR, format="# %(levelname)s %(name)s: %(message)s")
    profiles = {name: cProfile.Profile(time.thread_time) for name in args.profile}
    try:
        stack, cases, floor = asyncio.run(
            measure(args.refreshes, profiles, args.baud, every_sensor=not args.defaults)
        )
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    report(stack, cases, floor)
    print(
        f"# targets: refresh median at most {TARGET_CHANGED_MS:g} ms changed and "
        f"{TARGET_UNCHANGED_MS:g} ms unchanged (printed, not asserted)"
    )
    if profiles:
        print("# profiled: every figure above is inflated by the profiler")
    for name, profile in profiles.items():
        print_profile(name, profile, args.refreshes, args.profile_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
