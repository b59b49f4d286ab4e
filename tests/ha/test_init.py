"""The integration loads in Home Assistant, and its manifest satisfies hassfest and HACS."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import TYPE_CHECKING

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.helpers import device_registry as dr
from homeassistant.loader import async_get_custom_components
from homeassistant.setup import async_setup_component

from custom_components.pylontech import entity
from custom_components.pylontech.const import DOMAIN

from .conftest import add_entry

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    import pytest

    from custom_components.pylontech.bms.simulator import Simulator

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "custom_components" / "pylontech" / "manifest.json").read_text())


async def test_integration_is_found_and_loads(hass: HomeAssistant) -> None:
    """Home Assistant finds the custom integration and sets it up."""
    integrations = await async_get_custom_components(hass)
    assert DOMAIN in integrations
    assert integrations[DOMAIN].version is not None
    assert await async_setup_component(hass, DOMAIN, {})
    assert DOMAIN in hass.config.components


async def test_packs_hang_off_the_stack_without_deprecated_calls(
    hass: HomeAssistant, pace: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Each pack device is connected via the stack device, by registry id where Home Assistant
    has `via_device_id` (2026.8+), and Home Assistant reports no deprecated call."""
    has_via_device_id = AwesomeVersion(HA_VERSION) >= AwesomeVersion("2026.8.0")
    assert entity.VIA_DEVICE_ID is has_via_device_id
    entry = await add_entry(hass, pace)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    stack = next(d for d in devices if (DOMAIN, entry.entry_id) in d.identifiers)
    packs = [d for d in devices if d is not stack]
    assert len(packs) == len(pace.stack.packs) > 1
    assert all(d.via_device_id == stack.id for d in packs)
    assert "Detected that custom integration" not in caplog.text
    assert "deprecated" not in caplog.text
    await hass.config_entries.async_unload(entry.entry_id)


def test_manifest_keys() -> None:
    """hassfest: domain and name first, the rest sorted; every key custom integrations need."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    required = {"domain", "name", "codeowners", "documentation", "iot_class", "version",
                "issue_tracker", "integration_type", "requirements", "dependencies"}  # fmt: skip
    assert required <= set(keys)
    assert MANIFEST["domain"] == DOMAIN
    assert MANIFEST["iot_class"] == "local_polling"
    assert MANIFEST["config_flow"] is True  # added from the UI only
    assert MANIFEST["loggers"] == ["custom_components.pylontech"]
    # Someone to ask: GitHub users or teams (hassfest: "@user" or "@org/team").
    assert MANIFEST["codeowners"]
    assert all(re.fullmatch(r"@[\w-]+(/[\w-]+)?", owner) for owner in MANIFEST["codeowners"])


def test_hacs_json() -> None:
    """HACS: a name, and the oldest Home Assistant we test on (design.md section 5)."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == MANIFEST["name"]
    assert hacs["homeassistant"] == "2025.4.4"


def test_publishable() -> None:
    """HACS wants a license (the one pyproject.toml names); CI runs hassfest, HACS and the tests."""
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
    assert (
        "Apache License\n                           Version 2.0" in (ROOT / "LICENSE").read_text()
    )
    workflows = "".join(p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert "home-assistant/actions/hassfest@" in workflows
    assert "hacs/action@" in workflows
    assert "category: integration" in workflows
    assert "run: scripts/test" in workflows
