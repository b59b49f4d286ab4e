"""Typed reading of one JSON object of a scenario, with errors that say where and what."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...models import AlarmLevel

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping


class ScenarioError(ValueError):
    """A scenario that cannot be served; the message names the pack and the key."""


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), "a number"
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class JsonObject:
    """One object of the document; each getter checks the type of one key.

    A missing key gives None, or an error when it is `required`; null gives None unless the
    key is not `nullable`.
    """

    def __init__(self, data: object, where: str) -> None:
        """Read `data`, which must be an object; `where` starts every error message."""
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: must be an object, not {_kind(data)}")
        self.data: Mapping[str, object] = data
        self.where = where

    def error(self, key: str, message: str) -> ScenarioError:
        """An error about `key`."""
        return ScenarioError(f"{self.where}: {key!r} {message}")

    def _get(self, key: str, required: bool) -> object:
        if key not in self.data:
            if required:
                raise ScenarioError(f"{self.where}: missing required key {key!r}")
            return None
        return self.data[key]

    def number(self, key: str, *, required: bool = False, nullable: bool = True) -> float | None:
        """A number, or None."""
        value = self._get(key, required)
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, not {_kind(value)}")
        return float(value)

    def integer(
        self, key: str, *, required: bool = False, limits: tuple[int, int] = (0, 0xFFFF)
    ) -> int | None:
        """A whole number within `limits`, or None."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"must be a whole number, not {_kind(value)}")
        if not limits[0] <= value <= limits[1]:
            raise self.error(key, f"must be from {limits[0]} to {limits[1]}, not {value}")
        return value

    def numbers(self, key: str) -> tuple[float | None, ...]:
        """A required, non-empty list of numbers or nulls."""
        value = self._get(key, True)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"must be a non-empty list of numbers, not {_kind(value)}")
        for item in value:
            if item is not None and not _is_number(item):
                raise self.error(key, f"must hold numbers or nulls, not {_kind(item)}")
        return tuple(None if item is None else float(item) for item in value)

    def integers(self, key: str, limits: tuple[int, int]) -> tuple[int, ...] | None:
        """A list of whole numbers within `limits`, or None."""
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and limits[0] <= item <= limits[1]
            for item in value
        ):
            raise self.error(
                key, f"must be a list of whole numbers from {limits[0]} to {limits[1]}"
            )
        return tuple(value)

    def text(self, key: str, size: int) -> str | None:
        """ASCII text of at most `size` characters, or None."""
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {_kind(value)}")
        if not value.isascii() or len(value) > size:
            raise self.error(key, f"must be ASCII text of at most {size} characters")
        return value

    def boolean(self, key: str) -> bool | None:
        """true, false, or None."""
        value = self._get(key, False)
        if value is not None and not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {_kind(value)}")
        return value

    def state(self, key: str) -> AlarmLevel:
        """An alarm state by name; missing or null is normal."""
        value = self._get(key, False)
        if value is None:
            return AlarmLevel.NORMAL
        try:
            return AlarmLevel(str(value))
        except ValueError:
            known = ", ".join(level.value for level in AlarmLevel)
            raise self.error(key, f"must be one of {known}, not {value!r}") from None

    def states(self, key: str, count: int) -> tuple[AlarmLevel, ...]:
        """A list of alarm states; missing or null: `count` normal ones."""
        value = self._get(key, False)
        if value is None:
            return (AlarmLevel.NORMAL,) * count
        if not isinstance(value, list):
            raise self.error(key, f"must be a list of states, not {_kind(value)}")
        return tuple(JsonObject({key: item}, self.where).state(key) for item in value)

    def flags(self, key: str, known: Collection[str]) -> dict[str, bool]:
        """An object of flag names to true/false; each name must be one of `known`."""
        value = self._get(key, False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(
                key, f"must be an object of flag names to true/false, not {_kind(value)}"
            )
        for name, active in value.items():
            if name not in known:
                raise self.error(key, f"names an unknown flag {name!r} (known: {', '.join(known)})")
            if not isinstance(active, bool):
                raise self.error(key, f"must map {name!r} to true or false, not {_kind(active)}")
        return dict(value)

    def hex_bytes(self, key: str) -> bytes | None:
        """Bytes given as a hex string, or None."""
        value = self._get(key, False)
        if value is None:
            return None
        message = 'must be a string of hex digits, e.g. "61"'
        if not isinstance(value, str):
            raise self.error(key, message)
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise self.error(key, message) from None
