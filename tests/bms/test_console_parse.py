"""Every console dump in tests/vectors/console parses, to the values the dump shows.

The dumps are real console output (provenance in their first line, tests/vectors/README.md). Each
parsed model is snapshotted, so any change of a parsed value shows up in review; the asserts
below check values read off the dumps by eye, for every device family.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custom_components.pylontech.bms.console import (
    COMMANDS,
    CellTable,
    ClockTime,
    CommandList,
    ConsoleInfo,
    EventLog,
    FirmwareVersions,
    ModuleInfo,
    PackStatus,
    SohTable,
    StackPower,
    Statistics,
    SystemPower,
    SystemSettings,
    Threshold,
    UnitTable,
    parse,
)
from custom_components.pylontech.bms.console.power_system import PowerSystem, Recommended
from custom_components.pylontech.bms.exceptions import PylontechConsoleError, PylontechError
from custom_components.pylontech.bms.serialize import to_json

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "console"
# Answers where the BMS refused the command instead of answering it.
REFUSED = {"ioBroker_pytes-v5_stat_1.txt", "ioBroker_H2_bmuinfo_4.txt"}
# Captures that stop at a paging line: the rest of the answer was never asked for.
PAGED = {"donverduyn_US2KBPL_help.txt"}
DUMPS = sorted(p.name for p in VECTORS.glob("*.txt"))


def command_of(name: str) -> str:
    """The command a dump answers, from its name: source_device_command[_N].txt."""
    return Path(name).stem.split("_", 2)[2].replace("_", " ")


ANSWERS = [n for n in DUMPS if n not in REFUSED and command_of(n).split()[0] in COMMANDS]


def dump(name: str) -> bytes:
    """The bytes of a dump as captured: the file without its provenance line."""
    data = (VECTORS / name).read_bytes()
    assert data.startswith(b"# provenance: ")
    return data.partition(b"\n")[2]


def answer(command: str, body: str, prompt: str = "pylon>") -> str:
    """`body` framed as the console frames an answer: echo, "@", completion line, "$$", prompt."""
    return f"{prompt}{command}\r\n@\r\n{body}\r\nCommand completed successfully\r\n$$\r\n{prompt}"


def parsed(name: str) -> Any:
    return parse(command_of(name), dump(name))


def test_every_device_family_and_command_is_here() -> None:
    """Each family's info, pwr, bat and soh dumps are present (stat where the BMS has one)."""
    assert len(ANSWERS) >= 78
    assert sorted([*ANSWERS, *REFUSED]) == DUMPS  # every dump has a parser
    for device in ("donverduyn_US2KBPL", "ioBroker_H2", "ioBroker_SC", "ioBroker_US",
                   "ioBroker_eb", "ioBroker_pytes-v5"):  # fmt: skip
        words = {command_of(n).split()[0] for n in DUMPS if n.startswith(device + "_")}
        assert {"info", "pwr", "bat", "soh", "stat"} <= words, device


@pytest.mark.parametrize("name", ANSWERS)
def test_dump_parses(name: str, snapshot: Any) -> None:
    """The dump parses as the answer to its command; the model is snapshotted."""
    assert to_json(parsed(name)) == snapshot


def test_time() -> None:
    """`time`: the clock, with the chip name where the BMS prints one."""
    clocks = {
        "donverduyn_US2KBPL_time.txt": ("Ds3231", "2025-12-21 21:14:53"),
        "ioBroker_H2_time.txt": (None, "2023-10-05 14:30:18"),
        "ioBroker_pytes-v5_time.txt": ("PCF8563", "2024-02-13 23:35:17"),
        "ioBroker_eb_time.txt": ("DS3231M", "2023-11-01 16:50:05"),
    }
    for name, (chip, time) in clocks.items():
        clock = parsed(name)
        assert isinstance(clock, ClockTime)
        assert (clock.chip, clock.time) == (chip, time), name
    with pytest.raises(PylontechConsoleError, match="not a clock line"):
        parse("time", answer("time", "Ds3231 yesterday"))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_command_is_a_library_error(name: str) -> None:
    """Pytes V1.10 has no `stat N`, Force H2 no `bmuinfo 4` (4 modules, 0..3): each refusal
    is an error, not an empty model."""
    refusal = "Invalid command" if "stat" in name else "Command completed unccessfully"
    with pytest.raises(PylontechConsoleError, match=f"refused the command: '{refusal}") as info:
        parsed(name)
    assert info.value.raw == dump(name)


