"""The console client against the console simulator over real loopback TCP.

Every expected value comes from what the simulator intends to serve
(`simulator.console.stack.readings(t)`, integers in milli-units), converted to V, A, °C and Ah;
the simulator's clock is a `FakeClock`, so the values hold still while the client reads them.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from statistics import mean
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.pylontech.bms import link as link_module
from custom_components.pylontech.bms.console import (
    CellTable,
    ClockTime,
    ConsoleInfo,
    StackPower,
    SystemPower,
    UnitTable,
    client as client_module,
    exchange as exchange_module,
)
from custom_components.pylontech.bms.console.client import PylontechConsoleClient
from custom_components.pylontech.bms.exceptions import (
    PylontechConnectionError,
    PylontechConsoleError,
    PylontechResponseError,
    PylontechTimeoutError,
    PylontechUnsupportedCommandError,
)
from custom_components.pylontech.bms.models import AnalogValues, PackIdentity
from custom_components.pylontech.bms.simulator import ConsoleSimulator, FaultKind, FaultPlan
from custom_components.pylontech.bms.simulator.console.catalog import MODELS
from custom_components.pylontech.bms.simulator.console.session import ConsoleSession
from custom_components.pylontech.bms.stack_client import client_for
from custom_components.pylontech.bms.transport import TcpTransport
from tests.bms.test_console_sim import FakeClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from custom_components.pylontech.bms.models import PackAnalogValues, StackData
    from custom_components.pylontech.bms.simulator.console.measurements import Reading

TIMEOUT = 0.3
COUNTS = {"us": 4, "us2000c-debug": 5, "us2000b": 2, "pytes": 2, "force-h2": 4, "sc": 3}
"""Packs (US) or units (high voltage) of each model in these tests."""
US = ["us", "us2000c-debug", "us2000b", "pytes"]
HV = ["force-h2", "sc"]


def _v(milli: float) -> Any:
    """Milli-units as the client gives them (V, A, °C, Ah)."""
    return pytest.approx(milli / 1000, abs=1e-9)


@asynccontextmanager
async def serve(
    model: str, packs: int | None = None, *, silence: float = TIMEOUT, **kwargs: Any
) -> AsyncIterator[tuple[ConsoleSimulator, PylontechConsoleClient]]:
    """A console simulator on loopback (clock held at 100 s) and a client of it."""
    kwargs.setdefault("clock", FakeClock(100))
    async with ConsoleSimulator(model, packs or COUNTS[model], **kwargs) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port, connect_timeout=1.0)
        async with PylontechConsoleClient(transport, timeout=silence, gap=0.0) as client:
            yield simulator, client


def intended(simulator: ConsoleSimulator) -> list[Reading]:
    return simulator.console.stack.readings(simulator.console.now())


def sent(client: PylontechConsoleClient) -> list[str]:
    """The command lines the client sent, oldest first."""
    return [str(f.command) for f in client.raw_frames if f.direction == "tx"]


@pytest.fixture
def fed(monkeypatch: pytest.MonkeyPatch) -> bytearray:
    """Every byte any simulated console receives from now on."""
    return record_console_input(monkeypatch)


def record_console_input(monkeypatch: pytest.MonkeyPatch) -> bytearray:
    """Collect every byte any simulated console receives from now on."""
    received = bytearray()
    feed = ConsoleSession.feed

    def recording(self: ConsoleSession, data: bytes) -> Any:
        received.extend(data)
        return feed(self, data)

    monkeypatch.setattr(ConsoleSession, "feed", recording)
    return received


def check_us_pack(analog: PackAnalogValues | None, r: Reading, model: str) -> None:
    """A US pack's values are the reading's: `pwr` row, `bat N`, `pwr N` and `stat N`."""
    assert analog is not None
    assert (analog.voltage, analog.current, analog.soc) == (
        _v(r.voltage_mv),
        _v(r.current_ma),
        r.soc,
    )
    assert analog.cell_voltages == tuple(_v(mv) for mv in r.cells_mv)
    names = ["pack", "cell_low", "cell_high"]
    temps = [r.board_temp, r.temp_low, r.temp_high]
    if r.mosfet_temp is not None:
        names.append("mosfet")
        temps.append(r.mosfet_temp)
    assert analog.temperature_names == tuple(names)
    assert analog.temperatures == tuple(_v(t) for t in temps)
    assert analog.remaining_capacity == _v(r.remaining_mah)
    assert analog.full_capacity == _v(r.full_mah)  # `pwr N` "Total Coulomb"
    # Pytes V1.10 refuses `stat N` (ioBroker_pytes-v5_stat_1): no cycle count there.
    assert analog.cycles == (None if model == "pytes" else r.cycles)
    assert analog.power == pytest.approx(r.voltage_mv * r.current_ma / 1e6, abs=1e-3)
    assert (analog.cell_voltage_min, analog.cell_voltage_max) == (
        _v(min(r.cells_mv)),
        _v(max(r.cells_mv)),
    )


def check_hv_unit(analog: PackAnalogValues | None, u: Reading, model: str) -> None:
    """A high-voltage unit's values: its `unit` row and its share of the string's `bat`."""
    assert analog is not None
    assert (analog.voltage, analog.current, analog.soc) == (
        _v(u.voltage_mv),
        _v(u.current_ma),
        u.soc,
    )
    assert analog.cell_voltages == tuple(_v(mv) for mv in u.cells_mv)
    named = [("unit", u.board_temp)]
    if model == "sc":
        named.append(("cell_average", round(mean(u.cell_temps))))
    named += [("cell_low", u.temp_low), ("cell_high", u.temp_high)]
    assert analog.temperature_names == tuple(name for name, _ in named)
    assert analog.temperatures == tuple(_v(t) for _, t in named)
    assert analog.remaining_capacity == _v(u.remaining_mah)
    assert (analog.full_capacity, analog.cycles) == (None, None)


def check_poll(stack: StackData, simulator: ConsoleSimulator, model: str) -> None:
    readings = intended(simulator)
    count = len(readings)
    assert stack.dialect == "console"
    assert stack.series == (model in HV)
    for pack, r in zip(stack.packs, readings, strict=False):
        assert (pack.address, pack.error) == (r.index, None)
        (check_hv_unit if model in HV else check_us_pack)(pack.analog, r, model)
    if model in US:
        assert stack.system is None
        return
    cells = [mv for u in readings for mv in u.cells_mv]
    mah = mean(u.remaining_mah for u in readings)
    mwh = sum(u.energy_mwh for u in readings)
    system = stack.system
    assert system is not None
    assert (system.voltage, system.current) == (
        _v(sum(u.voltage_mv for u in readings)),
        _v(readings[0].current_ma),
    )
    assert system.soc == round(100 * round(mah) / readings[0].full_mah)
    assert system.remaining_capacity == _v(round(mah))
    # Force H2 prints mWH, the SC whole WH.
    assert system.remaining_energy == pytest.approx(mwh / 1000, abs=0.5 if model == "sc" else 1e-9)
    assert system.temperature == _v(max(u.board_temp for u in readings))
    assert (system.cell_voltage_min, system.cell_voltage_max) == (_v(min(cells)), _v(max(cells)))
    assert system.base_state == readings[0].state
    assert system.error_code == 0
    power = sum(u.voltage_mv for u in readings) * readings[0].current_ma / 1e6
    assert system.power == pytest.approx(power, abs=1e-3)
    assert count == COUNTS[model]


# -- poll ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [*US, *HV])
async def test_poll_reads_what_the_simulator_intends(model: str) -> None:
    """Every pack or unit, and absent addresses each with its error."""
    count = COUNTS[model]
    absent = [count + 1, MODELS[model].positions + 1] if model in US else [count + 1, 0]
    async with serve(model) as (simulator, client):
        stack = await client.poll([*range(1, count + 1), *absent])
    check_poll(stack, simulator, model)
    assert [pack.address for pack in stack.packs] == [*range(1, count + 1), *absent]
    for pack in stack.packs[count:]:
        assert pack.analog is None
        assert pack.error
    commands = sent(client)
    if model in HV:
        assert commands == ["pwr", "unit", "bat"]
    else:
        # Pytes refuses `stat N`: asked all the same (the refusal is kept, like an answer).
        each = ("bat {}", "pwr {}", "stat {}")
        per_pack = [c.format(n) for n in range(1, count + 1) for c in each]
        assert commands == ["pwr", *per_pack]


async def test_one_pack_fails_the_others_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack whose `bat N` is refused carries the error; the packs around it still read."""
    async with serve("us", 3) as (simulator, client):
        body = simulator.console.body
        monkeypatch.setattr(
            simulator.console,
            "body",
            lambda name, args: None if (name, args) == ("bat", ["2"]) else body(name, args),
        )
        stack = await client.poll([1, 2, 3])
    readings = intended(simulator)
    assert stack.packs[1].analog is None
    assert "bat 2" in str(stack.packs[1].error)
    for index in (0, 2):
        check_us_pack(stack.packs[index].analog, readings[index], "us")


