"""Library tests: they run servers on loopback and talk to them over real sockets."""

import pytest


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets; pytest-homeassistant-custom-component still limits them to 127.0.0.1."""
