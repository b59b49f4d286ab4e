"""Every binary dialect end to end: detected, then polled, against the simulator on loopback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.pylontech.bms.detect import detect
from custom_components.pylontech.bms.dialects import DIALECTS
from custom_components.pylontech.bms.simulator import Simulator
from custom_components.pylontech.bms.stack_client import client_for
from custom_components.pylontech.bms.transport import TcpTransport


class StillClock:
    """Simulation time that does not move: the served values stay put."""

    def __call__(self) -> float:
        return 500.0


@pytest.mark.parametrize("dialect", [dialect.name for dialect in DIALECTS])
async def test_detect_then_poll(dialect: str) -> None:
    """Detection names the dialect and its packs; a poll returns what the simulator serves,
    with alarms where the dialect has an alarm command (Boqiang has none)."""
    async with Simulator(dialect, 2, clock=StillClock(), seed=3) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        detection = await detect(transport)
        assert detection.dialect == dialect
        assert detection.addresses == tuple(pack.address for pack in simulator.stack.packs)
        client = client_for(transport, detection.dialect)
        async with client:
            stack = await client.poll(detection.addresses)
        assert stack.dialect == dialect
        for pack in stack.packs:
            assert pack.error is None
            served = simulator.stack.analog_values(pack.address)
            assert pack.analog is not None
            # The simulator's model keeps 0.01 A; the Pylontech wire carries 0.1 A, and an
            # all-packs answer names no address: compare those apart.
            assert pack.analog.current == pytest.approx(served.current, abs=0.05)
            assert replace(pack.analog, address=None, current=None, power=None) == replace(
                served, address=None, current=None, power=None
            )
            has_alarms = 0x44 in client.dialect.commands
            assert (pack.alarm is not None) == has_alarms


async def test_a_slow_dialect_keeps_its_gap() -> None:
    """EG4 needs 0.2 s between requests (protocol.md 4.2): a smaller gap option is raised."""
    async with Simulator("eg4", 1, clock=StillClock()) as simulator:
        client = client_for(TcpTransport("127.0.0.1", simulator.port), "eg4")
        client.gap = 0.0
        assert client.gap == 0.2
        async with client:
            await client.poll([1])
            await client.poll([1])
        sent = [frame.at for frame in client.raw_frames if frame.direction == "tx"]
        received = [frame.at for frame in client.raw_frames if frame.direction == "rx"]
        assert all(
            later - answer >= 0.19 for answer, later in zip(received, sent[1:], strict=False)
        )
        pace = client_for(TcpTransport("127.0.0.1", simulator.port), "pace")
        pace.gap = 0.0
        assert pace.gap == 0.0
