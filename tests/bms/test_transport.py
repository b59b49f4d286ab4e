"""The transports over real links: loopback TCP servers started here, and pseudo-terminals.

Nothing is mocked. pytest-homeassistant-custom-component blocks sockets in every test; the
`socket_enabled` fixture lets these tests create them, and connecting stays limited to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
import re
import socket
import struct
import time
from typing import TYPE_CHECKING

import pytest

from custom_components.pylontech.bms.exceptions import (
    PylontechConnectionError,
    PylontechGatewayBusyError,
    PylontechTimeoutError,
)
from custom_components.pylontech.bms.transport import (
    READ_SIZE,
    SerialTransport,
    TcpTransport,
    Transport,
    open_transport,
    stream as transport_module,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

REQUEST = b"~20014642E00201FD35\r"
ANSWER = b"~20014A00A0CA0001...\r"
PROC_FD = Path("/proc/self/fd")


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let the tests create sockets; connecting is still limited to 127.0.0.1."""


class Gateway:
    """A TCP server on 127.0.0.1 that hands each accepted connection to the test."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        self._accepted = asyncio.Queue()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self._accepted.put_nowait((reader, writer))

    async def peer(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The next connection accepted."""
        async with asyncio.timeout(1):
            return await self._accepted.get()

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    gateway = Gateway()
    await gateway.start()
    yield gateway
    await gateway.stop()


@pytest.fixture
async def tcp(gateway: Gateway) -> AsyncIterator[TcpTransport]:
    transport = TcpTransport("127.0.0.1", gateway.port, connect_timeout=1.0)
    yield transport
    await transport.close()


async def _read_exactly(transport: Transport, size: int) -> bytes:
    data = b""
    async with asyncio.timeout(1):
        while len(data) < size:
            data += await transport.read()
    return data


def _refused_port() -> int:
    """A loopback port that nothing listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def full_listener() -> Iterator[int]:
    """A port that listens but whose accept queue is full, so new connects hang (Linux).

    Backlog 0 still queues one connection; once the queue is full the kernel drops further
    SYNs, and a connect waits for its retransmissions until the caller gives up.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.settimeout(0.1)
            try:
                filler.connect(address)
            except TimeoutError:
                filler.close()
                break
            fillers.append(filler)
        else:
            pytest.skip("this kernel accepts every connection; no honest way to hang a connect")
        yield address[1]
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP reset, as a gateway that reboots or gives up does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _open_fds() -> set[str]:
    return {entry.name for entry in PROC_FD.iterdir()}


def _other_tasks() -> set[asyncio.Task[object]]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


# -- TCP: the exchange -------------------------------------------------------------------------


async def test_tcp_round_trip(tcp: TcpTransport, gateway: Gateway) -> None:
    """What is written reaches the gateway; what the gateway sends comes back from read()."""
    await tcp.open()
    assert tcp.is_open
    reader, writer = await gateway.peer()
    await tcp.write(REQUEST)
    async with asyncio.timeout(1):
        assert await reader.readexactly(len(REQUEST)) == REQUEST
    before = time.monotonic()
    writer.write(ANSWER)
    assert await _read_exactly(tcp, len(ANSWER)) == ANSWER
    assert tcp.last_received is not None
    assert tcp.last_received >= before


async def test_tcp_read_returns_what_has_arrived(tcp: TcpTransport, gateway: Gateway) -> None:
    """An answer split over several server writes comes back in pieces that add up to it."""
    await tcp.open()
    _, writer = await gateway.peer()
    pieces = [ANSWER[:1], ANSWER[1:9], ANSWER[9:]]
    received = b""
    for piece in pieces:
        writer.write(piece)
        await writer.drain()
        async with asyncio.timeout(1):
            received += await tcp.read()
        await asyncio.sleep(0.01)
    received += await _read_exactly(tcp, len(ANSWER) - len(received))
    assert received == ANSWER


async def test_tcp_read_returns_at_most_read_size(tcp: TcpTransport, gateway: Gateway) -> None:
    """A burst larger than READ_SIZE is handed out READ_SIZE bytes at a time."""
    await tcp.open()
    _, writer = await gateway.peer()
    burst = bytes(range(256)) * 40
    writer.write(burst)
    chunks: list[bytes] = []
    async with asyncio.timeout(1):
        while len(b"".join(chunks)) < len(burst):
            chunks.append(await tcp.read())
    assert b"".join(chunks) == burst
    assert max(len(chunk) for chunk in chunks) <= READ_SIZE


