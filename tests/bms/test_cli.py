"""`pylontech-bms decode` as a user runs it: real frames in, a table or JSON out, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.pylontech.bms.cli import main
from custom_components.pylontech.bms.serialize import to_json
from tests import captures

ROOT = Path(__file__).resolve().parents[2]
# Three US2000 in one all-packs answer, and one SOK pack (tests/vectors, provenance there).
US2000_STACK = captures.PYLONTECH[0].frame
SOK = [c for c in captures.PACE if (c.device or "").startswith("SOK") and c.direction == "response"]
SOK_PACK = next(c.frame for c in SOK if c.command == 0x42)
SOK_BARCODE = next(c.frame for c in SOK if c.command == 0xC2)
PACK_KEYS = {
    "address",
    "cell_voltages",
    "temperatures",
    "current",
    "voltage",
    "power",
    "remaining_capacity",
    "full_capacity",
    "cycles",
    "soc",
}


def test_json_for_an_all_packs_answer(capsys: pytest.CaptureFixture[str]) -> None:
    """One JSON object per frame: dialect and packs in frame order, with the agreed keys."""
    assert main(["decode", "--command", "0x42", "--json", US2000_STACK]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dialect"] == "pylontech"
    assert data["command"] == "0x42"
    assert [p["voltage"] for p in data["packs"]] == [49.545, 49.52, 49.504]
    for pack in data["packs"]:
        assert set(pack) >= PACK_KEYS
        assert pack["address"] is None
    assert data["packs"][0]["current"] == -2.6
    assert data["packs"][0]["power"] == round(49.545 * -2.6, 3)


def test_json_one_line_per_frame_and_alias(capsys: pytest.CaptureFixture[str]) -> None:
    """Several frames, with the trailing CR or without; "sok" names the PACE dialect."""
    assert main(["decode", "--command", "42", "--dialect", "sok", "--json",
                 SOK_PACK, SOK_PACK.rstrip("\r")]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first == second
    assert first["dialect"] == "pace"
    pack = first["packs"][0]
    assert (pack["address"], pack["current"], pack["soc"], pack["soc_source"]) == (
        1,
        -7.78,
        97.0,
        "bms",
    )


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: a readable table with one column per pack."""
    assert main(["decode", "--command", "0x42", US2000_STACK]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Pylontech (VER 0x20), 0x42 analog values: 3 packs")
    lines = out.splitlines()
    assert lines[1].split() == ["pack", "1", "pack", "2", "pack", "3"]
    voltage = next(line for line in lines if line.startswith("voltage "))
    assert voltage.split() == ["voltage", "49.545", "49.52", "49.504"]
    assert any(line.split()[:2] == ["temperatures.bms_board", "23.0"] for line in lines)
    assert any(line.startswith("cell_voltages.15 ") for line in lines)


def test_table_for_a_record(capsys: pytest.CaptureFixture[str]) -> None:
    """Answers that are not per pack print one value per line."""
    assert main(["decode", "--command", "0xC2", SOK_BARCODE]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "PACE (VER 0x25: SOK, Jakiper and others), 0xC2 barcode"
    assert out[2].split() == ["barcode", "1B4703022501579D"]
    assert out[3].split() == ["build_date", "-"]


def test_bad_frame_gives_one_line_and_non_zero_exit(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad frame among good ones: the good ones print, the bad one is one line on stderr."""
    broken = US2000_STACK[:-2] + "0\r"
    assert main(["decode", "--command", "0x42", "--json", broken, US2000_STACK]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1
    assert captured.err.splitlines() == [
        "error: frame 1: CHKSUM B470 does not match the content (B476)"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--command", "0x42", "~250246040000FDA9"], "RTN 0x04: CID2 undefined"),
        (["--command", "0x47", SOK_PACK], "pace has no read command 0x47"),
        (["--command", "0x44", US2000_STACK], "fits neither one pack nor 3 packs"),
        (["--command", "0x42", "~280046000000FDAC"], "no known dialect uses VER 0x28"),
        (["--command", "0x42", "--one-pack", US2000_STACK], "unexpected bytes"),
        (["--command", "0x42", "20024642"], "does not start with '~'"),
    ],
)
def test_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each kind of failure: exit 1 and one line saying what is wrong, no traceback."""
    assert main(["decode", *args]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert message in err


def test_all_packs_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """--all-packs tells the decoder the request was INFO 0xFF."""
    assert main(["decode", "--command", "0x42", "--all-packs", "--json", SOK_PACK]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["all_packs"] is True
    assert data["packs"][0]["address"] is None


@pytest.mark.parametrize("code", ["zz", "0x100"])
def test_bad_command_code(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A command code that is not a byte is a usage error (exit 2)."""
    with pytest.raises(SystemExit) as info:
        main(["decode", "--command", code, US2000_STACK])
    assert info.value.code == 2
    assert "command code" in capsys.readouterr().err


def test_json_refuses_unknown_types() -> None:
    """The JSON conversion knows every model type and says so for anything else."""
    with pytest.raises(TypeError, match="cannot convert object"):
        to_json(object())


def test_module_entry_point() -> None:
    """`python3 -m custom_components.pylontech.bms` runs the same tool (for the HA host)."""
    result = subprocess.run(
        [sys.executable, "-m", "custom_components.pylontech.bms", "decode", "--command",
         "0x93", "--json", "~20024600C0220248505443523033313731313132353930F6D2"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["serial_number"] == "HPTCR03171112590"