def test_h2_pwr() -> None:
    """Force H2 `pwr`: the string's row, SOC and energy with the mWH unit read from the text."""
    pwr = parsed("ioBroker_H2_pwr.txt")
    assert isinstance(pwr, SystemPower)
    assert (pwr.voltage, pwr.current, pwr.soc, pwr.remaining_capacity) == (
        401.758, 0.521, 78.0, 28.903
    )  # fmt: skip
    assert (pwr.energy_percent, pwr.remaining_energy) == (84.0, 11903.117)
    assert (pwr.average_temperature, pwr.dc_voltage, pwr.battery_voltage) == (
        22.483, 400.437, 400.916
    )  # fmt: skip
    assert (pwr.unit_voltage_min, pwr.unit_voltage_max, pwr.unit_temperature_max) == (
        100.428, 100.451, 23.466
    )  # fmt: skip
    assert (pwr.time, pwr.base_state, pwr.error_code, pwr.other) == (
        "2023-10-05 16:14:35", "Charge", 0, ()
    )  # fmt: skip


def test_sc_pwr_energy_in_wh() -> None:
    """The SC prints its energy in WH, not mWH: 2290 Wh, not 2.29."""
    pwr = parsed("ioBroker_SC_pwr.txt")
    assert isinstance(pwr, SystemPower)
    assert (pwr.voltage, pwr.current, pwr.base_state) == (235.573, -0.292, "Dischg")
    assert (pwr.soc, pwr.remaining_capacity, pwr.energy_percent, pwr.remaining_energy) == (
        7.0, 5.18, 13.0, 2290.0
    )  # fmt: skip
    assert (pwr.cell_voltage_min, pwr.cell_voltage_max) == (3.096, 3.163)


def test_us_pwr_mixed_stack() -> None:
    """US5000 + US2000C + 2 US2000B: 4 packs of 16 positions; MosTempr only on the first two."""
    pwr = parsed("ioBroker_US_pwr.txt")
    assert isinstance(pwr, StackPower)
    assert [row.index for row in pwr.rows] == list(range(1, 17))
    assert [row.index for row in pwr.rows if row.present] == [1, 2, 3, 4]
    first, third, fifth = pwr.rows[0], pwr.rows[2], pwr.rows[4]
    assert (first.voltage, first.current, first.temperature, first.soc) == (
        49.905, 11.867, 27.9, 39.0
    )  # fmt: skip
    assert (first.mosfet_temperature, first.mosfet_temperature_state) == (27.5, "Normal")
    assert (third.mosfet_temperature, third.mosfet_temperature_state) == (None, None)
    assert (third.cell_voltage_min, third.cell_voltage_max) == (3.326, 3.328)
    assert first.time == "2023-09-16 11:50:32"
    assert (fifth.base_state, fifth.voltage, fifth.soc, fifth.time) == ("Absent", None, None, None)


def test_pytes_pwr_barcode_columns() -> None:
    """Pytes E-BOX-48100V-D appends Barcode and DevType; one pack, 15 absent positions."""
    pwr = parsed("ioBroker_pytes-v5_pwr.txt")
    assert isinstance(pwr, StackPower)
    pack = pwr.rows[0]
    assert (pack.barcode, pack.device_type, pack.current, pack.base_state) == (
        "Exxxxxxxxxxxxx43", "E-BOX-48100V-D", -5.962, "Dischg"
    )  # fmt: skip
    assert sum(row.present for row in pwr.rows) == 1
    assert pwr.rows[15].barcode is None


