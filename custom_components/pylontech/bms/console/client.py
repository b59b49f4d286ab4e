"""The console client: reads a stack through the Pylontech console text protocol (protocol.md 5).

Two kinds of consoles answer the same commands with different layouts:

- a US-series master (US2000B/C, US3000, US5000, Pytes E-BOX): `pwr` lists every pack position
  of the stack, `bat N` the cells of pack N, `pwr N` its totals; the packs are in parallel.
- a high-voltage controller (Force H1/H2 "Force_H2", the SC controller "CMU_A"): `pwr` is one row
  for the whole string, `unit` one row per module (BMU) and `bat` every cell of the string; the
  modules are in series. Each module becomes one pack of the poll.

Which kind answers is read from the first `pwr`. Like the binary client it owns its link: one
command at a time, paced, timed out, reconnected with backoff (`link.Link`).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from ..dialects.console import CONSOLE
from ..exceptions import (
    PylontechConsoleError,
    PylontechError,
    PylontechProtocolError,
    PylontechResponseError,
    PylontechTimeoutError,
)
from ..link import Link
from ..link_client import LinkClient
from ..models import AnalogValues, PackData, PackIdentity, StackData, SystemTotals
from .convert import hv_stack, us_pack
from .exchange import command_line, exchange
from .lines import complete
from .models import (
    CellTable,
    ConsoleInfo,
    ConsoleStack,
    PackStatus,
    StackPower,
    Statistics,
    SystemPower,
    Topology,
    UnitTable,
)
from .parse import ConsoleResponse, parse

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..transport import Transport

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0
"""Seconds of silence that end a wait for more of an answer."""
DEFAULT_GAP = 0.1
CONSOLE_BAUDRATE = 115200
"""The console's line rate (protocol.md 5.1), assumed where the transport does not know it."""
ANSWER_SIZE = 4096
"""Bytes of a typical console answer, for the poll budget: a US `bat N` or `pwr N` is 1-2 kB,
the Force H2 `bat` of 120 cells about 10 kB."""
STATISTICS_INTERVAL = 600.0
"""Seconds between reads of a pack's event counters (`stat N`, for the cycle count)."""


