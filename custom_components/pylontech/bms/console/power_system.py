"""`pwrsys`: the whole US stack as its master sees it (US2000C firmware B67.5.0 in debug mode).

A key/value answer under the title "Power System Information": the state ("System is
discharging"), the pack counts, the stack's voltage, current, capacities, SOC and SOH, the
extreme and average cell voltage and temperature, and the charge and discharge limits the
master recommends, for one pack and for the whole system ("system Recommend ..."), in mV, mA,
mAH and m°C ("mC") as the other commands print them (tests/vectors/console, the Hrabovszki1023
capture).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..exceptions import PylontechConsoleError
from ..models import model
from .named_fields import pair_fields
from .numbers import integer, quantity

if TYPE_CHECKING:
    from .models import Other
    from .named_fields import Fields

_STATE = re.compile(r"^System is (\w+)$", re.IGNORECASE)


@model
class Recommended:
    """Charge and discharge limits the master recommends: V, V, A, A.

    The discharge current is negative, as printed.
    """

    charge_voltage: float | None
    discharge_voltage: float | None
    charge_current: float | None
    discharge_current: float | None


@model
class PowerSystem:
    """`pwrsys`: the stack's totals and limits, in V, A, Ah, %, °C."""

    state: str | None
    """"discharging", "charging", "idle"... as the title line says, lower case."""
    total_packs: int | None
    present_packs: int | None
    sleeping_packs: int | None
    voltage: float | None
    current: float | None
    remaining_capacity: float | None
    full_capacity: float | None
    soc: float | None
    soh: float | None
    cell_voltage_max: float | None
    cell_voltage_average: float | None
    cell_voltage_min: float | None
    temperature_max: float | None
    temperature_average: float | None
    temperature_min: float | None
    pack_limits: Recommended
    """"Recommend chg voltage" and the like: for one pack."""
    system_limits: Recommended
    """"system Recommend chg voltage" and the like: for the whole stack."""
    other: Other


def _limits(fields: Fields, prefix: str) -> Recommended:
    text = fields.text
    names = ("chg voltage", "dsg voltage", "chg current", "dsg current")
    values = [
        quantity(text(f"{prefix}Recommend {name}"), f"{prefix}Recommend {name}") for name in names
    ]
    return Recommended(
        charge_voltage=values[0],
        discharge_voltage=values[1],
        charge_current=values[2],
        discharge_current=values[3],
    )


def parse_power_system(lines: list[str], number: int | None) -> PowerSystem:
    """`pwrsys`: the pairs under "Power System Information"."""
    fields, titles = pair_fields(lines)
    state = next((m.group(1).lower() for t in titles if (m := _STATE.match(t))), None)

    def value(name: str) -> float | None:
        return quantity(fields.text(name), name)

    voltage = value("System Volt")
    if voltage is None and fields.text("Total Num") is None:
        msg = "no power system information"
        raise PylontechConsoleError(msg)
    return PowerSystem(
        state=state,
        total_packs=integer(fields.text("Total Num"), "Total Num"),
        present_packs=integer(fields.text("Present Num"), "Present Num"),
        sleeping_packs=integer(fields.text("Sleep Num"), "Sleep Num"),
        voltage=voltage,
        current=value("System Curr"),
        remaining_capacity=value("System RC"),
        full_capacity=value("System FCC"),
        soc=value("System SOC"),
        soh=value("System SOH"),
        cell_voltage_max=value("Highest voltage"),
        cell_voltage_average=value("Average voltage"),
        cell_voltage_min=value("Lowest voltage"),
        temperature_max=value("Highest temperature"),
        temperature_average=value("Average temperature"),
        temperature_min=value("Lowest temperature"),
        pack_limits=_limits(fields, ""),
        system_limits=_limits(fields, "system "),
        other=fields.other(),
    )
