"""TCP to a transparent serial gateway, kept alive so that a half-open link breaks by itself."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING, Final

from ..exceptions import (
    PylontechConnectionError,
    PylontechConnectionRefusedError,
    PylontechTimeoutError,
)
from .stream import DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT, LoopTransport

if TYPE_CHECKING:
    from .receiver import Receiver

# TCP keepalive: probe a link after 10 s of silence, every 5 s, give up after 3 missed probes, so
# a half-open connection left by a gateway that rebooted is found within about 25 s
# (protocol.md 6.4). TCP_USER_TIMEOUT bounds unacknowledged writes the same way (Linux).
_KEEPALIVE_OPTIONS: Final = (
    ("TCP_KEEPIDLE", 10),
    ("TCP_KEEPALIVE", 10),  # macOS name of TCP_KEEPIDLE
    ("TCP_KEEPINTVL", 5),
    ("TCP_KEEPCNT", 3),
    ("TCP_USER_TIMEOUT", 25_000),  # milliseconds
)


def _host_port(host: str, port: int) -> str:
    """``host:port``, with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class TcpTransport(LoopTransport):
    """TCP to a transparent serial gateway (Waveshare, USR, Elfin, ser2net, ESPHome ...).

    TCP keepalive is on, so a connection left half-open by a gateway that lost power breaks
    within about 25 s instead of hanging; `stale` additionally flags a link that has been silent
    for longer than `idle_timeout`, which the client reopens before its next request.
    """

    busy_if_silent = True  # gateways limited to one client accept a second and close it at once

    def __init__(
        self,
        host: str,
        port: int,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        """Describe the gateway; nothing is opened before `open`."""
        super().__init__(connect_timeout=connect_timeout, idle_timeout=idle_timeout)
        self.host = host
        self.port = port
        self.address = _host_port(host, port)
        self.description = f"tcp://{self.address}"

    async def _connect(self, receiver: Receiver) -> None:
        loop = asyncio.get_running_loop()
        address = self.address
        try:
            async with asyncio.timeout(self.connect_timeout):
                transport, _ = await loop.create_connection(lambda: receiver, self.host, self.port)
        except TimeoutError as err:
            msg = f"no connection to {address} within {self.connect_timeout:g} s"
            raise PylontechTimeoutError(msg) from err
        except ConnectionRefusedError as err:
            raise PylontechConnectionRefusedError(f"connection refused by {address}") from err
        except socket.gaierror as err:
            msg = f"cannot resolve host name {self.host!r}: {err.strerror}"
            raise PylontechConnectionError(msg) from err
        except OSError as err:
            raise PylontechConnectionError(f"cannot connect to {address}: {err}") from err
        except UnicodeError as err:  # the IDNA codec refuses the name
            raise PylontechConnectionError(f"invalid host name {self.host!r}") from err
        sock = transport.get_extra_info("socket")
        # A platform that lacks an option just goes without it: the link works all the same.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in _KEEPALIVE_OPTIONS:
            option = getattr(socket, name, None)
            if option is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, option, value)