def test_us2kbpl_bat_coulomb() -> None:
    """US2000B "US2KBPL": Coulomb is "89%  42586 mAH", no SOC column, no BAL."""
    bat = parsed("donverduyn_US2KBPL_bat.txt")
    assert isinstance(bat, CellTable)
    assert len(bat.cells) == 15
    cell = bat.cells[4]
    assert (cell.index, cell.voltage, cell.current, cell.temperature) == (4, 3.381, 4.076, 14.0)
    assert (cell.soc, cell.remaining_capacity, cell.balancing) == (89.0, 42.586, None)
    assert (cell.base_state, cell.voltage_state, cell.temperature_state) == (
        "Charge", "Normal", "Normal"
    )  # fmt: skip
    assert bat.cells[10].temperature == 13.0
    assert not bat.high_voltage


def test_us5000_bat_soc_coulomb_bal() -> None:
    """US5000 prints SOC, Coulomb and BAL columns; pack 3 has one weak cell."""
    bat = parsed("ioBroker_US_bat_1.txt")
    assert isinstance(bat, CellTable)
    assert bat.pack == 1
    assert (bat.cells[0].soc, bat.cells[0].remaining_capacity, bat.cells[0].balancing) == (
        45.0, 44.231, False
    )  # fmt: skip
    weak = parsed("ioBroker_US_bat_3.txt").cells[2]
    assert (weak.soc, weak.remaining_capacity) == (35.0, 16.51)


def test_pytes_bat_without_curr() -> None:
    """Pytes E-BOX-48100V-D `bat N` has no Curr column: the current is None, nothing shifts."""
    bat = parsed("ioBroker_pytes-v5_bat_1.txt")
    assert isinstance(bat, CellTable)
    assert len(bat.cells) == 16
    cell = bat.cells[13]
    assert (cell.voltage, cell.current, cell.temperature, cell.base_state) == (
        3.306, None, 19.0, "Dischg"
    )  # fmt: skip
    assert (cell.soc, cell.remaining_capacity, cell.other) == (36.0, 36.863, ())


def test_garbled_pytes_row_keeps_what_is_certain() -> None:
    """E-BOX-4850P `bat 2` row 2 prints "80%" among the states; read by position, its voltage
    and mAh stay right and the SOC is missing rather than guessed."""
    cells = parsed("ioBroker_eb_bat_2.txt").cells
    assert (cells[2].voltage, cells[2].remaining_capacity, cells[2].soc) == (3.224, 40.255, None)
    assert cells[2].temperature_state == "80% Normal"
    assert (cells[3].soc, cells[3].remaining_capacity) == (81.0, 40.546)


def test_hv_bat_header_and_cells() -> None:
    """Force H2 `bat`: a header, then 120 cells with AH(mAH) and WH(mWH) pairs and Bal."""
    bat = parsed("ioBroker_H2_bat.txt")
    assert isinstance(bat, CellTable)
    assert bat.high_voltage
    assert (bat.time, bat.average_temperature, bat.state, bat.balance_voltage) == (
        "2023-10-05 14:31:12", 21.75, "Charge", 3.36
    )  # fmt: skip
    assert (bat.charge_current_limit, bat.discharge_current_limit) == (18.5, -18.5)
    assert len(bat.cells) == 120
    cell = bat.cells[40]
    assert (cell.voltage, cell.current, cell.temperature, cell.soc) == (3.333, 1.999, 22.0, 66.0)
    assert (cell.remaining_capacity, cell.energy_percent, cell.remaining_energy) == (
        24.323, 68.0, 80.025
    )  # fmt: skip
    sc = parsed("ioBroker_SC_bat.txt")
    assert (len(sc.cells), sc.cells[3].current, sc.cells[3].remaining_capacity) == (
        75,
        -0.303,
        8.14,
    )
    assert sc.discharge_current_limit == 0.0


