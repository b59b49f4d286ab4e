"""The config flow as a user meets it, against real stacks and real sockets on loopback.

Every stack is the library's simulator; every "gateway" that is not a BMS is a plain TCP server
on loopback. Detection waits 0.2 s per probe instead of 1 s, so a silent port costs 0.4 s.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
import dataclasses
from datetime import timedelta
import json
from pathlib import Path
import re
import select
import socket
from typing import TYPE_CHECKING, Any, Self

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.pylontech import config_flow, config_forms
from custom_components.pylontech.bms.binary.frame import encode_frame
from custom_components.pylontech.bms.exceptions import PylontechError
from custom_components.pylontech.bms.transport import open_transport
from custom_components.pylontech.const import (
    CONF_ADDRESSES,
    CONF_ALL_PACKS_AT,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_DEVICE,
    CONF_DIALECT,
    CONF_GAP,
    CONF_SCAN_INTERVAL,
    CONF_TIMEOUT,
    CONNECTION_NETWORK,
    CONNECTION_SERIAL,
    DOMAIN,
)
from tests.bms.pty_bridge import PtyTcpBridge
from tests.ha.conftest import FAST_OPTIONS, Clock, add_entry, entry_for, simulator_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator
    from contextlib import AbstractAsyncContextManager

    from homeassistant.config_entries import ConfigFlowResult
    from homeassistant.core import HomeAssistant

    from custom_components.pylontech.bms.simulator import Simulator

STRINGS = json.loads((Path(config_flow.__file__).parent / "strings.json").read_text())
LOOPBACK = "127.0.0.1"
PYLONTECH_SERIAL = "HPTBH02240A03652"
"""The master's serial number of the seed-7 Pylontech stack every test simulates."""
PACE_SERIAL = "1B4703022503652D"
FOUND = {
    "pylontech": {
        "dialect": "Pylontech",
        "packs": "- Pack 1 (address 2): model US3000C, serial number HPTBH02240A03652, "
        "firmware 0.6.9\n"
        "- Pack 2 (address 3): serial number HPTBH02240A03653, firmware 0.6.9",
    },
    "pace": {
        "dialect": "PACE BMS",
        # PACE tells the model, firmware and barcode of the master only (0xC1, 0xC2).
        "packs": "- Pack 1 (address 1): model P16S100A-1B470-3.01, "
        "serial number 1B4703022503652D\n"
        "- Pack 2 (address 2)",
    },
}
HTTP_REPLY = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
BOQIANG_REPLY = encode_frame(ver=0x28, adr=2, cid1=0x46, cid2=0, info=bytes(40))
"""An answer of VER 0x28 (as diyBMS emulates, protocol.md 4.4): a BMS, but of a dialect this
integration lacks. (Boqiang, VER 0x26, was that example until it became a dialect.)"""


@pytest.fixture(autouse=True)
def fast_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback answers within milliseconds: a probe need not wait 1 s for silence."""
    monkeypatch.setattr(config_forms, "DETECT_TIMEOUT", 0.2)


@pytest.fixture
def ipv6_loopback() -> Iterator[None]:
    """Let the test reach ::1 as well: pytest-homeassistant allows 127.0.0.1 only."""
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"])
    yield
    pytest_socket.socket_allow_hosts(["127.0.0.1"])


# -- the user's side of the flow ------------------------------------------------------------------


async def start(hass: HomeAssistant, step: str) -> str:
    """Open the flow and pick `step` in its menu; return the flow id of the empty form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["network", "serial"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    assert result["errors"] == {}
    return result["flow_id"]


async def submit(hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]) -> ConfigFlowResult:
    """Submit a form; where it starts the search for the stack, follow its progress as the
    frontend does: the progress step names what is going on, and the next step follows."""
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    if result["type"] is FlowResultType.SHOW_PROGRESS:
        assert result["progress_action"] == "searching"
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(flow_id)
    return result


def network(port: int, host: str = LOOPBACK, name: str = "Battery") -> dict[str, Any]:
    return {CONF_HOST: host, CONF_PORT: port, CONF_NAME: name}


def serial(device: str, baudrate: str = "9600", name: str = "Battery") -> dict[str, Any]:
    return {CONF_DEVICE: device, CONF_BAUDRATE: baudrate, CONF_NAME: name}


