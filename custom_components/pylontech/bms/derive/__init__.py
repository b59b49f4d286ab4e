"""Values derived from what the BMS reports, computed once, in the library.

`pack_values` builds a pack's model with its power, SOC and cell statistics; `summarize` totals a
stack (`StackSummary`); `EnergyMeter` integrates power into charged and discharged energy.
"""

from .energy_meter import EnergyMeter, EnergyTotals
from .pack_values import cell_statistics, pack_values
from .stack_summary import ExtremeCell, StackSummary, summarize

__all__ = [
    "EnergyMeter",
    "EnergyTotals",
    "ExtremeCell",
    "StackSummary",
    "cell_statistics",
    "pack_values",
    "summarize",
]
