"""`pylontech-bms decode --console COMMAND FILE` on the saved dumps: tables, JSON, errors."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from custom_components.pylontech.bms.cli import main
from tests.bms.test_console_parse import VECTORS

if TYPE_CHECKING:
    from pathlib import Path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["decode", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_us_pwr_json_is_the_read_schema(capsys: pytest.CaptureFixture[str]) -> None:
    """US `pwr`: the `read --json` stack, present packs only, with the topology."""
    status, out, _ = _run(
        capsys, "--console", "pwr", "--json", str(VECTORS / "ioBroker_US_pwr.txt")
    )
    assert status == 0
    data = json.loads(out)
    assert (data["dialect"], data["topology"]) == ("console", "parallel")
    assert [p["address"] for p in data["packs"]] == [1, 2, 3, 4]
    first = data["packs"][0]
    assert (first["voltage"], first["soc"], first["temperatures"][3]) == (49.905, 39.0, 27.5)
    assert first["temperature_names"] == ["pack", "cell_low", "cell_high", "mosfet"]


def test_unit_and_hv_pwr_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`unit` gives units in series; a high-voltage `pwr` the string's totals."""
    _, out, _ = _run(capsys, "--console", "unit", "--json", str(VECTORS / "ioBroker_H2_unit.txt"))
    data = json.loads(out)
    assert data["topology"] == "series"
    assert [p["voltage"] for p in data["packs"]] == [100.05, 99.967, 100.051, 100.081]
    _, out, _ = _run(capsys, "--console", "pwr", "--json", str(VECTORS / "ioBroker_SC_pwr.txt"))
    data = json.loads(out)
    assert (data["packs"], data["system"]["remaining_energy"]) == ([], 2290.0)


def test_bat_json(capsys: pytest.CaptureFixture[str]) -> None:
    """US `bat N` is one pack with its cells; high-voltage `bat` is the parsed model."""
    _, out, _ = _run(capsys, "--console", "bat 2", "--json", str(VECTORS / "ioBroker_US_bat_2.txt"))
    (pack,) = json.loads(out)["packs"]
    assert (pack["address"], len(pack["cell_voltages"]), pack["cell_voltages"][0]) == (2, 15, 3.329)
    _, out, _ = _run(capsys, "--console", "bat", "--json", str(VECTORS / "ioBroker_H2_bat.txt"))
    data = json.loads(out)
    assert (data["dialect"], data["command"], len(data["cells"])) == ("console", "bat", 120)


def test_record_json(capsys: pytest.CaptureFixture[str]) -> None:
    """Answers that are not packs: the parsed model under "dialect" and "command"."""
    _, out, _ = _run(capsys, "--console", "stat", "--json", str(VECTORS / "ioBroker_SC_stat.txt"))
    data = json.loads(out)
    assert (data["command"], data["cycles"], data["soh"]) == ("stat", 203, 99.0)
    assert ["CYCLE Times", 203] in data["counters"]