def form_errors(result: ConfigFlowResult, step: str) -> dict[str, str]:
    """The errors of the form `step`, each one translated and given its placeholders."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == step
    errors = result["errors"] or {}
    for key in errors.values():
        wanted = set(re.findall(r"{(\w+)}", STRINGS["config"]["error"][key]))
        assert wanted <= set(result["description_placeholders"] or {}), key
    return errors


def aborted(result: ConfigFlowResult) -> str:
    """The reason the flow ended, which must have a text."""
    assert result["type"] is FlowResultType.ABORT, result
    assert result["reason"] in STRINGS["config"]["abort"]
    return result["reason"]


def confirmed(result: ConfigFlowResult) -> dict[str, str]:
    """The placeholders of the confirmation form, which `result` must be."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "confirm"
    return result["description_placeholders"]


def suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """What the form's fields show: their suggested values."""
    return {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }


def defaults(result: ConfigFlowResult) -> dict[str, Any]:
    return {str(key): key.default() for key in result["data_schema"].schema}


def registered(hass: HomeAssistant, entry: MockConfigEntry) -> list[tuple[str, str]]:
    """The entity ids and unique ids of the entry's entities."""
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return sorted((entity.entity_id, entity.unique_id) for entity in entities)


def network_data(port: int, dialect: str = "pylontech", **data: Any) -> dict[str, Any]:
    return {
        CONF_CONNECTION: CONNECTION_NETWORK,
        CONF_HOST: LOOPBACK,
        CONF_PORT: port,
        CONF_NAME: "Battery",
        CONF_DIALECT: dialect,
        CONF_ADDRESSES: [2, 3] if dialect == "pylontech" else [1, 2],
        **data,
    }


def serial_data(device: str, baudrate: int = 9600) -> dict[str, Any]:
    return {
        CONF_CONNECTION: CONNECTION_SERIAL,
        CONF_DEVICE: device,
        CONF_BAUDRATE: baudrate,
        CONF_NAME: "Battery",
        CONF_DIALECT: "pylontech",
        CONF_ADDRESSES: [2, 3],
    }


# -- what answers on a port, when it is not a working BMS --------------------------------------


class Gateway:
    """A TCP server on loopback that answers every request with `reply`, or never."""

    def __init__(self, reply: bytes | None, *, hang_up: bool = False) -> None:
        self.reply = reply
        self.hang_up = hang_up
        """Close the connection after the first reply (a web server does)."""
        self.served = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.served += 1
        try:
            while await reader.read(4096):
                if self.reply is not None:
                    writer.write(self.reply)
                    if self.hang_up:
                        await writer.drain()
                        break
        except ConnectionError:
            pass
        finally:
            writer.close()


async def until(condition: Callable[[], bool]) -> None:
    """Wait, at most a second, for what the event loop does in its own time."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("waited a second in vain")


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
    return port


@asynccontextmanager
async def nothing_listening(_: pytest.MonkeyPatch) -> AsyncIterator[int]:
    yield closed_port()


@asynccontextmanager
async def silent(_: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """A gateway with no battery wired to it: it takes the requests and answers none."""
    async with Gateway(None) as gateway:
        yield gateway.port
        assert gateway.served == 1


@asynccontextmanager
async def banner(_: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """Something else on the port: it answers text."""
    async with Gateway(b"Welcome\r\n") as gateway:
        yield gateway.port
        assert gateway.served == 1


@asynccontextmanager
async def web_server(_: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """The gateway's settings page: a web server answers its status line and hangs up."""
    async with Gateway(HTTP_REPLY, hang_up=True) as gateway:
        yield gateway.port


@asynccontextmanager
async def boqiang(_: pytest.MonkeyPatch) -> AsyncIterator[int]:
    async with Gateway(BOQIANG_REPLY) as gateway:
        yield gateway.port
        assert gateway.served == 1