class PylontechConsoleClient(LinkClient):
    """Reads a stack through its console port; only read commands are ever sent.

    Use as an async context manager, or call `close()`.
    """

    dialect = CONSOLE

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        gap: float = DEFAULT_GAP,
        history: int = 64,
    ) -> None:
        """Prepare the client; the connection opens with the first command."""
        super().__init__(
            Link(transport, gap=gap, history=history, assumed_baudrate=CONSOLE_BAUDRATE)
        )
        self.timeout = timeout
        self.topology: Topology | None = None
        """Parallel packs (US) or modules in series (high voltage); None before the first `pwr`."""
        self.system: SystemTotals | None = None
        """The high-voltage string's own totals from the last poll."""
        self._kept_statistics: dict[int, tuple[float, Statistics | None]] = {}
        self._controller: ConsoleInfo | None = None

    async def command(self, command: str) -> ConsoleResponse:
        """Send one read command ("pwr", "bat 2", "unit", "info 1" ...) and parse its answer.

        Raises `PylontechUnsupportedCommandError` for anything but a read command,
        `PylontechTimeoutError` when the console stops sending before its prompt,
        `PylontechConnectionError` when the link fails and `PylontechConsoleError` for an answer
        that does not fit the command's layout (or a refusal).
        """
        command_line(command)  # refuse before opening anything: nothing reaches the wire
        link = self._link
        async with link.turn(self.timeout, complete):
            raw = await exchange(link, command, silence=self.timeout)
            link.answered()
        return parse(command, raw)

    async def poll(self, addresses: Sequence[int]) -> StackData:
        """Every pack (US) or module (high voltage) at `addresses`.

        A pack that fails carries its error; raises when `pwr` itself gets no usable answer.
        """
        with self._link.budget(self.poll_budget(len(addresses))):
            return (await self.read_stack(addresses)).stack_data()

    def poll_budget(self, packs: int) -> float:
        """Seconds a poll of `packs` packs may take in all, whatever the console sends.

        A US poll is `pwr` and up to three commands per pack, a high-voltage one three in all;
        each answer is taken as up to `ANSWER_SIZE` bytes (`exchange_budget`).
        """
        return self.exchange_budget(1 + 3 * packs, ANSWER_SIZE)

    async def read_stack(self, addresses: Sequence[int] | None = None) -> ConsoleStack:
        """Read the stack: `pwr`, then `bat N` and `pwr N` per pack, or `unit` and `bat`.

        The first for a US stack, the second for a high-voltage string. Without `addresses`,
        every pack or module present.
        """
        power = await self._power()
        if isinstance(power, SystemPower):
            return await self._read_string(power, addresses)
        rows = {row.index: row for row in power.rows if row.present}
        wanted = sorted(rows) if addresses is None else list(addresses)
        packs = []
        for index in wanted:
            row = rows.get(index)
            if row is None:
                error = f"position {index} is absent from the stack's pwr table"
                packs.append(PackData(address=index, analog=None, alarm=None, error=error))
                continue
            try:
                cells = await self._read(CellTable, f"bat {index}")
                status = await self._read(PackStatus, f"pwr {index}")
                statistics = await self._statistics(index)
            except (PylontechTimeoutError, PylontechProtocolError) as err:
                packs.append(PackData(address=index, analog=None, alarm=None, error=str(err)))
                continue
            pack = us_pack(index, row, cells, stat=statistics, status=status)
            assert pack is not None  # the row is present
            packs.append(pack)
        return ConsoleStack(topology=Topology.PARALLEL, packs=tuple(packs))

    async def _read_string(
        self, power: SystemPower, addresses: Sequence[int] | None
    ) -> ConsoleStack:
        units = await self._read(UnitTable, "unit")
        cells = await self._read(CellTable, "bat")
        stack = hv_stack(power, units, cells)
        self.system = stack.system
        if addresses is None:
            return stack
        found = {pack.address: pack for pack in stack.packs}
        packs = tuple(
            found.get(index)
            or PackData(
                address=index, analog=None, alarm=None, error=f"unit {index} is not in the string"
            )
            for index in addresses
        )
        return ConsoleStack(topology=stack.topology, packs=packs, system=stack.system)

    async def analog_values(self, pack: int, *, address: int | None = None) -> AnalogValues:
        """The values of pack (or module) `pack` from the stack's `pwr` and `unit` tables.

        Raises `PylontechResponseError` when the console lists no such pack.
        """
        stack = await self.read_stack([pack])
        for found in stack.packs:
            if found.address == pack and found.analog is not None:
                return AnalogValues(all_packs=False, packs=(found.analog,))
        msg = f"the console lists no pack {pack}"
        raise PylontechResponseError(0, msg)

    async def identify(self, address: int) -> PackIdentity:
        """Barcode, model and firmware of pack `address` (`info N`), or a module's barcodes."""
        try:
            if self.topology is None:  # a high-voltage controller refuses `info N`
                await self._power()
            if self.topology is Topology.SERIES:
                return unit_identity(await self._controller_info(), address)
            return pack_identity(await self._read(ConsoleInfo, f"info {address}"), address)
        except PylontechError as err:
            _LOGGER.debug("identity of pack %d unknown: %s", address, err)
            return PackIdentity(address=address)

    async def identify_stack(self) -> PackIdentity | None:
        """The high-voltage controller's identity (`info`); None for a US stack.

        Also None when the console does not answer: like a pack's, it is then left unknown.
        """
        try:
            if self.topology is None:
                await self._power()
            if self.topology is not Topology.SERIES:
                return None
            return pack_identity(await self._controller_info(), 0)
        except PylontechError as err:
            _LOGGER.debug("identity of the controller unknown: %s", err)
            return None

    async def addresses(self) -> tuple[int, ...]:
        """The packs present in `pwr` (US), or the modules of `unit` (high voltage)."""
        power = await self._power()
        if isinstance(power, SystemPower):
            return tuple(unit.index for unit in (await self._read(UnitTable, "unit")).units)
        return tuple(row.index for row in power.rows if row.present)

    async def _power(self) -> StackPower | SystemPower:
        """`pwr`, which also tells the kind of console (`topology`)."""
        power = await self.command("pwr")
        if isinstance(power, SystemPower):
            self.topology = Topology.SERIES
        elif isinstance(power, StackPower):
            self.topology = Topology.PARALLEL
        else:
            msg = f"pwr answered with {type(power).__name__}, not a power table"
            raise PylontechConsoleError(msg)
        return power

    async def _controller_info(self) -> ConsoleInfo:
        """The controller's `info`, read once.

        It holds the controller's identity and every module's barcode, which are asked for one
        after the other.
        """
        if self._controller is None:
            self._controller = await self._read(ConsoleInfo, "info")
        return self._controller

    async def _read[R](self, kind: type[R], command: str) -> R:
        response = await self.command(command)
        if not isinstance(response, kind):
            msg = f"{command!r} answered with {type(response).__name__}, not {kind.__name__}"
            raise PylontechConsoleError(msg)
        return response

    async def _statistics(self, index: int) -> Statistics | None:
        """`stat N`, read again only every `STATISTICS_INTERVAL` (its counters move slowly).

        A console that refuses it (Pytes firmware does, ioBroker_pytes-v5_stat_1) is not asked
        again before the interval is over either.
        """
        kept = self._kept_statistics.get(index)
        now = time.monotonic()
        if kept is not None and now - kept[0] < STATISTICS_INTERVAL:
            return kept[1]
        statistics: Statistics | None = None
        try:
            statistics = await self._read(Statistics, f"stat {index}")
        except PylontechProtocolError as err:
            _LOGGER.debug("no statistics for pack %d: %s", index, err)
        self._kept_statistics[index] = (now, statistics)
        return statistics


def pack_identity(info: ConsoleInfo, address: int) -> PackIdentity:
    """What `info` says about a pack (or, at address 0, a high-voltage controller)."""
    return PackIdentity(
        address=address,
        serial_number=info.barcode or info.module_barcode,
        model=info.device_name,
        software_version=info.soft_version or info.main_soft_version,
        manufacturer=info.manufacturer,
    )


def unit_identity(info: ConsoleInfo, index: int) -> PackIdentity:
    """A module's barcode from the controller's `info`, where its label names the module.

    Force H2 lists "Unit N" in the numbering of `unit`; the SC controller lists "BMU 4" down to
    "BMU 0", top-down, while `unit` counts bottom-up from 1 (protocol.md 5.5): which is which is
    not documented, so those modules get no barcode rather than perhaps a wrong one.
    """
    for unit in info.units:
        if unit.label == f"Unit {index}":
            return PackIdentity(
                address=index, serial_number=unit.module_barcode, manufacturer=info.manufacturer
            )
    return PackIdentity(address=index, manufacturer=info.manufacturer)
