"""What the console (text) commands report, in the binary dialects' units: V, A, °C, Ah, Wh, %.

Counts are integers. States stay the words the BMS prints ("Charge", "Dischg", "Idle", "Normal", ...). A value the
BMS printed as "-", or a column this firmware does not print, is None. Columns and keys this
library does not know are kept, as printed, in `other`: (name, text) pairs in printed order.
"""

from __future__ import annotations

from enum import StrEnum

from ..models import PackData, StackData, SystemTotals, model

type Other = tuple[tuple[str, str], ...]
"""Unknown columns or keys as (name as printed, value as printed)."""


class Topology(StrEnum):
    """How the packs of a console system are wired, which decides how totals add up."""

    PARALLEL = "parallel"
    """US series stacks: the stack current is the sum of the packs', the voltage is shared."""
    SERIES = "series"
    """Force H1/H2 and SC strings: the string voltage is the sum of the units', the current
    is shared."""


@model
class UnitBarcode:
    """The barcodes `info` prints for one module of a high-voltage string."""

    label: str
    """As printed: "Unit 1" (Force H2) or "BMU 4" (SC, listed top-down from 4 to 0)."""
    module_barcode: str | None
    pcba_barcode: str | None


@model
class ConsoleInfo:
    """`info` / `info N`: identity and ratings of one pack or of the high-voltage BMS."""

    address: int | None
    manufacturer: str | None
    device_name: str | None
    board_version: str | None
    hardware_version: str | None
    main_soft_version: str | None
    soft_version: str | None
    boot_version: str | None
    comm_version: str | None
    release_date: str | None
    barcode: str | None
    module_barcode: str | None
    pcba_barcode: str | None
    power_supply_barcode: str | None
    specification: str | None
    """As printed: "48V/50AH", "384V/37AH", "51.2V/100AH"."""
    nominal_voltage: float | None
    nominal_capacity: float | None
    """Ah, from the specification."""
    cell_count: int | None
    max_charge_current: float | None
    max_discharge_current: float | None
    """A; negative, as printed."""
    console_baudrate: int | None
    epon_baudrate: int | None
    units: tuple[UnitBarcode, ...]
    """High-voltage systems: one entry per module, in printed order; empty on US packs."""
    other: Other


@model
class PowerRow:
    """One position of the US `pwr` table: a pack, or an "Absent" position."""

    index: int
    """The pack position, 1..16 (1 is the master)."""
    present: bool
    voltage: float | None
    current: float | None
    """A; positive while charging."""
    temperature: float | None
    cell_temperature_min: float | None
    cell_temperature_max: float | None
    cell_voltage_min: float | None
    cell_voltage_max: float | None
    base_state: str | None
    voltage_state: str | None
    current_state: str | None
    temperature_state: str | None
    soc: float | None
    time: str | None
    battery_voltage_state: str | None
    battery_temperature_state: str | None
    mosfet_temperature: float | None
    """US5000/US2000C masters' MosTempr column; None where a pack has none."""
    mosfet_temperature_state: str | None
    barcode: str | None
    """Pytes E-BOX-48100V-D's Barcode column."""
    device_type: str | None
    other: Other


@model
class StackPower:
    """US `pwr`: every position of the stack, absent ones included."""

    rows: tuple[PowerRow, ...]


@model
class SystemPower:
    """High-voltage `pwr`: the whole string in one row, with its extremes."""

    average_temperature: float | None
    dc_voltage: float | None
    battery_voltage: float | None
    voltage: float | None
    current: float | None
    temperature: float | None
    cell_temperature_min: float | None
    cell_temperature_max: float | None
    cell_voltage_min: float | None
    cell_voltage_max: float | None
    unit_temperature_min: float | None
    unit_temperature_max: float | None
    unit_voltage_min: float | None
    unit_voltage_max: float | None
    base_state: str | None
    voltage_state: str | None
    current_state: str | None
    temperature_state: str | None
    soc: float | None
    remaining_capacity: float | None
    """Ah."""
    energy_percent: float | None
    remaining_energy: float | None
    """Wh, from "mWH" (Force H2) or "WH" (SC) as printed."""
    time: str | None
    battery_voltage_state: str | None
    battery_temperature_state: str | None
    unit_voltage_state: str | None
    unit_temperature_state: str | None
    error_code: int | None
    other: Other


