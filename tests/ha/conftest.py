"""Home Assistant test set-up: load integrations from the repository's custom_components."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant find this integration in every test of this folder."""
