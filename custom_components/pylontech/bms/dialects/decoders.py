"""The record, protocol-version and analog decoders: field tables walked over INFO, to models.

The alarm decoder is in alarm_decoder.py, the cutting of an answer into pack blocks in
pack_blocks.py.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from ..derive.pack_values import pack_values
from ..models import AnalogValues, PackAnalogValues, ProtocolVersion, Response
from ..plausible import screen_record
from .layout import Layout, walk
from .pack_blocks import Selector, check_end, merge_temperatures, split_temperatures

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..binary.frame import Frame
    from .base import Dialect, Wire
    from .steps import Values


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
        check_end(frame, walk(self.layout, frame.info, 0, values), 0)
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
            split_temperatures(values, "temperatures", self.extra_temperatures)
            info += self.block.write(values) + pack.extra
        return bytes(info)

    def decode(self, dialect: Dialect, frame: Frame, all_packs: bool | None) -> Response:
        """Decode every pack block."""
        address, blocks = self.selector.split(frame, self.block, all_packs, self.max_tail)
        for values, _extra in blocks:
            merge_temperatures(values, "temperatures", self.extra_temperatures)
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
