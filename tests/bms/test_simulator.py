"""The simulator, read by the real client over loopback TCP.

Decoding is proven on real captures elsewhere (test_captures.py, test_encode.py); here the real
client reads what the simulator serves: every pack of stacks of 1 to 16 packs, the identity
commands, scenarios, drifting values, serial-line timing, the one-client gateway and each fault.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
import itertools
import json
import os
from pathlib import Path
import random
import signal
import socket
import struct
import threading
import time

import pytest

from custom_components.pylontech.bms import (
    AlarmInfo,
    AlarmLevel,
    AnalogValues,
    ManufacturerInfo,
    PackAlarmInfo,
    PackAnalogValues,
    PackCount,
    PylontechChecksumError,
    PylontechConnectionError,
    PylontechGatewayBusyError,
    PylontechResponseError,
    PylontechTimeoutError,
    PylontechUnknownDialectError,
    SocSource,
    SoftwareVersion,
    decode_response,
    encode_frame,
    parse_frame,
)
from custom_components.pylontech.bms.binary.client import PylontechClient
from custom_components.pylontech.bms.cli.simulate import add_simulate_command
from custom_components.pylontech.bms.dialects import PACE, PYLONTECH, Dialect, get_dialect
from custom_components.pylontech.bms.dialects.decoders import AnalogDecoder
from custom_components.pylontech.bms.dialects.pack_blocks import split_pack_blocks
from custom_components.pylontech.bms.models import PackData, StackData
from custom_components.pylontech.bms.serialize import stack_to_json
from custom_components.pylontech.bms.simulator import (
    FaultKind,
    FaultPlan,
    FaultSpecError,
    ScenarioError,
    SimulatedStack,
    Simulator,
    StaticPack,
    load_scenario,
    parse_scenario,
)
from custom_components.pylontech.bms.simulator.drift import DriftingPack, open_circuit_voltage
from custom_components.pylontech.bms.transport import TcpTransport
from tests import captures
from tests.bms.test_captures import READABLE

TIMEOUT = 0.3
PROC_FD = Path("/proc/self/fd")
# Current resolution on the wire: 100 mA Pylontech, 10 mA PACE; capacities 1 mAh / 10 mAh.
CURRENT_STEP = {"pylontech": 0.1, "pace": 0.01}
CAPACITY_STEP = {"pylontech": 0.001, "pace": 0.01}


class FakeClock:
    """A clock the test sets: the simulation time is whatever `t` is."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _client(simulator: Simulator, timeout: float = 1.0) -> PylontechClient:
    transport = TcpTransport("127.0.0.1", simulator.port, connect_timeout=1.0)
    return PylontechClient(transport, simulator.stack.dialect, timeout=timeout, gap=0.0)


def _near(step: float) -> float:
    """Half a wire step, plus float noise: the most a value can move on the wire."""
    return step / 2 + 1e-9


def assert_analog_matches(decoded: PackAnalogValues, served: PackAnalogValues, name: str) -> None:
    """What the client decoded is what was served, within the wire's resolution."""
    assert decoded.cell_voltages == pytest.approx(served.cell_voltages, abs=_near(0.001))
    assert decoded.temperatures == pytest.approx(served.temperatures, abs=_near(0.1))
    assert decoded.current == pytest.approx(served.current, abs=_near(CURRENT_STEP[name]))
    assert decoded.voltage == pytest.approx(served.voltage, abs=_near(0.001))
    for key in ("remaining_capacity", "full_capacity", "design_capacity"):
        expected = getattr(served, key)
        assert getattr(decoded, key) == pytest.approx(expected, abs=_near(CAPACITY_STEP[name]))
    assert decoded.cycles == served.cycles
    assert decoded.soc == pytest.approx(served.soc, abs=0.1 + 1e-9)
    assert decoded.soc_source == served.soc_source
    assert decoded.temperature_names == served.temperature_names
    assert decoded.extra == served.extra


def assert_alarm_matches(decoded: PackAlarmInfo, served: PackAlarmInfo) -> None:
    """Alarm answers carry no measured values: what was served comes back exactly."""
    assert replace(decoded, address=served.address) == served


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(123.0)


# -- every pack, every stack size -------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 8, 16])
@pytest.mark.parametrize("name", ["pylontech", "pace"])
async def test_every_pack_reads_as_served(name: str, count: int, clock: FakeClock) -> None:
    """Each pack's 0x42/0x44 answers decode to the served models; the all-packs answers hold
    every pack in address order."""
    async with Simulator(name, count, clock=clock) as simulator, _client(simulator) as client:
        stack = simulator.stack
        addresses = [pack.address for pack in stack.packs]
        first = get_dialect(name).first_address
        assert addresses == list(range(first, first + count))
        for address in addresses:
            analog = await client.analog_values(address)
            alarm = await client.alarm_info(address)
            assert analog.packs[0].address == address
            assert_analog_matches(analog.packs[0], stack.analog_values(address), name)
            assert_alarm_matches(alarm.packs[0], stack.alarm_info(address))
        every = await client.all_analog_values(address=first)
        alarms = await client.all_alarm_info(address=first)
        assert every.all_packs and alarms.all_packs
        assert len(every.packs) == len(alarms.packs) == count
        for address, analog_pack, alarm_pack in zip(
            addresses, every.packs, alarms.packs, strict=True
        ):
            assert_analog_matches(analog_pack, stack.analog_values(address), name)
            assert_alarm_matches(alarm_pack, stack.alarm_info(address))


async def test_pylontech_identity() -> None:
    """0x93 per pack, 0x51 the master's for every address, 0x96, 0x4F, 0x47 and 0x92."""
    async with Simulator("pylontech", 3) as simulator, _client(simulator) as client:
        serials = [(await client.serial_number(pack)).serial_number for pack in (2, 3, 4)]
        assert serials == [simulator.stack.pack(pack).identity.serial_number for pack in (2, 3, 4)]
        assert len(set(serials)) == 3
        assert all(len(s or "") == 16 and (s or "").startswith("HPT") for s in serials)
        for address in (2, 4):
            info = await client.manufacturer_info(address)
            assert info == ManufacturerInfo(
                device_name="US3000C", software_version="1.3", manufacturer="Pylon"
            )
        version = await client.software_version(3)
        assert version == SoftwareVersion(address=3, version="0.6.9", manufacturer_version="1.3")
        assert (await client.protocol_version(2)).version == 0x20
        limits = await client.system_parameters(3)
        assert limits.cell_high_voltage_limit == 3.65
        assert limits.discharge_current_limit == -90.0
        management = await client.charge_discharge_management(4)
        assert management.address == 4
        assert management.charge_voltage_limit == 53.25
        assert management.charge_enable and management.discharge_enable


