"""The serial step's port field: Home Assistant's serial port selector where it has one, and
whatever the selector returns opened by serialx, ESPHome serial proxies included."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from homeassistant.config_entries import ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import selector
import pytest
import serialx
from serialx.platforms.serial_socket import SocketSerial, SocketSerialTransport

from custom_components.pylontech.const import CONF_BAUDRATE, CONF_DEVICE

from .test_config_flow import serial, start, submit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from homeassistant.core import HomeAssistant

    from custom_components.pylontech.bms.simulator import Simulator

# What HA's serial port selector returns for a port of an ESPHome serial proxy: the config
# entry of the ESPHome device and the port's filters (homeassistant/components/esphome/
# serial_proxy.py, build_url, in 2026.11.0).
PROXY_URL = "esphome-hass://esphome/01JESPHOMEENTRY?port_name=bms"


async def test_port_field_is_the_selector_where_home_assistant_has_one(
    hass: HomeAssistant,
) -> None:
    """The selector on a Home Assistant that has it (2026.x), a text field on older ones."""
    flow_id = await start(hass, "serial")
    result = await submit(hass, flow_id, serial(""))  # the form again, with its schema
    assert result["type"] is FlowResultType.FORM
    fields = {str(key): value for key, value in result["data_schema"].schema.items()}
    port_selector = getattr(selector, "SerialPortSelector", None)
    if port_selector is None:
        assert fields[CONF_DEVICE] is str
    else:
        assert isinstance(fields[CONF_DEVICE], port_selector)
        assert fields[CONF_DEVICE].serialize() == {"selector": {"serial_port": {}}}


class ProxyTransport(SocketSerialTransport):
    """Stands in for HA's ESPHome serial proxy transport: records what serialx hands it and
    reaches the simulator over loopback instead of an ESPHome device."""

    opened: ClassVar[list[tuple[str, int]]] = []
    simulator_port = 0

    async def _connect(self, *, path: str, baudrate: int, **kwargs: Any) -> None:  # type: ignore[override]
        self.opened.append((path, baudrate))
        await super()._connect(
            path=f"socket://127.0.0.1:{self.simulator_port}", baudrate=baudrate, **kwargs
        )


@pytest.fixture
def esphome_proxy(pylontech: Simulator) -> Iterator[type[ProxyTransport]]:
    """The `esphome-hass://` scheme registered with serialx, as HA's ESPHome integration does."""
    ProxyTransport.opened = []
    ProxyTransport.simulator_port = pylontech.port
    unregister = serialx.register_uri_handler(
        scheme="esphome-hass://",
        unique_scheme="esphome-hass-test://",
        sync_cls=SocketSerial,
        async_transport_cls=ProxyTransport,
    )
    yield ProxyTransport
    unregister()


async def test_esphome_serial_proxy_url_is_opened_through_serialx(
    hass: HomeAssistant, esphome_proxy: type[ProxyTransport]
) -> None:
    """The URL the selector returns for a proxy port is stored as it is and handed to the
    scheme's serialx transport, at the chosen speed, when the stack is found and when it loads."""
    flow_id = await start(hass, "serial")
    result = await submit(hass, flow_id, serial(PROXY_URL, "115200"))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    result = await submit(hass, flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_DEVICE] == PROXY_URL
    assert result["data"][CONF_BAUDRATE] == 115200
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert esphome_proxy.opened
    assert set(esphome_proxy.opened) == {(PROXY_URL, 115200)}
    assert hass.states.get("sensor.battery_pack_1_voltage") is not None
    await hass.config_entries.async_unload(result["result"].entry_id)
