"""Seplos v2 BMS (1101-SPxx, EMU10xx/11xx): VER 0x20 and CID1 0x46 as Pylontech, own layouts.

Layouts: protocol.md section 4.1 (the Seplos "BMS Communication Protocol V2.0", tables 8-13),
checked against every real capture in tests/vectors/seplos-v2-0x20.jsonl.
"""

from __future__ import annotations

from ..const import RTN_SEPLOS
from ..models import FlagCategory, ManufacturerInfo
from .alarm_decoder import AlarmDecoder, FlagRow
from .base import Command, Dialect, RequestInfo
from .decoders import AnalogDecoder, ProtocolVersionDecoder, RecordDecoder
from .layout import Layout, compiled
from .pack_blocks import Selector
from .shared import CELL_VOLTAGE, centi
from .steps import Bits, Counted, Fixed, Number, Text, Version
from .typical import BusHabits, TypicalPack

TEMPERATURE_OFFSET = 2731  # 0.1 K, as on Pylontech (protocol.md 4.1, V2.0 table 9)
CUSTOM_ANALOG = 10  # "custom number P = 10": ten words follow (protocol.md 4.1)
CUSTOM_ALARM = 20  # "number of custom alarms P = 20": twenty bytes follow (protocol.md 4.1)


def _permille(key: str) -> Number:
    """SOC or SOH in 0.1 %."""
    return Number(key, divisor=10, valid=(0.0, 100.0))


# 0x42 (protocol.md 4.1): current in 10 mA, total voltage in 10 mV (not mV as on Pylontech),
# capacities in 10 mAh, then the custom count, which is always 10 and is checked: no Pylontech
# block has it there (they carry 2 or 4), so a Pylontech answer never fits this table.
ANALOG_BLOCK: Layout = compiled(
    Counted("cell_voltages", CELL_VOLTAGE),
    Counted(
        "temperatures",
        Number("temperature", divisor=10, offset=TEMPERATURE_OFFSET, valid=(-40.0, 125.0)),
    ),
    Number("current", signed=True, divisor=100),
    # 0 V is no reading: the BMS is powered by the pack it measures.
    centi("voltage", valid=(0.01, 655.34)),
    centi("remaining_capacity"),
    Fixed("user_defined", CUSTOM_ANALOG),
    centi("full_capacity"),  # "battery capacity"
    _permille("soc"),
    centi("design_capacity"),  # "rated capacity"
    Number("cycles", absent=0xFFFF),
    _permille("soh"),
    # Port voltage, then four reserved words (not zero on a 16S 200 A unit, issue 47).
    Number("_port_voltage"),
    *(Number(f"_reserved_{index}") for index in range(1, 5)),
)

STATE = Number("state", size=1)
EVENT_KEYS = tuple(f"event_{index}" for index in range(1, 7))
STATUS_KEYS = (
    *EVENT_KEYS,
    "switches",
    "balance_1",
    "balance_2",
    "system",
    "disconnection_1",
    "disconnection_2",
    "event_7",
    "event_8",
    *(f"reserved_{index}" for index in range(1, 7)),
)

# 0x44 (protocol.md 4.1, V2.0 table 11): one state byte per cell and per temperature, ONE for
# the charge/discharge current (read as the charge current state, and standing for both), one
# for the total voltage, then the custom count 20 (checked, as above) and twenty bit bytes.
ALARM_BLOCK: Layout = compiled(
    Counted("cell_states", STATE),
    Counted("temperature_states", STATE),
    Number("charge_current_state", size=1),
    Number("voltage_state", size=1),
    Fixed("user_defined", CUSTOM_ALARM),
    *(Bits(key) for key in STATUS_KEYS),
)

