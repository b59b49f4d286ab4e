"""The console simulator over loopback TCP: layouts of the real dumps, values, line discipline.

The dumps in tests/vectors/console are the reference: every served body has the shape (table
headers, keys in order, number of rows) of the dump of the same command and model.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
import re
import signal
import socket
import threading
import time
from typing import Self

import pytest

from custom_components.pylontech.bms.cli.simulate import add_simulate_command
from custom_components.pylontech.bms.console import (
    CellTable,
    ConsoleInfo,
    PackStatus,
    SohTable,
    StackPower,
    Statistics,
    SystemPower,
    UnitTable,
    parse,
)
from custom_components.pylontech.bms.simulator import (
    ConsoleSimulator,
    FaultKind,
    FaultSpecError,
)
from custom_components.pylontech.bms.simulator.console.session import WAKE_FRAME

DUMPS = Path(__file__).parents[1] / "vectors" / "console"
TIMEOUT = 2.0
PAGE = b"Press [Enter] to be continued,other key to exit"
TABLE_STARTS = ("Power Volt", "Battery ", "Volt   Curr", "Index  ", "Bat  Volt")


class FakeClock:
    """A clock the test sets."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class Client:
    """A TCP client of the console that reads up to the prompt (or a page prompt)."""

    def __init__(self, simulator: ConsoleSimulator) -> None:
        self.port = simulator.port
        self.prompt = simulator.console.prompt

    async def __aenter__(self) -> Self:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.writer.close()

    async def send(self, data: bytes) -> bytes:
        """Send `data`, read until the prompt or a page prompt."""
        self.writer.write(data)
        await self.writer.drain()
        received = b""
        while not received.endswith((self.prompt, PAGE)):
            chunk = await asyncio.wait_for(self.reader.read(65536), TIMEOUT)
            if not chunk:
                break
            received += chunk
        return received

    async def quiet(self, data: bytes = b"", seconds: float = 0.2) -> bytes:
        """Send `data`, return whatever arrives within `seconds`."""
        self.writer.write(data)
        await self.writer.drain()
        try:
            return await asyncio.wait_for(self.reader.read(65536), seconds)
        except TimeoutError:
            return b""


def body(raw: bytes, command: str) -> list[str]:
    """The non-empty lines after the echo of `command` (and its "@" line), up to the end."""
    lines = [line for line in re.split(r"[\r\n]+", raw.decode("latin-1")) if line]
    start = next(i for i, line in enumerate(lines) if line.endswith(command))
    lines = lines[start + 1 :]
    if lines and lines[0] == "@":
        lines = lines[1:]
    return lines[: lines.index("Command completed successfully")]


def shape(lines: list[str]) -> list[str]:
    """Table headers verbatim, keys of key/value lines, and "row" for every other line."""
    out = []
    for line in lines:
        if line.startswith(TABLE_STARTS):
            out.append(line)
        elif ":" in line and not line[0].isdigit():
            out.append("key " + line.split(":", 1)[0].strip())
        else:
            out.append("row")
    return out


def dump(name: str) -> bytes:
    return (DUMPS / f"{name}.txt").read_bytes()


# (model, command, dump) triples: every command each model serves, against its real dump.
SERVED = [
    *[("us", cmd, f"ioBroker_US_{cmd.replace(' ', '_')}") for cmd in
      ("pwr", "time", *(f"{c} {n}" for c in ("bat", "pwr", "info", "soh", "stat")
                        for n in (1, 2, 3, 4)))],
    *[("us2000b", cmd, f"donverduyn_US2KBPL_{cmd}") for cmd in
      ("pwr", "bat", "info", "soh", "stat", "time")],
    ("us2000b", "pwr 1", "ioBroker_US_pwr_3"),  # the same pack kind in the mixed stack
    *[("pytes", cmd, f"ioBroker_pytes-v5_{cmd.replace(' ', '_')}") for cmd in
      ("pwr", "pwr 1", "bat", "bat 1", "info 1", "soh", "soh 1", "stat", "time")],
    *[("force-h2", cmd, f"ioBroker_H2_{cmd}") for cmd in
      ("pwr", "unit", "bat", "info", "soh", "stat", "time")],
    *[("sc", cmd, f"ioBroker_SC_{cmd}") for cmd in
      ("pwr", "unit", "bat", "info", "soh", "stat", "time")],
]  # fmt: skip


