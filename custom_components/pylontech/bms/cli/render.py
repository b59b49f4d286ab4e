"""Readable text tables of decoded answers and polls, for the command-line tool."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..serialize import JsonValue, to_json

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..dialects import Dialect
    from ..models import Response

_TEMPERATURE_LISTS = ("temperatures", "temperature_states")


def answer_table(dialect: Dialect, command: int, response: Response) -> str:
    """One answer: one column per pack for pack answers, else one value per line."""
    body = to_json(response)
    assert isinstance(body, dict)
    name = dialect.command(command).name.replace("_", " ")
    title = f"{dialect.title}, 0x{command:02X} {name}"
    packs = body.pop("packs", None)
    if isinstance(packs, list):
        count = len(packs)
        return columns_table(
            f"{title}: {count} pack{'s' if count != 1 else ''}",
            [f"pack {i}" for i in range(1, count + 1)],
            [pack for pack in packs if isinstance(pack, dict)],
        )
    return columns_table(title, ["value"], [body])


def columns_table(
    title: str, headers: Sequence[str], objects: Sequence[dict[str, JsonValue]]
) -> str:
    """A title, then one row per key and one column per object, values right-aligned."""
    columns = [dict(_rows(item)) for item in objects]
    labels = list(dict.fromkeys(label for column in columns for label in column))
    width = max((len(label) for label in labels), default=0)
    widths = [
        max([len(header)] + [len(column.get(label, "")) for label in labels])
        for header, column in zip(headers, columns, strict=True)
    ]
    lines = [title, "  ".join([" " * width, *(h.rjust(w) for h, w in zip(headers, widths))])]
    lines.extend(
        "  ".join(
            [label.ljust(width)] + [c.get(label, "-").rjust(w) for c, w in zip(columns, widths)]
        )
        for label in labels
    )
    return "\n".join(lines)


def _rows(value: dict[str, JsonValue], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten one object into (label, text) rows; list items are labelled by number or name."""
    rows: list[tuple[str, str]] = []
    names = value.get("temperature_names")
    for key, item in value.items():
        label = prefix + key
        if key == "temperature_names":
            continue
        if isinstance(item, dict):
            rows.extend(_rows(item, f"{label}."))
        elif isinstance(item, list):
            tags: Sequence[object] = range(1, len(item) + 1)
            if key in _TEMPERATURE_LISTS and isinstance(names, list):
                tags = names
            rows.extend((f"{label}.{tag}", _text(v)) for tag, v in zip(tags, item, strict=False))
        else:
            rows.append((label, _text(item)))
    return rows


def _text(value: JsonValue) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == "":
        return '""'
    return str(value)
