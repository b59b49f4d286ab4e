"""Byte streams to a BMS, one module per kind of link.

TCP to a serial gateway (`tcp`), or a serial port through serialx (`serial`), both built on the
event-loop plumbing of `stream`; `open_transport` picks one.
"""

from __future__ import annotations

from ..exceptions import PylontechConnectionError
from .serial import DEFAULT_BAUDRATE, SerialTransport
from .stream import DEFAULT_CONNECT_TIMEOUT, READ_SIZE, Transport
from .tcp import TcpTransport

__all__ = [
    "DEFAULT_BAUDRATE",
    "DEFAULT_CONNECT_TIMEOUT",
    "READ_SIZE",
    "SerialTransport",
    "TcpTransport",
    "Transport",
    "open_transport",
]


def open_transport(
    *,
    host: str | None = None,
    port: int | None = None,
    serial: str | None = None,
    baudrate: int = DEFAULT_BAUDRATE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> Transport:
    """Build the transport for a gateway (`host` and `port`) or a serial port (`serial`).

    The transport is returned closed; call its `open`. Arguments that cannot describe a link
    raise `PylontechConnectionError` naming what is wrong.
    """
    host = host.strip() if host is not None else None
    serial = serial.strip() if serial is not None else None
    if connect_timeout <= 0:
        msg = f"connect timeout must be positive, not {connect_timeout}"
        raise PylontechConnectionError(msg)
    if bool(host) == bool(serial):
        msg = "give either a host and port or a serial port, not both and not neither"
        raise PylontechConnectionError(msg)
    if serial:
        if port is not None:
            msg = "a TCP port was given with a serial port"
            raise PylontechConnectionError(msg)
        if baudrate <= 0:
            msg = f"baud rate must be positive, not {baudrate}"
            raise PylontechConnectionError(msg)
        return SerialTransport(serial, baudrate, connect_timeout=connect_timeout)
    assert host
    if port is None or not 1 <= port <= 65535:
        msg = f"TCP port must be a whole number from 1 to 65535, not {port!r}"
        raise PylontechConnectionError(msg)
    return TcpTransport(host, port, connect_timeout=connect_timeout)
