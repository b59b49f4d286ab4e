"""How a sensor's state is made from the library's values: signs, units, names of alarms.

The tables in sensor_descriptions.py say which sensors exist; these are the functions their
rows call.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from .bms import active_alarms, cell_temperatures

if TYPE_CHECKING:
    from .bms import (
        ExtremeCell,
        ExtremeTemperature,
        PackAlarmInfo,
        PackAnalogValues,
        StackSummary,
    )

type Attributes = dict[str, Any] | None

IDLE_CURRENT = 0.1  # A; below this a pack is neither charging nor discharging


def battery_state(analog: PackAnalogValues) -> str | None:
    """Charging, discharging or idle, from the pack's current."""
    if analog.current is None:
        return None
    if analog.current > IDLE_CURRENT:
        return "charging"
    if analog.current < -IDLE_CURRENT:
        return "discharging"
    return "idle"


NO_ALARMS = "OK"
"""The state of an alarm summary with nothing to report."""
MAX_STATE = 255
"""Characters Home Assistant keeps of a state."""


@functools.lru_cache(maxsize=512)  # a few hundred keys exist; each is worded once
def alarm_words(key: str) -> str:
    """An alarm key (the library's, `active_alarms`) as words.

    "cell_3_voltage_above_upper_limit" becomes "Cell 3 voltage above upper limit".
    """
    return key.replace("_", " ").capitalize()


def alarm_text(parts: list[str]) -> str:
    """The summary's state: the alarms named, or `NO_ALARMS`, cut to what a state may hold."""
    if not parts:
        return NO_ALARMS
    text = ", ".join(parts)
    return text if len(text) <= MAX_STATE else text[: MAX_STATE - 1] + "…"


def pack_alarms(alarm: PackAlarmInfo | None) -> str | None:
    """A pack's alarm summary: what `active_alarms` lists, in words."""
    if alarm is None:
        return None
    return alarm_text([alarm_words(key) for key in active_alarms(alarm)])


def stack_alarms(summary: StackSummary) -> str | None:
    """The stack's alarm summary: each pack with an alarm, by its number, and its alarms."""
    if summary.alarms is None:
        return None
    return alarm_text(
        [
            f"Pack {number}: {'; '.join(alarm_words(key) for key in keys)}"
            for number, keys in summary.alarms
        ]
    )


def discharging_positive(power: float | None) -> float | None:
    """Power in the Energy dashboard's sign for a battery: positive while discharging."""
    return None if power is None else 0.0 - power  # 0.0 - x: never "-0"


def reports_cell_temperatures(analog: PackAnalogValues, _: PackAlarmInfo | None) -> bool:
    """Two or more cell sensors, and no lowest/highest of the BMS's own (consoles have them)."""
    own = {"cell_low", "cell_high"}.intersection(analog.temperature_names)
    return not own and len(cell_temperatures(analog)) >= 2


def coldest(analog: PackAnalogValues, _: PackAlarmInfo | None) -> float | None:
    """The lowest of the pack's cell temperatures."""
    return min(cell_temperatures(analog), default=None)


def warmest(analog: PackAnalogValues, _: PackAlarmInfo | None) -> float | None:
    """The highest of the pack's cell temperatures."""
    return max(cell_temperatures(analog), default=None)


def where_temperature(extreme: ExtremeTemperature | None) -> Attributes:
    """The pack (from 1) an extreme temperature was measured in."""
    return None if extreme is None else {"pack": extreme.pack}


def where_cell(cell: ExtremeCell | None) -> Attributes:
    """The pack and the cell (both from 1) an extreme cell voltage is in."""
    return None if cell is None else {"pack": cell.pack, "cell": cell.cell}


def millivolts(volts: float | None) -> float | None:
    """Volts as whole millivolts (the BMS reports cells to the mV)."""
    return None if volts is None else round(volts * 1000)