async def test_tcp_peer_close_is_a_connection_error(tcp: TcpTransport, gateway: Gateway) -> None:
    """Bytes sent before the close are still read; then read() raises ours and is_open is False."""
    await tcp.open()
    _, writer = await gateway.peer()
    writer.write(b"~20")
    writer.close()
    assert await _read_exactly(tcp, 3) == b"~20"
    with pytest.raises(PylontechConnectionError, match="closed the connection"):
        async with asyncio.timeout(1):
            await tcp.read()
    assert not tcp.is_open
    with pytest.raises(PylontechConnectionError, match="closed the connection"):
        await tcp.write(REQUEST)


async def test_tcp_reset_is_a_connection_error(tcp: TcpTransport, gateway: Gateway) -> None:
    """A gateway that resets the link after talking: ours, with the cause."""
    await tcp.open()
    _, writer = await gateway.peer()
    writer.write(b"~")
    assert await _read_exactly(tcp, 1) == b"~"
    _reset(writer)
    with pytest.raises(PylontechConnectionError, match="broke") as caught:
        async with asyncio.timeout(1):
            await tcp.read()
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert not tcp.is_open


@pytest.mark.parametrize("hang_up", ["close", "reset"])
async def test_tcp_silent_close_is_a_busy_gateway(
    tcp: TcpTransport, gateway: Gateway, hang_up: str
) -> None:
    """A gateway limited to one client accepts a second and hangs up without a byte."""
    await tcp.open()
    _, writer = await gateway.peer()
    if hang_up == "close":
        writer.close()
    else:
        _reset(writer)
    with pytest.raises(PylontechGatewayBusyError, match="another client"):
        async with asyncio.timeout(1):
            await tcp.read()
    assert not tcp.is_open


async def test_tcp_socket_options(tcp: TcpTransport, gateway: Gateway) -> None:
    """Keepalive finds a half-open link (protocol.md 6.4); Nagle is off for small requests."""
    await tcp.open()
    await gateway.peer()
    assert tcp._receiver is not None
    assert tcp._receiver.transport is not None
    sock = tcp._receiver.transport.get_extra_info("socket")
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    expected = {"TCP_KEEPIDLE": 10, "TCP_KEEPINTVL": 5, "TCP_KEEPCNT": 3, "TCP_USER_TIMEOUT": 25000}
    checked = 0
    for name, value in expected.items():
        option = getattr(socket, name, None)
        if option is not None:
            assert sock.getsockopt(socket.IPPROTO_TCP, option) == value, name
            checked += 1
    assert checked or not hasattr(socket, "TCP_KEEPIDLE")


async def test_discard_input(tcp: TcpTransport, gateway: Gateway) -> None:
    """Bytes that arrived and were not read are dropped and counted; later bytes are kept."""
    assert tcp.discard_input() == 0  # closed: nothing to drop
    await tcp.open()
    _, writer = await gateway.peer()
    writer.write(b"late answer")
    dropped = 0
    async with asyncio.timeout(1):
        while dropped < len(b"late answer"):
            dropped += tcp.discard_input()
            await asyncio.sleep(0.01)
    assert dropped == len(b"late answer")
    assert tcp.discard_input() == 0
    writer.write(ANSWER)
    assert await _read_exactly(tcp, len(ANSWER)) == ANSWER


async def test_stale_after_idle_timeout(gateway: Gateway) -> None:
    """A link silent for longer than idle_timeout is stale; a received byte makes it fresh."""
    transport = TcpTransport("127.0.0.1", gateway.port, idle_timeout=0.15)
    assert not transport.stale  # closed
    await transport.open()
    _, writer = await gateway.peer()
    assert not transport.stale
    await asyncio.sleep(0.2)
    assert transport.stale
    writer.write(b"~")
    await _read_exactly(transport, 1)
    assert not transport.stale
    await asyncio.sleep(0.2)
    assert transport.stale
    await transport.close()
    assert not transport.stale


async def test_stale_never_without_idle_timeout(gateway: Gateway) -> None:
    """idle_timeout None switches the check off."""
    transport = TcpTransport("127.0.0.1", gateway.port, idle_timeout=None)
    await transport.open()
    await asyncio.sleep(0.02)
    assert not transport.stale
    await transport.close()


