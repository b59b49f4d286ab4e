"""A pack whose values drift: a slow charge/discharge cycle with consistent measurements.

The values at time `t` are a pure function of the pack's seeded parameters and `t` (seconds
since the simulation began), so a test that sets `t` knows exactly what is served:

- current: ``A * gain * sin(2 pi t / PERIOD + phase)``; the phase is shared by the stack, the
  gain (0.95 .. 1.05) is the pack's own, A is the profile's amplitude (about 20 A per pack);
- remaining capacity: the start charge plus the integral of that current (coulomb counting,
  in closed form, so it never runs away), kept within 0 .. full;
- cell voltages: a LiFePO4 open-circuit curve at that SOC (3.0 V empty .. 3.45 V full), plus
  the current through each cell's resistance and a fixed offset of a few mV per cell;
- pack voltage: the sum of the cells, at the wire's resolution; temperatures: ambient plus a little per ampere;
- SOC and SOH (Seplos, EG4): the remaining charge over the full capacity at the BMS's
  resolution, and the profile's SOH;
- alarms: all normal, both MOSFETs on, the charge/discharge status bits following the
  current, and (PACE, Seplos, EG4) the cells more than 4 mV above the lowest balanced while
  charging.
"""

from __future__ import annotations

from bisect import bisect_right
import math
from typing import TYPE_CHECKING

from ..models import AlarmLevel, PackAlarmInfo, PackAnalogValues
from .pack import SimulatedPack
from .served import alarm_decoder, alarm_info, analog_values, soc_byte, status_bytes

if TYPE_CHECKING:
    import random

    from ..dialects import Dialect
    from ..dialects.typical import ServedIdentity, TypicalPack

PERIOD = 600.0
"""Seconds of one charge/discharge cycle."""
CELL_RESISTANCE = 0.0008  # ohm per cell
BALANCE_THRESHOLD = 0.004  # V above the lowest cell
# (SOC, open-circuit cell voltage) of a LiFePO4 cell: steep at both ends, flat in between.
OCV_CURVE = (
    (0.00, 3.000), (0.05, 3.200), (0.10, 3.250), (0.20, 3.280), (0.30, 3.295), (0.40, 3.303),
    (0.50, 3.310), (0.60, 3.318), (0.70, 3.328), (0.80, 3.337), (0.90, 3.350), (0.95, 3.380),
    (1.00, 3.450),
)  # fmt: skip
_OCV_SOC = [soc for soc, _ in OCV_CURVE]
# Sensors near heat sources run warmer and heat up faster with the current (°C, °C per A).
_HEAT = {"bms_board": (2.0, 0.08), "mosfet": (3.0, 0.1), "environment": (0.0, 0.0)}
_CELL_HEAT = (0.0, 0.04)


def open_circuit_voltage(soc: float) -> float:
    """Cell voltage at rest for a state of charge from 0 to 1, interpolated on `OCV_CURVE`."""
    soc = min(max(soc, 0.0), 1.0)
    index = min(bisect_right(_OCV_SOC, soc), len(OCV_CURVE) - 1)
    (soc_low, low), (soc_high, high) = OCV_CURVE[index - 1], OCV_CURVE[index]
    return low + (high - low) * (soc - soc_low) / (soc_high - soc_low)


