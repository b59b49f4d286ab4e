"""EG4 LIFEPOWER4 / Qualtech BMS, VER 0x20 with CID1 0x4A.

Layouts: protocol.md section 4.2 (nkinnan's captures and decoder for the EG4 variant), checked
against the real captures in tests/vectors/eg4-0x20.jsonl. The 0x44 bit tables are not in
protocol.md: they come from the same source, nkinnan/esphome-pace-bms
components/pace_bms/pace_bms_protocol_v20.h (StatusDecode_EG4, read at commit 2a4ebe9f), and
only bits it names are named here.
"""

from __future__ import annotations

from ..const import RTN_PYLONTECH
from ..models import FlagCategory
from .alarm_decoder import AlarmDecoder, FlagRow
from .base import Command, Dialect, RequestInfo
from .decoders import AnalogDecoder
from .layout import Layout, compiled
from .pack_blocks import Selector
from .shared import CELL_VOLTAGE, centi
from .steps import Bits, Counted, Number
from .typical import BusHabits, TypicalPack

TEMPERATURE_OFFSET = 2730  # 0.1 K; nkinnan uses 2730 for EG4 (protocol.md 8.1)
# The constant after the cycle count (protocol.md 4.2); nkinnan's decoder expects 15 there.
ANALOG_CONSTANT = 15
# The two temperatures after the counted four (protocol.md 4.2): outside the count, they join
# the tuple as the fifth and sixth, named like every other pack's sensors.
EXTRA_TEMPERATURES = ("temperature_environment", "temperature_mosfet")
EXTRA_TEMPERATURE_STATES = ("environment_state", "mosfet_state")


def _temperature(key: str) -> Number:
    return Number(key, divisor=10, offset=TEMPERATURE_OFFSET, valid=(-40.0, 125.0))


# 0x42 (protocol.md 4.2). The BMS's own cell statistics and its lifetime counters (charged and
# discharged Ah, Wh and hours, charge and discharge counts) are read and not kept: the library
# derives the statistics from the cells, and the counters have no place in the model.
ANALOG_BLOCK: Layout = compiled(
    Counted("cell_voltages", CELL_VOLTAGE),
    Counted("temperatures", _temperature("temperature")),
    *(_temperature(key) for key in EXTRA_TEMPERATURES),
    Number("current", signed=True, divisor=100),
    centi("voltage", valid=(0.01, 655.34)),
    centi("remaining_capacity"),
    centi("full_capacity"),
    Number("cycles", absent=0xFFFF),
    Number("user_defined", size=1),
    Number("soc", valid=(0.0, 100.0)),  # whole percent
    Number("soh", valid=(0.0, 100.0)),
    Number("_cell_voltage_max"),
    Number("_cell_voltage_min"),
    Number("_cell_voltage_delta"),
    Number("_cell_temperature_max"),
    Number("_cell_temperature_min"),
    *(Number(f"_{key}", size=4) for key in ("charged_ah", "discharged_ah", "charged_wh",
                                            "discharged_wh", "charge_hours", "discharge_hours")),
    Number("_charge_count"),
    Number("_discharge_count"),
)  # fmt: skip

STATE = Number("state", size=1)
BALANCE_KEYS = ("balance_1_8", "balance_9_16", "balance_17_24", "balance_25_32")
STATUS_KEYS = (
    "balance_event",
    "voltage_event",
    "temperature_event_high",
    "temperature_event_low",
    "current_event",
    "capacity_event",
    "fet_status",
    "system",
    *reversed(BALANCE_KEYS),  # one 32-bit word, big-endian: cells 25-32 first on the wire
    "reserved",
)

# 0x44 (nkinnan, ProcessReadStatusInformationResponse_EG4; lengths match the capture): states
# of the cells, of the four counted temperatures and of the two uncounted ones, one state for
# charge and discharge current, the total voltage state, a count (9 in the capture), then the
# event bytes, the FET and system status, a 32-bit balancing word and one reserved byte.
ALARM_BLOCK: Layout = compiled(
    Counted("cell_states", STATE),
    Counted("temperature_states", STATE),
    *(Number(key, size=1) for key in EXTRA_TEMPERATURE_STATES),
    Number("charge_current_state", size=1),
    Number("voltage_state", size=1),
    Number("_custom_count", size=1),
    *(Bits(key) for key in STATUS_KEYS),
)