async def test_close_is_idempotent_and_leaves_nothing(gateway: Gateway) -> None:
    """close() twice, before and after use: no fd and no task is left behind."""
    fds = _open_fds()
    tasks = _other_tasks()
    transport = TcpTransport("127.0.0.1", gateway.port)
    await transport.close()  # never opened
    await transport.open()
    reader, writer = await gateway.peer()
    await transport.write(REQUEST)
    writer.write(ANSWER)
    await _read_exactly(transport, len(ANSWER))
    await transport.close()
    await transport.close()
    assert not transport.is_open
    async with asyncio.timeout(1):
        assert await reader.read() == REQUEST  # then EOF: the client closed
    writer.close()
    await writer.wait_closed()
    assert _open_fds() == fds
    assert _other_tasks() == tasks


async def test_last_received_outlives_the_link(tcp: TcpTransport, gateway: Gateway) -> None:
    """last_received is None before the first byte and survives close()."""
    assert tcp.last_received is None
    await tcp.open()
    _, writer = await gateway.peer()
    assert tcp.last_received is None
    writer.write(b"~")
    await _read_exactly(tcp, 1)
    heard = tcp.last_received
    await tcp.close()
    assert tcp.last_received == heard


async def test_open_keeps_a_live_link_and_replaces_a_dead_one(
    tcp: TcpTransport, gateway: Gateway
) -> None:
    """open() on an open link does nothing; after the peer closed, it connects anew."""
    await tcp.open()
    _, first = await gateway.peer()
    await tcp.open()
    assert gateway._accepted.empty()
    first.close()
    with pytest.raises(PylontechConnectionError):
        async with asyncio.timeout(1):
            await tcp.read()
    await tcp.open()
    assert tcp.is_open
    _, second = await gateway.peer()
    second.write(ANSWER)
    assert await _read_exactly(tcp, len(ANSWER)) == ANSWER


async def test_use_before_open(tcp: TcpTransport) -> None:
    """read() and write() on a closed transport raise ours, naming the link."""
    with pytest.raises(PylontechConnectionError, match=r"tcp://127\.0\.0\.1:\d+ is not open"):
        await tcp.read()
    with pytest.raises(PylontechConnectionError, match="is not open"):
        await tcp.write(REQUEST)


async def test_close_while_reading(tcp: TcpTransport, gateway: Gateway) -> None:
    """A read() waiting when close() is called ends with ours, not a hang."""
    await tcp.open()
    await gateway.peer()
    reading = asyncio.create_task(tcp.read())
    await asyncio.sleep(0.01)
    await tcp.close()
    with pytest.raises(PylontechConnectionError, match="was closed"):
        await reading


async def test_one_reader_at_a_time(tcp: TcpTransport, gateway: Gateway) -> None:
    """A second concurrent read() is a programming error, reported at once."""
    await tcp.open()
    _, writer = await gateway.peer()
    reading = asyncio.create_task(tcp.read())
    await asyncio.sleep(0.01)
    with pytest.raises(RuntimeError, match="already waiting"):
        await tcp.read()
    writer.write(b"~")
    async with asyncio.timeout(1):
        assert await reading == b"~"


async def test_a_reader_timed_out_by_the_caller_leaves_the_link_usable(
    tcp: TcpTransport, gateway: Gateway
) -> None:
    """asyncio.timeout around read() (what the client does) cancels cleanly."""
    await tcp.open()
    _, writer = await gateway.peer()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.02):
            await tcp.read()
    writer.write(ANSWER)
    assert await _read_exactly(tcp, len(ANSWER)) == ANSWER


async def test_read_before_ends_at_its_deadline(tcp: TcpTransport, gateway: Gateway) -> None:
    """Nothing arrives: `read_before` raises TimeoutError at its deadline, not before."""
    await tcp.open()
    _, writer = await gateway.peer()
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(TimeoutError):
        await tcp.read_before(start + 0.05)
    assert 0.05 <= loop.time() - start < 0.5
    writer.write(ANSWER)  # the link is still usable
    async with asyncio.timeout(1):
        assert await tcp.read_before(loop.time() + 1) == ANSWER


