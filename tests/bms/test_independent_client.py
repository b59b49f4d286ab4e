"""python-pylontech, a client nobody here wrote, reads the simulator through a serial port.

python-pylontech (PyPI 0.3.3, module `pylontech`) is a synchronous client on pyserial and
construct, with its own framing, checksums and layouts. It opens a pseudo-terminal as its serial
port; `PtyTcpBridge` copies the bytes unchanged between that terminal and the simulator's TCP
port. What it reads must agree with what our client reads and with what the simulator serves:
that shows the simulator speaks the protocol as others implement it, not only as we do.

Left out, because of python-pylontech's own requests: `get_protocol_version()` and
`get_manufacturer_info()` send ADR 0x00 (`~2000464F0000FD9A`, `~200046510000FDAE`), where no
pack lives; the simulator stays silent there, as the US3000C of protocol.md 2.2 does, and
python-pylontech then fails on the empty line (ValueError). Its own encoder and parser still read
0x4F and 0x51 at the master's address (`test_manufacturer_info_and_protocol_version`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, dataclass
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pylontech import Pylontech
import pytest

from custom_components.pylontech.bms.binary.client import PylontechClient
from custom_components.pylontech.bms.dialects import PYLONTECH
from custom_components.pylontech.bms.simulator import Simulator
from custom_components.pylontech.bms.transport import TcpTransport
from tests.bms.pty_bridge import PtyTcpBridge

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from custom_components.pylontech.bms.models import PackAnalogValues

PACKS = 3
ADDRESSES = tuple(range(PYLONTECH.first_address, PYLONTECH.first_address + PACKS))
MASTER = ADDRESSES[0]
BAUD = 115200
# python-pylontech reads an answer with readline(), which waits for an LF; Pylontech answers end
# with CR, so every read ends on the port's timeout (2 s by default), the whole answer long
# arrived. The port's timeout is shortened to keep the test short: the simulator answers on
# loopback within milliseconds, and a silent pack costs one timeout.
READ_TIMEOUT = 0.3
PROC_FD = Path("/proc/self/fd")


class FixedClock:
    """The simulation time: whatever `t` is, so that both clients read the same values."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Link:
    """The simulator, read by python-pylontech through the bridge and by our client on TCP."""

    simulator: Simulator
    bridge: PtyTcpBridge
    independent: Pylontech
    ours: PylontechClient

    async def read(self, method: Callable[..., Any], *args: object) -> tuple[Any, str]:
        """Call a python-pylontech method in a worker thread (it is synchronous).

        Returns its result and the frames that crossed the bridge, for assertion messages.
        """
        result = await asyncio.to_thread(_quietly, method, *args)
        sent, received = self.bridge.take()
        return result, f"python-pylontech sent {sent!r}, received {received!r}"


def _quietly(method: Callable[..., Any], *args: object) -> Any:
    """Call `method`, swallowing what it prints (get_management_info prints its frame)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return method(*args)


def _open_fds() -> set[str]:
    return {entry.name for entry in PROC_FD.iterdir()}


def _other_tasks() -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


def _discharging(simulator: Simulator) -> float:
    """A simulation time at which every pack discharges: the current's sign goes on the wire."""
    return next(
        float(t)
        for t in range(0, 600, 10)
        if all((pack.analog_values(t).current or 0) < -5 for pack in simulator.stack.packs)
    )


@contextlib.asynccontextmanager
async def _link() -> AsyncIterator[Link]:
    """A 3-pack Pylontech stack at a fixed time, and both clients; then nothing left open."""
    fds, tasks = _open_fds(), _other_tasks()
    clock = FixedClock()
    async with Simulator("pylontech", PACKS, clock=clock) as simulator:
        clock.t = _discharging(simulator)
        async with PtyTcpBridge("127.0.0.1", simulator.port) as bridge:
            independent = await asyncio.to_thread(Pylontech, bridge.path, BAUD)
            independent.s.timeout = READ_TIMEOUT
            try:
                transport = TcpTransport("127.0.0.1", simulator.port, connect_timeout=1.0)
                async with PylontechClient(transport, PYLONTECH, timeout=1.0, gap=0.0) as ours:
                    yield Link(simulator, bridge, independent, ours)
            finally:
                independent.s.close()
    await asyncio.sleep(0)
    assert _open_fds() <= fds
    assert _other_tasks() <= tasks