def test_units() -> None:
    """`unit`: Force H2 4 units, SC 5 with AvgTempr; energy unit read per row."""
    h2 = parsed("ioBroker_H2_unit.txt")
    assert isinstance(h2, UnitTable)
    assert [u.index for u in h2.units] == [1, 2, 3, 4]
    unit = h2.units[2]
    assert (unit.voltage, unit.current, unit.temperature, unit.average_temperature) == (
        100.051, 2.058, 21.466, None
    )  # fmt: skip
    assert (unit.soc, unit.remaining_capacity, unit.remaining_energy) == (62.0, 22.825, 2369.322)
    sc = parsed("ioBroker_SC_unit.txt")
    assert [u.index for u in sc.units] == [1, 2, 3, 4, 5]
    first = sc.units[0]
    assert (first.average_temperature, first.cell_temperature_min, first.cell_voltage_max) == (
        19.666, 17.0, 3.162
    )  # fmt: skip
    assert (first.remaining_energy, first.time, sc.average_temperature) == (
        532.0, "2023-11-12 09:22:47", 20.466
    )  # fmt: skip


def test_stat_cycles() -> None:
    """`stat`: "CYCLE Times" is the cycle count on every family; SOH where printed."""
    cycles = {
        "donverduyn_US2KBPL_stat.txt": (1, 430, None),
        "ioBroker_H2_stat.txt": (0, 142, 100.0),
        "ioBroker_SC_stat.txt": (0, 203, 99.0),
        "ioBroker_US_stat_1.txt": (1, 108, 100.0),
        "ioBroker_US_stat_3.txt": (3, 685, None),
        "ioBroker_eb_stat_2.txt": (2, 67, None),
        "ioBroker_pytes-v5_stat.txt": (1, 3, None),
    }
    for name, expected in cycles.items():
        stat = parsed(name)
        assert isinstance(stat, Statistics)
        assert (stat.address, stat.cycles, stat.soh) == expected, name
    h2 = dict(parsed("ioBroker_H2_stat.txt").counters)
    assert (h2["Pwr Coulomb(mAS)"], h2["ChgCurr 0~0.2C Secs"], h2["CYCLE Times"]) == (
        99148734, 6496484, 142
    )  # fmt: skip


def test_info() -> None:
    """`info`: identity, specification split into V and Ah, limits in A, HV unit barcodes."""
    us = parsed("ioBroker_US_info_1.txt")
    assert isinstance(us, ConsoleInfo)
    assert (us.address, us.device_name, us.soft_version, us.barcode) == (
        1, "US5000", "V1.3", "Yxxxxxxxxxxxxxx7"
    )  # fmt: skip
    assert (us.nominal_voltage, us.nominal_capacity, us.cell_count) == (48.0, 100.0, 15)
    assert (us.max_charge_current, us.max_discharge_current) == (100.0, -100.0)
    assert (us.console_baudrate, us.epon_baudrate, us.units) == (115200, 1200, ())
    assert ("Board", "NF4.E3") in us.other
    h2 = parsed("ioBroker_H2_info.txt")
    assert (h2.device_name, h2.hardware_version, h2.cell_count, h2.specification) == (
        "Force_H2", "V20R4C5", 120, "384V/37AH"
    )  # fmt: skip
    assert (h2.module_barcode, h2.power_supply_barcode) == (
        "Yxxxxxxxxxxxxxx3",
        "Axxxxxxxxxxxxxxxxxxxx5",
    )
    assert [u.label for u in h2.units] == ["Unit 1", "Unit 2", "Unit 3", "Unit 4"]
    assert h2.units[3].module_barcode == "Pxxxxxxxxxxxxxx5"
    sc = parsed("ioBroker_SC_info.txt")
    assert [u.label for u in sc.units] == ["BMU 4", "BMU 3", "BMU 2", "BMU 1", "BMU 0"]
    assert (sc.units[4].pcba_barcode, sc.max_charge_current) == ("H10xxxxxxxxTxxxxxxxx00", 80.0)
    pytes = parsed("ioBroker_pytes-v5_info_1.txt")
    assert (pytes.nominal_voltage, pytes.nominal_capacity, pytes.epon_baudrate) == (
        51.2, 100.0, None
    )  # fmt: skip


