"""The key/value commands: `info`, `pwr N` and `stat` (protocol.md 5.4, 5.5)."""

from __future__ import annotations

import re

from ..exceptions import PylontechConsoleError
from .keyvalue import split_pair
from .models import ClockTime, ConsoleInfo, PackStatus, Statistics, UnitBarcode
from .named_fields import Fields, pair_fields
from .numbers import count, decimal, integer, milli, quantity

# "48V/50AH", "51.2V/100AH", "384V/37AH", and "37AH" on a Force H2 BMU (ioBroker_H2_bmuinfo_0).
_SPECIFICATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*V)?\s*/?\s*(?:(\d+(?:\.\d+)?)\s*AH)?\s*$", re.IGNORECASE
)
# Longer is not a specification; it also bounds the pattern's backtracking over blanks.
_SPECIFICATION_LENGTH = 40
_CLOCK = re.compile(r"^\s*(?:(\S+)\s+)?(\d{2,4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*$")
_CLOCK_TEST = re.compile(r"^\s*Test result\s*:\s*\w+\s*$", re.IGNORECASE)
_UNIT_TITLE = re.compile(r"^(?:Unit|BMU)\s+\d+\s+Barcode$", re.IGNORECASE)


def parse_info(lines: list[str], number: int | None) -> ConsoleInfo:
    """`info [N]`: identity pairs, then (high voltage) one barcode block per module."""
    general: list[tuple[str, str | None]] = []
    units: list[tuple[str, dict[str, str]]] = []
    for line in lines:
        pair = split_pair(line)
        if pair is None:
            title = line.strip()
            if _UNIT_TITLE.match(title):
                units.append((title.rsplit(" ", 1)[0], {}))
            continue
        key, value = pair
        if units and key.rstrip(":").upper() in ("MODULE", "PCBA"):
            units[-1][1][key.rstrip(":").upper()] = value
        else:
            general.append((key, value or None))
    fields = Fields(general)
    specification = fields.text("Specification")
    voltage, capacity = split_specification(specification)
    return ConsoleInfo(
        address=integer(fields.text("Device address"), "Device address"),
        manufacturer=fields.text("Manufacturer"),
        device_name=fields.text("Device name"),
        board_version=fields.text("Board version"),
        hardware_version=fields.text("Hard version"),
        main_soft_version=fields.text("Main Soft version"),
        soft_version=fields.text("Soft version"),
        boot_version=fields.text("Boot version"),
        comm_version=fields.text("Comm version"),
        release_date=fields.text("Release Date"),
        barcode=fields.text("Barcode"),
        module_barcode=fields.text("Module Barcode"),
        pcba_barcode=fields.text("PCBA Barcode"),
        power_supply_barcode=fields.text("PowerSupply Barcode"),
        specification=specification,
        nominal_voltage=voltage,
        nominal_capacity=capacity,
        cell_count=integer(fields.text("Cell Number"), "Cell Number"),
        max_charge_current=milli(fields.text("Max Charge Curr"), "Max Charge Curr"),
        max_discharge_current=milli(fields.text("Max Dischg Curr"), "Max Dischg Curr"),
        console_baudrate=integer(fields.text("Console Port rate"), "Console Port rate"),
        epon_baudrate=integer(fields.text("EPONPort rate", "EPON Port rate"), "EPONPort rate"),
        units=tuple(
            UnitBarcode(
                label=label, module_barcode=codes.get("MODULE"), pcba_barcode=codes.get("PCBA")
            )
            for label, codes in units
        ),
        other=fields.other(),
    )


def split_specification(text: str | None) -> tuple[float | None, float | None]:
    """Nominal V and Ah of a specification: "384V/37AH" -> (384.0, 37.0), "37AH" -> (None, 37.0)."""
    if text is None or len(text) > _SPECIFICATION_LENGTH:
        return None, None
    match = _SPECIFICATION.match(text)
    if match is None:
        return None, None
    voltage, capacity = match.groups()
    return (
        None if voltage is None else decimal(voltage),
        None if capacity is None else decimal(capacity),
    )