async def test_read_before_with_a_later_deadline_outlives_an_earlier_timer(
    tcp: TcpTransport, gateway: Gateway
) -> None:
    """One timer serves every wait: a wait answered early leaves it set for its own deadline,
    and the next wait, with a later deadline or none, is not ended when it rings."""
    await tcp.open()
    _, writer = await gateway.peer()
    loop = asyncio.get_running_loop()
    writer.write(b"~")
    assert await tcp.read_before(loop.time() + 0.05) == b"~"  # the timer stays, due in 50 ms
    loop.call_later(0.15, writer.write, b"A")
    assert await tcp.read_before(loop.time() + 1) == b"A"  # past the first timer
    writer.write(b"~")
    assert await tcp.read_before(loop.time() + 0.05) == b"~"
    loop.call_later(0.15, writer.write, b"B")
    async with asyncio.timeout(1):
        assert await tcp.read() == b"B"  # no deadline at all


async def test_read_before_a_deadline_already_past(tcp: TcpTransport, gateway: Gateway) -> None:
    """Bytes waiting do not outlast a deadline that has passed: as asyncio.timeout_at would."""
    await tcp.open()
    _, writer = await gateway.peer()
    writer.write(ANSWER)
    await writer.drain()
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.05)  # the bytes are in
    with pytest.raises(TimeoutError):
        await tcp.read_before(loop.time() - 0.01)
    assert await tcp.read_before(loop.time() + 1) == ANSWER


# -- TCP: flow control ---------------------------------------------------------------------------


async def test_reading_pauses_while_unread_bytes_pile_up(
    tcp: TcpTransport, gateway: Gateway
) -> None:
    """Past 64 KiB unread the socket is no longer read; taking the bytes resumes it."""
    await tcp.open()
    _, writer = await gateway.peer()
    flood = bytes(range(256)) * 1024  # 256 KiB
    writer.write(flood)
    receiver = tcp._receiver
    assert receiver is not None
    for _ in range(100):
        if receiver._reading_paused:
            break
        await asyncio.sleep(0.01)
    assert receiver._reading_paused
    assert len(receiver.buffer) < len(flood)
    dropped = tcp.discard_input()
    assert dropped > 64 * 1024
    assert not receiver._reading_paused
    rest = await _read_exactly(tcp, len(flood) - dropped)
    assert flood[:dropped] + rest == flood


async def test_write_waits_while_the_gateway_does_not_read(
    tcp: TcpTransport, gateway: Gateway
) -> None:
    """write() returns once the send buffer has room again, not before."""
    await tcp.open()
    reader, _ = await gateway.peer()
    payload = b"x" * (16 * 1024 * 1024)
    writing = asyncio.create_task(tcp.write(payload))
    await asyncio.sleep(0.1)
    assert not writing.done()
    received = 0
    async with asyncio.timeout(2):
        while received < len(payload):
            received += len(await reader.read(1 << 20))
        await writing


async def test_write_waiting_on_a_broken_link_raises(tcp: TcpTransport, gateway: Gateway) -> None:
    """A gateway that resets the link while write() waits: ours, not a hang."""
    await tcp.open()
    _, writer = await gateway.peer()
    writer.write(b"~")  # a link that has answered: not a busy gateway
    assert await _read_exactly(tcp, 1) == b"~"
    writing = asyncio.create_task(tcp.write(b"x" * (16 * 1024 * 1024)))
    await asyncio.sleep(0.1)
    assert not writing.done()
    _reset(writer)
    with pytest.raises(PylontechConnectionError, match="broke"):
        async with asyncio.timeout(1):
            await writing