async def test_statistics_are_kept_between_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """`stat N` is read once per `STATISTICS_INTERVAL`, and again once it has passed."""
    async with serve("us2000b") as (_, client):
        await client.poll([1, 2])
        await client.poll([1, 2])
        assert sent(client).count("stat 1") == 1
        monkeypatch.setattr(client_module, "STATISTICS_INTERVAL", 0.0)
        stack = await client.poll([1, 2])
    assert sent(client).count("stat 1") == sent(client).count("stat 2") == 2
    assert all(pack.analog and pack.analog.cycles is not None for pack in stack.packs)


async def test_a_refused_statistics_read_is_not_repeated_every_poll() -> None:
    """Pytes refuses `stat N`; the refusal counts as the answer until the interval is over."""
    async with serve("pytes") as (_, client):
        first = await client.poll([1])
        await client.poll([1])
    assert sent(client).count("stat 1") == 1
    assert first.packs[0].analog is not None
    assert first.packs[0].analog.cycles is None


async def test_values_follow_the_clock() -> None:
    """A later poll reads the later values (nothing is cached but the statistics)."""
    clock = FakeClock(100)
    async with serve("sc", clock=clock) as (simulator, client):
        before = await client.poll([1, 2, 3])
        clock.t = 400
        after = await client.poll([1, 2, 3])
    assert before.packs[0].analog != after.packs[0].analog
    check_poll(after, simulator, "sc")


