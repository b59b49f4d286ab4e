"""The shared decoders: they walk a dialect's field tables over INFO and build the models."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import TYPE_CHECKING, Any

from ..derive.pack_values import pack_values
from ..exceptions import PylontechDecodeError
from ..models import (
    AlarmInfo,
    AlarmLevel,
    AnalogValues,
    Flag,
    FlagCategory,
    PackAlarmInfo,
    PackAnalogValues,
    ProtocolVersion,
    Response,
)
from ..plausible import screen_record
from .layout import Layout, walk

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..binary.frame import Frame
    from .base import Dialect, Wire
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


def _merge_temperatures(values: Values, key: str, extra: tuple[str, ...]) -> None:
    """Append the uncounted temperature fields `extra` to the counted ones under `key`."""
    if extra:
        values[key] = (*values[key], *(values.pop(name) for name in extra))


def _split_temperatures(values: Values, key: str, extra: tuple[str, ...]) -> None:
    """The inverse of `_merge_temperatures`, for writing."""
    if extra:
        items = tuple(values[key])
        counted = len(items) - len(extra)
        values[key] = items[:counted]
        values.update(zip(extra, items[counted:], strict=True))


@dataclass(frozen=True, slots=True)
class RecordDecoder:
    """A fixed layout read into a model whose fields are the layout's keys.

    Keys that start with "_" are read but not passed on (INFOFLAG, a byte kept only for its bits).
    """

    layout: Layout
    model: type[Any]

    def decode(self, dialect: Dialect, frame: Frame, all_packs: bool | None) -> Response:
        """Walk the layout over INFO, which it must fit exactly, and build the model."""
        values: Values = {}
        _check_end(frame, walk(self.layout, frame.info, 0, values), 0)
        result: Response = self.model(
            **screen_record({key: value for key, value in values.items() if key[0] != "_"})
        )
        return result

    def encode(self, response: Response, wire: Wire) -> bytes:
        """The model's fields written by the layout, with the wire's INFOFLAG."""
        values: Values = {item.name: getattr(response, item.name) for item in fields(response)}
        return self.layout.write({"_infoflag": wire.infoflag, **values})


@dataclass(frozen=True, slots=True)
class ProtocolVersionDecoder:
    """0x4F: the version is the VER byte of the answer; INFO is empty."""

    def decode(self, dialect: Dialect, frame: Frame, all_packs: bool | None) -> Response:
        """Return the VER of the answer."""
        return ProtocolVersion(version=frame.ver)

    def encode(self, response: Response, wire: Wire) -> bytes:
        """No INFO: the version travels in the answer's VER field."""
        return b""


@dataclass(frozen=True, slots=True)
class AnalogDecoder:
    """0x42: INFOFLAG, command byte or pack count, then one block per pack.

    `max_tail` bytes may follow each block (firmware-dependent, sized by LENID, protocol.md 3.3);
    with `tail_soc` a single trailing byte of 0..100 is the BMS's SOC in percent.
    """

    block: Layout
    max_tail: int = 0
    tail_soc: bool = False
    user_defined: Callable[[PackAnalogValues], int] = lambda pack: 3
    """The "user defined" count a BMS sends for a pack, when the wire does not say."""
    selector: Selector = Selector.PACK_OR_COUNT
    extra_temperatures: tuple[str, ...] = ()
    """Keys of temperatures the block carries after the counted ones, outside the count
    (EG4's environment and MOSFET sensors, protocol.md 4.2); they join the tuple."""

    def encode(self, response: Response, wire: Wire) -> bytes:
        """INFOFLAG, the address or pack count, then each pack's block and its extra bytes."""
        assert isinstance(response, AnalogValues)
        packs = response.packs
        selector = self.selector.write(response.all_packs, len(packs), packs[0].address)
        info = bytearray((wire.infoflag, selector))
        for index, pack in enumerate(packs):
            counts = wire.user_defined
            values = {item.name: getattr(pack, item.name) for item in fields(pack)}
            values["user_defined"] = (
                counts[index] if index < len(counts) else self.user_defined(pack)
            )
            _split_temperatures(values, "temperatures", self.extra_temperatures)
            info += self.block.write(values) + pack.extra
        return bytes(info)

    def decode(self, dialect: Dialect, frame: Frame, all_packs: bool | None) -> Response:
        """Decode every pack block."""
        address, blocks = self.selector.split(frame, self.block, all_packs, self.max_tail)
        for values, _extra in blocks:
            _merge_temperatures(values, "temperatures", self.extra_temperatures)
        names = dialect.names_for_temperatures
        return AnalogValues(
            all_packs=address is None,
            packs=tuple(
                [
                    self.pack_values(values, extra, address, names(len(values["temperatures"])))
                    for values, extra in blocks
                ]
            ),
        )

    def pack_values(
        self, values: Values, extra: bytes, address: int | None, names: tuple[str, ...]
    ) -> PackAnalogValues:
        """One pack's model from the values of its block (`derive.pack_values`)."""
        return pack_values(values, extra, address, names, tail_soc=self.tail_soc)