_W, _P, _F, _S = (
    FlagCategory.WARNING,
    FlagCategory.PROTECTION,
    FlagCategory.FAULT,
    FlagCategory.STATUS,
)
# Bit names of V2.0 table 13 (protocol.md 4.1). Keys already used by PACE or Pylontech for the
# same condition are reused; the "inside" and reserved bits stay unnamed.
ALARM_FLAGS: tuple[FlagRow, ...] = (
    ("event_1", 0, "voltage_sensor_fault", _F),
    ("event_1", 1, "ntc_fault", _F),  # temperature sensor fault
    ("event_1", 2, "current_sensor_fault", _F),
    ("event_1", 3, "key_switch_fault", _F),
    ("event_1", 4, "cell_voltage_dropout_fault", _F),
    ("event_1", 5, "charge_mosfet_fault", _F),  # charge switch fault
    ("event_1", 6, "discharge_mosfet_fault", _F),  # discharge switch fault
    ("event_1", 7, "current_limiter_fault", _F),
    ("event_2", 0, "cell_over_voltage_warning", _W),
    ("event_2", 1, "cell_over_voltage_protection", _P),
    ("event_2", 2, "cell_under_voltage_warning", _W),
    ("event_2", 3, "cell_under_voltage_protection", _P),
    ("event_2", 4, "pack_over_voltage_warning", _W),
    ("event_2", 5, "pack_over_voltage_protection", _P),
    ("event_2", 6, "pack_under_voltage_warning", _W),
    ("event_2", 7, "pack_under_voltage_protection", _P),
    ("event_3", 0, "charge_high_temperature_warning", _W),
    ("event_3", 1, "charge_over_temperature_protection", _P),
    ("event_3", 2, "charge_low_temperature_warning", _W),
    ("event_3", 3, "charge_under_temperature_protection", _P),
    ("event_3", 4, "discharge_high_temperature_warning", _W),
    ("event_3", 5, "discharge_over_temperature_protection", _P),
    ("event_3", 6, "discharge_low_temperature_warning", _W),
    ("event_3", 7, "discharge_under_temperature_protection", _P),
    ("event_4", 0, "environment_high_temperature_warning", _W),
    ("event_4", 1, "environment_over_temperature_protection", _P),
    ("event_4", 2, "environment_low_temperature_warning", _W),
    ("event_4", 3, "environment_under_temperature_protection", _P),
    ("event_4", 4, "mosfet_over_temperature_protection", _P),  # power over-temperature
    ("event_4", 5, "mosfet_high_temperature_warning", _W),  # power high temperature
    ("event_4", 6, "low_temperature_heating", _S),
    ("event_5", 0, "charge_over_current_warning", _W),
    ("event_5", 1, "charge_over_current_protection", _P),
    ("event_5", 2, "discharge_over_current_warning", _W),
    ("event_5", 3, "discharge_over_current_protection", _P),
    ("event_5", 4, "transient_over_current_protection", _P),
    ("event_5", 5, "short_circuit_protection", _P),
    ("event_5", 6, "transient_over_current_lockout", _P),
    ("event_5", 7, "short_circuit_lockout", _P),
    ("event_6", 0, "charge_high_voltage_protection", _P),
    ("event_6", 1, "intermittent_recharge_waiting", _S),
    ("event_6", 2, "low_soc_warning", _W),  # residual capacity alarm
    ("event_6", 3, "low_soc_protection", _P),  # residual capacity protection
    ("event_6", 4, "cell_low_voltage_charging_prohibited", _P),
    ("event_6", 5, "reverse_polarity_protection", _P),
    ("event_6", 6, "output_connection_fault", _F),
    ("switches", 0, "discharge_mosfet", _S),  # discharge switch on
    ("switches", 1, "charge_mosfet", _S),  # charge switch on
    ("switches", 2, "current_limiter", _S),
    ("switches", 3, "heater", _S),
    ("system", 0, "discharging", _S),
    ("system", 1, "charging", _S),
    ("system", 2, "floating_charge", _S),
    ("system", 4, "standby", _S),
    ("system", 5, "shutdown", _S),
    *(("disconnection_1", bit, f"cell_{bit + 1}_disconnected", _F) for bit in range(8)),
    *(("disconnection_2", bit, f"cell_{bit + 9}_disconnected", _F) for bit in range(8)),
    ("event_7", 4, "automatic_charge_waiting", _S),
    ("event_7", 5, "manual_charge_waiting", _S),
    ("event_8", 0, "eeprom_fault", _F),
    ("event_8", 1, "rtc_fault", _F),
    ("event_8", 2, "voltage_calibration_missing", _F),
    ("event_8", 3, "current_calibration_missing", _F),
    ("event_8", 4, "zero_calibration_missing", _F),
)

# 0x51 (protocol.md 4.1): 10-byte device name, 2 version bytes, then a 20-byte field that on
# the 1101-SP15 carries the configured CAN protocol ("CANProtocol:Sofar"), not a maker's name.
MANUFACTURER_INFO = compiled(
    Text("device_name", 10, padding="\x00 "),
    Version("software_version", 2),
    Text("manufacturer", 20, padding="\x00 "),
)

# seplos-v2-0x20:2 and :8, a 1101-SP15: 16 cells, 6 temperatures, 170 Ah of 180 Ah rated.
SEPLOS_SP15 = TypicalPack(
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

SEPLOS = Dialect(
    name="seplos",
    title="Seplos v2 (VER 0x20)",
    brand="Seplos v2",
    manufacturer="Seplos",
    ver=0x20,
    cid1=0x46,
    aliases=("seplos-v2",),
    return_codes=RTN_SEPLOS,
    # Addresses 0-15 by DIP switch; the documents' examples and the README capture use ADR 0
    # (protocol.md 4.1). The request's INFO repeats the address ("command group").
    first_address=0,
    # INFO 0xFF is "all groups" on RS232 only (V2.0 section 4.1.1): poll pack by pack.
    all_packs_request=False,
    temperature_names={
        6: ("cell_sensor_1", "cell_sensor_2", "cell_sensor_3", "cell_sensor_4", "environment",
            "mosfet"),
    },
    commands={
        command.code: command
        for command in (
            Command(code=0x4F, name="protocol_version", request=RequestInfo.NONE,
                    decoder=ProtocolVersionDecoder()),
            Command(code=0x51, name="manufacturer_info", request=RequestInfo.NONE,
                    decoder=RecordDecoder(MANUFACTURER_INFO, ManufacturerInfo)),
            Command(code=0x42, name="analog_values", request=RequestInfo.PACK,
                    decoder=AnalogDecoder(ANALOG_BLOCK, selector=Selector.GROUP)),
            Command(code=0x44, name="alarm_info", request=RequestInfo.PACK,
                    decoder=AlarmDecoder(
                        ALARM_BLOCK, STATUS_KEYS, ALARM_FLAGS,
                        balance_keys=("balance_1", "balance_2"),
                        charge_mosfet=("switches", 1), discharge_mosfet=("switches", 0),
                        selector=Selector.GROUP)),
            # 0x47 is left out: its 169-byte answer has no documented layout (protocol.md 4.1).
        )
    },
    typical_pack=SEPLOS_SP15,
    habits=BusHabits(master_answers=False, checks_ver=True, all_packs=False, pack_by_adr=True),
)  # fmt: skip
