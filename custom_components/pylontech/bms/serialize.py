"""Models as plain JSON values: the schema `decode --json` prints (documented in the README)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum

from .models import Flag

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