@pytest.mark.parametrize(("model", "command", "name"), SERVED)
async def test_bodies_have_the_shape_of_the_dumps(model: str, command: str, name: str) -> None:
    """Headers, keys in order and row counts of each served body are those of the dump."""
    async with ConsoleSimulator(model, clock=FakeClock(50)) as simulator, Client(simulator) as c:
        raw = await c.send(command.encode() + b"\r")
    assert raw.startswith(command.encode() + b"\n\r@\r")
    assert raw.endswith(b"\rCommand completed successfully\r\n\r$$\r\n\r" + c.prompt)
    served = body(raw, command)
    real = body(dump(name), "pwr 3" if name.endswith("pwr_3") else command)
    if command.startswith(("info", "pwr ")):  # barcodes and values differ in width
        real = [line for line in real if not line.startswith("Board ")]
        served = [line for line in served if not line.startswith("Board ")]
    if command != "time":
        assert shape(served) == shape(real)
        return
    assert re.fullmatch(r"(Ds3231 |PCF8563 )?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", served[0])
    assert served[0][:-19] == real[0][:-19]


def _fields(line: str) -> list[str]:
    return line.split()


async def test_us_values_agree_across_commands() -> None:
    """pwr row N, pwr N, bat N, soh N and stat N of each pack tell the same story."""
    clock = FakeClock(77)
    async with ConsoleSimulator("us", 3, clock=clock, seed=5) as simulator, Client(simulator) as c:
        rows = body(await c.send(b"pwr\r"), "pwr")[1:]
        intended = simulator.console.stack.readings(simulator.console.now())
        for n in (1, 2, 3):
            row = _fields(rows[n - 1])
            volt, curr, _, tlow, thigh, vlow, vhigh = (int(v) for v in row[1:8])
            cells = [_fields(line) for line in body(await c.send(b"bat %d\r" % n), f"bat {n}")[1:]]
            voltages = [int(cell[1]) for cell in cells]
            assert volt == sum(voltages) == intended[n - 1].voltage_mv
            assert (vlow, vhigh) == (min(voltages), max(voltages))
            assert (tlow, thigh) == (min(int(c[3]) for c in cells), max(int(c[3]) for c in cells))
            assert {int(cell[2]) for cell in cells} == {curr}
            assert {cell[8] for cell in cells} == {row[12]}  # SOC
            lines = body(await c.send(b"pwr %d\r" % n), f"pwr {n}")
            pairs = [line.split(":", 1) for line in lines if ":" in line]
            pack = {key.strip(): value.split()[0] for key, value in pairs if value.strip()}
            soc, mah, full = int(row[12][:-1]), int(cells[0][9]), int(pack["Total Coulomb"])
            assert soc == round(100 * mah / full) == int(pack["Coulomb"])
            assert (int(pack["Voltage"]), int(pack["Current"])) == (volt, curr)
            soh = body(await c.send(b"soh %d\r" % n), f"soh {n}")
            assert [int(_fields(line)[1]) for line in soh[2:]] == voltages
            stat = body(await c.send(b"stat %d\r" % n), f"stat {n}")
            assert f"Pwr Percent     : {soc:>8}" in stat
        assert rows[3].split()[1:] == ["-"] * 7 + ["Absent"] + ["-"] * 7