@model
class PackStatus:
    """`pwr N`: one pack's key/value summary."""

    index: int | None
    voltage: float | None
    current: float | None
    temperature: float | None
    soc: float | None
    full_capacity: float | None
    """Ah, from "Total Coulomb" (mAH, or mAS on Pytes V1.10)."""
    real_capacity: float | None
    """Ah, from "Real Coulomb" (Pytes)."""
    max_voltage: float | None
    charge_times: int | None
    """The BMS's "Charge Times" counter; not the cycle count (`stat` "CYCLE Times")."""
    base_state: str | None
    voltage_state: str | None
    current_state: str | None
    temperature_state: str | None
    coulomb_state: str | None
    soh_state: str | None
    heater_state: str | None
    protections_enabled: tuple[str, ...]
    battery_events: int | None
    power_events: int | None
    system_fault: int | None
    other: Other


@model
class CellRow:
    """One cell of `bat`: a pack's cells (US, `bat N`) or the whole string's (high voltage)."""

    index: int
    """As printed, from 0."""
    voltage: float | None
    current: float | None
    """None where the BMS has no Curr column (Pytes E-BOX-48100V-D)."""
    temperature: float | None
    base_state: str | None
    voltage_state: str | None
    current_state: str | None
    temperature_state: str | None
    soc: float | None
    remaining_capacity: float | None
    """Ah."""
    energy_percent: float | None
    remaining_energy: float | None
    """Wh (high voltage)."""
    balancing: bool | None
    other: Other


@model
class CellTable:
    """`bat` / `bat N`; the high-voltage BMS prints a header first (its fields, else None)."""

    pack: int | None
    """N of `bat N`; None for `bat`."""
    time: str | None
    average_temperature: float | None
    charge_current_limit: float | None
    discharge_current_limit: float | None
    state: str | None
    balance_voltage: float | None
    cells: tuple[CellRow, ...]

    @property
    def high_voltage(self) -> bool:
        """Whether a high-voltage BMS printed it: the whole string's cells, after a header."""
        return self.time is not None or self.state is not None


@model
class UnitRow:
    """One module (BMU) of a high-voltage string, from `unit`."""

    index: int
    voltage: float | None
    current: float | None
    temperature: float | None
    average_temperature: float | None
    """SC only (AvgTempr)."""
    cell_temperature_min: float | None
    cell_temperature_max: float | None
    cell_voltage_min: float | None
    cell_voltage_max: float | None
    base_state: str | None
    voltage_state: str | None
    temperature_state: str | None
    soc: float | None
    remaining_capacity: float | None
    energy_percent: float | None
    remaining_energy: float | None
    time: str | None
    other: Other


@model
class UnitTable:
    """`unit`: the modules of a high-voltage string, in printed order."""

    average_temperature: float | None
    units: tuple[UnitRow, ...]


@model
class SohCell:
    """One cell of `soh`."""

    index: int
    voltage: float | None
    soh_count: int | None
    soh_status: str | None
    other: Other


@model
class SohTable:
    """`soh` / `soh N`."""

    pack: int | None
    """From the "Power N" line, else N of the command."""
    cells: tuple[SohCell, ...]


@model
class Statistics:
    """`stat` / `stat N`: the BMS's event counters."""

    address: int | None
    cycles: int | None
    """"CYCLE Times"."""
    soh: float | None
    """% ("SOH Percent" on high voltage, "SOH" on some US firmware)."""
    counters: tuple[tuple[str, int], ...]
    """Every numeric counter, keys as printed ("Charge Cnt.", "Pwr Coulomb(mAS)", ...)."""
    other: Other


@model
class ClockTime:
    """`time`: the BMS clock, as printed ("2023-10-05 14:30:18")."""

    chip: str | None
    """The clock chip named before the time ("Ds3231", "DS3231M", "PCF8563"), if any."""
    time: str


@model
class ConsoleStack:
    """Packs (US) or units (high voltage) as library packs, with how to total them."""

    topology: Topology
    packs: tuple[PackData, ...]
    system: SystemTotals | None = None
    """High voltage only: the string's own totals."""

    def stack_data(self) -> StackData:
        """The packs as a poll of dialect "console", the shape `read --json` prints."""
        return StackData(
            dialect="console",
            packs=self.packs,
            series=self.topology is Topology.SERIES,
            system=self.system,
        )
