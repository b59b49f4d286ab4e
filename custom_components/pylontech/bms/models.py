"""What the BMS reports, in SI units: V, A, W, °C, Ah, %, counts.

A value a dialect cannot give, or that the BMS sent as a placeholder or as an impossible reading,
is None. Derived values (power, cell statistics, SOC from capacities) are computed here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import dataclass_transform


@dataclass_transform(frozen_default=True, kw_only_default=True)
def model[T](cls: type[T]) -> type[T]:
    """Make `cls` a slotted, keyword-only dataclass that type checkers treat as frozen.

    Immutable by contract, checked statically: mypy refuses an assignment to a field (the
    `dataclass_transform` above), while at run time the class is not frozen, because a frozen
    dataclass stores each field through ``object.__setattr__`` and costs about 2.4 times as much
    to build (1.5 against 0.65 µs for a 21-field pack, measured side by side). Decoding a
    16-pack stack builds a few hundred of them per poll. Equal values hash equally, as a frozen
    dataclass's would.
    """
    return dataclass(slots=True, kw_only=True, unsafe_hash=True)(cls)


class SocSource(StrEnum):
    """Where a state of charge came from."""

    BMS = "bms"
    """The BMS reported it."""
    CAPACITY = "capacity"
    """Computed as remaining / full capacity because the BMS gave none."""


class AlarmLevel(StrEnum):
    """The per-value alarm state of 0x44 answers (protocol.md 2.5, 3.5)."""

    NORMAL = "normal"
    BELOW_LOWER_LIMIT = "below_lower_limit"
    ABOVE_UPPER_LIMIT = "above_upper_limit"
    USER_DEFINED = "user_defined"
    OTHER_ERROR = "other_error"

    @classmethod
    def from_raw(cls, raw: int) -> AlarmLevel:
        """Map a state byte: 0 normal, 1 low, 2 high, 0x80-0xEF user defined, else error."""
        if raw == 0x00:
            return cls.NORMAL
        if raw == 0x01:
            return cls.BELOW_LOWER_LIMIT
        if raw == 0x02:
            return cls.ABOVE_UPPER_LIMIT
        if 0x80 <= raw <= 0xEF:
            return cls.USER_DEFINED
        return cls.OTHER_ERROR

    @property
    def raw(self) -> int:
        """A state byte that reads back as this level (user defined as 0x80, errors as 0xF0)."""
        return _ALARM_LEVEL_RAW[self]


_ALARM_LEVEL_RAW = {
    AlarmLevel.NORMAL: 0x00,
    AlarmLevel.BELOW_LOWER_LIMIT: 0x01,
    AlarmLevel.ABOVE_UPPER_LIMIT: 0x02,
    AlarmLevel.USER_DEFINED: 0x80,
    AlarmLevel.OTHER_ERROR: 0xF0,
}


class FlagCategory(StrEnum):
    """What kind of condition a flag reports."""

    WARNING = "warning"
    PROTECTION = "protection"
    FAULT = "fault"
    STATUS = "status"


@model
class Flag:
    """One named bit of an alarm or status byte."""

    key: str
    category: FlagCategory
    active: bool


@model
class PackAnalogValues:
    """One pack's measurements from an analog-values answer (0x42)."""

    address: int | None
    """The pack address the frame names, or None when an all-packs answer does not say."""
    cell_voltages: tuple[float | None, ...]
    temperatures: tuple[float | None, ...]
    temperature_names: tuple[str, ...]
    """What each temperature measures, e.g. "bms_board", "cells_1_4", "mosfet"."""
    current: float | None
    """A; positive while charging."""
    voltage: float | None
    power: float | None
    """W; voltage x current, positive while charging."""
    remaining_capacity: float | None
    full_capacity: float | None
    design_capacity: float | None
    cycles: int | None
    soc: float | None
    soc_source: SocSource | None
    soh: float | None = None
    """State of health in percent, where the BMS reports it (Seplos, EG4)."""
    cell_voltage_min: float | None
    cell_voltage_max: float | None
    cell_voltage_average: float | None
    cell_voltage_delta: float | None
    """Highest minus lowest cell voltage."""
    cell_voltage_min_cell: int | None
    """Number (from 1) of the cell with the lowest voltage; the first one on a tie."""
    cell_voltage_max_cell: int | None
    extra: bytes
    """Undocumented bytes after the known fields (firmware-dependent, protocol.md 3.3)."""


@model
class AnalogValues:
    """An analog-values answer: one pack, or every pack of a stack (request INFO 0xFF)."""

    all_packs: bool
    packs: tuple[PackAnalogValues, ...]


@model
class PackAlarmInfo:
    """One pack's alarm and status answer (0x44)."""

    address: int | None
    cell_states: tuple[AlarmLevel, ...]
    temperature_states: tuple[AlarmLevel, ...]
    temperature_names: tuple[str, ...]
    charge_current_state: AlarmLevel
    voltage_state: AlarmLevel
    discharge_current_state: AlarmLevel
    flags: tuple[Flag, ...]
    """Every named bit of the status bytes, active or not, in frame order."""
    balancing_cells: tuple[int, ...] | None
    """Cells (from 1) being balanced, or None where the dialect does not report balancing."""
    charge_mosfet: bool | None
    discharge_mosfet: bool | None
    status_bytes: tuple[int, ...]
    """The raw status bytes after the per-value states, for diagnostics."""
    extra: bytes

    @property
    def active_flags(self) -> tuple[str, ...]:
        """Keys of the flags that are set."""
        return tuple(flag.key for flag in self.flags if flag.active)


