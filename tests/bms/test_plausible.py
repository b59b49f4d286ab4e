"""The plausibility table: its ranges, the screen, its logging, and every real capture inside it."""

from __future__ import annotations

import logging
import math

from hypothesis import given, strategies as st
import pytest

from custom_components.pylontech.bms import AnalogValues, decode_response, plausible
from custom_components.pylontech.bms.console import (
    CellTable,
    ConsoleInfo,
    PackStatus,
    StackPower,
    Statistics,
    SystemPower,
    UnitTable,
    hv_system,
    hv_units,
    us_pack,
    us_stack,
)
from custom_components.pylontech.bms.derive import cell_statistics, pack_values
from custom_components.pylontech.bms.derive.pack_values import screened_cells
from custom_components.pylontech.bms.models import PackAnalogValues, SocSource
from custom_components.pylontech.bms.plausible import RANGES, Quantity, screen, screen_all
from tests import captures
from tests.bms.test_console_parse import ANSWERS, parsed

LOGGER = "custom_components.pylontech.bms.plausible"


@pytest.fixture(autouse=True)
def nothing_logged_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty set of already-logged (quantity, reason) pairs."""
    monkeypatch.setattr(plausible, "_logged", set())


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_every_quantity_has_a_range_and_a_reason() -> None:
    assert set(RANGES) == set(Quantity)
    for bounds in RANGES.values():
        assert bounds.low < bounds.high
        assert bounds.reason


@pytest.mark.parametrize(
    ("quantity", "inside", "outside"),
    [
        (Quantity.CELL_VOLTAGE, (0.001, 3.3, 5.0), (0.0, -3.3, 5.001)),
        (Quantity.PACK_VOLTAGE, (0.5, 51.2, 1000.0), (0.0, -1.0, 1000.1)),
        (Quantity.CURRENT, (-500.0, 0.0, 500.0), (-500.1, 500.1, 3276.7)),
        (Quantity.TEMPERATURE, (-50.0, 25.0, 150.0), (-50.1, 150.1, -273.2)),
        (Quantity.REMAINING_CAPACITY, (0.0, 50.0, 1000.0), (-0.01, 1000.01, 16777.214)),
        (Quantity.CAPACITY, (0.01, 100.0, 1000.0), (0.0, -1.0, 1000.01)),
        (Quantity.PERCENT, (0.0, 55.5, 100.0), (-0.1, 100.1)),
        (Quantity.CYCLES, (0, 685, 20_000), (-1, 20_001, 65_534)),
        (Quantity.ENERGY, (0.0, 11_903.117, 1_000_000.0), (-1.0, 1e12)),
    ],
)
def test_ranges(quantity: Quantity, inside: tuple[float, ...], outside: tuple[float, ...]) -> None:
    for value in inside:
        assert screen(quantity, value) == value, value
    for value in (*outside, math.nan, math.inf, -math.inf):
        assert screen(quantity, value) is None, value
    assert screen(quantity, None) is None


def test_pack_voltage_is_judged_per_cell_when_the_cells_are_known() -> None:
    """16 cells: 16 V to 80 V; 8 cells: 8 V to 40 V; an unknown count: up to 1000 V."""
    assert screen(Quantity.PACK_VOLTAGE, 51.2, cells=16) == 51.2
    assert screen(Quantity.PACK_VOLTAGE, 16.0, cells=16) == 16.0
    assert screen(Quantity.PACK_VOLTAGE, 15.9, cells=16) is None
    assert screen(Quantity.PACK_VOLTAGE, 80.1, cells=16) is None
    assert screen(Quantity.PACK_VOLTAGE, 65.534, cells=8) is None
    assert screen(Quantity.PACK_VOLTAGE, 401.758) == 401.758  # the Force H2 string
    assert screen(Quantity.PACK_VOLTAGE, math.nan, cells=16) is None


def test_per_cell_refusal_names_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    screen(Quantity.PACK_VOLTAGE, 15.9, cells=16)
    (message,) = refusals(caplog)
    assert "voltage_per_cell" in message and "below" in message and "15.9 V, 16 cells" in message


def test_screen_all_keeps_the_tuple_when_all_are_plausible() -> None:
    cells = (3.3, 3.4, 3.31)
    assert screen_all(Quantity.CELL_VOLTAGE, cells) is cells
    assert screen_all(Quantity.CELL_VOLTAGE, (3.3, None, 3.31)) == (3.3, None, 3.31)
    assert screen_all(Quantity.CELL_VOLTAGE, ()) == ()
    assert screen_all(Quantity.CELL_VOLTAGE, (math.nan, 3.3)) == (None, 3.3)
    assert screen_all(Quantity.CELL_VOLTAGE, (3.3, math.nan)) == (3.3, None)
    assert screen_all(Quantity.CELL_VOLTAGE, (3.3, 1e20, 0.0)) == (3.3, None, None)


def test_logged_once_per_quantity_and_reason(caplog: pytest.LogCaptureFixture) -> None:
    """Polls of the same absurd value log one debug line, not one per poll."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    for _ in range(5):
        screen(Quantity.CURRENT, 1e20)
        screen(Quantity.CURRENT, 900.0)
    assert len(refusals(caplog)) == 1
    assert "current" in refusals(caplog)[0] and "1e+20" in refusals(caplog)[0]
    screen(Quantity.CURRENT, -1e20)  # another reason: below
    screen(Quantity.CURRENT, math.nan)  # and another
    screen(Quantity.TEMPERATURE, 1e20)  # another quantity
    assert len(refusals(caplog)) == 4
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