class DriftingPack(SimulatedPack):
    """A pack of `profile` whose measurements follow the stack's charge/discharge cycle."""

    def __init__(
        self,
        dialect: Dialect,
        profile: TypicalPack,
        *,
        address: int,
        identity: ServedIdentity,
        phase: float,
        rng: random.Random,
    ) -> None:
        """Draw the pack's own parameters from `rng`; `phase` is the stack's."""
        self.dialect = dialect
        self.profile = profile
        self.address = address
        self.identity = identity
        self.user_defined = profile.user_defined
        self.phase = phase
        self.gain = rng.uniform(0.95, 1.05)
        self.full_capacity = round(rng.uniform(*profile.full_capacity), 2)
        self.start_charge = rng.uniform(0.45, 0.75) * self.full_capacity
        self.cycles = rng.randint(*profile.cycles)
        self.cell_offsets = tuple(rng.uniform(-0.003, 0.003) for _ in range(profile.cells))
        self.ambient = rng.uniform(20.0, 25.0)
        names = dialect.names_for_temperatures(profile.temperatures)
        self.heat = tuple(
            (offset + rng.uniform(-0.5, 0.5), per_amp)
            for offset, per_amp in (_HEAT.get(name, _CELL_HEAT) for name in names)
        )

    def current(self, t: float) -> float:
        """A at time `t`, positive while charging."""
        angle = 2 * math.pi * t / PERIOD + self.phase
        return self.profile.current_amplitude * self.gain * math.sin(angle)

    def remaining_capacity(self, t: float) -> float:
        """Ah at time `t`: the start charge plus the integral of `current` since 0."""
        omega = 2 * math.pi / PERIOD
        amplitude = self.profile.current_amplitude * self.gain
        moved = amplitude / omega * (math.cos(self.phase) - math.cos(omega * t + self.phase))
        return min(max(self.start_charge + moved / 3600, 0.0), self.full_capacity)

    def cell_voltages(self, t: float) -> tuple[float, ...]:
        """V of each cell at time `t`, to the millivolt."""
        rest = open_circuit_voltage(self.remaining_capacity(t) / self.full_capacity)
        drop = self.current(t) * CELL_RESISTANCE
        return tuple(round(rest + drop + offset, 3) for offset in self.cell_offsets)

    def analog_values(self, t: float) -> PackAnalogValues:
        """The 0x42 model at time `t`."""
        current = round(self.current(t), 2)
        remaining = round(self.remaining_capacity(t), 2)
        cells = self.cell_voltages(t)
        full = self.full_capacity
        profile = self.profile
        soc = None
        if profile.soc_step is not None:  # the BMS's own SOC, at its resolution
            soc = round(remaining / full * 100 / profile.soc_step) * profile.soc_step
            soc = round(soc, 1)
        return analog_values(
            self.dialect,
            address=self.address,
            cell_voltages=cells,
            temperatures=tuple(
                round(self.ambient + offset + per_amp * abs(current), 1)
                for offset, per_amp in self.heat
            ),
            current=current,
            voltage=round(round(sum(cells) / profile.voltage_step) * profile.voltage_step, 3),
            remaining_capacity=remaining,
            full_capacity=full,
            design_capacity=self.profile.design_capacity,
            cycles=self.cycles,
            extra=soc_byte(None, remaining, full) if self.profile.soc_tail else b"",
            soc=soc,
            soh=profile.soh,
        )

    def alarm_info(self, t: float) -> PackAlarmInfo:
        """The 0x44 model at time `t`: normal states, status bits following the current."""
        current = self.current(t)
        charging, discharging = current > 0, current < 0
        wanted = {
            "charging": charging,
            "discharging": discharging,
            "effective_charge_current": charging,
            "effective_discharge_current": discharging,
            "using_battery_power": discharging,
            "fully_charged": self.remaining_capacity(t) >= 0.995 * self.full_capacity,
        }
        known = {key for _byte, _bit, key, _category in alarm_decoder(self.dialect).flags}
        cells = self.cell_voltages(t)
        lowest = min(cells)
        balancing = [
            number
            for number, voltage in enumerate(cells, start=1)
            if charging and voltage - lowest >= BALANCE_THRESHOLD
        ]
        normal = AlarmLevel.NORMAL
        return alarm_info(
            self.dialect,
            address=self.address,
            cell_states=(normal,) * len(cells),
            temperature_states=(normal,) * len(self.heat),
            status=status_bytes(
                self.dialect,
                flags={key: value for key, value in wanted.items() if key in known},
                balancing_cells=balancing,
            ),
        )
