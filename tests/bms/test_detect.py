"""Detection over real loopback TCP, against gateways that answer with real frames."""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

import pytest

from custom_components.pylontech.bms import (
    AlarmInfo,
    AnalogValues,
    PylontechConnectionError,
    PylontechConnectionRefusedError,
    PylontechDetectionError,
    PylontechUnknownDialectError,
    PylontechWebServerError,
    client_for,
    decode_response,
    encode_frame,
    get_dialect,
)
from custom_components.pylontech.bms.binary.client import PylontechClient
from custom_components.pylontech.bms.detect import detect
from custom_components.pylontech.bms.models import PackIdentity
from custom_components.pylontech.bms.simulator import Simulator
from custom_components.pylontech.bms.transport import TcpTransport
from tests import captures
from tests.bms.gateway import ReplayGateway
from tests.bms.test_client import ANSWERS as PACE_TRACE, _pylontech_answers

if TYPE_CHECKING:
    from custom_components.pylontech.bms.binary.frame import Frame
    from custom_components.pylontech.bms.simulator.binary.stack import Reply

TIMEOUT = 0.2


def pace_answers() -> dict[bytes, bytes]:
    """The 5-pack PylonToMQTT trace, plus nkinnan's identity answers (0xC1/0xC2 asked with no
    INFO, as the PACE documents ask them; the trace's master was asked with one INFO byte)."""
    identity = {
        c.raw: a.raw for c, a in itertools.pairwise(captures.PACE[4:8]) if c.direction == "request"
    }
    return {**PACE_TRACE, **identity}


def pylontech_answers() -> dict[bytes, bytes]:
    """martiby's US2000C + US2000B pair (its slave's serial too) and the US2000B log."""
    slave = {c.raw: a.raw for c, a in itertools.pairwise(captures.PYLONTECH[57:60])
             if c.direction == "request"}  # fmt: skip
    return {**_pylontech_answers(), **slave}


async def _detect(gateway: ReplayGateway):  # type: ignore[no-untyped-def]
    transport = TcpTransport("127.0.0.1", gateway.port)
    try:
        return await detect(transport, request_timeout=TIMEOUT, gap=0.0)
    finally:
        await transport.close()


async def test_pace_stack(gateway: ReplayGateway) -> None:
    """Five PACE packs, found pack by pack; the master's identity from 0xC1/0xC2."""
    gateway.answers = pace_answers()
    found = await _detect(gateway)
    assert found.dialect == "pace"
    assert found.addresses == (1, 2, 3, 4, 5)
    assert not found.all_packs
    assert found.packs[0] == PackIdentity(
        address=1,
        serial_number="1812101380309D",
        model="P16S100A-1812-1.00",
        software_version="P16S100A-1812-1.00",
    )
    assert found.master_serial == "1812101380309D"
    assert found.packs[1] == PackIdentity(address=2)


async def test_pylontech_stack(gateway: ReplayGateway) -> None:
    """Two Pylontech packs from one all-packs answer; serials relayed per pack (0x93), the
    model from the master only (0x51 answers with the master's identity for every address)."""
    gateway.answers = pylontech_answers()
    found = await _detect(gateway)
    assert found.dialect == "pylontech"
    assert found.addresses == (2, 3)
    assert found.all_packs
    assert found.packs[0].serial_number == "HPTCR03171112590"
    assert found.packs[0].model == "US2000C"
    assert found.packs[0].manufacturer == "Pylon"
    assert found.packs[0].software_version == "0.6.5"
    assert found.packs[1].serial_number == "HPTBH02240A01235"
    assert found.packs[1].model is None


async def test_nothing_answers(gateway: ReplayGateway) -> None:
    """Silence: a clear error naming what was tried."""
    with pytest.raises(
        PylontechDetectionError, match=r"nothing answered on tcp://127\.0\.0\.1"
    ) as info:
        await _detect(gateway)
    assert info.value.raw == b""


async def test_not_a_bms(gateway: ReplayGateway) -> None:
    """Something answers, but not in this protocol: the error shows what came back."""
    gateway.respond = lambda request: [b"Welcome to the console\r\n"]
    with pytest.raises(PylontechDetectionError, match="not as a BMS: b'Welcome") as info:
        await _detect(gateway)
    assert info.value.raw.startswith(b"Welcome")