@model
class AlarmInfo:
    """An alarm answer: one pack, or every pack of a stack."""

    all_packs: bool
    packs: tuple[PackAlarmInfo, ...]


@model
class SystemParameters:
    """Protection thresholds of a pack (Pylontech 0x47); not the live charge limits."""

    cell_high_voltage_limit: float | None
    cell_low_voltage_limit: float | None
    cell_under_voltage_limit: float | None
    charge_high_temperature_limit: float | None
    charge_low_temperature_limit: float | None
    charge_current_limit: float | None
    module_high_voltage_limit: float | None
    module_low_voltage_limit: float | None
    module_under_voltage_limit: float | None
    discharge_high_temperature_limit: float | None
    discharge_low_temperature_limit: float | None
    discharge_current_limit: float | None


@model
class ChargeDischargeManagement:
    """Live charge and discharge limits the BMS asks the inverter to respect (Pylontech 0x92)."""

    address: int
    charge_voltage_limit: float | None
    discharge_voltage_limit: float | None
    charge_current_limit: float | None
    discharge_current_limit: float | None
    """A; negative, as the BMS sends it."""
    charge_enable: bool
    discharge_enable: bool
    charge_immediately_1: bool
    charge_immediately_2: bool
    full_charge_request: bool


@model
class SerialNumber:
    """A pack's serial number (Pylontech 0x93)."""

    address: int
    serial_number: str | None


@model
class SoftwareVersion:
    """Firmware version: Pylontech 0x96 (two version numbers) or PACE 0xC1 (one text)."""

    address: int | None = None
    version: str | None
    """Pylontech: the main-line version ("0.6.5"); PACE: the version text ("P16S100A-1812-1.00")."""
    manufacturer_version: str | None = None
    """Pylontech only: the manufacturer version ("2.3")."""


@model
class Barcode:
    """A pack's barcode or serial number and, on newer firmware, its build date (PACE 0xC2)."""

    barcode: str | None
    build_date: str | None


@model
class ProtocolVersion:
    """The protocol version, carried in the VER field of the answer (Pylontech 0x4F)."""

    version: int


@model
class ManufacturerInfo:
    """Device name, software version and manufacturer (Pylontech 0x51).

    Through the link of a stack, every address answers with the master's identity
    (protocol.md 2.1): do not use this to tell packs apart.
    """

    device_name: str | None
    software_version: str
    manufacturer: str | None


@model
class PackCount:
    """How many packs the master sees in its stack (PACE 0x90)."""

    count: int


type Response = (
    AnalogValues
    | AlarmInfo
    | SystemParameters
    | ChargeDischargeManagement
    | SerialNumber
    | SoftwareVersion
    | Barcode
    | ProtocolVersion
    | ManufacturerInfo
    | PackCount
)


@model
class PackData:
    """What one poll learned about one pack."""

    address: int
    analog: PackAnalogValues | None
    alarm: PackAlarmInfo | None
    error: str | None = None
    """Why this pack could not be read this time (its values are then None, never stale)."""
    limits: ChargeDischargeManagement | None = None
    """The charge/discharge limits the pack asks for (Pylontech 0x92), where it answered them
    this poll."""


@model
class SystemTotals:
    """A high-voltage string as one battery, as its controller reports it (console `pwr`)."""

    voltage: float | None
    current: float | None
    power: float | None
    """W; voltage x current, positive while charging."""
    soc: float | None
    remaining_capacity: float | None
    remaining_energy: float | None
    temperature: float | None
    cell_voltage_min: float | None
    cell_voltage_max: float | None
    base_state: str | None
    error_code: int | None


@model
class StackData:
    """One poll of a whole stack, packs in address order."""

    dialect: str
    packs: tuple[PackData, ...]
    series: bool = False
    """Whether the packs are the modules of one string in series (high-voltage controllers):
    the string's voltage is then their sum and its current theirs; else packs are in parallel."""
    system: SystemTotals | None = None
    """The string's own totals where its controller reports them."""


@model
class PackIdentity:
    """Who a pack (or a high-voltage controller) is, as far as its protocol tells."""

    address: int
    serial_number: str | None = None
    model: str | None = None
    software_version: str | None = None
    manufacturer: str | None = None


@model
class Detection:
    """What answered on a transport."""

    dialect: str
    addresses: tuple[int, ...]
    """Pack (or module) addresses, master first."""
    all_packs: bool
    """Whether the master answered the all-packs request (polls then use it)."""
    packs: tuple[PackIdentity, ...]
    """Identities of the packs; on a high-voltage console the controller's comes first."""
    all_packs_at: int | None = None
    """The ADR of a stack that answers only all-packs requests, there (PACE at ADR 0: a
    stand-alone pack, a master's RS232 port); its packs are then named by `addresses` in the
    order of the answer's blocks."""

    @property
    def master_serial(self) -> str | None:
        """The master pack's serial number or barcode, when the BMS gives one."""
        return self.packs[0].serial_number if self.packs else None