def _event_word(fields: Fields, name: str, names: list[tuple[str, str]]) -> int | None:
    """An event or fault word, "0x2000".

    The names some firmware prints after it ("0x2000     COULFULL", US2000C B67.5.0) join
    `names` under the field's name.
    """
    text = fields.text(name)
    if text is None:
        return None
    word, *after = text.split(None, 1) or [""]
    if after:
        names.append((name, " ".join(after[0].split())))
    return integer(word, name)


def parse_pack_status(lines: list[str], number: int | None) -> PackStatus:
    """`pwr N`: one pack's pairs between two rules of dashes."""
    fields, _ = pair_fields(lines)
    index = integer(fields.text("Power"), "Power")
    protections = fields.text("Protect ENA")
    soc = quantity(fields.text("Coulomb"), "Coulomb")  # "45          %"
    names: list[tuple[str, str]] = []
    battery_events = _event_word(fields, "Bat Events", names)
    power_events = _event_word(fields, "Power Events", names)
    system_fault = _event_word(fields, "System Fault", names)
    return PackStatus(
        index=number if index is None else index,
        voltage=milli(fields.text("Voltage"), "Voltage"),
        current=milli(fields.text("Current"), "Current"),
        temperature=milli(fields.text("Temperature"), "Temperature"),
        soc=soc,
        full_capacity=quantity(fields.text("Total Coulomb"), "Total Coulomb", "mAH"),
        real_capacity=quantity(fields.text("Real Coulomb"), "Real Coulomb", "mAH"),
        max_voltage=milli(fields.text("Max Voltage"), "Max Voltage"),
        charge_times=integer(fields.text("Charge Times"), "Charge Times"),
        base_state=fields.text("Basic Status"),
        voltage_state=fields.text("Volt Status"),
        current_state=fields.text("Current Status"),
        temperature_state=fields.text("Tmpr. Status"),
        coulomb_state=fields.text("Coul. Status"),
        soh_state=fields.text("Soh. Status"),
        heater_state=fields.text("Heater Status"),
        protections_enabled=tuple(protections.split()) if protections else (),
        battery_events=battery_events,
        power_events=power_events,
        system_fault=system_fault,
        other=(*fields.other(), *names),
    )


def parse_statistics(lines: list[str], number: int | None) -> Statistics:
    """`stat [N]`: "Device address", then counters; every integer one is in `counters`."""
    fields, _ = pair_fields(lines)
    address = integer(fields.text("Device address"), "Device address")
    rest = fields.other()
    cycles = integer(fields.text("CYCLE Times"), "CYCLE Times")
    soh = quantity(fields.text("SOH Percent", "SOH"), "SOH Percent")
    counters: list[tuple[str, int]] = []
    other: list[tuple[str, str]] = []
    for name, value in rest:
        counter = count(value)
        if counter is None:
            other.append((name, value))
        else:
            counters.append((name, counter))
    if address is None and cycles is None and not counters:
        msg = "no statistics counters"
        raise PylontechConsoleError(msg)
    return Statistics(
        address=number if address is None else address,
        cycles=cycles,
        soh=soh,
        counters=tuple(counters),
        other=tuple(other),
    )


def parse_time(lines: list[str], number: int | None) -> ClockTime:
    """`time`: the clock line, and the clock test's outcome on some firmware.

    "Ds3231 2025-12-21 21:14:53" (US), "2023-10-05 14:30:18" (Force H2, SC), "RTC 2026-07-17
    01:40:48" then "Test result:pass" (US2000C B67.5.0).
    """
    match = _CLOCK.match(lines[0]) if lines else None
    # US2000C firmware B67.5.0 adds its clock test's outcome: "Test result:pass".
    if match is None or not all(_CLOCK_TEST.match(line) for line in lines[1:]):
        msg = f"not a clock line: {lines[0]!r}"
        raise PylontechConsoleError(msg)
    return ClockTime(chip=match.group(1), time=match.group(2))