def _near(step: float) -> float:
    """Half a wire step, plus float noise: the most a value can move on the wire."""
    return step / 2 + 1e-9


def _camel(key: str) -> str:
    """python-pylontech's name of one of our fields: charge_current_limit -> ChargeCurrentLimit."""
    return "".join(word.title() for word in key.split("_"))


def assert_pack_agrees(theirs: Any, expected: PackAnalogValues, frames: str) -> None:
    """A pack block as python-pylontech parsed it is `expected`, within the wire's resolution.

    python-pylontech calls the first temperature the "average BMS temperature" and the others
    "grouped cells temperatures"; like us it takes 0.1 K with the 2731 offset, so both agree to
    the wire's 0.1 °C.
    """
    temperatures = (theirs.AverageBMSTemperature, *theirs.GroupedCellsTemperatures)
    assert theirs.NumberOfCells == len(expected.cell_voltages), frames
    assert theirs.NumberOfTemperatures == len(expected.temperatures), frames
    cells = tuple(theirs.CellVoltages)
    assert cells == pytest.approx(expected.cell_voltages, abs=_near(0.001)), frames
    assert temperatures == pytest.approx(expected.temperatures, abs=_near(0.1)), frames
    assert theirs.Current == pytest.approx(expected.current, abs=_near(0.1)), frames
    assert theirs.Voltage == pytest.approx(expected.voltage, abs=_near(0.001)), frames
    assert theirs.RemainingCapacity == pytest.approx(
        expected.remaining_capacity, abs=_near(0.001)
    ), frames
    assert theirs.TotalCapacity == pytest.approx(expected.full_capacity, abs=_near(0.001)), frames
    assert theirs.CycleNumber == expected.cycles, frames


async def test_all_packs_answer_agrees() -> None:
    """get_values() (ADR 2, INFO 0xFF): the pack count and every pack's values."""
    async with _link() as link:
        theirs, frames = await link.read(link.independent.get_values)
        ours = await link.ours.all_analog_values(address=MASTER)
        assert theirs.NumberOfModules == len(ours.packs) == PACKS, frames
        for address, their_pack, our_pack in zip(ADDRESSES, theirs.Module, ours.packs, strict=True):
            served = link.simulator.stack.analog_values(address)
            assert our_pack.current is not None and our_pack.current < 0
            assert their_pack.Current < 0, frames
            assert their_pack._UserDefinedItems == 4, frames  # 74 Ah: 3-byte capacities
            assert_pack_agrees(their_pack, our_pack, frames)
            assert_pack_agrees(their_pack, served, frames)
            assert their_pack.Power == pytest.approx(our_pack.power, abs=_near(0.001)), frames
        soc = sum(pack.remaining_capacity or 0 for pack in ours.packs) / sum(
            pack.full_capacity or 0 for pack in ours.packs
        )
        assert theirs.StateOfCharge == pytest.approx(soc, abs=1e-9), frames


async def test_each_pack_answer_agrees() -> None:
    """get_values_single(adr) (ADR n, INFO n) for every pack."""
    async with _link() as link:
        for address in ADDRESSES:
            theirs, frames = await link.read(link.independent.get_values_single, address)
            ours = (await link.ours.analog_values(address)).packs[0]
            assert theirs.NumberOfModule == address, frames
            assert_pack_agrees(theirs, ours, frames)
            assert_pack_agrees(theirs, link.simulator.stack.analog_values(address), frames)
            assert theirs.StateOfCharge * 100 == pytest.approx(ours.soc, abs=_near(0.1)), frames