async def test_hv_string_agrees_with_units_and_cells() -> None:
    """HV: string voltage = sum of units = sum of cells; extremes and capacity agree."""
    async with ConsoleSimulator("force-h2", 4, clock=FakeClock(300)) as simulator, \
            Client(simulator) as c:  # fmt: skip
        pwr = body(await c.send(b"pwr\r"), "pwr")
        units = [_fields(line) for line in body(await c.send(b"unit\r"), "unit")[2:]]
        cells = [_fields(line) for line in body(await c.send(b"bat\r"), "bat")[7:]]
    string = _fields(pwr[-1])
    volt, curr = int(string[0]), int(string[1])
    assert pwr[2] == f"Bat Volt       : {volt:<12}"
    unit_volts = [int(unit[1]) for unit in units]
    cell_volts = [int(cell[1]) for cell in cells]
    assert len(cells) == 120
    assert volt == sum(unit_volts) == sum(cell_volts)
    for index, unit in enumerate(units):
        mine = cells[30 * index : 30 * index + 30]
        assert int(unit[1]) == sum(int(cell[1]) for cell in mine)
        assert (int(unit[6]), int(unit[7])) == (min(int(c[1]) for c in mine),
                                                max(int(c[1]) for c in mine))  # fmt: skip
        assert {cell[6] + cell[7] for cell in mine} == {unit[11] + unit[12]}  # "63%" "23195"
    assert {int(unit[2]) for unit in units} == {int(cell[2]) for cell in cells} == {curr}
    assert (int(string[5]), int(string[6])) == (min(cell_volts), max(cell_volts))
    assert (int(string[9]), int(string[10])) == (min(unit_volts), max(unit_volts))
    mah = round(sum(int(unit[12]) for unit in units) / 4)
    assert int(string[16]) == mah
    assert string[20:22] == ["mWH", units[0][17]]  # energy unit, then the date


async def test_sc_energy_in_wh() -> None:
    """The SC prints its energy in WH, the sum of its BMUs', 15 cells each."""
    async with ConsoleSimulator("sc", 3, clock=FakeClock(10)) as simulator, Client(simulator) as c:
        string = _fields(body(await c.send(b"pwr\r"), "pwr")[-1])
        units = [_fields(line) for line in body(await c.send(b"unit\r"), "unit")[2:]]
        cells = body(await c.send(b"bat\r"), "bat")[7:]
    assert len(units) == 3
    assert len(cells) == 45
    assert string[20] == units[0][17] == "WH"
    readings = simulator.console.stack.readings(simulator.console.now())
    assert abs(int(string[19]) - sum(r.energy_mwh for r in readings) / 1000) < 1


async def test_values_change_with_time() -> None:
    clock = FakeClock(0)
    async with ConsoleSimulator("us2000b", clock=clock) as simulator, Client(simulator) as c:
        before = body(await c.send(b"pwr\r"), "pwr")[1]
        clock.t = 150
        after = body(await c.send(b"pwr\r"), "pwr")[1]
        clock.t = 0
        again = body(await c.send(b"pwr\r"), "pwr")[1]
    assert before == again
    assert _fields(before)[1:3] != _fields(after)[1:3]
    assert _fields(before)[14] == "12:00:03"  # the pack's clock, skewed by the seed
    assert _fields(after)[14] == "12:02:33"


async def test_seed_reproduces_and_varies() -> None:
    async def pwr(seed: int) -> bytes:
        async with ConsoleSimulator("pytes", 2, clock=FakeClock(9), seed=seed) as simulator, \
                Client(simulator) as c:  # fmt: skip
            return await c.send(b"pwr\r")

    assert await pwr(1) == await pwr(1)
    assert await pwr(1) != await pwr(2)


@pytest.mark.parametrize(
    ("model", "name", "command", "prefix"),
    [("force-h2", "ioBroker_H2_pwr", "pwr", None), ("us", "ioBroker_US_pwr_1", "pwr 1", None),
     ("us2000b", "donverduyn_US2KBPL_bat", "bat", None), ("sc", "ioBroker_SC_unit", "unit", None),
     ("pytes", "ioBroker_pytes-v5_soh_1", "soh 1", None),
     ("pytes", "ioBroker_eb_bat_2", "bat 2", "ioBroker_eb")],
)  # fmt: skip
async def test_replay_serves_the_dump_byte_for_byte(
    model: str, name: str, command: str, prefix: str | None
) -> None:
    """From the echo on, the answer is the dump's bytes; commands without a dump are refused."""
    raw = dump(name).split(b"\n", 1)[1]
    expected = raw[raw.index(command.encode()) :]
    async with ConsoleSimulator(model, replay=DUMPS, replay_prefix=prefix) as simulator, \
            Client(simulator) as c:  # fmt: skip
        assert await c.send(command.encode() + b"\r") == expected
        missing = await c.send(b"log 7\r")
    assert b"Invalid command or fail to excute." in missing