def test_pack_status() -> None:
    """`pwr N`: US5000 and Pytes (capacity in mAS), protections as a list."""
    us = parsed("ioBroker_US_pwr_1.txt")
    assert isinstance(us, PackStatus)
    assert (us.index, us.voltage, us.current, us.temperature, us.soc) == (
        1, 49.959, 15.939, 28.2, 45.0
    )  # fmt: skip
    assert (us.full_capacity, us.max_voltage, us.charge_times, us.heater_state) == (
        100.0, 54.0, 11344, "OFF"
    )  # fmt: skip
    assert us.protections_enabled[:3] == ("BOV", "BHV", "BLV")
    assert us.protections_enabled[-1] == "LCOUL"
    assert (us.battery_events, us.system_fault) == (0, 0)
    pytes = parsed("ioBroker_pytes-v5_pwr_1.txt")
    assert (pytes.soc, pytes.full_capacity, pytes.real_capacity) == (73.0, 100.0, 100.0)
    assert ("DMOS Status", "ON") in pytes.other


def test_soh() -> None:
    """`soh N`: "Power N", then a row per cell; Pytes V1.10 prints no SOHCount."""
    us = parsed("ioBroker_US_soh_3.txt")
    assert isinstance(us, SohTable)
    assert (us.pack, len(us.cells), us.cells[2].soh_count, us.cells[2].soh_status) == (
        3, 15, 3, "Normal"
    )  # fmt: skip
    sc = parsed("ioBroker_SC_soh.txt")
    assert (sc.pack, len(sc.cells), sc.cells[7].soh_count) == (None, 75, 1082)
    pytes = parsed("ioBroker_pytes-v5_soh.txt")
    assert (pytes.cells[15].voltage, pytes.cells[15].soh_count) == (3.319, None)
    assert pytes.cells[15].soh_status == "00000000"


def test_sysinfo() -> None:
    """`sysinfo`: mV/mA become V/A, m°C thresholds °C, each threshold with its R(elease)."""
    h2 = parsed("ioBroker_H2_sysinfo.txt")
    assert isinstance(h2, SystemSettings)
    assert (h2.charge_voltage, h2.charge_cutoff_voltage, h2.discharge_cutoff_voltage) == (
        426.0, 432.0, 348.0
    )  # fmt: skip
    assert (h2.max_charge_current, h2.max_discharge_current) == (18.5, -18.5)
    assert (h2.balance_charge_request, h2.force_charge_request) == (True, False)
    assert len(h2.cell_voltage_thresholds) == 6
    assert h2.cell_voltage_thresholds[0] == Threshold(name="Vol High 4", trigger=3.6, release=3.4)
    assert h2.cell_voltage_thresholds[4] == Threshold(name="Vol Low 1", trigger=2.9, release=3.2)
    temperatures = {t.name: (t.trigger, t.release) for t in h2.temperature_thresholds}
    assert temperatures["Temp High 2"] == (50.0, 45.0)
    assert temperatures["Temp Nor Low 1"] == (17.5, 22.5)
    assert temperatures["Temp Low 3"] == (-10.0, -8.0)
    assert h2.balance_thresholds[-1] == Threshold(name="Bal High 1", trigger=50.0, release=30.0)
    assert h2.other == (("FChgV", "2850"), ("FChgVR", "3200"), ("FChgS", "4"), ("FChgSR", "10"))
    sc = parsed("ioBroker_SC_sysinfo.txt")
    assert (sc.charge_voltage, sc.charge_cutoff_voltage, sc.discharge_cutoff_voltage) == (
        266.25, 270.0, 217.5
    )  # fmt: skip
    assert (sc.max_charge_current, sc.max_discharge_current) == (37.0, 0.0)
    assert (sc.balance_charge_request, sc.force_charge_request) == (False, False)