# -- one exchange -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [*US, *HV])
async def test_paged_answers_read_the_same(model: str) -> None:
    """Every answer cut into pages of 3 lines (continued with CR) parses as the whole one."""
    async with serve(model) as (_, client):
        whole = await client.poll(range(1, COUNTS[model] + 1))
    async with serve(model, page_all=True, page_lines=3) as (simulator, client):
        paged = await client.poll(range(1, COUNTS[model] + 1))
    assert paged == whole
    check_poll(paged, simulator, model)
    answers = [f.data for f in client.raw_frames if f.direction == "rx"]
    served = [answer for answer in answers if b"Invalid command" not in answer]  # Pytes stat
    assert served
    assert all(b"Press [Enter] to be continued" in answer for answer in served)


REFUSED = [
    "shut", "trst", "updata", "login", "tshut", "pwr; shut", "pwr x", "pwr 1 shut", "SHUT",
    "time 2030 1 1 0 0 0", "pwr \u00b2", "bat \u0661", "", "  ", "pwr\rshut", "data", "disp",
]  # fmt: skip


@pytest.mark.parametrize("command", REFUSED)
async def test_refused_commands_never_reach_the_wire(command: str, fed: bytearray) -> None:
    """Anything but a read command is refused here: no connection, no byte, no record."""
    async with serve("us", 2) as (simulator, client):
        with pytest.raises(PylontechUnsupportedCommandError):
            await client.command(command)
        assert (client.raw_frames, simulator.connections, bytes(fed)) == ((), 0, b"")
        assert isinstance(await client.command("time"), ClockTime)
        with pytest.raises(PylontechUnsupportedCommandError):
            await client.command(command)
    assert bytes(fed) == b"time\r"
    assert sent(client) == ["time"]


@pytest.mark.parametrize(
    ("model", "command"),
    [("us", "pwr 9"), ("us", "unit"), ("pytes", "stat 1"), ("force-h2", "bat 1"),
     ("sc", "sysinfo"), ("us2000b", "bmuinfo 1")],
)  # fmt: skip
async def test_console_refusal_then_the_next_command(model: str, command: str) -> None:
    """A refusal ("Invalid command ...") is an error; the next command is answered."""
    async with serve(model) as (_, client):
        with pytest.raises(PylontechConsoleError):
            await client.command(command)
        refusal = client.raw_frames[-1]
        assert (refusal.direction, refusal.command) == ("rx", command)
        assert b"Invalid command" in refusal.data
        assert isinstance(await client.command("pwr"), StackPower | SystemPower)


