"""Values derived from what the BMS reports, computed once, in the library.

`pack_values` builds a pack's model with its power, SOC and cell statistics; `summarize` totals a
stack (`StackSummary`); `active_alarms` lists what a pack reports wrong and `cell_temperatures`
its cell sensors; `EnergyMeter` integrates power into charged and discharged energy.
"""

from .alarms import active_alarms, cell_temperatures
from .energy_meter import EnergyMeter, EnergyTotals
from .pack_values import cell_statistics, pack_values
from .stack_summary import ExtremeCell, ExtremeTemperature, StackSummary, summarize

__all__ = [
    "EnergyMeter",
    "EnergyTotals",
    "ExtremeCell",
    "ExtremeTemperature",
    "StackSummary",
    "active_alarms",
    "cell_statistics",
    "cell_temperatures",
    "pack_values",
    "summarize",
]