def test_bmuinfo() -> None:
    """`bmuinfo N`: one Force H2 module's board, barcodes and test time; N kept."""
    first = parsed("ioBroker_H2_bmuinfo_0.txt")
    assert isinstance(first, ModuleInfo)
    assert (first.module, first.manufacturer, first.device_name, first.board_version) == (
        0, "Pylon", "BMU", "LT30SV20R02"
    )  # fmt: skip
    assert (first.pcba_barcode, first.power_supply_barcode) == ("Axxxxxxxxxxxxxxxxxxxx1", "100001")
    assert (first.test_time, first.specification, first.nominal_capacity) == (
        "2022-08-15 13:01:51", "37AH", 37.0
    )  # fmt: skip
    assert (first.nominal_voltage, first.cell_count, first.other) == (None, 30, ())
    last = parsed("ioBroker_H2_bmuinfo_3.txt")
    assert (last.module, last.power_supply_barcode, last.test_time) == (
        3, "200005", "2022-06-26 15:45:16"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "count", "first"),
    [
        ("ioBroker_H2_log.txt", 20, (19, "23-10-05 12:06:53", "BMM", "8c8c",
                                     "The device start charging.")),
        ("ioBroker_SC_log.txt", 20, (19, "23-11-12 08:50:57", "BMM", "0",
                                     "The device start discharging.")),
        ("ioBroker_US_log.txt", 32, (31, "23-09-16 11:43:09", "BMM", "2c50",
                                     "The device start charging.")),
        ("ioBroker_eb_log.txt", 30, (29, "23-11-01 15:59:01", "BMM", "0",
                                     "The device start discharging.")),
        ("ioBroker_pytes-v5_log.txt", 30, (29, "24-02-18 20:08:38", "BMM", "12c",
                                           "The device start charging.")),
    ],
)  # fmt: skip
def test_log(name: str, count: int, first: tuple[object, ...]) -> None:
    """`log`: one record per Index, newest first down to 0, across the paging lines."""
    log = parsed(name)
    assert isinstance(log, EventLog)
    assert [r.index for r in log.records] == list(range(count - 1, -1, -1))
    top = log.records[0]
    assert (top.index, top.time, top.module, top.code, top.info) == first
    assert all(r.other == () and r.module == "BMM" for r in log.records)


def test_log_records_on_both_sides_of_a_paging_line() -> None:
    """H2 `log`: records 17 (before the first paging line) and 16 (after it) are whole."""
    records = {r.index: r for r in parsed("ioBroker_H2_log.txt").records}
    assert (records[17].time, records[17].info) == (
        "23-10-05 10:12:47", "The coulomb of device is normal."
    )  # fmt: skip
    assert (records[16].code, records[16].info) == ("8c8b", "The device start charging.")
    assert (records[0].time, records[0].code, records[0].info) == (
        "23-10-05 08:45:52", "0", "The coulomb of device is low."
    )  # fmt: skip


def test_help() -> None:
    """`help`: the (command, description) list; Pytes adds `ver`, Force H2 `unit` and `sysinfo`."""
    us = parsed("donverduyn_US2KBPL_help.txt")
    assert isinstance(us, CommandList)
    names = [name for name, _ in us.commands]
    assert names[:3] == ["bat", "data", "datalist"]
    assert len(names) == 17
    assert ("pwr", "Power data show - pwr [index]") in us.commands
    assert us.offers("pwr") and us.offers("bat 2") and us.offers("soh")
    assert not us.offers("unit") and not us.offers("ver") and not us.offers("")
    assert us.remote_commands == ()  # the capture stops at the paging line
    pytes = parsed("ioBroker_pytes-v5_help.txt")
    assert pytes.offers("ver") and pytes.offers("pwr") and pytes.offers("bat")
    assert pytes.commands[-1] == ("ver", "firmware info - ver")
    assert [name for name, _ in pytes.remote_commands] == ["info", "login", "logout"]
    h2 = parsed("ioBroker_H2_help.txt")
    assert len(h2.commands) == 30
    assert all(h2.offers(c) for c in ("pwr", "bat", "unit", "sysinfo", "bmuinfo", "log"))
    assert ("tethernet", "Test tethernet - tethernet") in h2.commands
    assert h2.commands[-1][0] == "cmudtesttime"


