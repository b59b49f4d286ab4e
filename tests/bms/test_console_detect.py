"""Detecting a console, and waking one that starts at 1200 Bd, against the console simulator.

Detection runs over real loopback TCP; waking through a pseudo-terminal opened as a serial port
(`SerialTransport`) and bridged to the simulator's TCP port. The bridge here passes on only the
bytes sent at the speed the simulated console listens at (1200 Bd while it sleeps, 115200 once
awake), read from the terminal's settings as each write arrives: a wake-up that sent its frame
at the wrong speed would not wake it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import time
import tty
from typing import TYPE_CHECKING

import pytest

from custom_components.pylontech.bms.console import wake
from custom_components.pylontech.bms.console.client import PylontechConsoleClient
from custom_components.pylontech.bms.console.detect import detect_console
from custom_components.pylontech.bms.detect import detect
from custom_components.pylontech.bms.exceptions import PylontechDetectionError
from custom_components.pylontech.bms.models import PackIdentity
from custom_components.pylontech.bms.simulator import ConsoleSimulator, Simulator
from custom_components.pylontech.bms.simulator.console.catalog import MODELS
from custom_components.pylontech.bms.transport import SerialTransport, TcpTransport
from tests.bms.pty_bridge import READ_SIZE, PtyTcpBridge
from tests.bms.test_console_client import COUNTS, HV, intended, record_console_input
from tests.bms.test_console_sim import FakeClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

TIMEOUT = 0.2
SPEEDS = {termios.B1200: 1200, termios.B9600: 9600, termios.B115200: 115200}


@pytest.fixture
def fed(monkeypatch: pytest.MonkeyPatch) -> bytearray:
    """Every byte any simulated console receives from now on."""
    return record_console_input(monkeypatch)


def expected_identities(simulator: ConsoleSimulator, model: str) -> list[PackIdentity]:
    """What detection should say: the controller first (HV), then each pack or unit."""
    readings = intended(simulator)
    manufacturer = MODELS[model].manufacturer
    if model not in HV:
        return [
            PackIdentity(address=r.index, serial_number=r.barcode, model=r.kind.name,
                         software_version=r.kind.soft, manufacturer=manufacturer)
            for r in readings
        ]  # fmt: skip
    kind = readings[0].kind
    controller = PackIdentity(address=0, serial_number=readings[0].barcode, model=kind.name,
                              software_version=kind.soft, manufacturer=manufacturer)  # fmt: skip
    return [controller] + [
        PackIdentity(address=u.index, manufacturer=manufacturer,
                     serial_number=u.barcode if model == "force-h2" else None)
        for u in readings
    ]  # fmt: skip


@pytest.mark.parametrize("model", list(COUNTS))
async def test_detects_each_console(model: str, fed: bytearray) -> None:
    """Dialect "console", every pack or unit, their identities; one binary probe is enough.

    The console echoes the first binary probe and refuses it, so detection asks for its
    prompt at once instead of probing the other binary dialects.
    """
    async with ConsoleSimulator(model, COUNTS[model], clock=FakeClock(30)) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        start = time.monotonic()
        try:
            found = await detect(transport, request_timeout=TIMEOUT, gap=0.0)
        finally:
            await transport.close()
        print(f"detect {model}: {time.monotonic() - start:.2f} s")
    assert found.dialect == "console"
    assert found.addresses == tuple(range(1, COUNTS[model] + 1))
    assert found.all_packs is False
    assert list(found.packs) == expected_identities(simulator, model)
    assert fed.count(b"~") == 1
    assert simulator.connections == 1


@pytest.mark.parametrize(("dialect", "count"), [("pylontech", 2), ("pace", 3)])
async def test_binary_stack_is_no_console(dialect: str, count: int) -> None:
    """A binary stack ignores line breaks: no console there; detection still finds it."""
    async with Simulator(dialect, count, clock=lambda: 0.0) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        try:
            await transport.open()
            assert await detect_console(transport, request_timeout=TIMEOUT) is None
            found = await detect(transport, request_timeout=TIMEOUT, gap=0.0)
        finally:
            await transport.close()
    assert found.dialect == dialect
    assert len(found.addresses) == count


async def test_sleeping_console_over_tcp_is_not_woken() -> None:
    """TCP cannot change speed: nothing answers, no wake frame is sent, it sleeps on."""
    async with ConsoleSimulator("us2000b", asleep=True) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        assert not wake.can_wake(transport)
        try:
            with pytest.raises(PylontechDetectionError, match="nothing answered"):
                await detect(transport, request_timeout=TIMEOUT, gap=0.0)
        finally:
            await transport.close()
        assert simulator.console.asleep


# -- waking through a serial port ---------------------------------------------------------------


class LineSpeedBridge(PtyTcpBridge):
    """A pty bridge that passes on only bytes written at the console's present speed.

    `writes` keeps (baud, bytes) of every write of the program, passed on or not.
    """

    def __init__(self, simulator: ConsoleSimulator) -> None:
        super().__init__("127.0.0.1", simulator.port)
        self.simulator = simulator
        self.writes: list[tuple[int, bytes]] = []

    def _from_pty(self) -> None:
        baud = SPEEDS.get(termios.tcgetattr(self._slave)[5], 0)
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        self.writes.append((baud, data))
        if baud == (1200 if self.simulator.console.asleep else 115200):
            assert self._writer is not None
            self.sent += data
            self._writer.write(data)


@pytest.fixture
def quick_wake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wake, "SWITCH_DELAY", 0.05)
    monkeypatch.setattr(wake, "INTERVAL", 0.2)


@pytest.mark.usefixtures("quick_wake")
async def test_detect_wakes_a_1200_baud_console() -> None:
    async with (
        ConsoleSimulator("us2000b", asleep=True, clock=FakeClock(5)) as simulator,
        LineSpeedBridge(simulator) as bridge,
    ):
        transport = SerialTransport(bridge.path, 115200)
        assert wake.can_wake(transport)
        start = time.monotonic()
        try:
            found = await detect(transport, request_timeout=TIMEOUT, gap=0.0)
            print(f"detect with wake-up: {time.monotonic() - start:.2f} s")
            assert transport.is_open
        finally:
            await transport.close()
    assert found.dialect == "console"
    assert found.addresses == (1, 2)
    assert list(found.packs) == expected_identities(simulator, "us2000b")
    assert not simulator.console.asleep
    assert transport.baudrate == 115200
    assert transport.description.endswith("at 115200 Bd")
    slow = [data for baud, data in bridge.writes if baud == 1200]
    assert slow == [wake.WAKE_FRAME]
    assert {baud for baud, _ in bridge.writes} == {1200, 115200}
    woken = [baud for baud, data in bridge.writes].index(1200)
    assert bridge.writes[woken + 1] == (115200, wake.LINE_BREAK)


class SilentPort:
    """A pseudo-terminal nobody answers on; `written` collects what the program sends."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # kept open: the master reads nothing once every slave is closed
        self.path = os.ttyname(self.slave)
        self.written = bytearray()
        os.set_blocking(self.master, False)
        asyncio.get_running_loop().add_reader(self.master, self._read)

    def _read(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self.written += os.read(self.master, READ_SIZE)

    def close(self) -> None:
        asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
async def silent_port() -> AsyncIterator[SilentPort]:
    port = SilentPort()
    yield port
    port.close()


async def test_wake_gives_up_when_nothing_answers(silent_port: SilentPort) -> None:
    transport = SerialTransport(silent_port.path, 115200)
    await transport.open()
    try:
        woke = await wake.wake_console(transport, tries=3, interval=0.05, switch_delay=0.02)
        assert transport.is_open
    finally:
        await transport.close()
    await asyncio.sleep(0.05)
    assert woke is False
    assert transport.baudrate == 115200
    assert silent_port.written == wake.WAKE_FRAME + 3 * wake.LINE_BREAK


@pytest.mark.usefixtures("quick_wake")
@pytest.mark.parametrize(("baud", "wakes"), [(115200, True), (9600, False), (1200, False)])
async def test_detect_console_on_a_silent_port(
    silent_port: SilentPort, monkeypatch: pytest.MonkeyPatch, baud: int, wakes: bool
) -> None:
    """Only a port at 115200 Bd gets the wake-up; either way no console is found."""
    monkeypatch.setattr(wake, "TRIES", 2)
    transport = SerialTransport(silent_port.path, baud)
    assert wake.can_wake(transport) is wakes
    await transport.open()
    try:
        assert await detect_console(transport, request_timeout=0.05) is None
        woken_without = await detect_console(transport, request_timeout=0.05, wake=False)
    finally:
        await transport.close()
    assert woken_without is None
    break_only = wake.LINE_BREAK
    expected = break_only + (wake.WAKE_FRAME + 2 * break_only if wakes else b"") + break_only
    await asyncio.sleep(0.05)
    assert silent_port.written == expected
    assert transport.baudrate == baud


async def test_a_console_that_lists_no_pack_is_not_a_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console whose `pwr` shows no pack gives no detection (a stack needs a pack)."""

    async def no_packs(self: PylontechConsoleClient) -> tuple[int, ...]:
        return ()

    monkeypatch.setattr(PylontechConsoleClient, "addresses", no_packs)
    async with ConsoleSimulator("us", 1) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        await transport.open()
        try:
            assert await detect_console(transport, request_timeout=0.5) is None
        finally:
            await transport.close()