async def test_pace_identity() -> None:
    """0x90 counts the packs; 0xC1 and 0xC2 give the master's identity at every address."""
    async with Simulator("pace", 4) as simulator, _client(simulator) as client:
        master = simulator.stack.master.identity
        assert (await client.pack_count(1)).count == 4
        for address in (1, 3):
            version = await client.software_version(address)
            assert version.version == "P16S100A-1B470-3.01"
            barcode = await client.barcode(address)
            assert barcode.barcode == master.barcode
            assert len(master.barcode) == 16
            assert barcode.build_date is None


# -- addressing, as real stacks do it ---------------------------------------------------------


async def _exchange(port: int, *chunks: bytes, answers: int = 1) -> list[bytes]:
    """Send the chunks (with short pauses: separate TCP reads), then read `answers` frames."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.005)
        async with asyncio.timeout(1.0):
            return [await reader.readuntil(b"\r") for _ in range(answers)]
    finally:
        writer.close()
        await writer.wait_closed()


def _request(dialect: Dialect, code: int, address: int, info: bytes = b"") -> bytes:
    """Any request frame, including ones the dialect refuses to build (write commands)."""
    return encode_frame(ver=dialect.ver, adr=address, cid1=dialect.cid1, cid2=code, info=info)


async def test_pylontech_addressing() -> None:
    """Each pack answers with its own ADR; absent packs are silent; odd requests get an RTN."""
    async with Simulator("pylontech", 2) as simulator:
        probe = PYLONTECH.encode_request(0x4F, address=2)
        silent = [
            PYLONTECH.encode_request(0x42, address=5),  # no pack at ADR 5
            _request(PYLONTECH, 0x42, 2, bytes([7])),  # ADR 2 asks for pack 7
            _request(PYLONTECH, 0x00, 2),  # an answer (CID2 = RTN 0), not a request
            _request(PYLONTECH, 0x42, 2, b"\x02")[:-5] + b"0000\r",  # a bad checksum
        ]
        replies = await _exchange(simulator.port, *silent, probe)
        assert parse_frame(replies[0]).cid2 == 0  # the probe's answer is the first
        request = PYLONTECH.encode_request(0x44, address=3)
        answer = parse_frame((await _exchange(simulator.port, request))[0])
        assert (answer.adr, answer.info[1]) == (3, 3)
        cases = {
            _request(PYLONTECH, 0x99, 2, b"\x01"): (2, 0x04),  # a control command
            _request(PYLONTECH, 0x42, 3, b"\xff"): (3, 0x05),  # all packs asked of a slave
            _request(PYLONTECH, 0x93, 2, b"\xff"): (2, 0x05),  # 0x93 has no all-packs form
            _request(PYLONTECH, 0x42, 2): (2, 0x05),  # the pack byte is missing
            _request(PACE, 0x42, 2, b"\x02"): (2, 0x01),  # VER 0x25: VER error
        }
        for request, (adr, rtn) in cases.items():
            frame = parse_frame((await _exchange(simulator.port, request))[0])
            assert (frame.adr, frame.cid2, frame.info) == (adr, rtn, b"")
        # 0x4F ignores VER (V3.3 section 3.1).
        frame = parse_frame((await _exchange(simulator.port, _request(PACE, 0x4F, 3)))[0])
        assert (frame.ver, frame.adr, frame.cid2) == (0x20, 3, 0)


async def test_pace_addressing() -> None:
    """The master answers for every pack with ADR 1 and the pack in INFO; ADR 0xFF reaches
    the master; any VER is answered; write commands get RTN 0x04."""
    async with Simulator("pace", 3) as simulator:
        for pack in (1, 2, 3):
            request = PACE.encode_request(0x42, address=pack)
            frame = parse_frame((await _exchange(simulator.port, request))[0])
            assert (frame.adr, frame.info[1]) == (1, pack)
        count = _request(PACE, 0x90, 0xFF, b"\xff")  # the PylonToMQTT poll
        frame = parse_frame((await _exchange(simulator.port, count))[0])
        assert (frame.adr, frame.info) == (1, b"\x03")
        frame = parse_frame(
            (await _exchange(simulator.port, _request(PYLONTECH, 0x42, 2, b"\x02")))[0]
        )
        assert (frame.ver, frame.adr, frame.info[1]) == (0x25, 1, 2)
        for code in (0x9A, 0x9B, 0x99, 0xB2, 0x47):
            frame = parse_frame(
                (await _exchange(simulator.port, _request(PACE, code, 3, b"\x01")))[0]
            )
            assert (frame.adr, frame.cid2) == (1, 0x04)
        silent = PACE.encode_request(0x42, address=4)
        replies = await _exchange(simulator.port, silent, PACE.encode_request(0x90, address=1))
        assert parse_frame(replies[0]).info == b"\x03"


async def test_pace_at_adr_0_and_any_ver() -> None:
    """ADR 0 reaches the master, which answers an all-packs request there for every pack with
    its own ADR 01 (as the real Gobel 8-pack answer has it, pace-0x25-found:1); 0x90 is
    answered in VER 0x20 too; a pack set to address 0 answers at 0 itself."""
    gobel = parse_frame(next(c.raw for c in captures.ALL if c.id == "pace-0x25-found:1:0x42"))
    async with Simulator("pace", 8) as simulator:
        frame = parse_frame(
            (await _exchange(simulator.port, PACE.encode_request(0x42, address=0, pack=0xFF)))[0]
        )
        assert (frame.ver, frame.adr, frame.info[:2]) == (gobel.ver, gobel.adr, gobel.info[:2])
        frame = parse_frame((await _exchange(simulator.port, _request(PYLONTECH, 0x90, 1)))[0])
        assert (frame.ver, frame.adr, frame.info) == (0x25, 1, b"\x08")
    async with Simulator("pace", 1, first_address=0) as simulator:
        frame = parse_frame(
            (await _exchange(simulator.port, PACE.encode_request(0x42, address=0, pack=0xFF)))[0]
        )
        assert (frame.adr, frame.info[:2]) == (0, b"\x00\x01")
    async with Simulator("pace", 2, only_adr=0) as simulator:
        replies = await _exchange(
            simulator.port,
            PACE.encode_request(0x42, address=1, pack=1),  # silence: the port takes ADR 0 only
            PACE.encode_request(0x90, address=0),
        )
        assert [parse_frame(reply).info for reply in replies] == [b"\x02"]


async def test_seplos_answers_by_address() -> None:
    """A Seplos answers for itself whatever group INFO names: the real answer of a pack at
    ADR 0 to INFO 01 (dbus-serialbattery issue 652) has group 00, and so has ours."""
    seplos = get_dialect("seplos")
    real = parse_frame(next(c.raw for c in captures.ALL if c.file == "seplos-v2-0x20-found"))
    async with Simulator("seplos", 1) as simulator:
        request = _request(seplos, 0x42, 0, b"\x01")
        assert request == b"~20004642E00201FD36\r"  # as dbus-serialbattery sends it
        frame = parse_frame((await _exchange(simulator.port, request))[0])
        assert (frame.ver, frame.adr, frame.cid1, frame.info[:3]) == (
            real.ver, real.adr, real.cid1, real.info[:3],
        )  # fmt: skip


async def test_requests_split_over_reads() -> None:
    """A request in one-byte writes, behind line noise, with another right behind it."""
    async with Simulator("pace", 2) as simulator:
        first = PACE.encode_request(0x44, address=2)
        second = PACE.encode_request(0x90, address=1)
        chunks = [b"\x00\xffnoise", *(bytes([byte]) for byte in first), second]
        replies = await _exchange(simulator.port, *chunks, answers=2)
        alarm = PACE.decode(0x44, parse_frame(replies[0]))
        assert isinstance(alarm, AlarmInfo)
        assert alarm.packs[0].address == 2
        assert parse_frame(replies[1]).info == b"\x02"


# -- scenarios --------------------------------------------------------------------------------

BY_ID = {c.id: c for c in captures.PYLONTECH + captures.PACE}


def _decoded(capture_id: str) -> AnalogValues | AlarmInfo:
    capture = BY_ID[capture_id]
    response = decode_response(capture.frame, capture.command)[1]
    assert isinstance(response, AnalogValues | AlarmInfo)
    return response


def _real_stack(name: str) -> StackData:
    """Real packs: the 5-pack Jakiper trace (PACE), 4 x US3000 with two real alarm answers."""
    if name == "pace":
        ids = [(1, 110), (2, 114), (3, 118), (4, 122), (5, 126)]
        packs = [
            PackData(
                address=address,
                analog=_decoded(f"pace-0x25:{line}:0x42").packs[0],
                alarm=_decoded(f"pace-0x25:{line + 2}:0x44").packs[0],
            )
            for address, line in ids
        ]
    else:
        analog = _decoded("pylontech-0x20:2:0x42").packs
        alarms = {2: "pylontech-0x20:62:0x44", 3: "pylontech-0x20:64:0x44"}
        packs = []
        for address, pack in enumerate(analog, start=2):
            alarm = _decoded(alarms[address]).packs[0] if address in alarms else None
            assert isinstance(pack, PackAnalogValues)
            analog_pack = replace(pack, address=address)
            packs.append(PackData(address=address, analog=analog_pack, alarm=alarm))
    return StackData(dialect=name, packs=tuple(packs))


@pytest.mark.parametrize("name", ["pylontech", "pace"])
async def test_scenario_round_trip(name: str, tmp_path: Path) -> None:
    """`read --json` of real packs, served and read back: the same values (alarm extra bytes
    and the firmware's padding are not in the JSON); packs without alarms are all normal."""
    stack = _real_stack(name)
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(stack_to_json(stack)))
    async with Simulator(scenario=path) as simulator, _client(simulator) as client:
        assert simulator.stack.dialect.name == name
        for pack in stack.packs:
            analog = (await client.analog_values(pack.address)).packs[0]
            assert pack.analog is not None
            assert analog == replace(pack.analog, address=pack.address)
            alarm = (await client.alarm_info(pack.address)).packs[0]
            if pack.alarm is not None:
                expected_alarm = replace(pack.alarm, address=pack.address)
                assert replace(alarm, extra=pack.alarm.extra) == expected_alarm
            else:
                assert alarm.active_flags == ("discharge_mosfet", "charge_mosfet")
                assert set(alarm.cell_states) == {AlarmLevel.NORMAL}
        every = await client.all_analog_values(address=stack.packs[0].address)
        expected = [replace(pack.analog, address=None) for pack in stack.packs if pack.analog]
        assert list(every.packs) == expected