_LEVEL_OF_BYTE = tuple(AlarmLevel.from_raw(raw) for raw in range(256))
"""The state of every value a state byte can hold (`AlarmLevel.from_raw`), looked up."""

type FlagRow = tuple[str, int, str, FlagCategory]
"""(status byte key, bit, flag key, category) of one named bit."""


@dataclass(frozen=True, slots=True)
class AlarmDecoder:
    """0x44: per-value states, then status bytes whose bits `flags` names.

    A layout with one current state (Seplos, EG4: one byte for charge and discharge current,
    protocol.md 4.1) reads it as "charge_current_state"; it then stands for both.
    """

    block: Layout
    status_keys: tuple[str, ...]
    flags: tuple[FlagRow, ...]
    balance_keys: tuple[str, ...] | None = None
    """Bytes whose bits are the cells being balanced, cells 1-8 first."""
    charge_mosfet: tuple[str, int] | None = None
    discharge_mosfet: tuple[str, int] | None = None
    max_tail: int = 0
    selector: Selector = Selector.PACK_OR_COUNT
    extra_temperatures: tuple[str, ...] = ()
    """Keys of temperature states after the counted ones, outside the count (EG4)."""
    _flag_table: tuple[tuple[str, int, tuple[Flag, Flag]], ...] = field(
        init=False, repr=False, compare=False
    )
    """Per named bit: its byte, its bit, and its flag when clear and when set. Flags are
    immutable, so every decode shares these: nothing to build, and equal polls compare fast."""
    _flag_runs: tuple[
        tuple[str, tuple[tuple[int, tuple[Flag, Flag]], ...], dict[int, tuple[Flag, ...]]], ...
    ] = field(init=False, repr=False, compare=False)
    """`_flag_table` in runs of consecutive bits of one status byte, each with the flags of
    every value of that byte met so far."""

    def __post_init__(self) -> None:
        """Build both flags of each named bit once, and the runs of bits of one byte."""
        table = tuple(
            (byte, bit, (Flag(key=key, category=category, active=False),
                         Flag(key=key, category=category, active=True)))
            for byte, bit, key, category in self.flags
        )  # fmt: skip
        object.__setattr__(self, "_flag_table", table)
        runs: list[
            tuple[str, tuple[tuple[int, tuple[Flag, Flag]], ...], dict[int, tuple[Flag, ...]]]
        ]
        runs = []
        for byte, bit, pair in table:
            if runs and runs[-1][0] == byte:
                runs[-1] = (byte, (*runs[-1][1], (bit, pair)), {})
            else:
                runs.append((byte, ((bit, pair),), {}))
        object.__setattr__(self, "_flag_runs", tuple(runs))

    def _flags(self, values: Values) -> tuple[Flag, ...]:
        """Every named flag, in table order.

        Per run of bits of one status byte, the flags of that byte's value, built the first
        time the value is seen (a byte has at most 256).
        """
        flags: list[Flag] = []
        for byte, bits, seen in self._flag_runs:
            value = values[byte]
            run = seen.get(value)
            if run is None:
                run = seen[value] = tuple(pair[value >> bit & 1] for bit, pair in bits)
            flags += run
        return tuple(flags)

    def encode(self, response: Response, wire: Wire) -> bytes:
        """INFOFLAG, the address or pack count, then each pack's states and status bytes."""
        assert isinstance(response, AlarmInfo)
        packs = response.packs
        selector = self.selector.write(response.all_packs, len(packs), packs[0].address)
        info = bytearray((wire.infoflag, selector))
        for pack in packs:
            values: Values = {
                "cell_states": [state.raw for state in pack.cell_states],
                "temperature_states": [state.raw for state in pack.temperature_states],
                "charge_current_state": pack.charge_current_state.raw,
                "voltage_state": pack.voltage_state.raw,
                "discharge_current_state": pack.discharge_current_state.raw,
                **dict(zip(self.status_keys, pack.status_bytes, strict=True)),
            }
            _split_temperatures(values, "temperature_states", self.extra_temperatures)
            info += self.block.write(values) + pack.extra
        return bytes(info)

    def status_bytes(self, active: set[str] | frozenset[str]) -> tuple[int, ...]:
        """The status bytes in which exactly the named flags in `active` are set."""
        values = dict.fromkeys(self.status_keys, 0)
        for byte, bit, key, _category in self.flags:
            if key in active:
                values[byte] |= 1 << bit
        return tuple(values.values())

    def decode(self, dialect: Dialect, frame: Frame, all_packs: bool | None) -> Response:
        """Decode every pack block."""
        address, blocks = self.selector.split(frame, self.block, all_packs, self.max_tail)
        for values, _extra in blocks:
            _merge_temperatures(values, "temperature_states", self.extra_temperatures)
        return AlarmInfo(
            all_packs=address is None,
            packs=tuple(self._pack(dialect, v, extra, address) for v, extra in blocks),
        )

    def _pack(
        self, dialect: Dialect, values: Values, extra: bytes, address: int | None
    ) -> PackAlarmInfo:
        level = _LEVEL_OF_BYTE.__getitem__
        temperature_states = tuple(map(level, values["temperature_states"]))
        balancing = None
        if self.balance_keys is not None:
            mask = int.from_bytes(bytes(values[key] for key in reversed(self.balance_keys)))
            balancing = tuple(cell + 1 for cell in range(mask.bit_length()) if mask >> cell & 1)
        return PackAlarmInfo(
            address=address,
            cell_states=tuple(map(level, values["cell_states"])),
            temperature_states=temperature_states,
            temperature_names=dialect.names_for_temperatures(len(temperature_states)),
            charge_current_state=level(values["charge_current_state"]),
            voltage_state=level(values["voltage_state"]),
            discharge_current_state=level(
                values["discharge_current_state"]
                if "discharge_current_state" in values
                else values["charge_current_state"]
            ),
            flags=self._flags(values),
            balancing_cells=balancing,
            charge_mosfet=_bit(values, self.charge_mosfet),
            discharge_mosfet=_bit(values, self.discharge_mosfet),
            status_bytes=tuple(values[key] for key in self.status_keys),
            extra=extra,
        )


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
                _check_end(frame, end, max_tail)
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


def _check_end(frame: Frame, end: int, max_tail: int) -> None:
    left = len(frame.info) - end
    if not 0 <= left <= max_tail:
        msg = f"{left} unexpected bytes after the last field"
        raise PylontechDecodeError(msg, frame.raw)


def _bit(values: Values, where: tuple[str, int] | None) -> bool | None:
    if where is None:
        return None
    key, bit = where
    return bool(values[key] >> bit & 1)
