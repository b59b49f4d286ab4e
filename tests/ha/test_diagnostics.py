"""Diagnostics download: its content, and that nothing tells where the battery is or who it is."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import REDACTED
from homeassistant.config_entries import SOURCE_USER
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.pylontech.bms.const import IDENTIFYING_COMMANDS
from custom_components.pylontech.bms.simulator import ConsoleSimulator
from custom_components.pylontech.const import DOMAIN

from .conftest import FAST_OPTIONS, add_entry, refresh

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
    from syrupy.assertion import SnapshotAssertion

    from custom_components.pylontech.bms.simulator import Simulator

    from .conftest import Clock


DUMPS = Path(__file__).parent.parent / "vectors" / "console"
MASKED = re.compile(r"\S*x{5,}\S*")
"""A serial number or barcode in the ioBroker dumps, which the source masked with x."""


def with_hex(texts: set[str]) -> set[str]:
    """`texts`, and each in the ASCII hex of a frame, upper and lower case."""
    hexes = {text.encode().hex() for text in texts}
    return texts | hexes | {h.upper() for h in hexes}


def identity_strings(simulator: Simulator) -> set[str]:
    """Every serial number and barcode of the stack, as text and as the hex the frames carry."""
    return with_hex(
        {
            text
            for pack in simulator.stack.packs
            for text in (pack.identity.serial_number, pack.identity.barcode)
            if text
        }
    )


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
        assert frame["data"].startswith("~")  # the frame is shown, its identity is not
        assert (REDACTED in frame["data"]) is (frame["direction"] == "rx")
    for frame in diagnostics["raw_frames"]:
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


async def _add_console(hass: HomeAssistant, simulator: ConsoleSimulator) -> MockConfigEntry:
    """Add a console stack as a user does (menu, network form, confirmation), then poll."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": simulator.port, "name": "Battery"}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS  # the search for the stack
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry: MockConfigEntry = result["result"]
    hass.config_entries.async_update_entry(entry, options=FAST_OPTIONS)
    await hass.async_block_till_done()
    await refresh(hass, entry)
    return entry


def _printed(frames: list[dict[str, Any]], command: str) -> list[str]:
    return [f["data"] for f in frames if f["command"] == command and f["direction"] == "rx"]


async def test_pytes_console_barcodes_in_pwr_n(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, clock: Clock
) -> None:
    """A Pytes console prints each pack's barcode in `pwr N` too: none survives anywhere."""
    async with ConsoleSimulator("pytes", 2, clock=clock, seed=5) as simulator:
        entry = await _add_console(hass, simulator)
        barcodes = set(simulator.console.stack.barcodes)
        assert entry.unique_id in barcodes
        diagnostics = await diagnostics_of(hass, hass_client, entry)
    frames = diagnostics["raw_frames"]
    assert _printed(frames, "pwr 2")  # the answer is shown, with its barcode redacted
    assert all(f"Barcode         : {REDACTED}" in text for text in _printed(frames, "pwr 2"))
    dump = json.dumps(diagnostics)
    for secret in with_hex(barcodes):
        assert secret not in dump


async def test_pytes_console_replayed_from_real_dumps(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """The real Pytes dumps: the barcodes of `info 1`, `pwr` and `pwr 1` (each masked
    differently by the source) and the board id all go, though `pwr 1`'s is no identity the
    integration read."""
    async with ConsoleSimulator("pytes", replay=DUMPS) as simulator:
        entry = await _add_console(hass, simulator)
        diagnostics = await diagnostics_of(hass, hass_client, entry)
    commands = {frame["command"] for frame in diagnostics["raw_frames"]}
    assert {"pwr", "pwr 1", "info 1"} <= commands
    secrets = {
        token
        for name in ("info_1", "pwr", "pwr_1")
        for token in MASKED.findall((DUMPS / f"ioBroker_pytes-v5_{name}.txt").read_text("latin-1"))
        if not token.startswith("SQB")  # the board version, masked too: not an identity
    }
    assert len(secrets) == 4
    assert entry.unique_id in secrets
    dump = json.dumps(diagnostics)
    for secret in with_hex(secrets):
        assert secret not in dump
