"""Diagnostics download: what a bug report needs, with where the battery is and who it is redacted.

Who it is: every serial number and barcode the stack reported, found by content by the library
(`bms.redact`), is replaced wherever it appears, as text or in the ASCII hex of binary frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST

from .bms import Redactor, identity_strings, opaque, stack_to_json, to_json
from .const import CONF_DEVICE

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .bms import RawFrame
    from .coordinator import PylontechConfigEntry

TO_REDACT = {CONF_HOST, CONF_DEVICE, "serial_number", "barcode", "unique_id"}


def _command(frame: RawFrame) -> str | None:
    """A binary command as hex, a console command as it was sent."""
    if isinstance(frame.command, int):
        return f"0x{frame.command:02X}"
    return frame.command


def _redacted(value: Any, redactor: Redactor) -> Any:
    """`value` with every identity string replaced, in keys and values at any depth."""
    if isinstance(value, str):
        return redactor.text(value)
    if isinstance(value, dict):
        return {redactor.text(k): _redacted(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item, redactor) for item in value]
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PylontechConfigEntry
) -> dict[str, Any]:
    """Entry, detection, last poll and the recent raw frames of the client's ring buffer."""
    coordinator = entry.runtime_data
    client = coordinator.client
    data = coordinator.data
    frames = client.raw_frames
    identities = [*coordinator.identities.values()]
    if coordinator.stack_identity is not None:
        identities.append(coordinator.stack_identity)
    secrets = identity_strings(identities, frames, data.stack if data is not None else None)
    if entry.unique_id:
        secrets |= {entry.unique_id}
    diagnostics = async_redact_data(
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
                    "data": REDACTED
                    if opaque(frame)
                    else frame.data.decode("ascii", "backslashreplace"),
                }
                for frame in frames
            ],
        },
        TO_REDACT,
    )
    return _redacted(diagnostics, Redactor(secrets, REDACTED))  # type: ignore[no-any-return]