def test_service_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`sysinfo`, `bmuinfo N`, `log`, `help`: the parsed model, in V and A."""
    status, out, _ = _run(
        capsys, "--console", "sysinfo", "--json", str(VECTORS / "ioBroker_H2_sysinfo.txt")
    )
    data = json.loads(out)
    assert (status, data["dialect"], data["command"]) == (0, "console", "sysinfo")
    assert (data["charge_voltage"], data["max_charge_current"], data["max_discharge_current"]) == (
        426.0, 18.5, -18.5
    )  # fmt: skip
    assert data["cell_voltage_thresholds"][0] == {"name": "Vol High 4", "trigger": 3.6,
                                                  "release": 3.4}  # fmt: skip
    _, out, _ = _run(
        capsys, "--console", "bmuinfo 2", "--json", str(VECTORS / "ioBroker_H2_bmuinfo_2.txt")
    )
    assert (json.loads(out)["module"], json.loads(out)["pcba_barcode"]) == (
        2, "Axxxxxxxxxxxxxxxxxxxx9"
    )  # fmt: skip
    _, out, _ = _run(capsys, "--console", "log", "--json", str(VECTORS / "ioBroker_US_log.txt"))
    assert json.loads(out)["records"][-1]["time"] == "23-09-16 08:55:33"
    _, out, _ = _run(
        capsys, "--console", "help", "--json", str(VECTORS / "ioBroker_pytes-v5_help.txt")
    )
    assert ["ver", "firmware info - ver"] in json.loads(out)["commands"]


def test_service_tables(capsys: pytest.CaptureFixture[str]) -> None:
    """`log` is a row per record; `sysinfo` thresholds and `help` commands are named lines."""
    _, out, _ = _run(capsys, "--console", "log", str(VECTORS / "ioBroker_SC_log.txt"))
    lines = out.splitlines()
    assert lines[0] == "console 'log': EventLog"
    assert lines[1].split() == ["index", "time", "module", "code", "info"]
    assert lines[9].split()[:5] == ["12", "23-11-11", "14:48:32", "BMM", "83dd"]
    assert len(lines) == 22
    _, out, _ = _run(capsys, "--console", "sysinfo", str(VECTORS / "ioBroker_SC_sysinfo.txt"))
    lines = out.splitlines()
    assert any(line.split() == ["charge_voltage", "266.25"] for line in lines)
    assert any(
        line.split() == ["temperature_thresholds.Temp", "Low", "3.release", "-8.0"]
        for line in lines
    )
    assert any(line.split() == ["other.FChgS", "4"] for line in lines)
    _, out, _ = _run(capsys, "--console", "help", str(VECTORS / "ioBroker_H2_help.txt"))
    assert any(line.split() == ["commands.unit", "Unit", "data", "show", "-", "unit"]
               for line in out.splitlines())  # fmt: skip
    _, out, _ = _run(capsys, "--console", "ver", str(VECTORS / "ioBroker_pytes-v5_ver.txt"))
    assert any(line.split() == ["images.Main.date", "2023-10-13", "09:55:00"]
               for line in out.splitlines())  # fmt: skip


def test_tables(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: a row per pack/cell/unit, or a value per line for records."""
    status, out, _ = _run(capsys, "--console", "pwr", str(VECTORS / "donverduyn_US2KBPL_pwr.txt"))
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == "console 'pwr': StackPower"
    assert lines[1].split()[:3] == ["index", "present", "voltage"]
    assert lines[2].split()[:4] == ["1", "yes", "50.691", "3.806"]
    assert lines[4].split()[:3] == ["3", "no", "-"]
    _, out, _ = _run(capsys, "--console", "bat", str(VECTORS / "ioBroker_SC_bat.txt"))
    assert "state: Dischg" in out.splitlines()
    _, out, _ = _run(capsys, "--console", "info", str(VECTORS / "ioBroker_H2_info.txt"))
    lines = out.splitlines()
    assert lines[0] == "console 'info': ConsoleInfo"
    assert any(line.split() == ["device_name", "Force_H2"] for line in lines)
    assert any(line.split() == ["other.Shut", "Circuit", "Yes"] for line in lines)
    _, out, _ = _run(capsys, "--console", "soh 1", str(VECTORS / "ioBroker_pytes-v5_soh_1.txt"))
    assert "pack: 1" in out.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--console", "pwr", "missing.txt"], "error: cannot read missing.txt: No such file"),
        (["--console", "shut", "FILE"], "no console parser for 'shut'"),
        (["--console", "stat 1", "FILE"], "refused the command"),
        (["--console", "bmuinfo 4", "BMU4"], "refused the command: 'Command completed unccess"),
        (["--console", "unit", "PWR"], "the echo 'pwr' is not the command 'unit'"),
        (["--console", "pwr", "FILE", "FILE"], "exactly one dump FILE"),
    ],
)
def test_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input: exit 1 and one line on stderr."""
    files = {
        "FILE": "ioBroker_pytes-v5_stat_1.txt",
        "PWR": "ioBroker_US_pwr.txt",
        "BMU4": "ioBroker_H2_bmuinfo_4.txt",
    }
    status, out, err = _run(capsys, *[str(VECTORS / files[a]) if a in files else a for a in args])
    assert status == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert message in err


def test_dump_without_provenance_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plain capture (no provenance line) reads the same."""
    raw = (VECTORS / "ioBroker_eb_pwr.txt").read_bytes().partition(b"\n")[2]
    (tmp_path / "pwr.txt").write_bytes(raw)
    _, out, _ = _run(capsys, "--console", "pwr", "--json", str(tmp_path / "pwr.txt"))
    assert [p["soc"] for p in json.loads(out)["packs"]] == [77.0, 74.0]


def test_console_and_command_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    """One of --command and --console is required, not both (usage error, exit 2)."""
    for args in (["FILE"], ["--console", "pwr", "--command", "0x42", "FILE"]):
        with pytest.raises(SystemExit) as info:
            main(["decode", *args])
        assert info.value.code == 2
    assert "--console" in capsys.readouterr().err
