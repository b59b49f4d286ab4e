"""A serial port (USB adapter, RS485 HAT, RFC 2217 or ESPHome proxy) through serialx."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

import serialx

from ..exceptions import PylontechConnectionError, PylontechTimeoutError
from .stream import DEFAULT_CONNECT_TIMEOUT, LoopTransport

if TYPE_CHECKING:
    from .receiver import Receiver

DEFAULT_BAUDRATE: Final = 9600


class SerialTransport(LoopTransport):
    """A serial port (USB adapter, RS485 HAT) through serialx, 8N1, opened exclusively.

    `url_or_device` is anything serialx opens:

    - a device path: ``/dev/ttyUSB0``, ``/dev/serial/by-id/usb-...``, ``COM3`` on Windows;
    - the same with a scheme: ``device:///dev/ttyUSB0``, or one naming the backend, such as
      ``linux://``, ``posix://``, ``darwin://``, ``freebsd://``, ``windows://``;
    - ``socket://host:port`` or ``tcp://host:port``: raw TCP through serialx (prefer
      `TcpTransport`, which keeps the link alive and reports it better);
    - ``rfc2217://host:port``: a gateway speaking RFC 2217 (ser2net, ESP-Link), which also sets
      the remote port's baud rate;
    - ``esphome://host[:port]/?port_name=...``: an ESPHome serial proxy (needs serialx's
      ``esphome`` extra, which is not installed with this integration).
    """

    def __init__(
        self,
        url_or_device: str,
        baudrate: int = DEFAULT_BAUDRATE,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        """Describe the port; nothing is opened before `open`."""
        super().__init__(connect_timeout=connect_timeout, idle_timeout=None)
        self.url = url_or_device
        self.set_baudrate(baudrate)

    def set_baudrate(self, baudrate: int) -> None:
        """Use `baudrate` from the next `open` on (the console wake-up switches speeds)."""
        self.baudrate = baudrate
        where = serialx.redact_uri(self.url)
        if "://" not in where:
            where = f"serial://{where}"
        self.description = f"{where} at {baudrate} Bd"

    async def _connect(self, receiver: Receiver) -> None:
        loop = asyncio.get_running_loop()
        port = serialx.redact_uri(self.url)
        try:
            async with asyncio.timeout(self.connect_timeout):
                await serialx.create_serial_connection(
                    loop,
                    lambda: receiver,
                    self.url,
                    baudrate=self.baudrate,
                    byte_size=8,
                    parity=serialx.Parity.NONE,
                    stopbits=serialx.StopBits.ONE,
                )
        except TimeoutError as err:
            msg = f"serial port {port} did not open within {self.connect_timeout:g} s"
            raise PylontechTimeoutError(msg) from err
        except FileNotFoundError as err:
            raise PylontechConnectionError(f"serial port {port} does not exist") from err
        except (OSError, ValueError, serialx.SerialException) as err:
            msg = f"cannot open serial port {port}: {err}"
            raise PylontechConnectionError(msg) from err