def _pack(**keys: object) -> dict[str, object]:
    """A minimal scenario pack: the required keys, then `keys`."""
    pack: dict[str, object] = {
        "cell_voltages": [3.301, 3.302, 3.303, None],
        "temperatures": [25.0, None],
        "current": -1.5,
        "remaining_capacity": 40.0,
        "full_capacity": 80.0,
        "cycles": 12,
    }
    pack.update(keys)
    return {key: value for key, value in pack.items() if value != "-"}


async def test_scenario_keys() -> None:
    """Identity and wire keys are served; alarm keys set the status bits; the PACE SOC byte
    follows `soc`, else the capacities, unless `extra` says otherwise."""
    document = {
        "dialect": "pace",
        "packs": [
            _pack(serial_number="S1", software_version="P16S100A-1812-1.00",
                  barcode="1812101380309D", build_date="Mar 30 2022,18:18:16",
                  model="M", manufacturer="X", user_defined=9, soc=55,
                  flags={"charge_mosfet": False, "low_soc_warning": True},
                  balancing_cells=[3, 16], voltage_state="above_upper_limit",
                  cell_states=["normal", "below_lower_limit", "normal", "other_error"]),
            _pack(address=4, extra="", status_bytes=[1, 2, 0x06, 0, 0, 0, 0, 0, 0],
                  discharge_mosfet=False),
            _pack(address=7, extra="0102", soc=10),
            _pack(address=9, extra="C8", soc=50.0, soc_source="capacity", current=0),
            _pack(address=11),
        ],
    }  # fmt: skip
    scenario = load_scenario(document)
    assert [pack.address for pack in scenario.packs] == [1, 4, 7, 9, 11]
    first = scenario.packs[0]
    assert first.identity.serial_number == "S1"
    assert first.user_defined == 9
    assert first.analog.voltage == 9.906  # the sum of the valid cells
    assert first.analog.extra == b"\x37"  # soc 55
    assert set(first.alarm.active_flags) == {"low_soc_warning", "discharge_mosfet"}
    assert first.alarm.balancing_cells == (3, 16)
    assert first.alarm.voltage_state is AlarmLevel.ABOVE_UPPER_LIMIT
    assert scenario.packs[1].alarm.status_bytes[:3] == (1, 2, 0x02)
    assert scenario.packs[1].analog.extra == b""
    assert scenario.packs[2].analog.extra == b"\x01\x02"
    assert scenario.packs[3].analog.extra == b"\xc8"
    assert scenario.packs[4].analog.extra == b"\x32"  # 40 / 80 Ah
    async with Simulator(scenario=document) as simulator, _client(simulator) as client:
        analog = (await client.analog_values(1)).packs[0]
        assert (analog.soc, analog.soc_source) == (55.0, SocSource.BMS)
        assert (await client.software_version(4)).version == "P16S100A-1812-1.00"
        barcode = await client.barcode(7)
        assert (barcode.barcode, barcode.build_date) == ("1812101380309D", "Mar 30 2022,18:18:16")
        assert_alarm_matches((await client.alarm_info(1)).packs[0], first.alarm)
        assert (await client.analog_values(9)).packs[0].soc_source is SocSource.CAPACITY
        frame = client.raw_frames[-1].data
        assert parse_frame(frame).info[2 + 1 + 8 + 1 + 4 + 6] == 3  # default count, no key
        pack = simulator.stack.pack(11)
        assert isinstance(pack, StaticPack)
        pack.analog = replace(pack.analog, cycles=999)  # values change at run time
        assert (await client.analog_values(11)).packs[0].cycles == 999
        simulator.set_scenario({"dialect": "sok", "packs": [_pack()]})
        assert (await client.pack_count(1)).count == 1


