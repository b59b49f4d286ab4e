"""How a 0x42 or 0x44 answer is cut into pack blocks: the selector byte, the blocks, their tails."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from ..exceptions import PylontechDecodeError
from .layout import Layout, walk

if TYPE_CHECKING:
    from ..binary.frame import Frame
    from .steps import Values


class Selector(Enum):
    """What the byte after INFOFLAG / DATAFLAG of a 0x42 or 0x44 answer says."""

    PACK_OR_COUNT = "pack_or_count"
    """The pack address in a one-pack answer, the pack count in an all-packs answer
    (Pylontech, PACE; protocol.md 2.8, 3.4)."""
    PACK = "pack"
    """Always one pack, whose address this byte is (EG4 bus id, Boqiang group; protocol.md 4)."""
    GROUP = "group"
    """Always one pack, named by the header's ADR: the byte is Seplos' "command group", which
    a pack at ADR 0 answers as 1 (protocol.md 4.1, seplos-v2-0x20 captures)."""

    def split(
        self, frame: Frame, block: Layout, all_packs: bool | None, max_tail: int
    ) -> tuple[int | None, list[tuple[Values, bytes]]]:
        """The pack the answer names (None: every pack) and each block's values and tail."""
        if self is Selector.PACK_OR_COUNT:
            return split_pack_blocks(frame, block, all_packs=all_packs, max_tail=max_tail)
        address, blocks = split_pack_blocks(frame, block, all_packs=False, max_tail=max_tail)
        return (frame.adr if self is Selector.GROUP else address), blocks

    def write(self, all_packs: bool, count: int, address: int | None) -> int:
        """The byte an answer carries for `count` packs, the first at `address`."""
        if all_packs and self is Selector.PACK_OR_COUNT:
            return count
        return address or 0


def merge_temperatures(values: Values, key: str, extra: tuple[str, ...]) -> None:
    """Append the uncounted temperature fields `extra` to the counted ones under `key`."""
    if extra:
        values[key] = (*values[key], *(values.pop(name) for name in extra))


def split_temperatures(values: Values, key: str, extra: tuple[str, ...]) -> None:
    """The inverse of `merge_temperatures`, for writing."""
    if extra:
        items = tuple(values[key])
        counted = len(items) - len(extra)
        values[key] = items[:counted]
        values.update(zip(extra, items[counted:], strict=True))


def split_pack_blocks(
    frame: Frame, block: Layout, *, all_packs: bool | None, max_tail: int
) -> tuple[int | None, list[tuple[Values, bytes]]]:
    """Split an INFOFLAG + selector + blocks answer into per-pack values and trailing bytes.

    The selector byte is the pack address in a one-pack answer and the pack count in an
    all-packs answer; with `all_packs` None the layout decides. Returns (address, or None for
    an all-packs answer, and [(values, extra bytes)] per pack).
    """
    info = frame.info
    if len(info) < 2:
        msg = f"INFO of {len(info)} bytes is too short for a pack answer"
        raise PylontechDecodeError(msg, frame.raw)
    first: tuple[Values, int] | None = None
    if not all_packs:
        values: Values = {}
        try:
            end = walk(block, info, 2, values)
        except PylontechDecodeError:
            if all_packs is False:
                raise
        else:
            if len(info) - end <= max_tail:
                return info[1], [(values, info[end:])]
            if all_packs is False:
                check_end(frame, end, max_tail)
            first = values, end  # the first block reads the same either way
    return None, _all_packs(frame, block, max_tail, first)


def _all_packs(
    frame: Frame, block: Layout, max_tail: int, first: tuple[Values, int] | None
) -> list[tuple[Values, bytes]]:
    info = frame.info
    # Every pack may carry the same number of trailing bytes; the shortest that fits wins.
    for tail in range(max_tail + 1):
        blocks: list[tuple[Values, bytes]] = []
        pos = 2
        try:
            for index in range(info[1]):
                if index == 0 and first is not None:
                    values, pos = first
                else:
                    values = {}
                    pos = walk(block, info, pos, values)
                blocks.append((values, info[pos : pos + tail]))
                pos += tail
        except PylontechDecodeError:
            continue
        if pos == len(info):
            return blocks
    msg = f"INFO of {len(info)} bytes fits neither one pack nor {info[1]} packs"
    raise PylontechDecodeError(msg, frame.raw)


def check_end(frame: Frame, end: int, max_tail: int) -> None:
    """Raise unless what follows the last field at `end` is at most `max_tail` bytes."""
    left = len(frame.info) - end
    if not 0 <= left <= max_tail:
        msg = f"{left} unexpected bytes after the last field"
        raise PylontechDecodeError(msg, frame.raw)
