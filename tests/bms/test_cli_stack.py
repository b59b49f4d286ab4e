"""scan, read and raw as a user runs them: the real command in a child process, against a
gateway on loopback answering with real frames."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import signal
import sys
from typing import TYPE_CHECKING

from custom_components.pylontech.bms.simulator import ConsoleSimulator
from tests.bms.test_detect import pace_answers, pylontech_answers

if TYPE_CHECKING:
    from tests.bms.gateway import ReplayGateway

ROOT = Path(__file__).resolve().parents[2]


async def _run(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.pylontech.bms", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _at(gateway: ReplayGateway) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(gateway.port), "--timeout", "0.3"]


async def test_read_json(gateway: ReplayGateway) -> None:
    """read --json: dialect and every pack with the decode keys plus alarms and flags."""
    gateway.answers = pace_answers()
    code, out, err = await _run("read", "--json", *_at(gateway))
    assert code == 0, err
    stack = json.loads(out)
    assert stack["dialect"] == "pace"
    assert [p["address"] for p in stack["packs"]] == [1, 2, 3, 4, 5]
    pack = stack["packs"][1]
    assert pack["soc"] == 100.0
    assert pack["full_capacity"] == 307.14
    assert pack["flags"]["charge_mosfet"] is True
    assert pack["charge_mosfet"] is True


async def test_read_table_and_scan(gateway: ReplayGateway) -> None:
    """Without --json: readable tables, one column per pack."""
    gateway.answers = pylontech_answers()
    code, out, err = await _run("read", *_at(gateway))
    assert code == 0, err
    assert out.startswith("pylontech stack, 2 pack(s)")
    code, out, err = await _run("scan", *_at(gateway))
    assert code == 0, err
    assert out.startswith("pylontech stack, 2 pack(s) at ADR 2, 3 (answers the all-packs")
    assert "HPTBH02240A01235" in out
    code, out, err = await _run("scan", "--json", *_at(gateway))
    assert json.loads(out)["addresses"] == [2, 3]


async def test_raw(gateway: ReplayGateway) -> None:
    """raw: the frames in both directions, then the answer decoded; write codes refused."""
    gateway.answers = pylontech_answers()
    code, out, err = await _run("raw", "0x93", "--pack", "3", "--address", "3", *_at(gateway))
    assert code == 0, err
    assert out.splitlines()[:2] == [
        "tx ~20034693E00203FD2B",
        "rx ~20034600C0220348505442483032323430413031323335F6D5",
    ]
    assert "HPTBH02240A01235" in out
    code, out, err = await _run("raw", "0x9A", "--dialect", "pace", *_at(gateway))
    assert code == 1
    assert err.strip() == "error: pace has no read command 0x9A"
    assert gateway.received == [] or all(b"469A" not in r for r in gateway.received)


async def test_one_line_errors(gateway: ReplayGateway) -> None:
    """Refused connection, silence, bad arguments: one line on stderr, exit 1, no traceback."""
    port = str(gateway.port)
    await gateway.stop()
    code, _, err = await _run("read", "--host", "127.0.0.1", "--port", port)
    assert (code, err) == (1, f"error: connection refused by 127.0.0.1:{port}\n")
    await gateway.start()
    code, _, err = await _run("scan", *_at(gateway))
    assert code == 1
    assert err.startswith("error: nothing answered on tcp://127.0.0.1:")
    assert "Traceback" not in err
    code, _out, err = await _run("read")
    assert code == 1
    assert "give either a host" in err


async def test_debug_shows_frames(gateway: ReplayGateway) -> None:
    """--debug logs every frame on stderr."""
    gateway.answers = pylontech_answers()
    code, _out, err = await _run("--debug", "raw", "0x4F", "--dialect", "pylontech", *_at(gateway))
    assert code == 0
    assert "tx b'~2002464F0000FD98\\r'" in err


async def test_monitor_until_ctrl_c(gateway: ReplayGateway) -> None:
    """monitor redraws the table every interval and exits cleanly on Ctrl-C (SIGINT)."""
    gateway.answers = pace_answers()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.pylontech.bms", "monitor", "--interval",
        "0.2", *_at(gateway), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    screens = 0
    async with asyncio.timeout(30):
        while screens < 2:
            line = await process.stdout.readline()
            screens += line.startswith(b"\x1b[H\x1b[Jpace stack, 5 pack(s)")
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert b"Traceback" not in err


async def test_read_a_console_string() -> None:
    """read --json on a Force H2 console: the modules, in series, with the string's totals;
    raw refuses a console (it has no binary frames)."""
    async with ConsoleSimulator("force-h2", 2, seed=4) as simulator:
        at = ["--host", "127.0.0.1", "--port", str(simulator.port), "--timeout", "1"]
        code, out, err = await _run("read", "--json", *at)
        assert code == 0, err
        stack = json.loads(out)
        assert (stack["dialect"], stack["topology"]) == ("console", "series")
        assert [p["address"] for p in stack["packs"]] == [1, 2]
        assert all(len(p["cell_voltages"]) == 30 for p in stack["packs"])
        assert stack["system"]["voltage"] > 0
        code, out, err = await _run("raw", "0x42", *at)
        assert code == 1
        assert "no binary frames" in err