async def test_scenario_pylontech_identity() -> None:
    """Pylontech identity keys reach 0x93, 0x96 and 0x51."""
    document = {"dialect": "pylontech", "packs": [
        _pack(serial_number="HPTCR03171112590", model="US2000C", software_version="1.2.3",
              manufacturer_version="4.5", manufacturer="Pylon"),
        _pack(serial_number="HPTBH02240A01235"),
    ]}  # fmt: skip
    async with Simulator(scenario=document) as simulator, _client(simulator) as client:
        assert (await client.serial_number(3)).serial_number == "HPTBH02240A01235"
        version = await client.software_version(2)
        assert (version.version, version.manufacturer_version) == ("1.2.3", "4.5")
        info = await client.manufacturer_info(3)
        assert (info.device_name, info.software_version) == ("US2000C", "4.5")


BAD_SCENARIOS = [
    ([], "scenario: must be an object"),
    ({"packs": [_pack()]}, "'dialect' must name the dialect"),
    ({"dialect": "jbd", "packs": [_pack()]}, "unknown dialect 'jbd'"),
    ({"dialect": "pace"}, "'packs' must be a list of 1 to 16 packs"),
    ({"dialect": "pace", "packs": [_pack()] * 17}, "1 to 16 packs"),
    ({"dialect": "pace", "packs": [3]}, "pack 1: must be an object, not a number"),
    ({"dialect": "pace", "packs": [_pack(current="-")]}, "pack 1 .address 1.: missing required key 'current'"),
    ({"dialect": "pace", "packs": [_pack(current=None)]}, "'current' must be a number, not null"),
    ({"dialect": "pace", "packs": [_pack(voltage=True)]}, "'voltage' must be a number, not true/false"),
    ({"dialect": "pace", "packs": [_pack(cycles=1.5)]}, "'cycles' must be a whole number"),
    ({"dialect": "pace", "packs": [_pack(cycles=-1)]}, "'cycles' must be from 0 to 65535"),
    ({"dialect": "pace", "packs": [_pack(cell_voltages=[])]}, "'cell_voltages' must be a non-empty list"),
    ({"dialect": "pace", "packs": [_pack(temperatures=["hot"])]}, "must hold numbers or nulls, not a string"),
    ({"dialect": "pace", "packs": [_pack(flags=[])]}, "'flags' must be an object"),
    ({"dialect": "pace", "packs": [_pack(flags={"on_fire": True})]}, "unknown flag 'on_fire'"),
    ({"dialect": "pace", "packs": [_pack(flags={"cell_fault": 1})]}, "must map 'cell_fault' to true or false"),
    ({"dialect": "pace", "packs": [_pack(voltage_state="meh")]}, "'voltage_state' must be one of normal"),
    ({"dialect": "pace", "packs": [_pack(cell_states="normal")]}, "'cell_states' must be a list of states"),
    ({"dialect": "pace", "packs": [_pack(status_bytes=[0, 0])]}, "'status_bytes' must hold 9 bytes"),
    ({"dialect": "pace", "packs": [_pack(status_bytes=[256] * 9)]}, "whole numbers from 0 to 255"),
    ({"dialect": "pace", "packs": [_pack(charge_mosfet="on")]}, "must be true or false, not a string"),
    ({"dialect": "pace", "packs": [_pack(extra="zz")]}, "'extra' must be a string of hex digits"),
    ({"dialect": "pace", "packs": [_pack(extra=5)]}, "'extra' must be a string of hex digits"),
    ({"dialect": "pace", "packs": [_pack(barcode=7)]}, "'barcode' must be a string, not a number"),
    ({"dialect": "pace", "packs": [_pack(barcode="x" * 21)]}, "at most 20 characters"),
    ({"dialect": "pace", "packs": [_pack(), _pack(address=1)]}, "two packs share an address"),
    ({"dialect": "pace", "packs": [{"address": 2, "error": "timed out"}]}, "not read when the scenario was saved .timed out."),
    ({"dialect": "pylontech", "packs": [_pack(extra="61")]}, "'extra' must be empty"),
    ({"dialect": "pylontech", "packs": [_pack(balancing_cells=[1])]}, "must be null: pylontech does not report"),
    ({"dialect": "pylontech", "packs": [_pack(software_version="v1")]}, "must be 3 numbers from 0 to 255"),
    ({"dialect": "pylontech", "packs": [_pack(manufacturer_version="1.2.3")]}, "must be 2 numbers"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "message"), BAD_SCENARIOS)