async def test_replay_pages_like_the_dump() -> None:
    raw = dump("ioBroker_H2_help").split(b"\n", 1)[1]
    expected = raw[raw.index(b"help") :]
    async with ConsoleSimulator("force-h2", replay=DUMPS) as simulator, Client(simulator) as c:
        first = await c.send(b"help\r")
        rest = await c.send(b"\r")
    assert first.endswith(PAGE)
    assert first + rest == expected


async def test_refused_answer_matches_the_pytes_dump() -> None:
    """`stat 1` on Pytes is refused exactly as the real one refuses it."""
    raw = dump("ioBroker_pytes-v5_stat_1").split(b"\n", 1)[1]
    async with ConsoleSimulator("pytes") as simulator, Client(simulator) as c:
        assert await c.send(b"stat 1\r") == raw[raw.index(b"stat 1") :]


async def test_paging_continue_and_abort() -> None:
    async with ConsoleSimulator("force-h2") as simulator, Client(simulator) as c:
        first = await c.send(b"help\r")
        assert first.endswith(b"\r" + PAGE)
        assert body(first + b"\rCommand completed successfully", "help")[-2].startswith("tsleep")
        rest = await c.send(b"\r\n")  # CR continues; the LF belongs to it
        assert rest.startswith(b"\r\r" + b" " * 50 + b"\r\r")
        names = [line.split()[0] for line in body(first + rest, "help") if line.strip()]
        assert names[-4:] == ["updata", "bmudtesttime", "cmudtesttime", "*" * 58]
        assert len(names) == 33  # Local command:, 30 commands, the stars and one page prompt
        assert await c.quiet() == b""
        await c.send(b"help\r")
        assert await c.send(b"q") == b"\r" + b" " * 50 + b"\r\n\rpylon>"
        assert (await c.send(b"time\r")).startswith(b"time\n\r@\r\n\r2024-")


async def test_page_all_pages_long_tables() -> None:
    async with ConsoleSimulator("force-h2", page_all=True, page_lines=50) as simulator, \
            Client(simulator) as c:  # fmt: skip
        pages = [await c.send(b"bat\r")]
        while pages[-1].endswith(PAGE):
            pages.append(await c.send(b"\r"))
    assert len(pages) == 3  # 7 header lines and 120 cells
    lines = [line for line in body(b"".join(pages), "bat") if line.strip()]
    assert len([line for line in lines if line != PAGE.decode()]) == 127


async def test_asleep_until_the_wake_frame() -> None:
    async with ConsoleSimulator("us2000b", asleep=True) as simulator, Client(simulator) as c:
        assert await c.quiet(b"pwr\r") == b""
        assert await c.quiet(b"\r\n" + WAKE_FRAME) == b""
        assert await c.quiet(b"\x0e\x0a") == b"\n\rpylon>"
        assert (await c.send(b"pwr\r")).startswith(b"pwr\n\r@\r\r\nPower Volt")
        async with Client(simulator) as other:  # the BMS stays awake
            assert await other.send(b"\r") == b"\n\rpylon>"


async def test_line_endings() -> None:
    async with ConsoleSimulator("sc") as simulator, Client(simulator) as c:
        assert await c.send(b"\r") == b"\n\rpylon>"
        assert await c.send(b"\r\n") == b"\n\rpylon>"
        assert await c.quiet() == b""
        for ending in (b"\r", b"\n", b"\r\n"):
            answer = await c.send(b"time" + ending)
            assert answer.startswith(b"time\n\r@\r\n\r")
            assert answer.count(b"pylon>") == 1
        assert await c.quiet() == b""
        assert (await c.send(b"tim\x08\x08ime\r")).startswith(b"time\n")


@pytest.mark.parametrize(
    "command",
    ["shut", "trst", "updata", "login 1234", "logout", "tshut", "tsleep", "twakeup",
     "settime 1", "time 2030 1 1 0 0 0", "data event 1", "disp", "nonsense", "pwr 9", "bat x"],
)  # fmt: skip
async def test_state_changing_and_unknown_commands_are_refused(command: str) -> None:
    async with ConsoleSimulator("us", 2) as simulator, Client(simulator) as c:
        answer = await c.send(command.encode() + b"\r")
        assert b"\rInvalid command or fail to excute.\r\n" in answer
        assert b"Command completed successfully" not in answer
        assert answer.endswith(b"\r$$\r\n\rpylon>")
        assert (await c.send(b"time\r")).startswith(b"time\n\r@\r\n\rDs3231 2024-06-01 12:")


