"""Whole-stack values from one poll: totals, SOC, extreme cells and temperatures, alarms.

Packs in parallel share the voltage and add their currents; the modules of a high-voltage string
are in series and add their voltages (`StackData.series`).

A total over some packs is a wrong total, so every value here is None unless every pack of the
stack answered this poll with the values it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .alarms import active_alarms, cell_temperatures

if TYPE_CHECKING:
    from ..models import PackAnalogValues, StackData


@dataclass(frozen=True, slots=True)
class ExtremeCell:
    """A cell voltage and where it is: the pack's number in the stack (from 1) and the cell's."""

    voltage: float
    pack: int
    cell: int


@dataclass(frozen=True, slots=True)
class ExtremeTemperature:
    """A cell temperature (°C) and the pack's number in the stack (from 1) it was measured in."""

    temperature: float
    pack: int


@dataclass(frozen=True, slots=True)
class StackSummary:
    """Values of the stack as a whole; None where a pack is missing or lacks the value."""

    power: float | None = None
    current: float | None = None
    voltage: float | None = None
    soc: float | None = None
    remaining_capacity: float | None = None
    full_capacity: float | None = None
    cell_voltage_min: ExtremeCell | None = None
    cell_voltage_max: ExtremeCell | None = None
    cell_voltage_delta: float | None = None
    """V between the highest and the lowest cell of the whole stack."""
    temperature_min: ExtremeTemperature | None = None
    """The lowest cell temperature of the stack (`alarms.cell_temperatures`)."""
    temperature_max: ExtremeTemperature | None = None
    alarms: tuple[tuple[int, tuple[str, ...]], ...] | None = None
    """(pack number from 1, its `active_alarms`) for each pack with any; None unless every
    pack answered its alarm request."""


def _total(values: list[float | None]) -> float | None:
    if None in values:
        return None
    return round(sum(values), 3)  # type: ignore[arg-type]  # no None left


def _voltage(cell: ExtremeCell) -> float:
    return cell.voltage


def summarize(stack: StackData, first_address: int) -> StackSummary:
    """Sum, average and compare the packs of one poll."""
    packs = [pack.analog for pack in stack.packs]
    if not packs or None in packs:
        return StackSummary()
    analog: list[PackAnalogValues] = packs  # type: ignore[assignment]
    full = _total([pack.full_capacity for pack in analog])
    soc = None
    weighted = [
        pack.soc * pack.full_capacity
        for pack in analog
        if pack.soc is not None and pack.full_capacity is not None
    ]
    if full and len(weighted) == len(analog):
        soc = round(sum(weighted) / full, 1)
    voltages = [pack.voltage for pack in analog]
    shared = _shared(stack, analog, first_address)
    if stack.series:
        return _string(stack, analog, shared)
    return StackSummary(
        power=_total([pack.power for pack in analog]),
        current=_total([pack.current for pack in analog]),
        voltage=None if None in voltages else round(sum(voltages) / len(voltages), 3),  # type: ignore[arg-type]
        soc=soc,
        remaining_capacity=_total([pack.remaining_capacity for pack in analog]),
        full_capacity=full,
        **shared,
    )


def _shared(stack: StackData, analog: list[PackAnalogValues], first_address: int) -> dict[str, Any]:
    """The fields that parallel packs and a string in series compute alike."""
    numbers = [pack.address - first_address + 1 for pack in stack.packs]
    low = high = None
    if all(pack.cell_voltage_min is not None for pack in analog):
        lows = [
            ExtremeCell(p.cell_voltage_min, n, p.cell_voltage_min_cell)  # type: ignore[arg-type]
            for p, n in zip(analog, numbers, strict=True)
        ]
        highs = [
            ExtremeCell(p.cell_voltage_max, n, p.cell_voltage_max_cell)  # type: ignore[arg-type]
            for p, n in zip(analog, numbers, strict=True)
        ]
        low = min(lows, key=_voltage)
        high = max(highs, key=_voltage)
    coldest = warmest = None
    temperatures = [cell_temperatures(pack) for pack in analog]
    if all(temperatures):
        coldest = min(
            (ExtremeTemperature(min(t), n) for t, n in zip(temperatures, numbers, strict=True)),
            key=_temperature,
        )
        warmest = max(
            (ExtremeTemperature(max(t), n) for t, n in zip(temperatures, numbers, strict=True)),
            key=_temperature,
        )
    alarms = None
    if all(pack.alarm is not None for pack in stack.packs):
        found = [
            (number, active_alarms(pack.alarm))  # type: ignore[arg-type]  # none is None
            for number, pack in zip(numbers, stack.packs, strict=True)
        ]
        alarms = tuple((number, keys) for number, keys in found if keys)
    return {
        "cell_voltage_min": low,
        "cell_voltage_max": high,
        "cell_voltage_delta": (
            round(high.voltage - low.voltage, 3) if low is not None and high is not None else None
        ),
        "temperature_min": coldest,
        "temperature_max": warmest,
        "alarms": alarms,
    }


def _temperature(extreme: ExtremeTemperature) -> float:
    return extreme.temperature


def _lowest(values: list[float | None]) -> float | None:
    return None if None in values else min(values)  # type: ignore[type-var]  # no None left


def _string(
    stack: StackData, modules: list[PackAnalogValues], shared: dict[str, Any]
) -> StackSummary:
    """Modules in series (a high-voltage string): the controller's own totals where it has them.

    Else voltages and powers add up, the current is the modules' average (one current flows
    through all), and the weakest module bounds the charge and the capacity.
    """
    voltage = _total([module.voltage for module in modules])
    currents = [module.current for module in modules]
    current = None if None in currents else round(sum(currents) / len(currents), 3)  # type: ignore[arg-type]
    power = _total([module.power for module in modules])
    soc = _lowest([module.soc for module in modules])
    remaining = _lowest([module.remaining_capacity for module in modules])
    system = stack.system
    if system is not None:
        voltage = system.voltage if system.voltage is not None else voltage
        current = system.current if system.current is not None else current
        power = system.power if system.power is not None else power
        soc = system.soc if system.soc is not None else soc
        if system.remaining_capacity is not None:
            remaining = system.remaining_capacity
    return StackSummary(
        power=power,
        current=current,
        voltage=voltage,
        soc=soc,
        remaining_capacity=remaining,
        full_capacity=_lowest([module.full_capacity for module in modules]),
        **shared,
    )