def test_scenario_errors(document: object, message: str) -> None:
    """Each mistake is named with its pack and key."""
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(document)


def test_scenario_files(tmp_path: Path) -> None:
    """A missing file and a file that is not JSON give one clear error each."""
    with pytest.raises(ScenarioError, match=r"cannot read scenario .*nothing\.json"):
        load_scenario(tmp_path / "nothing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ScenarioError, match=r"bad\.json is not JSON"):
        load_scenario(str(tmp_path / "bad.json"))
    with pytest.raises(ValueError, match="the scenario is a pace stack, not pylontech"):
        Simulator("pylontech", scenario={"dialect": "pace", "packs": [_pack()]})
    with pytest.raises(ValueError, match="the scenario has 1 packs, not 2"):
        Simulator(packs=2, scenario={"dialect": "pace", "packs": [_pack()]})


# -- drifting values --------------------------------------------------------------------------


async def test_drift_is_consistent(clock: FakeClock) -> None:
    """Over injected time: voltage = sum of cells, SOC rises while charging and falls while
    discharging, and the hotter sensors follow the current."""
    simulator = Simulator("pylontech", 2, clock=clock, seed=7)
    async with simulator, _client(simulator) as client:
        readings = []
        for t in range(0, 660, 30):
            clock.t = 123.0 + t  # the simulation began at 123
            pack = (await client.analog_values(3)).packs[0]
            readings.append(pack)
            assert pack.voltage is not None
            assert pack.voltage == pytest.approx(sum(pack.cell_voltages), rel=0.02)
            assert 3.0 <= (pack.cell_voltage_min or 0) <= (pack.cell_voltage_max or 0) <= 3.5
        currents = [pack.current or 0.0 for pack in readings]
        assert max(currents) > 10 and min(currents) < -10  # tens of amps both ways
        for before, after in itertools.pairwise(readings):
            assert before.remaining_capacity is not None and after.remaining_capacity is not None
            if (before.current or 0) > 1 and (after.current or 0) > 1:
                assert after.remaining_capacity > before.remaining_capacity
                assert (after.soc or 0) >= (before.soc or 0)
            if (before.current or 0) < -1 and (after.current or 0) < -1:
                assert after.remaining_capacity < before.remaining_capacity
        quiet = min(readings, key=lambda pack: abs(pack.current or 0))
        busy = max(readings, key=lambda pack: abs(pack.current or 0))
        assert busy.temperatures[0] > quiet.temperatures[0]  # BMS board
        assert readings[0].cycles == readings[-1].cycles


def test_drift_is_a_function_of_seed_and_time(clock: FakeClock) -> None:
    """Same seed, same time: the same values; another seed: other values; the PACE SOC byte
    is remaining / full; the charge stays within 0 .. full."""
    first = Simulator("pace", 2, seed=1, clock=clock)
    again = Simulator("pace", 2, seed=1, clock=clock)
    other = Simulator("pace", 2, seed=2, clock=clock)
    clock.t = 500.0
    assert first.stack.analog_values(2) == again.stack.analog_values(2)
    assert first.stack.alarm_info(2) == again.stack.alarm_info(2)
    assert first.stack.analog_values(2) != other.stack.analog_values(2)
    pack = first.stack.pack(1)
    assert isinstance(pack, DriftingPack)
    for t in range(0, 7200, 97):
        analog = pack.analog_values(t)
        assert analog.remaining_capacity is not None and analog.full_capacity is not None
        assert 0 <= analog.remaining_capacity <= analog.full_capacity
        soc = analog.remaining_capacity / analog.full_capacity * 100
        assert analog.extra == bytes([round(soc)])
        assert analog.soc_source is SocSource.BMS
        if analog.current and analog.current > 1:
            assert pack.alarm_info(t).balancing_cells is not None
    assert open_circuit_voltage(-1.0) == 3.0
    assert open_circuit_voltage(2.0) == 3.45
    assert open_circuit_voltage(0.5) == pytest.approx(3.31)
    pack.start_charge = pack.full_capacity * 2  # beyond full: kept at full
    assert pack.remaining_capacity(0) == pack.full_capacity
    assert pack.alarm_info(0).active_flags[0] == "fully_charged"


# -- the serial line and the gateway ----------------------------------------------------------


async def test_baud_and_turnaround() -> None:
    """At 9600 Bd a reply takes its wire time (10 bits a byte) plus the turnaround."""
    simulator = Simulator("pace", 1, baud=9600, turnaround=40)
    async with simulator, _client(simulator) as client:
        loop = asyncio.get_running_loop()
        await client.pack_count(1)  # connected
        start = loop.time()
        await client.analog_values(1)
        elapsed = loop.time() - start
        reply = client.raw_frames[-1].data
        wire = len(reply) * 10 / 9600
        assert 0.14 < wire < 0.16  # 150 characters, as protocol.md 6.1 counts them
        assert wire + 0.040 <= elapsed < wire + 0.040 + 0.15
    async with Simulator("pace", 1) as simulator, _client(simulator) as client:
        await client.pack_count(1)
        start = loop.time()
        await client.analog_values(1)
        assert loop.time() - start < 0.1


async def test_one_client_gateway() -> None:
    """clients=1: a second client is accepted and closed at once; the first keeps working."""
    async with Simulator("pylontech", 1, clients=1) as simulator:
        async with _client(simulator) as first:
            await first.analog_values(2)
            async with _client(simulator) as second:
                with pytest.raises(PylontechGatewayBusyError, match="another client"):
                    await second.analog_values(2)
            assert (await first.analog_values(2)).packs[0].address == 2
            assert (simulator.connections, simulator.refused) == (1, 1)
        await asyncio.sleep(0.05)  # the first client's slot is free again
        async with _client(simulator) as third:
            assert (await third.analog_values(2)).packs[0].address == 2


# -- faults -----------------------------------------------------------------------------------


async def _read_with_fault(kind: FaultKind) -> PackAnalogValues | Exception:
    """Ask pack 2 of a 2-pack PACE stack with `kind` at rate 1: the answer or the error."""
    simulator = Simulator("pace", 2, faults=f"{kind}=1", delay_seconds=0.6, clock=FakeClock())
    async with simulator, _client(simulator, timeout=TIMEOUT) as client:
        try:
            analog = (await client.analog_values(2)).packs[0]
        except Exception as err:  # noqa: BLE001
            return err
        finally:
            assert simulator.fault_counts == {kind: 1}
            if kind is FaultKind.WRONGPACK:  # pack 1's answer came, and was dropped
                assert parse_frame(client.raw_frames[-1].data).info[1] == 1
        assert_analog_matches(analog, simulator.stack.analog_values(2), "pace")
        return analog


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        (FaultKind.DROP, PylontechTimeoutError),
        (FaultKind.DELAY, PylontechTimeoutError),
        (FaultKind.WRONGPACK, PylontechTimeoutError),  # never another pack's values
        (FaultKind.CHECKSUM, PylontechChecksumError),
        (FaultKind.RTN, PylontechResponseError),
        (FaultKind.DISCONNECT, PylontechConnectionError),
        (FaultKind.SPLIT, PackAnalogValues),
        (FaultKind.GARBAGE, PackAnalogValues),
    ],
)
async def test_each_fault(
    kind: FaultKind, outcome: type[object], caplog: pytest.LogCaptureFixture
) -> None:
    """Each fault at rate 1.0 gives the client the outcome it should; logs are debug only."""
    caplog.set_level("DEBUG")
    result = await _read_with_fault(kind)
    assert isinstance(result, outcome)
    if isinstance(result, PylontechTimeoutError):
        assert "no answer to 0x42" in str(result)
    records = [
        r for r in caplog.records if r.name.startswith("custom_components.pylontech.bms.sim")
    ]
    assert records
    assert {record.levelname for record in records} == {"DEBUG"}


