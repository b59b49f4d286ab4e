"""A simulated pack: its address, identity and wire choices, and what it measures at a time."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..dialects.typical import ServedIdentity
    from ..models import PackAlarmInfo, PackAnalogValues


class SimulatedPack(ABC):
    """One pack of a simulated stack.

    `analog_values(t)` and `alarm_info(t)` are what the pack reports `t` seconds after the
    simulation began; they must name the pack's `address`.
    """

    address: int
    identity: ServedIdentity
    user_defined: int | None
    """The 0x42 "user defined" count this pack's firmware sends; None: the encoder's default."""

    @abstractmethod
    def analog_values(self, t: float) -> PackAnalogValues:
        """The 0x42 model at time `t`."""
        raise NotImplementedError

    @abstractmethod
    def alarm_info(self, t: float) -> PackAlarmInfo:
        """The 0x44 model at time `t`."""
        raise NotImplementedError


class StaticPack(SimulatedPack):
    """A pack that reports fixed models (a scenario); assign `analog` or `alarm` to change them."""

    def __init__(
        self,
        *,
        address: int,
        identity: ServedIdentity,
        analog: PackAnalogValues,
        alarm: PackAlarmInfo,
        user_defined: int | None = None,
    ) -> None:
        """Serve `analog` and `alarm` at `address`."""
        self.address = address
        self.identity = identity
        self.user_defined = user_defined
        self.analog = analog
        self.alarm = alarm

    def analog_values(self, t: float) -> PackAnalogValues:
        """The fixed 0x42 model, naming this pack."""
        analog = self.analog
        return analog if analog.address == self.address else replace(analog, address=self.address)

    def alarm_info(self, t: float) -> PackAlarmInfo:
        """The fixed 0x44 model, naming this pack."""
        alarm = self.alarm
        return alarm if alarm.address == self.address else replace(alarm, address=self.address)
