"""Diagnostics download: what a bug report needs, with where the battery is and who it is redacted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST

from .bms.console.exchange import carries_identity
from .bms.const import IDENTIFYING_COMMANDS
from .bms.serialize import stack_to_json, to_json
from .const import CONF_DEVICE

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .bms.link import RawFrame
    from .coordinator import PylontechConfigEntry

TO_REDACT = {CONF_HOST, CONF_DEVICE, "serial_number", "barcode", "unique_id"}


def _harmless(frame: RawFrame) -> bool:
    """Whether a frame can be shown: ours, or an answer that carries no serial number.

    A received frame that answered nothing in flight (late, damaged) may be a serial number
    answer that arrived after its timeout, so it is redacted too.
    """
    if frame.direction == "tx":
        return True
    if isinstance(frame.command, str):
        return not carries_identity(frame.command)
    return frame.command is not None and frame.command not in IDENTIFYING_COMMANDS


def _command(frame: RawFrame) -> str | None:
    """A binary command as hex, a console command as it was sent."""
    if isinstance(frame.command, int):
        return f"0x{frame.command:02X}"
    return frame.command


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PylontechConfigEntry
) -> dict[str, Any]:
    """Entry, detection, last poll and the recent raw frames of the client's ring buffer."""
    coordinator = entry.runtime_data
    client = coordinator.client
    data = coordinator.data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "stack": {
                "dialect": coordinator.dialect.name,
                "addresses": coordinator.addresses,
                "packs": [to_json(identity) for identity in coordinator.identities.values()],
                "request_timeout": client.timeout,
                "request_gap": client.gap,
                "last_update_success": coordinator.last_update_success,
            },
            "last_poll": stack_to_json(data.stack) if data is not None else None,
            "raw_frames": [
                {
                    "direction": frame.direction,
                    "at": frame.at,
                    "command": _command(frame),
                    "data": frame.data.decode("ascii", "backslashreplace")
                    if _harmless(frame)
                    else REDACTED,
                }
                for frame in client.raw_frames
            ],
        },
        TO_REDACT,
    )