async def test_faults() -> None:
    async with ConsoleSimulator("us", faults="drop=1") as simulator, Client(simulator) as c:
        assert await c.quiet(b"pwr\r") == b""
        assert await c.send(b"\r") == b"\n\rpylon>"  # prompts are not dropped
        assert simulator.fault_counts[FaultKind.DROP] == 1
    async with ConsoleSimulator("us", faults="garbage=1", seed=3) as simulator, \
            Client(simulator) as c:  # fmt: skip
        answer = await c.send(b"time\r")
        assert not answer.startswith(b"time")
        assert b"time\n\r@\r\n\rDs3231" in answer
    async with ConsoleSimulator("us", faults="disconnect=1") as simulator, Client(simulator) as c:
        assert await c.send(b"time\r") == b""
    with pytest.raises(FaultSpecError, match="not a console fault: checksum"):
        ConsoleSimulator("us", faults="checksum=0.5")


async def test_clients_cap_and_arguments() -> None:
    async with ConsoleSimulator("sc", clients=1) as simulator, Client(simulator) as c:
        async with Client(simulator) as second:
            assert await second.quiet() == b""
            assert second.reader.at_eof()
        assert await c.send(b"\r") == b"\n\rpylon>"
        assert simulator.refused == 1
    for kwargs, message in (
        ({"model": "us5000"}, "unknown console model"), ({"packs": 17}, "1 to 16 packs"),
        ({"replay": DUMPS / "missing"}, "no directory"), ({"page_lines": 0}, "at least 1"),
    ):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            ConsoleSimulator(**kwargs)  # type: ignore[arg-type]


