"""What a dialect's stacks are like on the bus and in the hand: facts kept with each dialect.

Each dialect module names its `TypicalPack` (the pack the simulator serves when nothing says
otherwise: sizes, wire choices, identity formats, from real answers in tests/vectors) and its
`BusHabits` (how its masters answer for other packs and other VERs). The numbers and their
sources are in the dialect modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

    from ..models import SystemParameters


@dataclass(frozen=True, slots=True, kw_only=True)
class ServedIdentity:
    """What a pack says about itself; each dialect serves only some of it.

    Pylontech: `serial_number` (0x93), `model` and `manufacturer` (0x51), `software_version`
    (0x96 main line, "0.6.9") and `manufacturer_version` (0x96 and 0x51, "1.3"). PACE:
    `software_version` (0xC1 text), `barcode` and `build_date` (0xC2). Through the link a
    stack answers 0x51, 0xC1 and 0xC2 with its master's identity (protocol.md 2.1, 3.4).
    """

    serial_number: str
    model: str
    software_version: str
    manufacturer_version: str = ""
    manufacturer: str = ""
    barcode: str = ""
    build_date: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeLimits:
    """The 0x92 charge and discharge limits a pack asks for (Pylontech)."""

    charge_voltage: float
    discharge_voltage: float
    charge_current: float
    discharge_current: float
    """A, negative as the BMS sends it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TypicalPack:
    """A dialect's typical pack: its size, wire choices and how to invent its identity.

    It is what the simulator serves when nothing says otherwise.
    """

    cells: int
    temperatures: int
    full_capacity: tuple[float, float]
    """Range the full capacity of an invented pack is drawn from, Ah."""
    design_capacity: float | None
    current_amplitude: float
    """A; peak of each pack's charge/discharge cycle."""
    cycles: tuple[int, int]
    infoflag: int
    """INFOFLAG of 0x42, 0x44 and 0x47 answers."""
    user_defined: int | None
    """The 0x42 "user defined" count; None leaves it to the dialect's encoder."""
    soc_tail: bool
    """Whether 0x42 answers end with the SOC byte of 1B470 firmware (protocol.md 3.3)."""
    system_parameters: SystemParameters | None
    charge_limits: ChargeLimits | None
    identity_prefix: str
    """Serial numbers (Pylontech) or barcodes (PACE) are this plus four digits and a suffix."""
    identity_suffix: str
    model: str
    software_version: str
    manufacturer_version: str
    manufacturer: str
    soc_step: float | None = None
    """Resolution of the SOC the BMS reports itself (%); None: it reports none."""
    soh: float | None = None
    """The SOH the BMS reports (%), where it reports one."""
    voltage_step: float = 0.001
    """Resolution of the pack voltage on the wire, V (10 mV on Seplos, EG4, Boqiang)."""

    def identity(self, rng: random.Random, count: int) -> list[ServedIdentity]:
        """Identities for `count` packs of one stack: distinct serials, one firmware."""
        first = rng.randrange(1000, 9000 - count)
        identities = []
        for index in range(count):
            serial = f"{self.identity_prefix}{first + index:04d}{self.identity_suffix}"
            identities.append(
                ServedIdentity(
                    serial_number=serial,
                    model=self.model,
                    software_version=self.software_version,
                    manufacturer_version=self.manufacturer_version,
                    manufacturer=self.manufacturer,
                    barcode=serial,
                )
            )
        return identities


@dataclass(frozen=True, slots=True, kw_only=True)
class BusHabits:
    """How a dialect's stacks treat addresses and VER on the bus (protocol.md 2.1, 3.1, 3.4)."""

    master_answers: bool
    """The master answers for every pack, with its own ADR in the header."""
    checks_ver: bool
    """A request of another VER gets RTN 0x01 (but 0x4F)."""
    all_packs: bool = True
    """The master answers INFO 0xFF for every pack."""
    pack_by_adr: bool = False
    """A per-pack request is answered by the pack at its ADR, whatever INFO names (Seplos)."""
    zero_is_master: bool = False
    """Where no pack has address 0, ADR 0 reaches the master (PACE: the Gobel add-on's log)."""