async def test_faults_that_do_not_apply() -> None:
    """wrongpack needs a per-pack command and another pack; faults can combine; the plan can
    change at run time."""
    simulator = Simulator("pylontech", 1, faults="wrongpack=1")
    async with simulator, _client(simulator, timeout=TIMEOUT) as client:
        assert (await client.analog_values(2)).packs[0].address == 2
        simulator.faults = "wrongpack=1,garbage=1,split=1"
        assert (await client.analog_values(2)).packs[0].address == 2
        assert (await client.system_parameters(2)).cell_high_voltage_limit == 3.65
        assert simulator.fault_counts == {FaultKind.GARBAGE: 2, FaultKind.SPLIT: 2}
        simulator.faults = None
        assert str(simulator.faults) == ""


async def test_faults_on_the_wire(clock: FakeClock) -> None:
    """What each damaging fault does to the bytes: split arrives in pieces, garbage has no
    '~', checksum changes one CHKSUM digit, rtn is an error code of the dialect, delay is
    late but complete."""
    async with Simulator("pylontech", 2, faults="split=1", seed=3, clock=clock) as simulator:
        request = PYLONTECH.encode_request(0x42, address=3)
        good = simulator.stack.pack_answer(0x42, 3).frame
        reader, writer = await asyncio.open_connection("127.0.0.1", simulator.port)
        writer.write(request)
        pieces = [await reader.read(4096)]
        while not pieces[-1].endswith(b"\r"):
            pieces.append(await reader.read(4096))
        writer.close()
        await writer.wait_closed()
        assert len(pieces) >= 2
        assert b"".join(pieces) == good
        simulator.faults = "garbage=1"
        noisy = (await _exchange(simulator.port, request))[0]
        assert noisy.endswith(good)
        assert len(noisy) > len(good)
        assert b"~" not in noisy[: -len(good)]
        simulator.faults = "checksum=1"
        damaged = (await _exchange(simulator.port, request))[0]
        assert len(damaged) == len(good)
        assert damaged[:-5] == good[:-5]
        assert sum(a != b for a, b in zip(damaged, good, strict=True)) == 1
        simulator.faults = "rtn=1"
        refused = parse_frame((await _exchange(simulator.port, request))[0])
        assert (refused.adr, refused.info) == (3, b"")
        assert refused.cid2 in set(PYLONTECH.return_codes) - {0}
        simulator.faults = "delay=1"
        simulator.delay_seconds = 0.2
        loop = asyncio.get_running_loop()
        start = loop.time()
        assert (await _exchange(simulator.port, request))[0] == good
        assert loop.time() - start >= 0.2


def test_fault_plans() -> None:
    """Specs are read with clear errors; the same seed draws the same faults."""
    plan = FaultPlan.parse(" drop=0.1, DELAY=0.05 ,split=1,,checksum=0 ")
    assert plan.rates == {"drop": 0.1, "delay": 0.05, "split": 1.0, "checksum": 0.0}
    assert FaultPlan.parse(str(plan)) == plan
    assert FaultPlan.parse("").rates == {}
    for spec, message in (
        ("explode=0.1", "unknown fault 'explode' .known: disconnect, drop, rtn, wrongpack"),
        ("drop", "fault 'drop' needs a rate, e.g. drop=0.1"),
        ("drop=1.5", "rate of 'drop' must be a number from 0 to 1, not '1.5'"),
        ("drop=often", "not 'often'"),
        ("drop=0.1,drop=0.2", "fault 'drop' is given twice"),
    ):
        with pytest.raises(FaultSpecError, match=message):
            FaultPlan.parse(spec)
    plan = FaultPlan.parse("drop=0.3,garbage=0.5")
    draws = [plan.draw(random.Random(5)) for _ in range(2)]
    assert draws[0] == draws[1]
    rng = random.Random(9)
    hits = [plan.draw(rng) for _ in range(2000)]
    assert sum(FaultKind.DROP in hit for hit in hits) == pytest.approx(600, rel=0.15)
    assert not any(FaultKind.DELAY in hit for hit in hits)


