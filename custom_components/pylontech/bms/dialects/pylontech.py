"""Pylontech low-voltage protocol, VER 0x20 (US2000/US3000/US5000, UP2500, Force L).

Layouts: protocol.md section 2 (the vendor's RS485 protocol V3.3), checked against every real
capture in tests/vectors/pylontech-0x20.jsonl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..const import RTN_PYLONTECH
from ..models import (
    ChargeDischargeManagement,
    FlagCategory,
    ManufacturerInfo,
    PackAnalogValues,
    SerialNumber,
    SoftwareVersion,
    SystemParameters,
)
from .alarm_decoder import AlarmDecoder, FlagRow
from .base import Command, Dialect, RequestInfo
from .decoders import AnalogDecoder, ProtocolVersionDecoder, RecordDecoder

if TYPE_CHECKING:
    from collections.abc import Callable

from .layout import Layout, compiled
from .shared import CELL_VOLTAGE
from .steps import Bits, Counted, Number, Text, Values, Version, When
from .typical import BusHabits, ChargeLimits, TypicalPack

TEMPERATURE_OFFSET = 2731  # 0.1 K; not 2730 as on PACE (protocol.md 2.3, "Temperature offset")

# Plausible ranges: a reading outside them is a placeholder or a failed sensor, e.g. the
# -100.0 °C (raw 1731) seen on a US2000B (protocol.md 2.3).
TEMPERATURE = Number("temperature", signed=True, divisor=10, offset=TEMPERATURE_OFFSET,
                     valid=(-40.0, 125.0))  # fmt: skip


def _milli(key: str, size: int = 2, superseded: Callable[[Values], bool] | None = None) -> Number:
    """A milli-unit field (mV, mAh) with the all-ones placeholder meaning "not reported"."""
    return Number(key, size=size, divisor=1000, absent=(1 << 8 * size) - 1, superseded=superseded)


def _three_byte_capacities(values: Values) -> bool:
    """Whether a pack block carries its capacities in 3-byte fields after the cycle count.

    So it does when the user-defined count is above 2 (V3.3 section 3.3; 4 on US3000 and on the
    US2000 of the mixed-stack capture); the 16-bit fields then read 0xFFFF.
    """
    return bool(values["user_defined"] > 2)


def _temperature(key: str) -> Number:
    return Number(key, signed=True, divisor=10, offset=TEMPERATURE_OFFSET)


def _deci_amps(key: str) -> Number:
    return Number(key, signed=True, divisor=10)


# 0x42, per pack (protocol.md 2.3). The user-defined count is trusted here, unlike on PACE: in an
# all-packs answer it is the only thing that says whether 3-byte capacities follow, and it is
# decided per block (the mixed US3000 + US2000 capture). LENID then checks the whole walk.
ANALOG_BLOCK: Layout = compiled(
    Counted("cell_voltages", CELL_VOLTAGE),
    Counted("temperatures", TEMPERATURE),
    _deci_amps("current"),
    _milli("voltage"),
    _milli("remaining_capacity", superseded=_three_byte_capacities),
    Number("user_defined", size=1),
    _milli("full_capacity", superseded=_three_byte_capacities),
    Number("cycles", absent=0xFFFF),
    When(
        _three_byte_capacities,
        # The 3-byte capacities replace the 16-bit ones, which then read 0xFFFF.
        compiled(_milli("remaining_capacity", 3), _milli("full_capacity", 3)),
    ),
)


def _user_defined(pack: PackAnalogValues) -> int:
    """2 for packs whose capacities fit 16 bits (<= 65.535 Ah), else 4 (V3.3 section 3.3)."""
    capacities = (pack.remaining_capacity or 0, pack.full_capacity or 0)
    return 4 if max(capacities) > 65.535 else 2


STATE = Number("state", size=1)
# US2000C and US3000C answers carry one byte more than V3.3 lists after status 5 (the martiby/ess
# and zivillian captures; meaning unknown): tolerated as a tail, as on PACE (protocol.md 8.1).
ALARM_MAX_TAIL = 1
STATUS_KEYS = ("status_1", "status_2", "status_3", "status_4", "status_5")

# 0x44, per pack (protocol.md 2.5).
ALARM_BLOCK: Layout = compiled(
    Counted("cell_states", STATE),
    Counted("temperature_states", STATE),
    Number("charge_current_state", size=1),
    Number("voltage_state", size=1),
    Number("discharge_current_state", size=1),
    *(Bits(key) for key in STATUS_KEYS),
)

_P, _S, _F = FlagCategory.PROTECTION, FlagCategory.STATUS, FlagCategory.FAULT
ALARM_FLAGS: tuple[FlagRow, ...] = (
    ("status_1", 7, "module_under_voltage_protection", _P),
    ("status_1", 6, "charge_over_temperature_protection", _P),
    ("status_1", 5, "discharge_over_temperature_protection", _P),
    ("status_1", 4, "discharge_over_current_protection", _P),
    ("status_1", 2, "charge_over_current_protection", _P),
    ("status_1", 1, "cell_under_voltage_protection", _P),
    ("status_1", 0, "module_over_voltage_protection", _P),
    ("status_2", 3, "using_battery_power", _S),
    ("status_2", 2, "discharge_mosfet", _S),
    ("status_2", 1, "charge_mosfet", _S),
    ("status_3", 7, "effective_charge_current", _S),
    ("status_3", 6, "effective_discharge_current", _S),
    ("status_3", 3, "fully_charged", _S),
    ("status_3", 0, "buzzer", _S),
    # Status 4 and 5: one bit per cell whose voltage is out of bounds (> 4.2 V or < 1 V).
    *(("status_4", bit, f"cell_{bit + 1}_voltage_error", _F) for bit in range(8)),
    *(("status_5", bit, f"cell_{bit + 9}_voltage_error", _F) for bit in range(8)),
)

# 0x47 (protocol.md 2.4): INFOFLAG, then twelve words.
SYSTEM_PARAMETERS = compiled(
    Number("_infoflag", size=1),
    _milli("cell_high_voltage_limit"),
    _milli("cell_low_voltage_limit"),
    _milli("cell_under_voltage_limit"),
    _temperature("charge_high_temperature_limit"),
    _temperature("charge_low_temperature_limit"),
    _deci_amps("charge_current_limit"),
    _milli("module_high_voltage_limit"),
    _milli("module_low_voltage_limit"),
    _milli("module_under_voltage_limit"),
    _temperature("discharge_high_temperature_limit"),
    _temperature("discharge_low_temperature_limit"),
    _deci_amps("discharge_current_limit"),
)

# 0x92 (protocol.md 2.6): command byte, no INFOFLAG.
MANAGEMENT = compiled(
    Number("address", size=1),
    _milli("charge_voltage_limit"),
    _milli("discharge_voltage_limit"),
    _deci_amps("charge_current_limit"),
    _deci_amps("discharge_current_limit"),
    Bits(
        "_status",
        (
            (7, "charge_enable"),
            (6, "discharge_enable"),
            (5, "charge_immediately_1"),
            (4, "charge_immediately_2"),
            (3, "full_charge_request"),
        ),
    ),
)

US3000C = TypicalPack(
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

PYLONTECH = Dialect(
    name="pylontech",
    title="Pylontech (VER 0x20)",
    brand="Pylontech",
    manufacturer="Pylontech",
    ver=0x20,
    cid1=0x46,
    return_codes=RTN_PYLONTECH,
    first_address=2,  # master 2, slaves 3.. (V3.3 section 2.5.3, protocol.md 2.1)
    # US2000 stacks and inverters use it; a US3000C ignored it: the client then falls back to
    # asking pack by pack (protocol.md 2.1).
    all_packs_request=True,
    temperature_names={
        5: ("bms_board", "cells_1_4", "cells_5_8", "cells_9_12", "cells_13_16"),
        6: ("bms_board", "cells_1_4", "cells_5_8", "cells_9_12", "cells_13_16", "mosfet"),
    },
    commands={
        command.code: command
        for command in (
            Command(code=0x4F, name="protocol_version", request=RequestInfo.NONE,
                    decoder=ProtocolVersionDecoder()),
            Command(code=0x51, name="manufacturer_info", request=RequestInfo.NONE,
                    decoder=RecordDecoder(
                        compiled(Text("device_name", 10, padding="\x00 "), Version("software_version", 2),
                         Text("manufacturer", 20, padding="- \x00")),
                        ManufacturerInfo)),
            Command(code=0x42, name="analog_values", request=RequestInfo.PACK,
                    decoder=AnalogDecoder(ANALOG_BLOCK, user_defined=_user_defined)),
            Command(code=0x44, name="alarm_info", request=RequestInfo.PACK,
                    decoder=AlarmDecoder(
                        ALARM_BLOCK, STATUS_KEYS, ALARM_FLAGS,
                        charge_mosfet=("status_2", 1), discharge_mosfet=("status_2", 2),
                        max_tail=ALARM_MAX_TAIL)),
            Command(code=0x47, name="system_parameters", request=RequestInfo.NONE,
                    decoder=RecordDecoder(SYSTEM_PARAMETERS, SystemParameters)),
            Command(code=0x92, name="charge_discharge_management", request=RequestInfo.PACK,
                    decoder=RecordDecoder(MANAGEMENT, ChargeDischargeManagement)),
            Command(code=0x93, name="serial_number", request=RequestInfo.PACK,
                    decoder=RecordDecoder(
                        compiled(Number("address", size=1), Text("serial_number", 16)), SerialNumber)),
            Command(code=0x96, name="software_version", request=RequestInfo.PACK,
                    decoder=RecordDecoder(
                        compiled(Number("address", size=1), Version("manufacturer_version", 2),
                         Version("version", 3)),
                        SoftwareVersion)),
        )
    },
    typical_pack=US3000C,
    habits=BusHabits(master_answers=False, checks_ver=True),
)  # fmt: skip
