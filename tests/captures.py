"""The real captures in tests/vectors, loaded once (provenance: tests/vectors/README.md)."""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).parent / "vectors"


@dataclass(frozen=True)
class Capture:
    """One captured frame and what its source says about it."""

    id: str
    file: str
    direction: str
    command: int
    frame: str
    expected: dict[str, Any]
    capture_kind: str
    checksum_ok: bool
    device: str | None
    source: str

    @property
    def raw(self) -> bytes:
        return self.frame.encode("ascii")


def load(name: str) -> list[Capture]:
    """Every capture of one vectors file, with an id naming file, line and command."""
    captures = []
    path = VECTORS / name
    for line_no, line in enumerate(path.read_text().splitlines(), start=1):
        item = json.loads(line)
        captures.append(
            Capture(
                id=f"{path.stem}:{line_no}:{item['command']}",
                file=path.stem,
                direction=item["direction"],
                command=int(item["command"], 16),
                frame=item["frame"],
                expected=item.get("expected") or {},
                capture_kind=item["capture_kind"],
                checksum_ok=item["checksum_ok"],
                device=item.get("device"),
                source=item["source"],
            )
        )
    return captures


PYLONTECH = load("pylontech-0x20.jsonl")
PACE = load("pace-0x25.jsonl")
ALL = [capture for path in sorted(VECTORS.glob("*.jsonl")) for capture in load(path.name)]
"""Every capture of every dialect: a new file of captures is tested without a line here."""
VALID = [c for c in ALL if c.checksum_ok]