def test_ver() -> None:
    """Pytes `ver`: the main and backup images, and which one runs."""
    ver = parsed("ioBroker_pytes-v5_ver.txt")
    assert isinstance(ver, FirmwareVersions)
    assert [image.name for image in ver.images] == ["Main", "Backup"]
    main, backup = ver.images
    assert (main.version, main.size, main.date) == (
        "SXXXXXXXXXXXXXV1.10.7.1C.T5", 0, "2023-10-13 09:55:00"
    )  # fmt: skip
    assert (backup.version, backup.date) == (None, "2000-00-00 00:00:00")
    assert (ver.active, ver.active_version, ver.other) == (
        "Main",
        "SXXXXXXXXXXXXXV1.10.7.1C.T5",
        (),
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("shut", "no console parser for 'shut'"),
        ("", "no console parser for ''"),
        ("bat one", "pack number must be digits"),
        ("pwr 1 2", "no console parser"),
    ],
)
def test_unknown_commands(command: str, message: str) -> None:
    """Commands without a parser (never sent: shut, trst ...) are refused by name."""
    with pytest.raises(PylontechConsoleError, match=message):
        parse(command, dump("ioBroker_US_pwr.txt"))


@pytest.mark.parametrize(
    ("command", "body", "message"),
    [
        ("pwr", "", "empty answer"),
        ("pwr", "Power Volt Curr\n1 x 2", "Volt: not a number"),
        ("pwr", "Power Volt Curr", "pwr table without rows"),
        ("pwr", "Volt Curr Tempr\n1 2 3\n4 5 6", "with 2 rows instead of 1"),
        ("bat", "something else", "no table header starting with 'Battery' or 'Bat'"),
        ("bat 1", "Battery Volt BAL\n0 3300 maybe", "Bal: not Y or N"),
        ("unit", "Index Volt Curr\n- 5 6", "row without Index"),
        ("stat", "nothing here", "no statistics counters"),
        ("info", "Cell Number : many", "Cell Number: not an integer"),
        ("pwr 1", " Voltage : 12 furlongs", "Voltage: not a number with a known unit"),
        ("bmuinfo 3", "Command completed unccessfully", "refused the command"),
        ("sysinfo", " Pack Colour : blue", "no sysinfo settings"),
        ("sysinfo", " Bal Chg Req : maybe", "Bal Chg Req: not Y or N"),
        ("sysinfo", " Vol High 4 : 3600 furlongs", "Vol High 4: not a number"),
        ("bmuinfo 1", "Cell Number : 30", "no module identity"),
        ("log", " Time : 23-10-05 12:06:53", "log line before the first Index"),
        ("log", " Index : 3\nsomething", "not a log line: 'something'"),
        ("log", " Index : three", "Index: not an integer"),
        ("ver", " Active version : Main", "no firmware image listed"),
        ("ver", " Main Version:\n Size : big", "Size: not an integer"),
        ("help", "Local command:\n[bat] data", "not a help line"),
        ("help", "Secret command:\nbat x", "unknown help section"),
        ("help", "Local command:\n*****", "no command listed"),
        ("info", "Command completed unccessfully", "refused the command"),
    ],
)
def test_bad_text_raises_a_clear_library_error(command: str, body: str, message: str) -> None:
    """Text that does not fit the command: a PylontechConsoleError naming what is wrong."""
    text = answer(command, body)
    with pytest.raises(PylontechConsoleError, match=message) as info:
        parse(command, text)
    assert isinstance(info.value, PylontechError)
    assert info.value.raw == text.encode()


