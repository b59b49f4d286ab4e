"""Library tests: they run servers on loopback and talk to them over real sockets."""

from collections.abc import AsyncIterator

import pytest

from tests.bms.gateway import ReplayGateway


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets; pytest-homeassistant-custom-component still limits them to 127.0.0.1."""


@pytest.fixture
async def gateway() -> AsyncIterator[ReplayGateway]:
    """A gateway on loopback with no answers yet: each test sets `answers` or `respond`."""
    gateway = ReplayGateway({})
    await gateway.start()
    yield gateway
    await gateway.stop()
