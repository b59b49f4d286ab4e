"""PACE protocol, VER 0x25 (SOK, Jakiper, many rack and wall packs).

Layouts: protocol.md section 3 (PACE RS485/RS232 documents, nkinnan's PbmsTools captures), checked
against every real capture in tests/vectors/pace-0x25.jsonl.
"""

from __future__ import annotations

from ..const import RTN_PACE
from ..models import Barcode, FlagCategory, PackCount, SoftwareVersion
from .alarm_decoder import AlarmDecoder, FlagRow
from .base import Command, Dialect, RequestInfo
from .decoders import AnalogDecoder, RecordDecoder
from .layout import Layout, compiled
from .shared import CELL_VOLTAGE, centi
from .steps import Bits, Counted, Number, Text
from .typical import BusHabits, TypicalPack

TEMPERATURE_OFFSET = 2730  # 0.1 K; the PACE documents use 2730, Pylontech 2731 (protocol.md 3.3)


# 0x42, per pack (protocol.md 3.3). The user-defined byte takes the values 2, 3, 4 and 9 on real
# packs and does not say what follows, so it is read and ignored: the fields up to the design
# capacity are always there, and whatever LENID leaves after them is the firmware's tail
# (a single byte there is the SOC in percent on 1B470 firmware, protocol.md 3.3 and 8.1).
ANALOG_BLOCK: Layout = compiled(
    Counted("cell_voltages", CELL_VOLTAGE),
    Counted(
        "temperatures",
        Number("temperature", divisor=10, offset=TEMPERATURE_OFFSET, valid=(-40.0, 125.0)),
    ),
    Number("current", signed=True, divisor=100),
    Number("voltage", divisor=1000, absent=0xFFFF),
    centi("remaining_capacity"),
    Number("user_defined", size=1),
    centi("full_capacity"),
    Number("cycles", absent=0xFFFF),
    centi("design_capacity"),
)
# The longest tail reported: 28 bytes on a wall-mount variant (protocol.md 3.3).
ANALOG_MAX_TAIL = 28

STATE = Number("state", size=1)
STATUS_KEYS = (
    "protect_1",
    "protect_2",
    "system",
    "control",
    "fault",
    "balance_1",
    "balance_2",
    "warn_1",
    "warn_2",
)

# 0x44, per pack (protocol.md 3.5). Firmware 1B470-1.04 sends one byte more than the documents,
# nkinnan's P = 9 variant two: tolerated as a tail (protocol.md 8.1).
ALARM_BLOCK: Layout = compiled(
    Counted("cell_states", STATE),
    Counted("temperature_states", STATE),
    Number("charge_current_state", size=1),
    Number("voltage_state", size=1),
    Number("discharge_current_state", size=1),
    *(Bits(key) for key in STATUS_KEYS),
)
ALARM_MAX_TAIL = 2