def test_logged_keys_are_bounded() -> None:
    for quantity in Quantity:
        for value in (-1e30, 1e30, math.nan):
            screen(quantity, value)
    assert len(plausible._logged) <= plausible.MAX_LOGGED


def derived(**values: object) -> PackAnalogValues:
    base: dict[str, object] = {
        "voltage": 53.3, "current": -10.0, "remaining_capacity": 50.0, "full_capacity": 100.0,
        "design_capacity": 100.0, "cycles": 10, "cell_voltages": (3.33,) * 16,
        "temperatures": (25.0,),
    }  # fmt: skip
    return pack_values({**base, **values}, b"", 2, ("pack",))


def test_derived_values_come_from_screened_values() -> None:
    """An absurd input never yields an absurd power, SOC or cell statistic."""
    assert derived().power == -533.0
    pack = derived(current=1e20)
    assert (pack.current, pack.power) == (None, None)
    pack = derived(cell_voltages=(3.3, 1e20, 3.4, -1.0))
    assert pack.cell_voltages == (3.3, None, 3.4, None)
    assert (pack.cell_voltage_max, pack.cell_voltage_delta) == (3.4, 0.1)
    assert pack.voltage is None  # 53.3 V is 13 V a cell for 4 cells
    pack = derived(remaining_capacity=1e20)
    assert (pack.remaining_capacity, pack.soc) == (None, None)
    pack = derived(remaining_capacity=115.0)  # within 20 % over full: a BMS not yet relearned
    assert pack.soc == 100.0
    pack = derived(remaining_capacity=130.0)  # one of the two is wrong
    assert (pack.soc, pack.soc_source) == (None, None)
    pack = derived(soc=1e20, soh=-5.0)
    assert (pack.soc, pack.soc_source, pack.soh) == (50.0, SocSource.CAPACITY, None)


def _console_packs(model: object) -> list[object]:
    if isinstance(model, StackPower):
        return [pack.analog for pack in us_stack(model).packs]
    if isinstance(model, CellTable):
        return [us_pack(1, None, bat=model).analog]  # type: ignore[union-attr]
    if isinstance(model, UnitTable):
        return [pack.analog for pack in hv_units(model)]
    if isinstance(model, ConsoleInfo):
        return [us_pack(1, None, info=model).analog]  # type: ignore[union-attr]
    if isinstance(model, Statistics):
        return [us_pack(1, None, stat=model).analog]  # type: ignore[union-attr]
    if isinstance(model, PackStatus):
        return [us_pack(1, None, status=model).analog]  # type: ignore[union-attr]
    if isinstance(model, SystemPower):
        return [hv_system(model)]
    return []


def test_no_real_capture_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    """Every value of every real capture and console dump lies inside its range: none is
    logged as implausible (the snapshots prove the decoded values did not change)."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    decoded = 0
    for capture in captures.VALID:
        if capture.direction != "response" or capture.command not in (0x42, 0x47, 0x92):
            continue
        try:
            _, answer = decode_response(capture.raw, capture.command)
        except Exception:  # noqa: BLE001  # error answers and misplaced frames: not values
            continue
        decoded += 1
        if isinstance(answer, AnalogValues):
            assert all(pack.voltage is not None for pack in answer.packs if pack.cell_voltages[0])
    converted = sum(len(_console_packs(parsed(name))) for name in ANSWERS)
    assert decoded >= 60
    assert converted >= 40
    assert refusals(caplog) == []


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(min_value=2.5, max_value=3.65),
        ),
        max_size=20,
    )
)
def test_cells_screened_and_summed_in_one_pass(cells: list[float | None]) -> None:
    """The one-pass fast path gives exactly what screening then computing the statistics
    gives, for any cells: plausible, absurd, NaN, infinite or missing."""
    voltages = tuple(cells)
    screened = screen_all(Quantity.CELL_VOLTAGE, voltages)
    assert screened_cells(voltages) == (screened, cell_statistics(screened))


_ANY_NUMBER = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-600.0, max_value=25_000.0),
    st.integers(min_value=-1, max_value=70_000),
)


@given(
    voltage=_ANY_NUMBER,
    current=_ANY_NUMBER,
    remaining=_ANY_NUMBER,
    full=_ANY_NUMBER,
    cycles=_ANY_NUMBER,
    temperatures=st.lists(_ANY_NUMBER, max_size=6),
    cells=st.integers(min_value=0, max_value=16),
)
def test_the_inlined_screen_is_the_screen(
    *,
    voltage: float | None,
    current: float | None,
    remaining: float | None,
    full: float | None,
    cycles: float | None,
    temperatures: list[float | None],
    cells: int,
) -> None:
    """`pack_values` compares the common case inline; whatever the values, what it keeps is
    exactly what `screen` (and `screen_all`) keep, so the shortcut changes no result."""
    voltages = (3.3,) * cells
    pack = derived(
        voltage=voltage,
        current=current,
        remaining_capacity=remaining,
        full_capacity=full,
        cycles=cycles,
        temperatures=tuple(temperatures),
        cell_voltages=voltages,
    )

    def same(got: float | None, want: float | None) -> bool:
        return got is want or got == want

    assert same(pack.voltage, screen(Quantity.PACK_VOLTAGE, voltage, cells))
    assert same(pack.current, screen(Quantity.CURRENT, current))
    assert same(pack.remaining_capacity, screen(Quantity.REMAINING_CAPACITY, remaining))
    assert same(pack.full_capacity, screen(Quantity.CAPACITY, full))
    assert same(pack.cycles, screen(Quantity.CYCLES, cycles))
    assert pack.temperatures == screen_all(Quantity.TEMPERATURE, tuple(temperatures))
