"""The derived values beside the pack model, on real captures: alarms, cell temperatures, and the
stack's extreme temperatures, cell spread and alarms."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.pylontech.bms import (
    AlarmInfo,
    AlarmLevel,
    AnalogValues,
    FlagCategory,
    PackAlarmInfo,
    PackAnalogValues,
    PackData,
    PylontechError,
    StackData,
    active_alarms,
    cell_temperatures,
    decode_response,
    summarize,
)
from tests import captures


def _decodes(capture: captures.Capture) -> bool:
    try:
        decode_response(capture.frame, capture.command)
    except PylontechError:  # refused, and tested so, with the captures (test_captures.py)
        return False
    return True


HEALTHY_ALARMS = [
    c for c in captures.ALL if c.direction == "response" and c.command == 0x44 and _decodes(c)
]


def _alarm(capture_id: str) -> PackAlarmInfo:
    capture = next(c for c in captures.ALL if c.id == capture_id)
    _, alarm = decode_response(capture.frame, 0x44)
    assert isinstance(alarm, AlarmInfo)
    return alarm.packs[0]


def _analog(capture_id: str) -> tuple[PackAnalogValues, ...]:
    capture = next(c for c in captures.ALL if c.id == capture_id)
    _, analog = decode_response(capture.frame, 0x42)
    assert isinstance(analog, AnalogValues)
    return analog.packs


@pytest.mark.parametrize("capture", HEALTHY_ALARMS, ids=lambda c: c.id)
def test_a_healthy_pack_has_no_alarm(capture: captures.Capture) -> None:
    """Every real 0x44 answer we have is of a healthy pack; its MOSFET, charging and other
    status bits are set, and none of them is an alarm."""
    _, alarm = decode_response(capture.frame, 0x44)
    assert isinstance(alarm, AlarmInfo)
    for pack in alarm.packs:
        assert any(flag.active for flag in pack.flags)
        assert active_alarms(pack) == ()


def test_alarms_serious_first_then_values_out_of_limits() -> None:
    """A real PACE answer with a warning, a fault, a protection (set in that frame order) and
    three states out of limits."""
    healthy = _alarm("pace-0x25:4:0x44")
    warning, fault, protection = (
        next(f for f in healthy.flags if f.category is category)
        for category in (FlagCategory.WARNING, FlagCategory.FAULT, FlagCategory.PROTECTION)
    )
    flags = tuple(
        replace(flag, active=True) if flag in (warning, fault, protection) else flag
        for flag in healthy.flags
    )
    cells = list(healthy.cell_states)
    cells[2] = AlarmLevel.ABOVE_UPPER_LIMIT
    temperatures = list(healthy.temperature_states)
    temperatures[0] = AlarmLevel.BELOW_LOWER_LIMIT
    pack = replace(
        healthy,
        flags=flags,
        cell_states=tuple(cells),
        temperature_states=tuple(temperatures),
        discharge_current_state=AlarmLevel.OTHER_ERROR,
    )
    assert active_alarms(pack) == (
        protection.key,
        fault.key,
        warning.key,
        "cell_3_voltage_above_upper_limit",
        "temperature_1_below_lower_limit",
        "discharge_current_other_error",
    )


@pytest.mark.parametrize(
    ("capture_id", "at_cells"),
    [
        ("pylontech-0x20:25:0x42", 4),  # BMS board, four cell groups
        ("pace-0x25:2:0x42", 4),  # four cell sensors, MOSFET, environment
        ("seplos-v2-0x20:2:0x42", 4),  # four cell sensors, environment, MOSFET
        ("eg4-0x20:2:0x42", 4),  # four cell sensors, environment, MOSFET
        ("boqiang-0x26:6:0x42", 2),  # six sensors, numbered only, four of them absent
    ],
)
def test_cell_temperatures_are_the_sensors_at_the_cells(capture_id: str, at_cells: int) -> None:
    """The sensors the dialect names for cells (or only numbers), in order; board, MOSFET and
    air left out."""
    for pack in _analog(capture_id):
        expected = tuple(
            value
            for value, name in zip(pack.temperatures, pack.temperature_names, strict=True)
            if name.startswith(("cell", "temperature_")) and value is not None
        )
        assert len(expected) == at_cells
        assert cell_temperatures(pack) == expected


def test_a_missing_temperature_is_left_out() -> None:
    """A sensor whose value was screened out (None) is no temperature."""
    pack = _analog("pace-0x25:2:0x42")[0]
    some = replace(pack, temperatures=(None, *pack.temperatures[1:]))
    assert cell_temperatures(some) == pack.temperatures[1:4]


def test_stack_extremes_spread_and_alarms_from_real_packs() -> None:
    """Two real packs of one all-packs answer: the coldest and warmest cell sensor with the pack
    it is in, the stack's cell spread, and no alarm; any pack without an alarm answer: None."""
    packs = _analog("pylontech-0x20:25:0x42")
    assert len(packs) >= 2
    alarm = _alarm("pylontech-0x20:62:0x44")
    stack = StackData(
        dialect="pylontech",
        packs=tuple(
            PackData(address=2 + index, analog=replace(pack, address=2 + index), alarm=alarm)
            for index, pack in enumerate(packs)
        ),
    )
    summary = summarize(stack, first_address=2)
    temperatures = [cell_temperatures(pack) for pack in packs]
    coldest = min(min(t) for t in temperatures)
    warmest = max(max(t) for t in temperatures)
    assert summary.temperature_min is not None and summary.temperature_max is not None
    assert summary.temperature_min.temperature == coldest
    assert summary.temperature_max.temperature == warmest
    assert min(temperatures[summary.temperature_min.pack - 1]) == coldest
    assert max(temperatures[summary.temperature_max.pack - 1]) == warmest
    low = min(pack.cell_voltage_min for pack in packs)  # type: ignore[type-var]
    high = max(pack.cell_voltage_max for pack in packs)  # type: ignore[type-var]
    assert summary.cell_voltage_delta == round(high - low, 3)  # type: ignore[operator]
    assert summary.alarms == ()

    half = replace(stack, packs=(stack.packs[0], replace(stack.packs[1], alarm=None)))
    assert summarize(half, first_address=2).alarms is None
