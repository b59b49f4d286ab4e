"""Build the models a simulated pack serves, with the derived values the decoder would give.

Primary values (cells, temperatures, current, capacities, states, status bytes) go in; power,
cell statistics, SOC and its source, flags, balancing and MOSFET states are derived here the
way `dialects.decoders` derives them from the wire, so a served model and its decoded answer
agree within the wire's resolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..dialects.alarm_decoder import AlarmDecoder
from ..dialects.decoders import AnalogDecoder
from ..models import (
    AlarmLevel,
    Flag,
    PackAlarmInfo,
    PackAnalogValues,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ..dialects import Dialect


def analog_decoder(dialect: Dialect) -> AnalogDecoder:
    """The dialect's 0x42 decoder."""
    decoder = dialect.command(0x42).decoder
    assert isinstance(decoder, AnalogDecoder)
    return decoder


def alarm_decoder(dialect: Dialect) -> AlarmDecoder:
    """The dialect's 0x44 decoder."""
    decoder = dialect.command(0x44).decoder
    assert isinstance(decoder, AlarmDecoder)
    return decoder


def soc_byte(soc: float | None, remaining: float | None, full: float | None) -> bytes:
    """The one-byte SOC tail of PACE 1B470 firmware: `soc`, else remaining / full; else none."""
    if soc is None and remaining is not None and full:
        soc = remaining / full * 100
    if soc is None:
        return b""
    return bytes([max(0, min(100, round(soc)))])


def analog_values(
    dialect: Dialect,
    *,
    address: int,
    cell_voltages: tuple[float | None, ...],
    temperatures: tuple[float | None, ...],
    current: float,
    voltage: float | None,
    remaining_capacity: float | None,
    full_capacity: float | None,
    design_capacity: float | None,
    cycles: int | None,
    extra: bytes = b"",
    soc: float | None = None,
    soh: float | None = None,
) -> PackAnalogValues:
    """A pack's 0x42 model with its values derived exactly as a decoder derives them.

    `soc` and `soh` are what a BMS that reports them sends (Seplos, EG4); without `soc` the
    SOC follows from the capacities, as a decoder derives it.
    """
    values = {
        "soc": soc,
        "soh": soh,
        "cell_voltages": cell_voltages,
        "temperatures": temperatures,
        "current": current,
        "voltage": voltage,
        "remaining_capacity": remaining_capacity,
        "full_capacity": full_capacity,
        "design_capacity": design_capacity,
        "cycles": cycles,
    }
    names = dialect.names_for_temperatures(len(temperatures))
    return analog_decoder(dialect).pack_values(values, extra, address, names)


def status_bytes(
    dialect: Dialect,
    *,
    base: tuple[int, ...] | None = None,
    flags: Mapping[str, bool] | None = None,
    charge_mosfet: bool | None = None,
    discharge_mosfet: bool | None = None,
    balancing_cells: Iterable[int] | None = None,
) -> tuple[int, ...]:
    """The 0x44 status bytes of a pack.

    `base` (default: nothing set but both MOSFETs on), then each named flag set or cleared,
    then the MOSFET bits, then (PACE) the balancing bits of the cells.
    """
    decoder = alarm_decoder(dialect)
    values = dict(zip(decoder.status_keys, base or (0,) * len(decoder.status_keys), strict=True))
    rows = {key: (byte, bit) for byte, bit, key, _category in decoder.flags}
    changes: list[tuple[tuple[str, int] | None, bool | None]] = []
    if base is None:
        changes += [(decoder.charge_mosfet, True), (decoder.discharge_mosfet, True)]
    changes += [(rows[key], active) for key, active in (flags or {}).items()]
    changes += [
        (decoder.charge_mosfet, charge_mosfet),
        (decoder.discharge_mosfet, discharge_mosfet),
    ]
    for where, active in changes:
        if where is not None and active is not None:
            byte, bit = where
            values[byte] = values[byte] | 1 << bit if active else values[byte] & ~(1 << bit)
    if decoder.balance_keys is not None and balancing_cells is not None:
        mask = sum(1 << cell - 1 for cell in set(balancing_cells))
        for index, key in enumerate(decoder.balance_keys):
            values[key] = mask >> 8 * index & 0xFF
    return tuple(values.values())


def alarm_info(
    dialect: Dialect,
    *,
    address: int,
    cell_states: tuple[AlarmLevel, ...],
    temperature_states: tuple[AlarmLevel, ...],
    charge_current_state: AlarmLevel = AlarmLevel.NORMAL,
    voltage_state: AlarmLevel = AlarmLevel.NORMAL,
    discharge_current_state: AlarmLevel = AlarmLevel.NORMAL,
    status: tuple[int, ...],
    extra: bytes = b"",
) -> PackAlarmInfo:
    """A pack's 0x44 model: flags, balancing and MOSFETs read from the `status` bytes."""
    decoder = alarm_decoder(dialect)
    values = dict(zip(decoder.status_keys, status, strict=True))
    balancing = None
    if decoder.balance_keys is not None:
        mask = sum(values[key] << 8 * index for index, key in enumerate(decoder.balance_keys))
        balancing = tuple(cell + 1 for cell in range(mask.bit_length()) if mask >> cell & 1)
    mosfets = [
        None if where is None else bool(values[where[0]] >> where[1] & 1)
        for where in (decoder.charge_mosfet, decoder.discharge_mosfet)
    ]
    return PackAlarmInfo(
        address=address,
        cell_states=cell_states,
        temperature_states=temperature_states,
        temperature_names=dialect.names_for_temperatures(len(temperature_states)),
        charge_current_state=charge_current_state,
        voltage_state=voltage_state,
        discharge_current_state=discharge_current_state,
        flags=tuple(
            Flag(key=key, category=category, active=bool(values[byte] >> bit & 1))
            for byte, bit, key, category in decoder.flags
        ),
        balancing_cells=balancing,
        charge_mosfet=mosfets[0],
        discharge_mosfet=mosfets[1],
        status_bytes=status,
        extra=extra,
    )
