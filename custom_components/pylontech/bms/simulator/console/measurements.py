"""The values a simulated console serves: US packs side by side, or HV units in series.

Each pack (US) or unit (HV) is a `DriftingPack` of the binary simulator (protocol: pylontech,
profile: the US3000C's, resized), so values follow the same seeded charge/discharge cycle and
are a pure function of the simulation time. The console shows integers in milli-units:

- cell voltages in mV; a pack's or unit's voltage is the sum of its cells, a string's the
  sum of its units;
- temperatures in m°C to 100 m°C: sensor 0 is the board ("Tempr"), the others each cover a
  group of cells (each cell shows its group's temperature); US5000/US2000C packs also have
  a MOSFET sensor (the last);
- current in mA, + while charging; the units of an HV string share one current (their gain
  is the first unit's), so they differ only in their start charge;
- remaining capacity in mAh; SOC is ``round(100 * remaining / full)``; energy in mWh is the
  remaining mAh times the present voltage, its percentage is taken of ``full x 3.2 V x cells``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import random
from typing import TYPE_CHECKING

from ...dialects import get_dialect
from ...dialects.pylontech import US3000C
from ...dialects.typical import ServedIdentity
from ..drift import DriftingPack

if TYPE_CHECKING:
    from collections.abc import Callable

NOMINAL_CELL_MV = 3200
"""The cell voltage energy percentages are taken against."""
IDLE_MA = 50
"""Below this current (mA) a pack is "Idle"."""
START = datetime(2024, 6, 1, 12, 0, 0)  # the BMS clock has no time zone
"""The BMS clock at simulation time 0 unless told otherwise."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackKind:
    """A pack or unit model as `info` describes it (values from the info dumps)."""

    name: str
    capacity_ah: int
    cells: int
    max_current_ma: int
    board: str
    main_soft: str
    soft: str
    boot: str
    release: str
    mosfet: bool = False
    extra_board: str | None = None
    """US5000's "Board" line (ioBroker_US_info_1.txt)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One pack or unit at one time, as the console prints it."""

    index: int
    """1-based position (US) or unit number (HV)."""
    kind: PackKind
    barcode: str
    cells_mv: tuple[int, ...]
    cell_temps: tuple[int, ...]
    """m°C of each cell (its sensor group's)."""
    current_ma: int
    board_temp: int
    mosfet_temp: int | None
    remaining_mah: int
    full_mah: int
    cycles: int
    time: str
    """The pack's clock, "YYYY-MM-DD hh:mm:ss"."""

    @property
    def voltage_mv(self) -> int:
        """Sum of the cells."""
        return sum(self.cells_mv)

    @property
    def soc(self) -> int:
        """State of charge, %."""
        return round(100 * self.remaining_mah / self.full_mah)

    @property
    def energy_mwh(self) -> int:
        """Remaining energy: remaining mAh at the present voltage."""
        return round(self.remaining_mah * self.voltage_mv / 1000)

    @property
    def energy_percent(self) -> int:
        """Remaining energy as a share of full capacity at the nominal voltage, %."""
        full = self.full_mah * NOMINAL_CELL_MV * len(self.cells_mv) / 1000
        return min(100, round(100 * self.energy_mwh / full))

    @property
    def state(self) -> str:
        """Base state: Charge, Dischg or Idle."""
        if self.current_ma >= IDLE_MA:
            return "Charge"
        return "Dischg" if self.current_ma <= -IDLE_MA else "Idle"

    @property
    def temp_low(self) -> int:
        """Coolest cell, m°C."""
        return min(self.cell_temps)

    @property
    def temp_high(self) -> int:
        """Warmest cell, m°C."""
        return max(self.cell_temps)


def _milli(value: float, step: int = 1) -> int:
    """`value` in milli-units, to `step` milli-units."""
    return round(value * 1000 / step) * step


class DriftingConsoleStack:
    """Drifting packs (US) or units in series (HV) of `kinds`, read at `clock()` seconds.

    `series` makes the packs HV units sharing one current. `start` is the BMS clock at time 0.
    """

    def __init__(
        self,
        kinds: list[PackKind],
        *,
        series: bool,
        seed: int,
        clock: Callable[[], float],
        amplitude: float,
        start: datetime = START,
    ) -> None:
        """Draw every pack from `seed`; `amplitude` is the current's peak in A."""
        self.series = series
        self.clock = clock
        self.start = start
        dialect = get_dialect("pylontech")
        rng = random.Random(seed)  # noqa: S311  # a simulation, not cryptography
        phase = rng.uniform(0, 6.283)
        first = rng.randrange(100000, 900000)
        self.packs: list[DriftingPack] = []
        self.kinds = tuple(kinds)
        self.barcodes = tuple(
            f"PPTBH0{first + index:06d}2{index:03d}" for index in range(len(kinds))
        )
        self.skews = tuple(0 if series else rng.randint(0, 3) for _ in kinds)
        for index, kind in enumerate(kinds):
            profile = replace(
                US3000C,
                cells=kind.cells,
                temperatures=6 if kind.mosfet else 5,
                full_capacity=(kind.capacity_ah, kind.capacity_ah),
                current_amplitude=amplitude * kind.capacity_ah / max(k.capacity_ah for k in kinds),
            )
            identity = ServedIdentity(
                serial_number=self.barcodes[index], model=kind.name, software_version=kind.soft
            )
            self.packs.append(
                DriftingPack(
                    dialect,
                    profile,
                    address=index + 1,
                    identity=identity,
                    phase=phase,
                    rng=random.Random(f"{seed}:console:{index}"),  # noqa: S311
                )
            )
        if series:
            for pack in self.packs:
                pack.gain = self.packs[0].gain

    def now(self) -> float:
        """Simulation seconds."""
        return self.clock()

    def clock_text(self, t: float, skew: int = 0) -> str:
        """The BMS clock at simulation time `t`, "YYYY-MM-DD hh:mm:ss"."""
        moment = self.start + timedelta(seconds=int(t) + skew)
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    def reading(self, index: int, t: float) -> Reading:
        """Pack or unit `index` (1-based) at simulation time `t`."""
        pack = self.packs[index - 1]
        kind = self.kinds[index - 1]
        current = pack.current(t)
        temps = [
            _milli(pack.ambient + offset + per_amp * abs(current), 100)
            for offset, per_amp in pack.heat
        ]
        groups = 4
        cell_temps = tuple(temps[1 + cell * groups // kind.cells] for cell in range(kind.cells))
        return Reading(
            index=index,
            kind=kind,
            barcode=self.barcodes[index - 1],
            cells_mv=tuple(_milli(volt) for volt in pack.cell_voltages(t)),
            cell_temps=cell_temps,
            current_ma=_milli(current),
            board_temp=temps[0],
            mosfet_temp=temps[5] if kind.mosfet else None,
            remaining_mah=_milli(pack.remaining_capacity(t)),
            full_mah=kind.capacity_ah * 1000,
            cycles=pack.cycles,
            time=self.clock_text(t, self.skews[index - 1]),
        )

    def readings(self, t: float) -> list[Reading]:
        """Every pack or unit at simulation time `t`, in order."""
        return [self.reading(index, t) for index in range(1, len(self.packs) + 1)]