async def test_close_aborts_when_unsent_bytes_stall(
    tcp: TcpTransport, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unsent bytes the gateway never takes do not hold close() up: the link is aborted."""
    monkeypatch.setattr(transport_module, "_CLOSE_TIMEOUT", 0.1)
    fds = _open_fds()
    await tcp.open()
    await gateway.peer()
    writing = asyncio.create_task(tcp.write(b"x" * (16 * 1024 * 1024)))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await tcp.close()
    assert time.monotonic() - started < 0.5
    with pytest.raises(PylontechConnectionError):
        await writing
    await gateway.stop()  # closes its listening socket too, hence no equality
    assert not _open_fds() - fds


# -- TCP: connecting -----------------------------------------------------------------------------


async def test_refused_port_names_the_address() -> None:
    """Nothing listens: a connection error that says refused, with host and port."""
    port = _refused_port()
    transport = TcpTransport("127.0.0.1", port)
    with pytest.raises(PylontechConnectionError, match=f"connection refused by 127.0.0.1:{port}$"):
        await transport.open()
    assert not transport.is_open


async def test_connect_timeout(full_listener: int) -> None:
    """A gateway that never completes the handshake: PylontechTimeoutError after the timeout."""
    transport = TcpTransport("127.0.0.1", full_listener, connect_timeout=0.2)
    started = time.monotonic()
    with pytest.raises(PylontechTimeoutError, match=r"within 0\.2 s") as caught:
        await transport.open()
    assert 0.15 < time.monotonic() - started < 1.0
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert not transport.is_open


async def test_unknown_host_name() -> None:
    """A name that does not resolve (RFC 6761 .invalid): a connection error, not a timeout."""
    transport = TcpTransport("gateway.invalid", 23, connect_timeout=1.5)
    with pytest.raises(PylontechConnectionError, match="cannot resolve host name") as caught:
        await transport.open()
    assert not isinstance(caught.value, PylontechTimeoutError)
    assert isinstance(caught.value.__cause__, socket.gaierror)


async def test_malformed_host_name() -> None:
    """A name the IDNA codec refuses: ours, not a UnicodeError."""
    with pytest.raises(
        PylontechConnectionError, match=re.escape("invalid host name 'gateway..lan'")
    ):
        await TcpTransport("gateway..lan", 23).open()


def test_descriptions() -> None:
    """Descriptions name the scheme and address; IPv6 addresses go in brackets."""
    assert TcpTransport("192.0.2.1", 1234).description == "tcp://192.0.2.1:1234"
    assert TcpTransport("2001:db8::1", 23).description == "tcp://[2001:db8::1]:23"
    assert repr(TcpTransport("gw", 23)) == "<TcpTransport tcp://gw:23>"
    assert SerialTransport("/dev/ttyUSB0").description == "serial:///dev/ttyUSB0 at 9600 Bd"
    assert SerialTransport("COM3", 115200).description == "serial://COM3 at 115200 Bd"
    assert (
        SerialTransport("esphome://proxy.lan/?port_name=bms&key=secret").description
        == "esphome://proxy.lan/?port_name=bms&key=REDACTED at 9600 Bd"
    )


# -- serial, through a pseudo-terminal ------------------------------------------------------------


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    """A pseudo-terminal: the master fd the test uses, and the slave's path for the transport."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)
    os.set_blocking(master, False)
    try:
        yield master, path
    finally:
        with contextlib.suppress(OSError):
            os.close(master)


async def _read_fd(fd: int, size: int) -> bytes:
    loop = asyncio.get_running_loop()
    data = b""
    async with asyncio.timeout(1):
        while len(data) < size:
            ready = loop.create_future()
            loop.add_reader(fd, ready.set_result, None)
            try:
                await ready
            finally:
                loop.remove_reader(fd)
            data += os.read(fd, size - len(data))
    return data


async def test_serial_round_trip(pty: tuple[int, str]) -> None:
    """At 9600 Bd, 8N1, bytes go both ways unchanged (CR is not turned into LF), then close."""
    master, path = pty
    fds = _open_fds()
    tasks = _other_tasks()
    transport = SerialTransport(path, 9600)
    assert transport.description == f"serial://{path} at 9600 Bd"
    await transport.open()
    assert transport.is_open
    await transport.write(REQUEST)
    assert await _read_fd(master, len(REQUEST)) == REQUEST
    os.write(master, ANSWER)
    assert await _read_exactly(transport, len(ANSWER)) == ANSWER
    assert transport.last_received is not None
    assert not transport.stale  # a serial port cannot be half-open
    os.write(master, b"late")
    await asyncio.sleep(0.05)
    assert transport.discard_input() == 4
    await transport.close()
    await transport.close()
    assert not transport.is_open
    assert _open_fds() == fds
    assert _other_tasks() == tasks


async def test_serial_url_form(pty: tuple[int, str]) -> None:
    """serialx's device:// form names the same port."""
    master, path = pty
    transport = SerialTransport(f"device://{path}")
    assert transport.description == f"device://{path} at 9600 Bd"
    await transport.open()
    os.write(master, ANSWER)
    assert await _read_exactly(transport, len(ANSWER)) == ANSWER
    await transport.close()


async def test_serial_port_gone(pty: tuple[int, str]) -> None:
    """The other end disappears (an adapter unplugged): read() raises ours."""
    master, path = pty
    transport = SerialTransport(path)
    await transport.open()
    os.close(master)
    with pytest.raises(PylontechConnectionError, match="broke"):
        async with asyncio.timeout(1):
            await transport.read()
    assert not transport.is_open
    await transport.close()


async def test_serial_write_after_hang_up(pty: tuple[int, str]) -> None:
    """A write in the moment after the hang-up, before the link is closed, raises ours."""
    master, path = pty
    transport = SerialTransport(path)
    await transport.open()
    port = transport._receiver.transport if transport._receiver else None
    assert port is not None
    os.close(master)
    for _ in range(100):
        if port.is_closing():
            break
        await asyncio.sleep(0)
    assert port.is_closing()
    with pytest.raises(PylontechConnectionError, match="cannot write to") as caught:
        await transport.write(REQUEST)
    assert isinstance(caught.value.__cause__, OSError)
    await transport.close()


async def test_serial_missing_device() -> None:
    """A path that does not exist: ours, saying so."""
    fds = _open_fds()
    transport = SerialTransport("/dev/ttyPYLONTECH-missing")
    with pytest.raises(PylontechConnectionError, match="does not exist") as caught:
        await transport.open()
    assert isinstance(caught.value.__cause__, FileNotFoundError)
    assert not transport.is_open
    assert _open_fds() == fds


@pytest.mark.parametrize(
    "url",
    [
        "bogus://port",  # no serialx backend has the scheme: SerialException
        "socket://127.0.0.1",  # no port: ValueError from serialx
        "/proc/self/status",  # exists, but is no terminal: OSError from the terminal set-up
    ],
)
async def test_serial_cannot_open(url: str) -> None:
    """Every other failure to open is ours too, with serialx's reason; nothing stays open."""
    fds = _open_fds()
    with pytest.raises(PylontechConnectionError, match="cannot open serial port"):
        await SerialTransport(url).open()
    assert _open_fds() == fds


async def test_serial_refused_socket_url() -> None:
    """serialx's socket:// backend: a refused port is ours too."""
    transport = SerialTransport(f"socket://127.0.0.1:{_refused_port()}")
    with pytest.raises(PylontechConnectionError, match="cannot open serial port"):
        await transport.open()


async def test_serial_open_timeout(full_listener: int) -> None:
    """An open that hangs (here serialx's socket:// to a full queue) times out as ours."""
    transport = SerialTransport(f"socket://127.0.0.1:{full_listener}", connect_timeout=0.2)
    with pytest.raises(PylontechTimeoutError, match=r"did not open within 0\.2 s"):
        await transport.open()
    assert not transport.is_open


# -- the factory ---------------------------------------------------------------------------------


def test_factory_builds_tcp() -> None:
    transport = open_transport(host=" 192.0.2.1 ", port=8234, connect_timeout=2.0)
    assert isinstance(transport, TcpTransport)
    assert transport.description == "tcp://192.0.2.1:8234"
    assert transport.connect_timeout == 2.0
    assert not transport.is_open


def test_factory_builds_serial() -> None:
    transport = open_transport(serial="/dev/ttyUSB0", baudrate=115200)
    assert isinstance(transport, SerialTransport)
    assert transport.description == "serial:///dev/ttyUSB0 at 115200 Bd"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either a host and port or a serial port"),
        ({"host": "gw", "port": 23, "serial": "/dev/ttyUSB0"}, "either a host"),
        ({"host": "  ", "port": 23}, "either a host"),
        ({"host": "gw"}, "TCP port must be a whole number from 1 to 65535, not None"),
        ({"host": "gw", "port": 0}, "from 1 to 65535, not 0"),
        ({"host": "gw", "port": 65536}, "from 1 to 65535, not 65536"),
        ({"serial": "/dev/ttyUSB0", "port": 23}, "a TCP port was given with a serial port"),
        ({"serial": "/dev/ttyUSB0", "baudrate": 0}, "baud rate must be positive"),
        ({"host": "gw", "port": 23, "connect_timeout": 0}, "connect timeout must be positive"),
    ],
)
def test_factory_refuses_what_cannot_be_a_link(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(PylontechConnectionError, match=message):
        open_transport(**kwargs)  # type: ignore[arg-type]
