"""A simulated BMS stack that answers the binary protocol on TCP: for tests, demos and users.

`Simulator` serves N packs of a dialect, invented and drifting (`drift`) or from a scenario
(`scenario`), with serial-line timing and injected faults (`faults`). Its answers are built only
with the dialects' encoders, so they have the layout of real answers.
"""

from ..dialects.typical import ServedIdentity
from .binary.scenario import Scenario, load_scenario, parse_scenario
from .binary.scenario_fields import ScenarioError
from .binary.simulator import Simulator
from .binary.stack import Reply, SimulatedStack
from .console.simulator import ConsoleSimulator
from .drift import DriftingPack
from .faults import FaultKind, FaultPlan, FaultSpecError
from .pack import SimulatedPack, StaticPack

__all__ = [
    "ConsoleSimulator",
    "DriftingPack",
    "FaultKind",
    "FaultPlan",
    "FaultSpecError",
    "Reply",
    "Scenario",
    "ScenarioError",
    "ServedIdentity",
    "SimulatedPack",
    "SimulatedStack",
    "Simulator",
    "StaticPack",
    "load_scenario",
    "parse_scenario",
]