_W, _P, _F, _S = (
    FlagCategory.WARNING,
    FlagCategory.PROTECTION,
    FlagCategory.FAULT,
    FlagCategory.STATUS,
)
# Keys shared with PACE, Pylontech and Seplos where the condition is the same.
ALARM_FLAGS: tuple[FlagRow, ...] = (
    ("balance_event", 6, "discharge_mosfet_fault", _F),
    ("balance_event", 5, "charge_mosfet_fault", _F),
    ("balance_event", 4, "cell_voltage_difference_warning", _W),
    ("voltage_event", 7, "pack_under_voltage_protection", _P),
    ("voltage_event", 6, "pack_under_voltage_warning", _W),
    ("voltage_event", 5, "pack_over_voltage_protection", _P),
    ("voltage_event", 4, "pack_over_voltage_warning", _W),
    ("voltage_event", 3, "cell_under_voltage_protection", _P),
    ("voltage_event", 2, "cell_under_voltage_warning", _W),
    ("voltage_event", 1, "cell_over_voltage_protection", _P),
    ("voltage_event", 0, "cell_over_voltage_warning", _W),
    # The temperature event is a 16-bit word: its high byte holds bits 8-15.
    ("temperature_event_high", 5, "fire_alarm", _F),
    ("temperature_event_high", 4, "mosfet_over_temperature_protection", _P),
    ("temperature_event_high", 3, "environment_under_temperature_protection", _P),
    ("temperature_event_high", 2, "environment_low_temperature_warning", _W),
    ("temperature_event_high", 1, "environment_over_temperature_protection", _P),
    ("temperature_event_high", 0, "environment_high_temperature_warning", _W),
    ("temperature_event_low", 7, "discharge_under_temperature_protection", _P),
    ("temperature_event_low", 6, "discharge_low_temperature_warning", _W),
    ("temperature_event_low", 5, "discharge_over_temperature_protection", _P),
    ("temperature_event_low", 4, "discharge_high_temperature_warning", _W),
    ("temperature_event_low", 3, "charge_under_temperature_protection", _P),
    ("temperature_event_low", 2, "charge_low_temperature_warning", _W),
    ("temperature_event_low", 1, "charge_over_temperature_protection", _P),
    ("temperature_event_low", 0, "charge_high_temperature_warning", _W),
    ("current_event", 7, "short_circuit_lockout", _P),
    ("current_event", 6, "discharge_over_current_2_lockout", _P),
    ("current_event", 5, "short_circuit_protection", _P),
    ("current_event", 4, "discharge_over_current_2_protection", _P),
    ("current_event", 3, "discharge_over_current_protection", _P),
    ("current_event", 2, "discharge_over_current_warning", _W),
    ("current_event", 1, "charge_over_current_protection", _P),
    ("current_event", 0, "charge_over_current_warning", _W),
    ("capacity_event", 0, "low_soc_warning", _W),
    ("fet_status", 3, "heater", _S),
    ("fet_status", 2, "current_limiter", _S),
    ("fet_status", 1, "charge_mosfet", _S),
    ("fet_status", 0, "discharge_mosfet", _S),
    ("system", 3, "standby", _S),
    ("system", 1, "charging", _S),
    ("system", 0, "discharging", _S),
)

# eg4-0x20:2, a LIFEPOWER4: 16 cells, 4 + 2 temperatures, about 100 Ah, SOC and SOH in %.
EG4_LIFEPOWER4 = TypicalPack(
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

EG4 = Dialect(
    name="eg4",
    title="EG4 LIFEPOWER4 (VER 0x20, CID1 0x4A)",
    brand="EG4 LIFEPOWER4",
    manufacturer="EG4",
    ver=0x20,
    cid1=0x4A,
    aliases=("lifepower4",),
    # No return-code table of its own is known; the codes of the common family (protocol.md 1.4).
    return_codes=RTN_PYLONTECH,
    first_address=1,  # the captured unit answers at ADR 1 (protocol.md 4.2)
    all_packs_request=False,
    # A slow BMS: nkinnan recommends 200 ms between requests to avoid lock-ups (protocol.md 4.2).
    min_gap=0.2,
    temperature_names={
        6: ("cell_sensor_1", "cell_sensor_2", "cell_sensor_3", "cell_sensor_4", "environment",
            "mosfet"),
    },
    commands={
        command.code: command
        for command in (
            # Requests carry no INFO; the pack is the ADR (protocol.md 4.2). The 0x51 answer's
            # layout is unknown (46 bytes, padded text), so 0x51 is not offered.
            Command(code=0x42, name="analog_values", request=RequestInfo.NONE,
                    decoder=AnalogDecoder(
                        ANALOG_BLOCK, user_defined=lambda pack: ANALOG_CONSTANT,
                        selector=Selector.PACK, extra_temperatures=EXTRA_TEMPERATURES)),
            Command(code=0x44, name="alarm_info", request=RequestInfo.NONE,
                    decoder=AlarmDecoder(
                        ALARM_BLOCK, STATUS_KEYS, ALARM_FLAGS,
                        balance_keys=BALANCE_KEYS,
                        charge_mosfet=("fet_status", 1), discharge_mosfet=("fet_status", 0),
                        selector=Selector.PACK,
                        extra_temperatures=EXTRA_TEMPERATURE_STATES)),
        )
    },
    typical_pack=EG4_LIFEPOWER4,
    habits=BusHabits(master_answers=False, checks_ver=True, all_packs=False),
)  # fmt: skip
