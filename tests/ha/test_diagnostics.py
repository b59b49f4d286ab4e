"""Diagnostics download: its content, and that nothing tells where the battery is or who it is."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import REDACTED
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.pylontech.bms.const import IDENTIFYING_COMMANDS

from .conftest import add_entry

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
    from syrupy.assertion import SnapshotAssertion

    from custom_components.pylontech.bms.simulator import Simulator

    from .conftest import Clock


def identity_strings(simulator: Simulator) -> set[str]:
    """Every serial number and barcode of the stack, as text and as the hex the frames carry."""
    found = set()
    for pack in simulator.stack.packs:
        for text in (pack.identity.serial_number, pack.identity.barcode):
            if text:
                found |= {text, text.encode().hex().upper()}
    return found


def stable(diagnostics: dict[str, Any]) -> dict[str, Any]:
    """The diagnostics without what changes from run to run: frame times and the port."""
    diagnostics = json.loads(json.dumps(diagnostics))
    assert isinstance(diagnostics["entry"]["data"]["port"], int)
    diagnostics["entry"]["data"]["port"] = "<port>"
    for frame in diagnostics["raw_frames"]:
        assert isinstance(frame["at"], float)
        frame["at"] = "<at>"
    return diagnostics


async def diagnostics_of(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: MockConfigEntry
) -> dict[str, Any]:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert isinstance(diagnostics, dict)
    return diagnostics


async def test_snapshot(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """The whole download after setup: entry, stack, last poll and the frames exchanged."""
    entry = await add_entry(hass, simulator)
    diagnostics = await diagnostics_of(hass, hass_client, entry)
    assert entry.entry_id not in json.dumps(diagnostics)
    assert stable(diagnostics) == snapshot


async def test_redaction(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, simulator: Simulator
) -> None:
    """Host, serial numbers, barcodes and the unique id are redacted, in frames too."""
    entry = await add_entry(hass, simulator)
    secrets = identity_strings(simulator)
    # The integration does know them: the entry and the identities it read.
    assert entry.unique_id in secrets
    identities = entry.runtime_data.identities
    assert {i.serial_number for i in identities.values() if i.serial_number} <= secrets
    frames = entry.runtime_data.client.raw_frames
    assert any(s.encode() in frame.data for frame in frames for s in secrets)

    diagnostics = await diagnostics_of(hass, hass_client, entry)
    assert diagnostics["entry"]["data"]["host"] == REDACTED
    assert diagnostics["entry"]["unique_id"] == REDACTED
    packs = diagnostics["stack"]["packs"]
    assert [pack["address"] for pack in packs] == entry.runtime_data.addresses
    assert packs[0]["serial_number"] == REDACTED  # the master has one in both dialects
    for pack, identity in zip(packs, identities.values(), strict=True):
        assert pack["serial_number"] == (REDACTED if identity.serial_number else None)
    identifying = [
        frame
        for frame in diagnostics["raw_frames"]
        if int(frame["command"], 16) in IDENTIFYING_COMMANDS
    ]
    assert {frame["direction"] for frame in identifying} == {"tx", "rx"}
    for frame in identifying:
        if frame["direction"] == "rx":
            assert frame["data"] == REDACTED
        else:  # a request names only the pack
            assert frame["data"].startswith("~")
    for frame in diagnostics["raw_frames"]:
        if int(frame["command"], 16) not in IDENTIFYING_COMMANDS:
            assert frame["data"].startswith("~")
    dump = json.dumps(diagnostics)
    assert "127.0.0.1" not in dump
    for secret in secrets:
        assert secret not in dump


async def test_after_a_failed_poll(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    pylontech: Simulator,
    clock: Clock,
) -> None:
    """A failed poll: the download says so, and keeps the last poll that worked."""
    entry = await add_entry(hass, pylontech, timeout=0.1)
    before = await diagnostics_of(hass, hass_client, entry)
    assert before["stack"]["last_update_success"] is True
    assert before["stack"]["request_timeout"] == 0.1
    assert before["stack"]["request_gap"] == 0.0

    pylontech.faults = "drop=1"
    clock.t += 30
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    after = await diagnostics_of(hass, hass_client, entry)
    assert after["stack"]["last_update_success"] is False
    assert after["last_poll"] == before["last_poll"]
    assert len(after["raw_frames"]) > len(before["raw_frames"])
    assert after["raw_frames"][-1]["direction"] == "tx"  # a request left unanswered