async def test_stop_leaves_nothing_behind() -> None:
    """After stop(): no socket and no task left, even with a reply still waiting to be sent
    and a client still connected."""
    before = set(os.listdir(PROC_FD))
    tasks_before = asyncio.all_tasks()
    simulator = Simulator("pace", 2, faults="delay=1", delay_seconds=5)
    await simulator.start()
    await simulator.start()
    client = _client(simulator, timeout=0.1)
    with pytest.raises(PylontechTimeoutError):
        await client.analog_values(1)
    reader, writer = await asyncio.open_connection("127.0.0.1", simulator.port)
    await simulator.stop()
    await simulator.stop()
    assert await reader.read() == b""  # the server closed the idle connection
    writer.close()
    await writer.wait_closed()
    await client.close()
    await asyncio.sleep(0.05)
    assert set(os.listdir(PROC_FD)) <= before
    assert asyncio.all_tasks() <= tasks_before
    with pytest.raises(RuntimeError, match="not running"):
        _ = simulator.port


async def test_client_that_resets_mid_reply() -> None:
    """A client gone while a slow reply is on its way: that connection ends, others go on."""
    async with Simulator("pace", 1, baud=1200) as simulator:
        with socket.create_connection(("127.0.0.1", simulator.port)) as sock:
            sock.sendall(PACE.encode_request(0x42, address=1))
            await asyncio.sleep(0.05)  # the reply has begun
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await asyncio.sleep(0.1)
        simulator.baud = None
        reply = await _exchange(simulator.port, PACE.encode_request(0x90, address=1))
        assert parse_frame(reply[0]).info == b"\x01"
        assert simulator.connections == 2


def test_stack_building_blocks(clock: FakeClock) -> None:
    """Packs must have distinct addresses; a loaded scenario can be set directly; a PACE pack
    without capacities or SOC has no SOC byte and no SOC."""
    simulator = Simulator("pace", 2, clock=clock)
    pack = simulator.stack.pack(1)
    with pytest.raises(ValueError, match="two packs share an address"):
        SimulatedStack(PACE, [pack, pack], clock)
    scenario = load_scenario({"dialect": "pace", "packs": [_pack(remaining_capacity=None)]})
    simulator.set_scenario(scenario)
    analog = simulator.stack.analog_values(1)
    assert (analog.extra, analog.soc, analog.soc_source) == (b"", None, None)