async def test_unknown_dialect(gateway: ReplayGateway) -> None:
    """A frame of a dialect we do not speak (VER 0x28, as diyBMS emulates, protocol.md 4.4):
    the raw reply is in the error, for the user's bug report."""
    unknown = encode_frame(ver=0x28, adr=2, cid1=0x46, cid2=0)
    gateway.respond = lambda request: [unknown]
    with pytest.raises(PylontechUnknownDialectError, match="VER 0x28") as info:
        await _detect(gateway)
    assert info.value.raw == unknown


async def test_refused() -> None:
    """No gateway: the connection error itself, not a detection verdict."""
    gateway = ReplayGateway({})
    port = await gateway.start()
    await gateway.stop()
    transport = TcpTransport("127.0.0.1", port)
    with pytest.raises(PylontechConnectionRefusedError, match="refused"):
        await detect(transport, request_timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("reply", "named"),
    [
        (b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        # To a request line without a version (HTTP/0.9) a server sends the page alone.
        (
            b'<!DOCTYPE HTML>\n<html lang="en"><body>Error code: 400</body></html>',
            "<!DOCTYPE HTML>",
        ),
    ],
)
async def test_web_server(reply: bytes, named: str) -> None:
    """The port of a gateway's settings page: a web server answers junk and hangs up. The
    error says so (the owner typed the wrong port), with what it sent."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(4096)
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = TcpTransport("127.0.0.1", port)
    try:
        with pytest.raises(PylontechWebServerError, match=f"a web server answered on .*{named}"):
            await detect(transport, request_timeout=TIMEOUT)
    finally:
        await transport.close()
        server.close()
        await server.wait_closed()


async def test_a_gateway_that_hangs_up_is_no_web_server() -> None:
    """Junk that is not a web page, then a hang-up: the connection error, no web-server verdict."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(4096)
        writer.write(b"\x00\xffgarbage")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    transport = TcpTransport("127.0.0.1", server.sockets[0].getsockname()[1])
    try:
        with pytest.raises(PylontechConnectionError) as info:
            await detect(transport, request_timeout=TIMEOUT)
        assert not isinstance(info.value, PylontechWebServerError)
    finally:
        await transport.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("name", ["pylontech", "pace"])
@pytest.mark.parametrize("count", [1, 2, 8, 16])
async def test_simulated_stacks(name: str, count: int) -> None:
    """Each dialect, 1 to 16 packs: the dialect, every address and the served identities.
    A Pylontech stack answers the all-packs request; a PACE one is found pack by pack."""
    async with Simulator(name, count, clock=lambda: 0.0) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        try:
            found = await detect(transport, request_timeout=TIMEOUT, gap=0.0)
        finally:
            await transport.close()
    first = 2 if name == "pylontech" else 1
    assert found.dialect == name
    assert found.addresses == tuple(range(first, first + count))
    assert found.all_packs == (name == "pylontech")
    master = simulator.stack.master.identity
    assert found.master_serial is not None
    assert found.master_serial in (master.serial_number, master.barcode)
    if name == "pylontech":
        assert [p.serial_number for p in found.packs] == [
            simulator.stack.pack(a).identity.serial_number for a in found.addresses
        ]


def _capture(file: str, line: int) -> bytes:
    return next(c.raw for c in captures.ALL if c.id.startswith(f"{file}:{line}:"))


async def test_seplos_pack(gateway: ReplayGateway) -> None:
    """A Seplos 1101-SP15 at ADR 0 (the README exchange): found after the Pylontech and PACE
    probes (PACE at its master's ADR 1, then for all packs at ADR 0) stay unanswered; its model
    from 0x51."""
    gateway.answers = {
        b"~20004642E00200FD37\r": _capture("seplos-v2-0x20", 2),
        b"~200046510000FDAE\r": _capture("seplos-v2-0x20", 8),
    }
    found = await _detect(gateway)
    assert found.dialect == "seplos"
    assert found.addresses == (0,)
    assert found.packs[0] == PackIdentity(
        address=0, model="1101-SP15", manufacturer="CANProtocol:Sofar"
    )
    probes = [request[:9] for request in gateway.received]
    assert probes[:4] == [b"~20024642", b"~25014642", b"~25004642", b"~20004642"]


async def test_seplos_answer_is_not_pylontech(gateway: ReplayGateway) -> None:
    """A BMS that answers every request with a Seplos analog answer (same VER and CID1 as
    Pylontech): the Pylontech probe gets it and refuses it; the Seplos probe takes it."""
    gateway.respond = lambda request: [_capture("seplos-v2-0x20", 2)]
    found = await _detect(gateway)
    assert found.dialect == "seplos"


async def test_pylontech_answer_is_not_seplos(gateway: ReplayGateway) -> None:
    """The other way round: with the Pylontech probe skipped, a Pylontech answer to every
    request is taken by no other dialect."""
    pylontech = next(
        c.raw
        for c in captures.PYLONTECH
        if c.command == 0x42 and c.direction == "response" and c.checksum_ok
    )
    gateway.respond = lambda request: [] if request.startswith(b"~2002") else [pylontech]
    with pytest.raises(PylontechDetectionError, match="not as a BMS"):
        await _detect(gateway)


async def test_eg4_pack(gateway: ReplayGateway) -> None:
    """An EG4 LIFEPOWER4 at ADR 1: requests without INFO and CID1 0x4A."""
    gateway.answers = {b"~20014A420000FDA2\r": _capture("eg4-0x20", 2)}
    found = await _detect(gateway)
    assert found.dialect == "eg4"
    assert found.addresses == (1,)
    assert b"~20014A420000FDA2\r" in gateway.received


async def test_boqiang_pack(gateway: ReplayGateway) -> None:
    """A Boqiang BMS007-LD43: asked at ADR 0 for group 1, answers VER 0x26."""
    gateway.answers = {
        b"~26004642E00201FD30\r": _capture("boqiang-0x26", 6),
        b"~260046510000FDA8\r": _capture("boqiang-0x26", 4),
    }
    found = await _detect(gateway)
    assert found.dialect == "boqiang"
    assert found.addresses == (1,)
    assert found.packs[0].model == "BMS07-LD43"
    assert found.packs[0].manufacturer == "JS-Richpower Co.,Ltd"


@pytest.mark.parametrize("name", ["seplos", "eg4", "boqiang"])
@pytest.mark.parametrize("count", [1, 3, 16])
async def test_simulated_new_dialects(name: str, count: int) -> None:
    """Each later dialect, 1 to 16 packs, found pack by pack behind the earlier probes."""
    async with Simulator(name, count, clock=lambda: 0.0) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        try:
            found = await detect(transport, request_timeout=TIMEOUT, gap=0.0)
        finally:
            await transport.close()
    first = {"seplos": 0, "eg4": 1, "boqiang": 1}[name]
    assert found.dialect == name
    assert found.addresses == tuple(range(first, first + count))
    assert not found.all_packs
    master = simulator.stack.master.identity
    expected_model = None if name == "eg4" else master.model
    assert found.packs[0].model == expected_model


GOBEL = "pace-0x25-found:1:0x42"
"""A real PACE master's answer for its 8 packs to an all-packs request at ADR 00 (the Gobel
add-on's log): header ADR 01, INFOFLAG 00, pack count 8."""


def _gobel_answers() -> tuple[dict[bytes, bytes], AnalogValues]:
    """The Gobel answer to 0x42 at ADR 0, and a 0x44 all-packs answer of 8 real PACE alarm
    blocks (pace-0x25:4, a healthy pack) in the master's header, as that master would give."""
    pace = get_dialect("pace")
    analog_capture = next(c for c in captures.ALL if c.id == GOBEL)
    _, analog = decode_response(analog_capture.frame, 0x42)
    _, one_alarm = decode_response(
        next(c.frame for c in captures.ALL if c.id == "pace-0x25:4:0x44"), 0x44
    )
    assert isinstance(analog, AnalogValues) and isinstance(one_alarm, AlarmInfo)
    alarms = AlarmInfo(all_packs=True, packs=(one_alarm.packs[0],) * len(analog.packs))
    answers = {
        pace.encode_request(0x42, address=0, pack=0xFF): analog_capture.raw,
        pace.encode_request(0x44, address=0, pack=0xFF): pace.encode_answer(
            0x44, alarms, address=1
        ),
    }
    return answers, analog


async def test_pace_master_answering_for_all_packs_at_adr_0(gateway: ReplayGateway) -> None:
    """A real master that answers nothing but the all-packs request at ADR 0: found as an
    8-pack stack, polled with two requests, every pack's values those of the real answer."""
    gateway.answers, analog = _gobel_answers()
    found = await _detect(gateway)
    assert (found.dialect, found.addresses, found.all_packs_at) == ("pace", tuple(range(1, 9)), 0)
    assert found.packs == tuple(PackIdentity(address=address) for address in range(1, 9))
    client = PylontechClient(
        TcpTransport("127.0.0.1", gateway.port), get_dialect("pace"), timeout=TIMEOUT, gap=0.0,
        all_packs_at=0,
    )  # fmt: skip
    async with client:
        gateway.received.clear()
        stack = await client.poll(found.addresses)
    assert [pack.analog for pack in stack.packs] == list(analog.packs)
    assert [pack.alarm is not None and pack.error is None for pack in stack.packs] == [True] * 8
    assert [request[:9] for request in gateway.received] == [b"~25004642", b"~25004644"]


@pytest.mark.parametrize(
    ("packs", "options"),
    [
        (1, {"first_address": 0}),  # a stand-alone pack (DIP 0)
        (8, {"only_adr": 0}),  # a master's RS232 port, asked at ADR 0 only
    ],
    ids=["stand-alone pack at 0", "master's RS232 port"],
)
async def test_pace_at_adr_0(packs: int, options: dict[str, int]) -> None:
    """Stacks that are silent at the master's ADR 1: found at ADR 0 for all packs, the master
    named with its identity (0xC1/0xC2 asked at ADR 0), and polled there in two requests."""
    async with Simulator("pace", packs, clock=lambda: 0.0, **options) as simulator:
        transport = TcpTransport("127.0.0.1", simulator.port)
        try:
            found = await detect(transport, request_timeout=TIMEOUT, gap=0.0)
        finally:
            await transport.close()
        assert (found.addresses, found.all_packs_at) == (tuple(range(1, packs + 1)), 0)
        master = simulator.stack.master.identity
        assert found.packs[0].serial_number == master.serial_number
        client = client_for(TcpTransport("127.0.0.1", simulator.port), "pace", all_packs_at=0)
        try:
            stack = await client.poll(found.addresses)
        finally:
            await client.close()
        served = [simulator.stack.analog_values(pack.address) for pack in simulator.stack.packs]
        assert [pack.analog.voltage for pack in stack.packs] == [  # type: ignore[union-attr]
            pack.voltage for pack in served
        ]
        assert [frame.data[:9] for frame in client.raw_frames if frame.direction == "tx"] == [
            b"~25004642",
            b"~25004644",
        ]


@pytest.mark.parametrize(("turnaround", "passes"), [(500.0, 2), (20.0, 1)])
async def test_a_slow_bms_is_found_by_the_second_pass(turnaround: float, passes: int) -> None:
    """A BMS that starts answering only after 0.5 s (slower than the quick first pass waits):
    found all the same, waiting the full timeout; a quick one is found in the first pass."""
    async with Simulator("pace", 1, turnaround=turnaround, clock=lambda: 0.0) as simulator:
        seen: list[bytes] = []
        answer = simulator.stack.answer

        def record(request: Frame) -> Reply | None:
            seen.append(request.raw)
            return answer(request)

        simulator.stack.answer = record  # type: ignore[method-assign]
        transport = TcpTransport("127.0.0.1", simulator.port)
        try:
            found = await detect(transport, request_timeout=1.0, gap=0.0)
        finally:
            await transport.close()
        assert (found.dialect, found.addresses) == ("pace", (1,))
        assert len([raw for raw in seen if raw.startswith(b"~25014642")]) == passes