_W, _P, _F, _S = (
    FlagCategory.WARNING,
    FlagCategory.PROTECTION,
    FlagCategory.FAULT,
    FlagCategory.STATUS,
)
# Bit names of Charts A.17-A.23 of the PACE documents. The system-state bits other than the two
# MOSFETs and every control-state bit are disputed between sources (protocol.md 8.1): they stay
# unnamed and are kept only as raw bytes.
ALARM_FLAGS: tuple[FlagRow, ...] = (
    ("protect_1", 6, "short_circuit_protection", _P),
    ("protect_1", 5, "discharge_over_current_protection", _P),
    ("protect_1", 4, "charge_over_current_protection", _P),
    ("protect_1", 3, "pack_under_voltage_protection", _P),
    ("protect_1", 2, "pack_over_voltage_protection", _P),
    ("protect_1", 1, "cell_under_voltage_protection", _P),
    ("protect_1", 0, "cell_over_voltage_protection", _P),
    ("protect_2", 7, "fully_charged", _S),
    ("protect_2", 6, "environment_under_temperature_protection", _P),
    ("protect_2", 5, "environment_over_temperature_protection", _P),
    ("protect_2", 4, "mosfet_over_temperature_protection", _P),
    ("protect_2", 3, "discharge_under_temperature_protection", _P),
    ("protect_2", 2, "charge_under_temperature_protection", _P),
    ("protect_2", 1, "discharge_over_temperature_protection", _P),
    ("protect_2", 0, "charge_over_temperature_protection", _P),
    ("system", 2, "discharge_mosfet", _S),
    ("system", 1, "charge_mosfet", _S),
    ("fault", 5, "sampling_fault", _F),
    ("fault", 4, "cell_fault", _F),
    ("fault", 2, "ntc_fault", _F),
    ("fault", 1, "discharge_mosfet_fault", _F),
    ("fault", 0, "charge_mosfet_fault", _F),
    ("warn_1", 5, "discharge_over_current_warning", _W),
    ("warn_1", 4, "charge_over_current_warning", _W),
    ("warn_1", 3, "pack_under_voltage_warning", _W),
    ("warn_1", 2, "pack_over_voltage_warning", _W),
    ("warn_1", 1, "cell_under_voltage_warning", _W),
    ("warn_1", 0, "cell_over_voltage_warning", _W),
    ("warn_2", 7, "low_soc_warning", _W),
    ("warn_2", 6, "mosfet_high_temperature_warning", _W),
    ("warn_2", 5, "environment_low_temperature_warning", _W),
    ("warn_2", 4, "environment_high_temperature_warning", _W),
    ("warn_2", 3, "discharge_low_temperature_warning", _W),
    ("warn_2", 2, "charge_low_temperature_warning", _W),
    ("warn_2", 1, "discharge_high_temperature_warning", _W),
    ("warn_2", 0, "charge_high_temperature_warning", _W),
)

SOK_100AH = TypicalPack(
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

PACE = Dialect(
    name="pace",
    title="PACE (VER 0x25: SOK, Jakiper and others)",
    brand="PACE BMS",
    manufacturer="PACE",
    ver=0x25,
    cid1=0x46,
    aliases=("sok",),
    return_codes=RTN_PACE,
    first_address=1,  # master 1, slaves 2..15 (protocol.md 3.1)
    # Per pack: firmware tails make block boundaries of an all-packs answer ambiguous (3.3).
    all_packs_request=False,
    # A stand-alone pack (DIP 0) and a host on a master's RS232 port are asked at ADR 0 with
    # INFO 0xFF, as the RS232 document's example and dbus-serialbattery do; a real master
    # answers that for all its packs (the Gobel add-on's 8-pack log, protocol.md 3.4).
    all_packs_only_at=(0,),
    temperature_names={
        6: ("cell_sensor_1", "cell_sensor_2", "cell_sensor_3", "cell_sensor_4", "mosfet",
            "environment"),
    },
    commands={
        command.code: command
        for command in (
            Command(code=0x90, name="pack_count", request=RequestInfo.NONE,
                    decoder=RecordDecoder(compiled(Number("count", size=1),), PackCount)),
            Command(code=0x42, name="analog_values", request=RequestInfo.PACK,
                    decoder=AnalogDecoder(ANALOG_BLOCK, ANALOG_MAX_TAIL, tail_soc=True)),
            Command(code=0x44, name="alarm_info", request=RequestInfo.PACK,
                    decoder=AlarmDecoder(
                        ALARM_BLOCK, STATUS_KEYS, ALARM_FLAGS,
                        balance_keys=("balance_1", "balance_2"),
                        charge_mosfet=("system", 1), discharge_mosfet=("system", 2),
                        max_tail=ALARM_MAX_TAIL)),
            # Through the master every address answers 0xC1/0xC2 with the master's own
            # identity (protocol.md 3.4).
            Command(code=0xC1, name="software_version", request=RequestInfo.NONE,
                    decoder=RecordDecoder(compiled(Text("version", 20)), SoftwareVersion)),
            Command(code=0xC2, name="barcode", request=RequestInfo.NONE,
                    decoder=RecordDecoder(
                        compiled(Text("barcode", 20), Text("build_date", 20, optional=True)),
                        Barcode)),
        )
    },
    typical_pack=SOK_100AH,
    habits=BusHabits(master_answers=True, checks_ver=False, zero_is_master=True),
)  # fmt: skip