async def test_scan_finds_every_pack_by_serial_number() -> None:
    """scan_for_batteries() probes with 0x93 up to a silent address, then reads each serial."""
    async with _link() as link:
        scan = link.independent.scan_for_batteries
        found, frames = await link.read(scan, MASTER, ADDRESSES[-1] + 2)
        served = {
            address: link.simulator.stack.pack(address).identity.serial_number
            for address in ADDRESSES
        }
        assert found == served, frames
        for address in ADDRESSES:
            assert (await link.ours.serial_number(address)).serial_number == served[address]


async def test_system_parameters_agree() -> None:
    """get_system_parameters(): as V3.3 asks (ADR 2, no INFO) and with the pack's INFO byte."""
    async with _link() as link:
        ours = await link.ours.system_parameters(MASTER)
        assert ours == link.simulator.stack.profile.system_parameters
        for address in (None, ADDRESSES[-1]):
            args = () if address is None else (address,)
            theirs, frames = await link.read(link.independent.get_system_parameters, *args)
            for key, value in asdict(ours).items():
                step = 0.001 if "voltage" in key else 0.1  # mV; 0.1 °C and 0.1 A
                assert theirs[_camel(key)] == pytest.approx(value, abs=_near(step)), (key, frames)


async def test_management_info_agrees() -> None:
    """get_management_info(adr) (0x92) for every pack.

    The status bits are compared by position: python-pylontech names bit 5 "ChargeImmediately2"
    and bit 4 "ChargeImmediately1", where V3.3 (protocol.md 2.6) and we name them the other way
    round. The served SOC keeps both bits clear, so the names do not show in the values here.
    """
    async with _link() as link:
        for address in ADDRESSES:
            theirs, frames = await link.read(link.independent.get_management_info, address)
            ours = await link.ours.charge_discharge_management(address)
            assert ours.address == address
            for key in ("charge_voltage_limit", "discharge_voltage_limit"):
                expected = pytest.approx(getattr(ours, key), abs=_near(0.001))
                assert theirs[_camel(key)] == expected, (key, frames)
            for key in ("charge_current_limit", "discharge_current_limit"):
                expected = pytest.approx(getattr(ours, key), abs=_near(0.1))
                assert theirs[_camel(key)] == expected, (key, frames)
            assert theirs.DischargeCurrentLimit < 0, frames
            status = theirs.status
            assert (status.ChargeEnable, status.DischargeEnable) == (True, True), frames
            assert status.ChargeEnable == ours.charge_enable, frames
            assert status.DischargeEnable == ours.discharge_enable, frames
            assert status.ChargeImmediately2 == ours.charge_immediately_1, frames  # bit 5
            assert status.ChargeImmediately1 == ours.charge_immediately_2, frames  # bit 4
            assert status.FullChargeRequest == ours.full_charge_request, frames


async def test_manufacturer_info_and_protocol_version() -> None:
    """0x51 and 0x4F with python-pylontech's own encoder and parsers, at the master's address.

    Its get_manufacturer_info() and get_protocol_version() ask ADR 0, which no pack answers (see
    the module's docstring); send_cmd() and read_frame() are the public calls they are made of.
    """
    async with _link() as link:
        independent = link.independent

        def ask(code: int) -> Any:
            independent.send_cmd(MASTER, code)
            return independent.read_frame()

        frame, frames = await link.read(ask, 0x51)
        theirs = independent.manufacturer_info_fmt.parse(frame.info)
        ours = await link.ours.manufacturer_info(MASTER)
        master = link.simulator.stack.master.identity
        assert frame.cid2 == b"\x00", frames  # RTN: normal
        name = theirs.DeviceName.rstrip(b"\x00 ").decode()
        assert name == ours.device_name == master.model, frames
        assert ".".join(map(str, theirs.SoftwareVersion)) == ours.software_version, frames
        assert theirs.ManufacturerName.rstrip(b"\x00 -").decode() == ours.manufacturer, frames
        assert ours.manufacturer == master.manufacturer

        frame, frames = await link.read(ask, 0x4F)
        assert frame.cid2 == b"\x00", frames
        assert frame.info == b"", frames
        assert frame.ver[0] == (await link.ours.protocol_version(MASTER)).version == 0x20
