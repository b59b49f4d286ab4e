"""0x44: the per-value states and the status bytes of one pack, read into `PackAlarmInfo`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import AlarmInfo, AlarmLevel, Flag, FlagCategory, PackAlarmInfo, Response
from .pack_blocks import Selector, merge_temperatures, split_temperatures

if TYPE_CHECKING:
    from ..binary.frame import Frame
    from .base import Dialect, Wire
    from .layout import Layout
    from .steps import Values


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
            split_temperatures(values, "temperature_states", self.extra_temperatures)
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
            merge_temperatures(values, "temperature_states", self.extra_temperatures)
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


def _bit(values: Values, where: tuple[str, int] | None) -> bool | None:
    if where is None:
        return None
    key, bit = where
    return bool(values[key] >> bit & 1)