async def test_dropped_command_times_out_then_recovers() -> None:
    async with serve("us", 2, faults="drop=1") as (simulator, client):
        with pytest.raises(PylontechTimeoutError):
            await client.poll([1, 2])
        assert simulator.fault_counts[FaultKind.DROP] == 1
        simulator.faults = FaultPlan()
        stack = await client.poll([1, 2])
    check_poll(stack, simulator, "us")
    assert simulator.connections == 1


async def test_silent_link_is_reopened(monkeypatch: pytest.MonkeyPatch) -> None:
    """After `TIMEOUTS_BEFORE_RECONNECT` silent commands the link is opened again."""
    monkeypatch.setattr(link_module, "TIMEOUTS_BEFORE_RECONNECT", 2)
    async with serve("sc", faults="drop=1", silence=0.15) as (simulator, client):
        for _ in range(2):
            with pytest.raises(PylontechTimeoutError):
                await client.command("pwr")
        simulator.faults = FaultPlan()
        assert isinstance(await client.command("pwr"), SystemPower)
    assert simulator.connections == 2


async def test_disconnect_then_backoff_then_recovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(link_module, "BACKOFF_FIRST", 0.3)
    async with serve("force-h2") as (simulator, client):
        assert isinstance(await client.command("unit"), UnitTable)
        simulator.faults = FaultPlan.parse("disconnect=1")
        with pytest.raises(PylontechConnectionError) as failed:
            await client.poll([1, 2, 3, 4])
        assert not isinstance(failed.value, PylontechTimeoutError)
        simulator.faults = FaultPlan()
        with pytest.raises(PylontechConnectionError, match="next attempt"):
            await client.command("pwr")
        assert simulator.connections == 1
        await asyncio.sleep(0.35)
        stack = await client.poll([1, 2, 3, 4])
    check_poll(stack, simulator, "force-h2")
    assert simulator.connections == 2
    assert simulator.fault_counts[FaultKind.DISCONNECT] == 1


@pytest.mark.parametrize("model", ["us2000b", "force-h2"])
async def test_late_answer_is_never_the_next_one(model: str) -> None:
    """A `pwr` answered past the timeout is drained; the next `pwr` gets its own, newer answer.

    Without the drain the late answer (echo "pwr", then the prompt) would pass for the next.
    """
    clock = FakeClock(100)
    async with serve(model, clock=clock, delay_seconds=0.5) as (simulator, client):
        simulator.faults = FaultPlan.parse("delay=1")
        with pytest.raises(PylontechTimeoutError):
            await client.command("pwr")
        simulator.faults = FaultPlan()
        old = intended(simulator)
        clock.t = 250
        new = intended(simulator)
        assert (old[0].time, old[0].voltage_mv) != (new[0].time, new[0].voltage_mv)
        power = await client.command("pwr")
        cells = await client.command("bat" if model in HV else "bat 1")
    voltage = sum(u.voltage_mv for u in new) if model in HV else new[0].voltage_mv
    if isinstance(power, SystemPower):
        assert (power.time, power.voltage) == (new[0].time, _v(voltage))
    else:
        assert isinstance(power, StackPower)
        assert (power.rows[0].time, power.rows[0].voltage) == (new[0].time, _v(voltage))
    assert isinstance(cells, CellTable)
    assert simulator.fault_counts[FaultKind.DELAY] == 1
    answers = [f for f in client.raw_frames if f.direction == "rx" and f.command == "pwr"]
    assert len(answers) == 1
    assert answers[0].data.count(b"pwr") == 1


async def test_answer_past_the_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange_module, "MAX_ANSWER", 2000)
    async with serve("force-h2") as (_, client):
        with pytest.raises(PylontechConsoleError, match="runs past 2000 bytes"):
            await client.command("bat")
        assert isinstance(await client.command("pwr"), SystemPower)