def _command(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pylontech-bms")
    add_simulate_command(parser.add_subparsers(required=True))
    return parser.parse_args(["simulate", *argv])


def test_command_serves_a_console(capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate --console` prints where it listens, answers, and exits 0 on Ctrl-C."""
    args = _command("--console", "force-h2", "--packs", "2", "--asleep")
    seen: dict[str, object] = {}

    def use_then_interrupt() -> None:
        out, deadline = "", time.monotonic() + 5
        while "tcp://" not in out and time.monotonic() < deadline:
            time.sleep(0.01)
            out += capsys.readouterr().out
        seen["out"] = out
        try:
            port = int(out.strip().rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(WAKE_FRAME + b"\r")
                reply = b""
                while not reply.endswith(b"pylon>"):
                    reply += sock.recv(4096)
            seen["port"], seen["reply"] = port, reply
        finally:
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=use_then_interrupt)
    thread.start()
    try:
        status = args.run(args)
    finally:
        thread.join()
    assert status == 0
    port = seen["port"]
    assert seen["out"] == f"simulated force-h2 console (2 units) on tcp://127.0.0.1:{port}\n"
    assert seen["reply"] == b"\n\rpylon>"
    bad = _command("--console", "us", "--dialect", "pace")
    assert bad.run(bad) == 1
    assert capsys.readouterr().err == "error: --dialect cannot be used with --console\n"
    with pytest.raises(SystemExit):
        _command("--console", "us5000")


# -- the console parsers read what the simulator serves ----------------------------------------


def _v(milli: int) -> object:
    """Milli-units as the parsers give them (V, A, °C, Ah)."""
    return pytest.approx(milli / 1000, abs=1e-9)


@pytest.mark.parametrize("model", ["us", "us2000b", "pytes"])
async def test_us_parsers_read_the_intended_values(model: str) -> None:
    """Every command served for each pack parses to the values the simulator intended."""
    async with ConsoleSimulator(model, 2, clock=FakeClock(), seed=8) as simulator, \
            Client(simulator) as c:  # fmt: skip
        readings = simulator.console.stack.readings(simulator.console.now())
        stack = parse("pwr", await c.send(b"pwr\r"))
        assert isinstance(stack, StackPower)
        assert [row.present for row in stack.rows] == [True, True] + [False] * (len(stack.rows) - 2)
        assert parse("time", await c.send(b"time\r")).time == "2024-06-01 12:00:00"
        for r, row in zip(readings, stack.rows, strict=False):
            assert (row.voltage, row.current, row.soc) == (
                _v(r.voltage_mv),
                _v(r.current_ma),
                r.soc,
            )
            assert (row.cell_voltage_min, row.cell_voltage_max) == (
                _v(min(r.cells_mv)), _v(max(r.cells_mv)))  # fmt: skip
            assert row.time == r.time
            n = r.index
            pack = parse(f"pwr {n}", await c.send(b"pwr %d\r" % n))
            assert isinstance(pack, PackStatus)
            assert (pack.voltage, pack.current, pack.soc) == (
                _v(r.voltage_mv),
                _v(r.current_ma),
                r.soc,
            )
            assert pack.full_capacity == _v(r.full_mah)
            cells = parse(f"bat {n}", await c.send(b"bat %d\r" % n))
            assert isinstance(cells, CellTable)
            assert [cell.voltage for cell in cells.cells] == [_v(mv) for mv in r.cells_mv]
            assert [cell.temperature for cell in cells.cells] == [_v(t) for t in r.cell_temps]
            assert {cell.remaining_capacity for cell in cells.cells} == {r.remaining_mah / 1000}
            soh = parse(f"soh {n}", await c.send(b"soh %d\r" % n))
            assert isinstance(soh, SohTable)
            assert [cell.voltage for cell in soh.cells] == [_v(mv) for mv in r.cells_mv]
            info = parse(f"info {n}", await c.send(b"info %d\r" % n))
            assert isinstance(info, ConsoleInfo)
            assert (info.address, info.device_name) == (n, r.kind.name)
            command = f"stat {n}" if model != "pytes" else "stat"
            if model != "pytes" or n == 1:
                stat = parse(command, await c.send(command.encode() + b"\r"))
                assert isinstance(stat, Statistics)
                assert stat.cycles == r.cycles


@pytest.mark.parametrize("model", ["force-h2", "sc"])
async def test_hv_parsers_read_the_intended_values(model: str) -> None:
    async with ConsoleSimulator(model, 3, clock=FakeClock(), seed=2) as simulator, \
            Client(simulator) as c:  # fmt: skip
        units = simulator.console.stack.readings(simulator.console.now())
        power = parse("pwr", await c.send(b"pwr\r"))
        table = parse("unit", await c.send(b"unit\r"))
        cells = parse("bat", await c.send(b"bat\r"))
        soh = parse("soh", await c.send(b"soh\r"))
        info = parse("info", await c.send(b"info\r"))
        stat = parse("stat", await c.send(b"stat\r"))
    everything = [mv for unit in units for mv in unit.cells_mv]
    assert isinstance(power, SystemPower)
    assert power.voltage == _v(sum(unit.voltage_mv for unit in units))
    assert power.current == _v(units[0].current_ma)
    assert (power.cell_voltage_min, power.cell_voltage_max) == (
        _v(min(everything)), _v(max(everything)))  # fmt: skip
    energy = sum(unit.energy_mwh for unit in units)
    assert power.remaining_energy == pytest.approx(
        energy / 1000, abs=0.5 if model == "sc" else 1e-9
    )
    assert isinstance(table, UnitTable)
    assert [unit.voltage for unit in table.units] == [_v(unit.voltage_mv) for unit in units]
    assert [unit.remaining_capacity for unit in table.units] == [
        _v(unit.remaining_mah) for unit in units]  # fmt: skip
    assert isinstance(cells, CellTable)
    assert [cell.voltage for cell in cells.cells] == [_v(mv) for mv in everything]
    assert isinstance(soh, SohTable)
    assert [cell.voltage for cell in soh.cells] == [_v(mv) for mv in everything]
    assert isinstance(info, ConsoleInfo)
    assert info.device_name == units[0].kind.name
    assert isinstance(stat, Statistics)
    assert stat.cycles == units[0].cycles
