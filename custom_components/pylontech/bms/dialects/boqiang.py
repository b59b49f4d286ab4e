"""Boqiang BMS (BMS007-LD43-16S, BMS001-HS01-15S), VER 0x26.

Layouts: protocol.md section 4.3 (the Boqiang emulator of syssi/esphome-seplos-bms, which replays
a user's frames), checked against every capture in tests/vectors/boqiang-0x26.jsonl.
"""

from __future__ import annotations

from ..const import RTN_PYLONTECH
from ..models import ManufacturerInfo
from .base import Command, Dialect, RequestInfo
from .decoders import AnalogDecoder, ProtocolVersionDecoder, RecordDecoder
from .layout import Layout, compiled
from .pack_blocks import Selector
from .shared import CELL_VOLTAGE, centi
from .steps import Counted, Number, Text, Version
from .typical import BusHabits, TypicalPack

# Units as Seplos: the Seplos decoder reads these packs (protocol.md 4.3, 4.1): 0.1 K with
# offset 2731, 10 mA, 10 mV, 10 mAh. The captured pack reports four sensors at -60.0 °C
# (raw 0x0853): no sensor there, so None.
TEMPERATURE_OFFSET = 2731
# The custom count is 2 in the capture, and two words follow: as in a Pylontech block with
# user-defined count 2 (V3.3 section 3.3, protocol.md 2.3), the full capacity and the cycles.
CUSTOM_COUNT = 2


ANALOG_BLOCK: Layout = compiled(
    Counted("cell_voltages", CELL_VOLTAGE),
    Counted(
        "temperatures",
        Number("temperature", divisor=10, offset=TEMPERATURE_OFFSET, valid=(-40.0, 125.0)),
    ),
    Number("current", signed=True, divisor=100),
    # 0 V is no reading (the capture's pack reports 0 V next to sixteen 0 mV cells).
    centi("voltage", valid=(0.01, 655.34)),
    centi("remaining_capacity"),
    Number("user_defined", size=1),
    centi("full_capacity"),
    Number("cycles", absent=0xFFFF),
)

# boqiang-0x26:4 and :6, a BMS007-LD43-16S: 16 cells, 6 temperatures, 50 Ah.
BOQIANG_LD43 = TypicalPack(
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

BOQIANG = Dialect(
    name="boqiang",
    title="Boqiang (VER 0x26)",
    brand="Boqiang",
    manufacturer="Boqiang",
    ver=0x26,
    cid1=0x46,
    return_codes=RTN_PYLONTECH,
    # Requests go to ADR 0 and name the pack in INFO, group 1 first; the answer's header keeps
    # ADR 0 and its INFO names the group (~26004642E00201FD30 and its answer, protocol.md 4.3).
    first_address=1,
    request_adr=0,
    all_packs_request=False,
    commands={
        command.code: command
        for command in (
            Command(code=0x4F, name="protocol_version", request=RequestInfo.NONE,
                    decoder=ProtocolVersionDecoder()),
            # "BMS07-LD43", version 1.8, "JS-Richpower Co.,Ltd": the Pylontech 0x51 layout.
            Command(code=0x51, name="manufacturer_info", request=RequestInfo.NONE,
                    decoder=RecordDecoder(
                        compiled(Text("device_name", 10, padding="\x00 "),
                                 Version("software_version", 2),
                                 Text("manufacturer", 20, padding="\x00 ")),
                        ManufacturerInfo)),
            Command(code=0x42, name="analog_values", request=RequestInfo.PACK,
                    decoder=AnalogDecoder(
                        ANALOG_BLOCK, user_defined=lambda pack: CUSTOM_COUNT,
                        selector=Selector.PACK)),
            # No 0x44 answer has been captured from a Boqiang: its layout is unknown.
        )
    },
    typical_pack=BOQIANG_LD43,
    habits=BusHabits(master_answers=False, checks_ver=False, all_packs=False),
)  # fmt: skip