async def test_raw_frames_record_each_exchange() -> None:
    async with serve("pytes", 1) as (simulator, client):
        await client.command("bat 1")
        tx, rx = client.raw_frames
    assert (tx.direction, tx.data, tx.command) == ("tx", b"bat 1\r", "bat 1")
    assert (rx.direction, rx.command) == ("rx", "bat 1")
    assert rx.data.startswith(b"bat 1\n")
    assert rx.data.endswith(b"$$\r\n\r" + simulator.console.prompt)
    assert tx.at <= rx.at


async def test_history_is_bounded() -> None:
    async with ConsoleSimulator("us2000b", clock=FakeClock(1)) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        async with PylontechConsoleClient(transport, gap=0.0, history=3) as client:
            for command in ("time", "pwr", "info 1"):
                await client.command(command)
    assert [(f.direction, f.command) for f in client.raw_frames] == [
        ("rx", "pwr"), ("tx", "info 1"), ("rx", "info 1")]  # fmt: skip


# -- one pack's values, identities --------------------------------------------------------------


@pytest.mark.parametrize("model", [*US, *HV])
async def test_analog_values(model: str) -> None:
    """Pack 2's values alone (a US stack asks nothing of the others); an absent pack raises."""
    count = COUNTS[model]
    async with serve(model) as (simulator, client):
        values = await client.analog_values(2)
        asked = sent(client)
        with pytest.raises(PylontechResponseError, match=f"no pack {count + 1}"):
            await client.analog_values(count + 1)
    assert isinstance(values, AnalogValues)
    assert values.all_packs is False
    assert len(values.packs) == 1
    check = check_hv_unit if model in HV else check_us_pack
    check(values.packs[0], intended(simulator)[1], model)
    if model in US:
        assert asked == ["pwr", "bat 2", "pwr 2", "stat 2"]


@pytest.mark.parametrize("model", US)
async def test_identify_us_packs(model: str) -> None:
    count = COUNTS[model]
    async with serve(model) as (simulator, client):
        packs = [await client.identify(n) for n in range(1, count + 2)]
        assert await client.identify_stack() is None
    manufacturer = MODELS[model].manufacturer
    for identity, r in zip(packs, intended(simulator), strict=False):
        assert identity == PackIdentity(
            address=r.index,
            serial_number=r.barcode,
            model=r.kind.name,
            software_version=r.kind.soft,
            manufacturer=manufacturer,
        )
    assert packs[-1] == PackIdentity(address=count + 1)  # absent: refused, nothing known


@pytest.mark.parametrize("model", HV)
async def test_identify_hv_string(model: str) -> None:
    """The controller from `info`; Force H2 units by their "Unit N" barcodes, SC units none.

    The client is fresh: `identify` first learns that it talks to a controller (which would
    refuse `info N`).
    """
    count = COUNTS[model]
    async with serve(model) as (simulator, client):
        units = [await client.identify(n) for n in range(1, count + 2)]
        controller = await client.identify_stack()
        info = await client.command("info")
    readings = intended(simulator)
    kind = readings[0].kind
    assert isinstance(info, ConsoleInfo)
    assert controller == PackIdentity(
        address=0,
        serial_number=info.barcode or info.module_barcode,
        model=kind.name,
        software_version=kind.soft,
        manufacturer="Pylon",
    )
    assert controller.serial_number == readings[0].barcode  # as the simulator prints it
    expected = [r.barcode if model == "force-h2" else None for r in readings]
    assert [unit.serial_number for unit in units] == [*expected, None]
    assert [unit.address for unit in units] == list(range(1, count + 2))
    assert {unit.model for unit in units} == {None}


async def test_client_for_console() -> None:
    async with ConsoleSimulator("us2000b", clock=FakeClock(5)) as simulator:
        client = client_for(TcpTransport("127.0.0.1", simulator.port), "console")
        assert isinstance(client, PylontechConsoleClient)
        assert client.dialect.name == "console"
        client.gap = 0.0
        try:
            stack = await client.poll([1, 2])
        finally:
            await client.close()
    check_poll(stack, simulator, "us2000b")


async def test_identities_of_a_silent_console_are_unknown() -> None:
    """A console that answers nothing leaves the controller's and the packs' identities unknown
    (as for a binary pack) instead of failing the setup."""
    async with serve("force-h2", 2, faults="drop=1") as (_, client):
        client.timeout = 0.2
        assert await client.identify_stack() is None
        assert (await client.identify(1)).serial_number is None
