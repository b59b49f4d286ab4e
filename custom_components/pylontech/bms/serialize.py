"""Models as plain JSON values: the schema `decode --json` prints (documented in the README)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum

from .models import Flag, PackData, StackData

type JsonValue = bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None


def to_json(value: object) -> JsonValue:
    """Convert a model (or any value inside one) to JSON values.

    Dataclasses become objects, tuples lists, enums their value, bytes a hex string, and a tuple
    of flags an object mapping each flag's key to whether it is active.
    """
    if isinstance(value, Enum):
        return to_json(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, tuple | list):
        if value and all(isinstance(item, Flag) for item in value):
            return {item.key: item.active for item in value}
        return [to_json(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    msg = f"cannot convert {type(value).__name__} to JSON"
    raise TypeError(msg)


# Keys of the alarm answer that repeat or only restate the analog answer's.
_ALARM_SKIP = frozenset({"address", "temperature_names", "extra"})


def pack_to_json(pack: PackData) -> dict[str, JsonValue]:
    """One pack as `read --json` prints it: the 0x42 keys, then the 0x44 states and flags.

    A pack that could not be read has only `address` and `error`.
    """
    body: dict[str, JsonValue] = {"address": pack.address}
    if pack.analog is not None:
        analog = to_json(pack.analog)
        assert isinstance(analog, dict)
        body.update(analog, address=pack.address)
    if pack.alarm is not None:
        alarm = to_json(pack.alarm)
        assert isinstance(alarm, dict)
        body.update((key, value) for key, value in alarm.items() if key not in _ALARM_SKIP)
    if pack.error is not None:
        body["error"] = pack.error
    return body


def stack_to_json(stack: StackData) -> dict[str, JsonValue]:
    """A whole poll as `read --json` prints it (and as `simulate --scenario` reads it).

    A high-voltage string adds "topology": "series" and its controller's totals as "system".
    """
    body: dict[str, JsonValue] = {
        "dialect": stack.dialect,
        "packs": [pack_to_json(pack) for pack in stack.packs],
    }
    if stack.series:
        body.update(topology="series", system=to_json(stack.system))
    return body