@asynccontextmanager
async def held(_: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """A one-client gateway that another client holds: it closes a second one at once."""
    async with simulator_for("pylontech", 2, Clock(), clients=1) as gateway:
        _reader, writer = await asyncio.open_connection(LOOPBACK, gateway.port)
        await until(lambda: gateway.connections == 1)  # the gateway took the other client
        try:
            yield gateway.port
        finally:
            writer.close()
        assert gateway.refused == 1


@asynccontextmanager
async def full_backlog(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """A gateway that does not accept connections in time: a real, slow TCP handshake.

    A listening socket with a backlog of 0 that never accepts holds one connection; the kernel
    drops the SYNs of the next ones, so their connect hangs until it times out. The connect
    timeout (5 s) is cut to 0.3 s through `open_transport`'s default, which `transport_for` uses.
    """
    monkeypatch.setitem(open_transport.__kwdefaults__, "connect_timeout", 0.3)
    with socket.socket() as listener:
        listener.bind((LOOPBACK, 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        waiting: list[socket.socket] = []
        try:
            while len(waiting) < 8:  # connect until a handshake hangs: the queue is full
                client = socket.socket()
                waiting.append(client)
                client.setblocking(False)
                client.connect_ex((LOOPBACK, port))
                _, connected, _ = select.select([], [client], [], 0.05)
                if not connected:
                    break
            else:
                pytest.fail("the kernel accepts every connection: no backlog to fill")
            yield port
        finally:
            for client in waiting:
                client.close()


@asynccontextmanager
async def library_fails(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """Detection fails with an error of no known kind, once.

    `detect` only lets connection and detection errors out, which the flow names; the flow's
    last resort for any other `PylontechError` (a future library bug) cannot be met with a real
    stack, so `detect` is replaced for one call.
    """
    real = config_forms.detect

    async def fail_once(*args: object, **kwargs: object) -> None:
        monkeypatch.setattr(config_forms, "detect", real)
        msg = "a new kind of failure"
        raise PylontechError(msg)

    monkeypatch.setattr(config_forms, "detect", fail_once)
    yield closed_port()


@asynccontextmanager
async def link_refused(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[int]:
    """`open_transport` refuses to describe the link, once.

    The forms already reject every host, port, serial port and baud rate `open_transport`
    refuses, so the flow's guard around it cannot be met from a form: `transport_for` is
    replaced for one call by the real `open_transport` given an impossible connect timeout.
    """
    real = config_forms.transport_for

    def refuse_once(data: dict[str, Any]) -> object:
        monkeypatch.setattr(config_forms, "transport_for", real)
        return open_transport(host=data[CONF_HOST], port=data[CONF_PORT], connect_timeout=0)

    monkeypatch.setattr(config_forms, "transport_for", refuse_once)
    yield closed_port()


type Trouble = Callable[[pytest.MonkeyPatch], AbstractAsyncContextManager[int]]

TROUBLES: list[Any] = [
    pytest.param(
        nothing_listening,
        "connection_refused",
        {"error": "connection refused by 127.0.0.1:{port}"},
        id="connection_refused",
    ),
    pytest.param(
        web_server,
        "web_server",
        {
            "error": "a web server answered on tcp://127.0.0.1:{port} "
            "(HTTP/1.1 400 Bad Request), not a BMS"
        },
        id="web_server",
    ),
    pytest.param(
        full_backlog,
        "timeout_connect",
        {"error": "no connection to 127.0.0.1:{port} within 0.3 s"},
        id="timeout_connect",
    ),
    pytest.param(
        held,
        "gateway_busy",
        {
            "error": "tcp://127.0.0.1:{port} closed the connection before sending anything; "
            "is another client connected to the gateway?"
        },
        id="gateway_busy",
    ),
    pytest.param(
        silent,
        "no_answer",
        {
            "error": "nothing answered on tcp://127.0.0.1:{port} "
            "(tried pylontech at ADR 2, pace at ADR 1, seplos at ADR 0, eg4 at ADR 1, "
            "boqiang at ADR 1)"
        },
        id="no_answer",
    ),
    pytest.param(banner, "not_a_bms", {"reply": "Welcome\\r\\n"}, id="not_a_bms"),
    pytest.param(
        boqiang,
        "unknown_dialect",
        {"reply": BOQIANG_REPLY[:80].decode()},
        id="unknown_dialect",
    ),
    pytest.param(library_fails, "unknown", {"error": "a new kind of failure"}, id="unknown"),
    pytest.param(
        link_refused,
        "cannot_connect",
        {"error": "connect timeout must be positive, not 0"},
        id="cannot_connect-transport",
    ),
]


# -- adding a stack -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "host", "name", "title", "addresses", "unique_id"),
    [
        ("pylontech", "127.0.0.1", "", "Battery", [2, 3], PYLONTECH_SERIAL),
        ("pace", " localhost ", "  Garage ", "Garage", [1, 2], PACE_SERIAL),
    ],
)
async def test_network_stack_is_found_and_added(
    hass: HomeAssistant,
    clock: Clock,
    *,
    dialect: str,
    host: str,
    name: str,
    title: str,
    addresses: list[int],
    unique_id: str,
) -> None:
    """Menu, host and port, confirmation: the entry names the stack and its packs."""
    async with simulator_for(dialect, 2, clock) as simulator:
        assert simulator.stack.master.identity.serial_number == unique_id
        flow_id = await start(hass, "network")
        result = await submit(hass, flow_id, network(simulator.port, host, name))
        assert confirmed(result) == FOUND[dialect]

        result = await submit(hass, flow_id, {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == title
        assert result["data"] == {
            CONF_CONNECTION: CONNECTION_NETWORK,
            CONF_HOST: host.strip(),
            CONF_PORT: simulator.port,
            CONF_NAME: title,
            CONF_DIALECT: dialect,
            CONF_ADDRESSES: addresses,
        }
        entry = result["result"]
        assert entry.unique_id == unique_id
        assert entry.options == {}
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    "host",
    [
        "::1",
        "[::1]",  # as URLs write it
    ],
)
@pytest.mark.usefixtures("ipv6_loopback")
async def test_ipv6_gateway(hass: HomeAssistant, clock: Clock, host: str) -> None:
    async with simulator_for("pylontech", 2, clock, host="::1") as simulator:
        flow_id = await start(hass, "network")
        result = await submit(hass, flow_id, network(simulator.port, host))
        assert confirmed(result) == FOUND["pylontech"]
        result = await submit(hass, flow_id, {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_HOST] == "::1"
        await hass.async_block_till_done()
        assert result["result"].state is ConfigEntryState.LOADED


async def test_serial_stack_is_found_and_added(hass: HomeAssistant, pylontech: Simulator) -> None:
    """A serial port serialx opens: here a socket:// URL that reaches the simulator."""
    device = f"socket://127.0.0.1:{pylontech.port}"
    flow_id = await start(hass, "serial")
    result = await submit(hass, flow_id, serial(f" {device} ", "115200", "Shed"))
    assert confirmed(result) == FOUND["pylontech"]

    result = await submit(hass, flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Shed"
    assert result["data"] == {
        CONF_CONNECTION: CONNECTION_SERIAL,
        CONF_DEVICE: device,
        CONF_BAUDRATE: 115200,
        CONF_NAME: "Shed",
        CONF_DIALECT: "pylontech",
        CONF_ADDRESSES: [2, 3],
    }
    assert result["result"].unique_id == PYLONTECH_SERIAL
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


def without_barcode(simulator: Simulator) -> None:
    """The master answers 0xC2 with an empty barcode, as some PACE firmware does."""
    master = simulator.stack.master
    master.identity = dataclasses.replace(master.identity, barcode="")


@pytest.mark.parametrize(
    ("step", "expected"),
    [("network", "tcp:127.0.0.1:{port}"), ("serial", "serial:socket://127.0.0.1:{port}")],
)
async def test_stack_without_serial_number_is_known_by_its_connection(
    hass: HomeAssistant, pace: Simulator, step: str, expected: str
) -> None:
    without_barcode(pace)
    flow_id = await start(hass, step)
    if step == "network":
        result = await submit(hass, flow_id, network(pace.port))
    else:
        result = await submit(hass, flow_id, serial(f"socket://127.0.0.1:{pace.port}"))
    assert confirmed(result)["packs"] == (
        "- Pack 1 (address 1): model P16S100A-1B470-3.01\n- Pack 2 (address 2)"
    )
    result = await submit(hass, flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == expected.format(port=pace.port)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("device", "errors", "placeholders"),
    [
        ("", {CONF_DEVICE: "invalid_device"}, {}),
        ("   ", {CONF_DEVICE: "invalid_device"}, {}),
        (
            "/dev/ttyPYLONTECH-missing",
            {"base": "cannot_connect"},
            {"error": "serial port /dev/ttyPYLONTECH-missing does not exist"},
        ),
    ],
)
async def test_serial_errors_then_recovery(
    hass: HomeAssistant,
    pylontech: Simulator,
    device: str,
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    """A serial port that is empty or missing is named in the form, which keeps the input."""
    flow_id = await start(hass, "serial")
    result = await submit(hass, flow_id, serial(device, "19200", "Shed"))
    assert form_errors(result, "serial") == errors
    assert result["description_placeholders"] == placeholders
    assert suggested(result) == serial(device, "19200", "Shed")

    result = await submit(hass, flow_id, serial(f"socket://127.0.0.1:{pylontech.port}"))
    assert confirmed(result) == FOUND["pylontech"]


@pytest.mark.parametrize(
    ("host", "port", "errors"),
    [
        ("not a host!", 1234, {CONF_HOST: "invalid_host"}),
        ("", 1234, {CONF_HOST: "invalid_host"}),
        ("-gateway.lan", 1234, {CONF_HOST: "invalid_host"}),
        ("127.0.0.1", 0, {CONF_PORT: "invalid_port"}),
        ("127.0.0.1", 70000, {CONF_PORT: "invalid_port"}),
        ("gateway lan", 65536, {CONF_HOST: "invalid_host", CONF_PORT: "invalid_port"}),
        # What an owner copies from the address bar of the gateway's settings page.
        ("http://192.168.1.50", 1234, {CONF_HOST: "host_not_address"}),
        ("http://192.168.1.50:8899/", 1234, {CONF_HOST: "host_not_address"}),
        ("192.168.1.50:8899", 1234, {CONF_HOST: "host_not_address"}),
        ("gateway.lan/status", 1234, {CONF_HOST: "host_not_address"}),
    ],
)
async def test_network_input_errors_then_recovery(
    hass: HomeAssistant, pylontech: Simulator, host: str, port: int, errors: dict[str, str]
) -> None:
    """A host or port that cannot be is named at once, before anything is contacted."""
    flow_id = await start(hass, "network")
    result = await submit(hass, flow_id, network(port, host, "Shed"))
    assert form_errors(result, "network") == errors
    assert suggested(result) == network(port, host, "Shed")

    result = await submit(hass, flow_id, network(pylontech.port))
    assert confirmed(result) == FOUND["pylontech"]
    assert pylontech.connections == 1


@pytest.mark.parametrize(("trouble", "error", "placeholders"), TROUBLES)
async def test_connection_errors_then_recovery(
    hass: HomeAssistant,
    pylontech: Simulator,
    *,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    trouble: Trouble,
    error: str,
    placeholders: dict[str, str],
) -> None:
    """What answers (or not) on the port is named in the form; the right port then works."""
    flow_id = await start(hass, "network")
    async with trouble(monkeypatch) as port:
        result = await submit(hass, flow_id, network(port))
    assert form_errors(result, "network") == {"base": error}
    assert result["description_placeholders"] == {
        key: text.format(port=port) for key, text in placeholders.items()
    }
    assert ("Unexpected error while looking for the stack" in caplog.text) == (error == "unknown")

    result = await submit(hass, flow_id, network(pylontech.port))
    assert confirmed(result) == FOUND["pylontech"]


async def test_busy_gateway_works_once_freed(hass: HomeAssistant, clock: Clock) -> None:
    """The user stops the other client and submits the same form again."""
    async with simulator_for("pylontech", 2, clock, clients=1) as gateway:
        _reader, writer = await asyncio.open_connection(LOOPBACK, gateway.port)
        await until(lambda: gateway.connections == 1)
        flow_id = await start(hass, "network")
        result = await submit(hass, flow_id, network(gateway.port))
        assert form_errors(result, "network") == {"base": "gateway_busy"}

        writer.close()
        await writer.wait_closed()
        await until(lambda: gateway._active == 0)
        result = await submit(hass, flow_id, network(gateway.port))
        assert confirmed(result) == FOUND["pylontech"]
        assert gateway.refused == 1


async def test_same_stack_twice_is_refused(hass: HomeAssistant, pylontech: Simulator) -> None:
    """The stack is known by its serial number, whatever name reaches it."""
    entry_for(pylontech, title="Garage").add_to_hass(hass)
    flow_id = await start(hass, "network")
    result = await submit(hass, flow_id, network(pylontech.port, host="localhost"))
    assert aborted(result) == "already_configured"
    assert result["description_placeholders"] == {"title": "Garage"}  # which entry has it
    assert pylontech.connections == 1
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize("step", ["network", "serial"])
async def test_same_connection_twice_is_refused(
    hass: HomeAssistant, pylontech: Simulator, step: str
) -> None:
    """An entry on the same host and port, or serial port at any speed, is not asked again."""
    device = f"socket://127.0.0.1:{pylontech.port}"
    if step == "network":
        data = network_data(pylontech.port)
        user_input = network(pylontech.port, " 127.0.0.1 ")
    else:
        data = serial_data(device)
        user_input = serial(device, "115200")
    MockConfigEntry(domain=DOMAIN, unique_id="another", title="Shed", data=data).add_to_hass(hass)

    flow_id = await start(hass, step)
    result = await submit(hass, flow_id, user_input)
    assert aborted(result) == "already_configured"
    assert result["description_placeholders"] == {"title": "Shed"}
    assert pylontech.connections == 0


async def test_a_second_stack_is_offered_a_name_of_its_own(
    hass: HomeAssistant, pylontech: Simulator
) -> None:
    """With a "Battery" configured, the form offers "Battery 2", then "Battery 3"."""
    assert await name_offered(hass, "network") == "Battery"
    entry_for(pylontech).add_to_hass(hass)
    assert await name_offered(hass, "network") == "Battery 2"
    MockConfigEntry(domain=DOMAIN, unique_id="x", data={CONF_NAME: "Battery 2"}).add_to_hass(hass)
    assert await name_offered(hass, "serial") == "Battery 3"


async def name_offered(hass: HomeAssistant, step: str) -> object:
    """The default of the name field of a new flow's `step` form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    schema = result["data_schema"]
    assert schema is not None
    for key in schema.schema:
        if key == CONF_NAME:
            return key.default()
    pytest.fail("no name field")


# -- options --------------------------------------------------------------------------------------


async def test_options_apply_at_once(hass: HomeAssistant, pylontech: Simulator) -> None:
    """A loaded stack polls with the new interval, gap and timeout without a reload."""
    entry = await add_entry(hass, pylontech)
    coordinator = entry.runtime_data
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert defaults(result) == FAST_OPTIONS

    options = {CONF_SCAN_INTERVAL: 60, CONF_GAP: 0.25, CONF_TIMEOUT: 1.5}
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == options
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is coordinator
    assert coordinator.update_interval == timedelta(seconds=60)
    assert coordinator.client.gap == 0.25
    assert coordinator.client.timeout == 1.5
    assert coordinator.energy.max_gap == 180


async def test_options_of_an_entry_not_loaded(hass: HomeAssistant) -> None:
    """The defaults are shown for an entry without options; the values are kept for its setup."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id=PYLONTECH_SERIAL, data=network_data(1234))
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert defaults(result) == {CONF_SCAN_INTERVAL: 30, CONF_GAP: 0.1, CONF_TIMEOUT: 2.0}

    with pytest.raises(InvalidData):  # below the 5 s the form allows
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SCAN_INTERVAL: 4, CONF_GAP: 0.1, CONF_TIMEOUT: 2.0}
        )
    options = {CONF_SCAN_INTERVAL: 300, CONF_GAP: 0.5, CONF_TIMEOUT: 10.0}
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == options
    assert entry.state is ConfigEntryState.NOT_LOADED


# -- reconfigure ----------------------------------------------------------------------------------


async def reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]
) -> ConfigFlowResult:
    """Open the reconfigure form and submit `user_input`."""
    result = await entry.start_reconfigure_flow(hass)
    assert form_errors(result, "reconfigure") == {}
    return await submit(hass, result["flow_id"], user_input)


async def test_reconfigure_to_where_the_stack_moved(
    hass: HomeAssistant, pylontech: Simulator, clock: Clock
) -> None:
    """The gateway got a new port: the entry follows it and keeps its entities."""
    entry = await add_entry(hass, pylontech)
    entities = registered(hass, entry)
    assert len(entities) > 50
    coordinator = entry.runtime_data
    old_port = pylontech.port
    await pylontech.stop()
    async with simulator_for("pylontech", 2, clock) as moved:
        assert moved.stack.master.identity.serial_number == entry.unique_id
        result = await entry.start_reconfigure_flow(hass)
        assert form_errors(result, "reconfigure") == {}
        assert suggested(result) == {CONF_HOST: LOOPBACK, CONF_PORT: old_port}

        result = await submit(hass, result["flow_id"], {CONF_HOST: LOOPBACK, CONF_PORT: moved.port})
        assert aborted(result) == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data == network_data(moved.port)
        assert entry.unique_id == PYLONTECH_SERIAL
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data is not coordinator
        assert entry.runtime_data.client.transport.port == moved.port
        assert entry.runtime_data.last_update_success
        assert registered(hass, entry) == entities


async def test_reconfigure_through_the_one_client_gateway_it_holds(
    hass: HomeAssistant, clock: Clock
) -> None:
    """The entry's own connection is closed first, or the gateway would refuse the flow."""
    async with simulator_for("pylontech", 2, clock, clients=1) as gateway:
        entry = await add_entry(hass, gateway)
        result = await reconfigure(hass, entry, {CONF_HOST: LOOPBACK, CONF_PORT: gateway.port})
        assert aborted(result) == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert entry.runtime_data.last_update_success
        assert gateway.refused == 0


async def test_reconfigure_to_another_stack_is_refused(
    hass: HomeAssistant, pylontech: Simulator, pace: Simulator
) -> None:
    """Another serial number answers there: the entry stays as it was, and still polls."""
    entry = await add_entry(hass, pylontech)
    data = dict(entry.data)
    result = await reconfigure(hass, entry, {CONF_HOST: LOOPBACK, CONF_PORT: pace.port})
    assert aborted(result) == "unique_id_mismatch"
    assert entry.data == data
    assert entry.unique_id == PYLONTECH_SERIAL
    assert entry.state is ConfigEntryState.LOADED
    await entry.runtime_data.async_refresh()
    assert entry.runtime_data.last_update_success


@pytest.mark.parametrize(
    ("port", "errors", "placeholders"),
    [
        (0, {CONF_PORT: "invalid_port"}, {}),
        (-1, {CONF_PORT: "invalid_port"}, {}),
        (
            None,
            {"base": "connection_refused"},
            {"error": "connection refused by 127.0.0.1:{port}"},
        ),
    ],
)
async def test_reconfigure_errors_then_recovery(
    hass: HomeAssistant,
    pylontech: Simulator,
    port: int | None,
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> None:
    """Errors show in the reconfigure form; the right port then works (entry not loaded)."""
    entry = entry_for(pylontech)
    entry.add_to_hass(hass)
    port = closed_port() if port is None else port
    result = await reconfigure(hass, entry, {CONF_HOST: LOOPBACK, CONF_PORT: port})
    assert form_errors(result, "reconfigure") == errors
    assert result["description_placeholders"] == {
        key: text.format(port=port) for key, text in placeholders.items()
    }
    assert suggested(result) == {CONF_HOST: LOOPBACK, CONF_PORT: port}
    assert entry.data[CONF_PORT] == pylontech.port

    result = await submit(hass, result["flow_id"], {CONF_HOST: LOOPBACK, CONF_PORT: pylontech.port})
    assert aborted(result) == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("unique_id", "serial_number", "expected"),
    [
        ("tcp:127.0.0.1:1", True, PACE_SERIAL),
        (None, True, PACE_SERIAL),
        ("tcp:127.0.0.1:1", False, "tcp:127.0.0.1:{port}"),
    ],
)
async def test_reconfigure_entry_known_by_its_connection(
    hass: HomeAssistant,
    pace: Simulator,
    unique_id: str | None,
    serial_number: bool,
    expected: str,
) -> None:
    """An entry without a serial number takes the stack's, or the new connection's id."""
    if not serial_number:
        without_barcode(pace)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=unique_id, data=network_data(1, "pace"), options=FAST_OPTIONS
    )
    entry.add_to_hass(hass)
    result = await reconfigure(hass, entry, {CONF_HOST: LOOPBACK, CONF_PORT: pace.port})
    assert aborted(result) == "reconfigure_successful"
    assert entry.unique_id == expected.format(port=pace.port)
    assert entry.data == network_data(pace.port, "pace")
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_onto_a_stack_configured_already(
    hass: HomeAssistant, pylontech: Simulator
) -> None:
    """The serial number the connection-id entry would take belongs to another entry."""
    entry_for(pylontech).add_to_hass(hass)
    entry = MockConfigEntry(domain=DOMAIN, unique_id="tcp:127.0.0.1:1", data=network_data(1))
    entry.add_to_hass(hass)
    result = await reconfigure(hass, entry, {CONF_HOST: LOOPBACK, CONF_PORT: pylontech.port})
    assert aborted(result) == "already_configured"
    assert entry.unique_id == "tcp:127.0.0.1:1"
    assert entry.data[CONF_PORT] == 1


async def test_reconfigure_serial_entry(hass: HomeAssistant, pylontech: Simulator) -> None:
    """A serial entry gets the serial form, filled with its port and speed."""
    data = serial_data("/dev/ttyUSB7", 115200)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=PYLONTECH_SERIAL, data=data, options=FAST_OPTIONS
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert form_errors(result, "reconfigure") == {}
    assert suggested(result) == {CONF_DEVICE: "/dev/ttyUSB7", CONF_BAUDRATE: "115200"}

    result = await submit(hass, result["flow_id"], {CONF_DEVICE: "", CONF_BAUDRATE: "115200"})
    assert form_errors(result, "reconfigure") == {CONF_DEVICE: "invalid_device"}

    device = f"socket://127.0.0.1:{pylontech.port}"
    result = await submit(hass, result["flow_id"], {CONF_DEVICE: device, CONF_BAUDRATE: "9600"})
    assert aborted(result) == "reconfigure_successful"
    assert entry.data == {**data, CONF_DEVICE: device, CONF_BAUDRATE: 9600}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_pace_stack_answering_at_adr_0_only(hass: HomeAssistant, clock: Clock) -> None:
    """A PACE master reached on its RS232 port (ADR 0 only): the form says where the packs
    answered, the entry keeps the ADR, and its polls read every pack there."""
    async with simulator_for("pace", 3, clock, only_adr=0) as simulator:
        flow_id = await start(hass, "network")
        result = await submit(hass, flow_id, network(simulator.port, "127.0.0.1", "Battery"))
        packs = confirmed(result)["packs"]
        assert packs.splitlines()[1:] == ["- Pack 2", "- Pack 3", "(all answered at address 0)"]
        result = await submit(hass, flow_id, {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert (result["data"][CONF_ADDRESSES], result["data"][CONF_ALL_PACKS_AT]) == ([1, 2, 3], 0)
        entry = result["result"]
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data
        served = [simulator.stack.analog_values(pack.address) for pack in simulator.stack.packs]
        assert [coordinator.data.packs[a].analog.voltage for a in (1, 2, 3)] == [
            pytest.approx(pack.voltage, abs=0.001) for pack in served
        ]
        await hass.config_entries.async_unload(entry.entry_id)


async def test_serial_port_at_an_unknown_rate_is_tried_at_each(
    hass: HomeAssistant, pylontech: Simulator
) -> None:
    """Automatic, the form's default rate: a battery whose port runs at 115200 Bd (a real serial
    port, a pseudo-terminal that passes on only what is sent at 115200) is found after 9600
    finds nothing, and the entry keeps 115200."""
    flow_id = await start(hass, "serial")
    async with PtyTcpBridge("127.0.0.1", pylontech.port, baud=115200) as line:
        result = await submit(hass, flow_id, serial(line.path, "auto"))
        assert confirmed(result) == FOUND["pylontech"]
        assert line.misheard > 0  # it was asked at 9600 first
        result = await submit(hass, flow_id, {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_BAUDRATE] == 115200
        await hass.config_entries.async_unload(result["result"].entry_id)


async def test_serial_form_offers_automatic_rate(hass: HomeAssistant) -> None:
    """The rate field starts at Automatic."""
    flow_id = await start(hass, "serial")
    result = await submit(hass, flow_id, serial(""))
    fields = {str(key): key for key in result["data_schema"].schema}
    assert fields[CONF_BAUDRATE].default() == "auto"
