"""Hostile-line tests: hostile servers on loopback, talked to over real sockets."""

import pytest


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets; pytest-homeassistant-custom-component still limits them to 127.0.0.1."""
