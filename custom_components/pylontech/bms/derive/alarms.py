"""What is wrong with a pack now, as one list, and a pack's cell temperatures.

A BMS reports trouble in two ways: named bits (protections, faults, warnings) and a state per
value (a cell's voltage, a temperature, the currents) that says whether the value is below or
above its limit. `active_alarms` folds both into one tuple of keys, most serious first, so that
a summary can name them; an empty tuple is a pack with nothing to report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import AlarmLevel, FlagCategory

if TYPE_CHECKING:
    from ..models import PackAlarmInfo, PackAnalogValues

SERIOUS_FIRST = (FlagCategory.PROTECTION, FlagCategory.FAULT, FlagCategory.WARNING)
"""The flag categories that are alarms, in the order a summary names them (status bits, such as
"charging" or a MOSFET's state, are not alarms)."""


_KEPT = 64
"""Answers `active_alarms` remembers: a refresh asks it about each pack's answer several times
(its summary, its attributes, the stack's summary), and an unchanged answer is the same object
poll after poll (binary/repeats.py)."""
_seen: dict[int, tuple[PackAlarmInfo, tuple[str, ...]]] = {}


def active_alarms(alarm: PackAlarmInfo) -> tuple[str, ...]:
    """Keys of the pack's active protections, faults and warnings, then of its values out of limits.

    A value out of limits is keyed by what it is and how: "cell_3_voltage_above_upper_limit",
    "temperature_2_below_lower_limit" (numbered as the pack's temperature list),
    "voltage_above_upper_limit", "charge_current_other_error".
    """
    seen = _seen.get(id(alarm))
    if seen is not None and seen[0] is alarm:  # the answer itself is kept: its id is not reused
        return seen[1]
    keys = _active(alarm)
    if len(_seen) >= _KEPT:
        _seen.clear()
    _seen[id(alarm)] = (alarm, keys)
    return keys


def _active(alarm: PackAlarmInfo) -> tuple[str, ...]:
    keys = [
        flag.key
        for category in SERIOUS_FIRST
        for flag in alarm.flags
        if flag.active and flag.category is category
    ]
    normal = AlarmLevel.NORMAL
    keys += (
        f"cell_{number}_voltage_{state}"
        for number, state in enumerate(alarm.cell_states, 1)
        if state is not normal
    )
    keys += (
        f"temperature_{number}_{state}"
        for number, state in enumerate(alarm.temperature_states, 1)
        if state is not normal
    )
    keys += (
        f"{name}_{state}"
        for name, state in (
            ("voltage", alarm.voltage_state),
            ("charge_current", alarm.charge_current_state),
            ("discharge_current", alarm.discharge_current_state),
        )
        if state is not normal
    )
    return tuple(keys)


AMBIENT_SENSORS = frozenset({"bms_board", "mosfet", "environment", "pack", "unit"})
"""Sensors that do not sit on the cells: the board, the MOSFETs, the air, a whole pack or module."""


def cell_temperatures(pack: PackAnalogValues) -> tuple[float, ...]:
    """The pack's valid temperatures measured at its cells.

    Sensors named for cells where the dialect names them ("cells_1_4", "cell_sensor_2", the
    console's "cell_low" and "cell_high"); where it only numbers them, every numbered sensor
    (a BMS's numbered sensors are its cell sensors, the board and MOSFET ones having names).
    """
    return tuple(
        value
        for value, name in zip(pack.temperatures, pack.temperature_names, strict=False)
        if value is not None and name not in AMBIENT_SENSORS
    )