# -- US2000C firmware B67.5.0 in debug mode (Hrabovszki1023/pylontech-console captures) ----------


def test_us2000c_b67_power_events_with_their_names() -> None:
    """`Power Events : 0x2000     COULFULL`: the word, and its name kept, not the whole record
    lost; every other value of that `pwr 2` as the dump shows it."""
    status = parsed("hrabovszki_US2000C-B67-charging_pwr_2.txt")
    assert isinstance(status, PackStatus)
    assert (status.index, status.voltage, status.current, status.temperature) == (
        2, 52.437, 0.08, 30.6,
    )  # fmt: skip
    assert (status.soc, status.full_capacity, status.max_voltage) == (100.0, 50.0, 54.0)
    assert (status.base_state, status.coulomb_state) == ("Charge", "Full")
    assert (status.battery_events, status.power_events, status.system_fault) == (0, 0x2000, 0)
    assert ("Power Events", "COULFULL") in status.other
    assert "LCOUL" in status.protections_enabled


def test_us2000c_b67_time_with_its_test_result() -> None:
    """`time` answers "RTC 2026-07-17 01:40:48", then "Test result:pass"."""
    clock = parsed("hrabovszki_US2000C-B67_time.txt")
    assert clock == ClockTime(chip="RTC", time="2026-07-17 01:40:48")


def test_us2000c_b67_help_usage_continued_on_lines_of_their_own() -> None:
    """A usage too long for its line goes on in lines starting with "/"."""
    listing = parsed("hrabovszki_US2000C-B67_help.txt")
    assert isinstance(listing, CommandList)
    usage = dict(listing.commands)
    assert usage["config"].startswith("config [pov/povr/")
    assert "/bot/botr/bht/bhtr/" in usage["config"]
    assert usage["config"].endswith("/[hwsleep][<on/off>][sleeptime][wakeuptime]")
    assert {"bat", "pwr", "stat", "info", "time", "pwrsys"} <= usage.keys()
    assert "config" in dict(listing.remote_commands)


def test_us2000c_b67_stack_table() -> None:
    """`pwr` of the five packs, read off the dump."""
    stack = parsed("hrabovszki_US2000C-B67_pwr.txt")
    assert isinstance(stack, StackPower)
    present = [row for row in stack.rows if row.present]
    assert [row.index for row in present] == [1, 2, 3, 4, 5]
    first = present[0]
    assert (first.voltage, first.current, first.temperature) == (49.726, -3.037, 29.3)
    assert (first.cell_voltage_min, first.cell_voltage_max) == (3.315, 3.316)
    assert first.base_state == "Dischg"


def test_us2000c_b67_power_system() -> None:
    """`pwrsys`: the stack's totals, extremes and recommended limits, as the dump prints them."""
    system = parsed("hrabovszki_US2000C-B67_pwrsys.txt")
    assert isinstance(system, PowerSystem)
    assert (system.state, system.total_packs, system.present_packs, system.sleeping_packs) == (
        "discharging", 5, 5, 0,
    )  # fmt: skip
    assert (system.voltage, system.current) == (49.777, -11.164)
    assert (system.remaining_capacity, system.full_capacity) == (217.324, 233.85)
    assert (system.soc, system.soh) == (93.0, 94.0)
    assert (system.cell_voltage_max, system.cell_voltage_average, system.cell_voltage_min) == (
        3.322, 3.318, 3.314,
    )  # fmt: skip
    assert (system.temperature_max, system.temperature_average, system.temperature_min) == (
        27.0, 25.7, 23.4,
    )  # fmt: skip
    assert system.pack_limits == Recommended(
        charge_voltage=53.25, discharge_voltage=46.0, charge_current=10.0, discharge_current=-25.0
    )
    assert system.system_limits == Recommended(
        charge_voltage=53.25, discharge_voltage=46.0, charge_current=50.0, discharge_current=-125.0
    )
    assert system.other == ()
