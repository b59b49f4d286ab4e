"""What a simulated pack is like when nothing says otherwise: one kind of pack per dialect.

A US3000C, an SOK 48V 100Ah, a Seplos 1101-SP15, an EG4 LIFEPOWER4 or a Boqiang BMS007-LD43.
The numbers come from real answers in tests/vectors (protocol.md 2.4, 2.6, 2.7, 3.2, 3.3, 4): the
US3000C's 0x47 limits and 0x92 charge limits, its serial and version formats, the SOK's barcode
and version text, and the sizes, names and versions of the other three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import SystemParameters

if TYPE_CHECKING:
    import random


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
class PackProfile:
    """A kind of pack: its size, its firmware's wire choices and how to invent its identity."""

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


US3000C = PackProfile(
    cells=15,
    temperatures=5,
    full_capacity=(74.0, 74.0),
    design_capacity=None,
    current_amplitude=20.0,
    cycles=(150, 600),
    infoflag=0x11,  # most RS485 answers (protocol.md 2.3); 0x10 is also seen
    user_defined=None,  # 2 up to 65.535 Ah, else 4: 4 for 74 Ah, as real US3000C send
    soc_tail=False,
    # pylontech-0x20:46, a US3000C's 0x47 answer.
    system_parameters=SystemParameters(
        cell_high_voltage_limit=3.65,
        cell_low_voltage_limit=3.05,
        cell_under_voltage_limit=2.8,
        charge_high_temperature_limit=60.0,
        charge_low_temperature_limit=-10.0,
        charge_current_limit=90.0,
        module_high_voltage_limit=54.0,
        module_low_voltage_limit=46.0,
        module_under_voltage_limit=43.0,
        discharge_high_temperature_limit=60.0,
        discharge_low_temperature_limit=-10.0,
        discharge_current_limit=-90.0,
    ),
    # pylontech-0x20:75, a US3000C's 0x92 answer.
    charge_limits=ChargeLimits(
        charge_voltage=53.25, discharge_voltage=45.0, charge_current=37.0, discharge_current=-37.0
    ),
    identity_prefix="HPTBH02240A0",  # 16 characters like "HPTBH02240A01235" (pylontech-0x20:60)
    identity_suffix="",
    model="US3000C",
    software_version="0.6.9",
    manufacturer_version="1.3",
    manufacturer="Pylon",
)

SOK_100AH = PackProfile(
    cells=16,
    temperatures=6,
    full_capacity=(100.5, 104.0),
    design_capacity=100.0,
    current_amplitude=25.0,
    cycles=(20, 200),
    infoflag=0x00,  # every PACE capture
    user_defined=4,  # the SOK 1B470-3.01 firmware (protocol.md 3.3)
    soc_tail=True,
    system_parameters=None,
    charge_limits=None,
    identity_prefix="1B470302250",  # 16 characters like "1B4703022501579D" (pace-0x25:148)
    identity_suffix="D",
    model="SK48V100",
    software_version="P16S100A-1B470-3.01",
    manufacturer_version="",
    manufacturer="SOK",
)

# seplos-v2-0x20:2 and :8, a 1101-SP15: 16 cells, 6 temperatures, 170 Ah of 180 Ah rated.
SEPLOS_SP15 = PackProfile(
    cells=16,
    temperatures=6,
    full_capacity=(168.0, 172.0),
    design_capacity=180.0,
    current_amplitude=30.0,
    cycles=(40, 120),
    infoflag=0x00,
    user_defined=None,  # always 10: the layout writes it
    soc_tail=False,
    system_parameters=None,
    charge_limits=None,
    identity_prefix="SP15",  # no serial-number command: never served
    identity_suffix="",
    model="1101-SP15",
    software_version="",
    manufacturer_version="2.7",
    manufacturer="CANProtocol:Sofar",
    soc_step=0.1,
    soh=100.0,
    voltage_step=0.01,
)

# eg4-0x20:2, a LIFEPOWER4: 16 cells, 4 + 2 temperatures, about 100 Ah, SOC and SOH in %.
EG4_LIFEPOWER4 = PackProfile(
    cells=16,
    temperatures=6,
    full_capacity=(98.0, 100.0),
    design_capacity=None,
    current_amplitude=25.0,
    cycles=(50, 150),
    infoflag=0x10,  # the capture's data flag
    user_defined=None,  # the constant 15: the dialect's default
    soc_tail=False,
    system_parameters=None,
    charge_limits=None,
    identity_prefix="EG4",  # no identity command: never served
    identity_suffix="",
    model="LIFEPOWER4",
    software_version="",
    manufacturer_version="",
    manufacturer="EG4",
    soc_step=1.0,
    soh=98.0,
    voltage_step=0.01,
)

# boqiang-0x26:4 and :6, a BMS007-LD43-16S: 16 cells, 6 temperatures, 50 Ah.
BOQIANG_LD43 = PackProfile(
    cells=16,
    temperatures=6,
    full_capacity=(50.0, 50.0),
    design_capacity=None,
    current_amplitude=10.0,
    cycles=(1, 50),
    infoflag=0x00,
    user_defined=None,  # 2: the dialect's default
    soc_tail=False,
    system_parameters=None,
    charge_limits=None,
    identity_prefix="BQ",  # no serial-number command: never served
    identity_suffix="",
    model="BMS07-LD43",
    software_version="",
    manufacturer_version="1.8",
    manufacturer="JS-Richpower Co.,Ltd",
    voltage_step=0.01,
)

PROFILES = {
    "pylontech": US3000C,
    "pace": SOK_100AH,
    "seplos": SEPLOS_SP15,
    "eg4": EG4_LIFEPOWER4,
    "boqiang": BOQIANG_LD43,
}
"""The profile of each dialect's packs, by dialect name."""