def test_bad_arguments() -> None:
    """Arguments that cannot work are refused when the simulator is made."""
    for kwargs, message in (
        ({"packs": 0}, "a stack has 1 to 16 packs, not 0"),
        ({"packs": 17}, "not 17"),
        ({"baud": 0}, "baud must be at least 1"),
        ({"clients": 0}, "clients must be at least 1"),
        ({"turnaround": -1.0}, "cannot be negative"),
        ({"faults": "fire=1"}, "unknown fault 'fire'"),
    ):
        with pytest.raises(ValueError, match=message):
            Simulator(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(PylontechUnknownDialectError, match="unknown dialect 'jbd'"):
        Simulator("jbd")


# -- real answers: the same length for the same values ----------------------------------------

ANALOG_CAPTURES = [c for c in READABLE if c.command == 0x42]


@pytest.mark.parametrize("capture", ANALOG_CAPTURES, ids=lambda c: c.id)
async def test_reply_has_the_length_of_the_capture(capture: captures.Capture) -> None:
    """Serve a real 0x42 answer's packs (through `read --json`'s schema): the simulator's
    reply has the capture's length and decodes to its values. The user-defined count is the
    firmware's: with the encoder's default, only the US2000 in the mixed stack (which sends
    4 for 50 Ah) would differ."""
    frame = parse_frame(capture.raw)
    dialect, response = decode_response(capture.frame, 0x42)
    assert isinstance(response, AnalogValues)
    decoder = dialect.commands[0x42].decoder
    assert isinstance(decoder, AnalogDecoder)
    _, blocks = split_pack_blocks(
        frame, decoder.block, all_packs=response.all_packs, max_tail=decoder.max_tail
    )
    packs = []
    for index, pack in enumerate(response.packs):
        address = dialect.first_address + index if pack.address is None else pack.address
        packs.append(PackData(address=address, analog=replace(pack, address=address), alarm=None))
    document = stack_to_json(StackData(dialect=dialect.name, packs=tuple(packs)))
    by_default = Simulator(scenario=document).stack
    master = packs[0].address
    request = dialect.encode_request(
        0x42, address=master, pack=0xFF if response.all_packs else master
    )
    default_length = len(by_default.answer(parse_frame(request)).frame)  # type: ignore[union-attr]
    assert (default_length == len(capture.raw)) is (capture.id != "pylontech-0x20:3:0x42")
    for body, (values, _) in zip(document["packs"], blocks, strict=True):  # type: ignore[arg-type]
        body["user_defined"] = values["user_defined"]  # type: ignore[index]
    async with Simulator(scenario=document) as simulator, _client(simulator) as client:
        if response.all_packs:
            served = await client.all_analog_values(address=master)
        else:
            served = await client.analog_values(master)
        reply = client.raw_frames[-1].data
    assert len(reply) == len(capture.raw)
    assert served == response


# -- the command line -------------------------------------------------------------------------


def _command(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pylontech-bms")
    add_simulate_command(parser.add_subparsers(required=True))
    return parser.parse_args(["simulate", *argv])


def test_command_serves_until_interrupted(capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate` prints where it listens, answers, and exits 0 on SIGINT (Ctrl-C)."""
    args = _command("--dialect", "pace", "--packs", "2", "--baud", "115200", "--turnaround",
                    "1", "--faults", "split=1", "--clients", "2", "--seed", "4")  # fmt: skip
    seen: dict[str, object] = {}

    def use_then_interrupt() -> None:
        out, deadline = "", time.monotonic() + 5
        while "tcp://" not in out and time.monotonic() < deadline:
            time.sleep(0.01)
            out += capsys.readouterr().out
        seen["out"] = out
        if "tcp://" not in out:
            return  # the command failed: nothing to interrupt
        try:
            port = int(out.strip().rsplit(":", 1)[1])
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(PACE.encode_request(0x90, address=1))
                reply = b""
                while not reply.endswith(b"\r"):
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
    assert seen["out"] == f"simulating 2-pack pace stack on tcp://127.0.0.1:{seen['port']}\n"
    assert seen["reply"] == PACE.encode_answer(0x90, PackCount(count=2), address=1)


def test_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A port in use, a bad scenario or fault spec: one line on stderr and status 1."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = _command("--port", str(port))
        assert args.run(args) == 1
    assert capsys.readouterr().err == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
    scenario = tmp_path / "stack.json"
    scenario.write_text(json.dumps({"dialect": "pace", "packs": [_pack()]}))
    for argv, message in (
        (["--scenario", str(tmp_path / "missing.json")], "error: cannot read scenario"),
        (["--faults", "boom=1"], "error: unknown fault 'boom'"),
        (["--scenario", str(scenario), "--packs", "3"], "error: the scenario has 1 packs, not 3"),
        (["--dialect", "jbd"], None),
    ):
        if message is None:
            with pytest.raises(SystemExit):
                _command(*argv)
            continue
        args = _command(*argv)
        assert args.run(args) == 1
        err = capsys.readouterr().err
        assert err.startswith(message)
        assert err.count("\n") == 1
    for argv in (["--packs", "0"], ["--port", "-1"], ["--baud", "fast"]):
        with pytest.raises(SystemExit):
            _command(*argv)
    assert "must be a whole number of at least 1, not 'fast'" in capsys.readouterr().err


# -- the later dialects: Seplos, EG4, Boqiang -------------------------------------------------

LATER = {"seplos": (0.01, 0.01), "eg4": (0.01, 0.01), "boqiang": (0.01, 0.01)}
"""Wire steps of current and capacity; their voltages are in 10 mV too."""


@pytest.mark.parametrize("count", [1, 2, 16])
@pytest.mark.parametrize("name", sorted(LATER))
async def test_later_dialects_read_as_served(name: str, count: int, clock: FakeClock) -> None:
    """Each pack's 0x42 (and 0x44 where the dialect has it) decodes to the served model,
    asked in the dialect's own request shape; none of them answers for every pack."""
    current_step, capacity_step = LATER[name]
    async with Simulator(name, count, clock=clock) as simulator, _client(simulator) as client:
        stack, dialect = simulator.stack, simulator.stack.dialect
        first = dialect.first_address
        assert [pack.address for pack in stack.packs] == list(range(first, first + count))
        for address in range(first, first + count):
            analog = (await client.analog_values(address)).packs[0]
            served = stack.analog_values(address)
            assert analog.address == address
            assert analog.cell_voltages == served.cell_voltages
            assert analog.temperatures == pytest.approx(served.temperatures, abs=_near(0.1))
            assert analog.voltage == pytest.approx(served.voltage, abs=_near(0.01))
            assert analog.current == pytest.approx(served.current, abs=_near(current_step))
            assert analog.remaining_capacity == pytest.approx(
                served.remaining_capacity, abs=_near(capacity_step)
            )
            assert (analog.soc, analog.soc_source, analog.soh) == (
                pytest.approx(served.soc, abs=0.1 + 1e-9), served.soc_source, served.soh
            )  # fmt: skip
            assert analog.temperature_names == served.temperature_names
            if 0x44 in dialect.commands:
                alarm = (await client.alarm_info(address)).packs[0]
                assert_alarm_matches(alarm, stack.alarm_info(address))
            request = client.raw_frames[-2].data
            frame = parse_frame(request)
            assert frame.adr == (address if dialect.request_adr is None else dialect.request_adr)
            assert frame.info == (b"" if name == "eg4" else bytes([address]))
        if name == "eg4":  # no INFO: no all-packs form to ask for
            all_packs = dialect.encode_request(0x42, address=first, pack=0xFF)
            assert all_packs == dialect.encode_request(0x42, address=first)
        else:  # INFO 0xFF is refused (RTN 0x05)
            with pytest.raises(PylontechResponseError, match="RTN 0x05"):
                await client.all_analog_values(address=first)


def test_later_dialects_report_soc_and_soh(clock: FakeClock) -> None:
    """Seplos and EG4 packs report their own SOC (0.1 % and 1 % steps) and SOH; Boqiang none."""
    for name, soh in (("seplos", 100.0), ("eg4", 98.0), ("boqiang", None)):
        pack = Simulator(name, 1, clock=clock).stack.master.analog_values(0.0)
        assert pack.soh == soh
        assert pack.soc_source is (SocSource.CAPACITY if soh is None else SocSource.BMS)
        assert pack.soc is not None


async def test_seplos_scenario_round_trip(tmp_path: Path) -> None:
    """A real Seplos pack (the README capture) as a scenario: served back with its SOC and SOH."""
    capture = next(c for c in captures.ALL if c.id == "seplos-v2-0x20:2:0x42")
    _, response = decode_response(capture.frame, 0x42, dialect="seplos")
    assert isinstance(response, AnalogValues)
    pack = response.packs[0]
    document = stack_to_json(
        StackData(dialect="seplos", packs=(PackData(address=0, analog=pack, alarm=None),))
    )
    async with Simulator(scenario=document) as simulator, _client(simulator) as client:
        served = (await client.analog_values(0)).packs[0]
        reply = client.raw_frames[-1].data
    assert served == pack
    assert len(reply) == len(capture.raw)
    with pytest.raises(ScenarioError, match="boqiang stacks cannot be served"):
        parse_scenario({"dialect": "boqiang", "packs": [_pack()]})
