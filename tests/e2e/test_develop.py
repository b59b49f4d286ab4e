"""The README's first command, as a newcomer runs it (with --exit instead of Ctrl-C): twice."""

from __future__ import annotations

from pathlib import Path
import signal
import socket
import subprocess

import pytest

from dev.hass import free_port

ROOT = Path(__file__).resolve().parents[2]


def _develop(config: Path, http_port: int, sim_port: int) -> str:
    done = subprocess.run(
        [ROOT / "scripts" / "develop", "--exit", "--config", str(config),
         "--http-port", str(http_port), "--sim-port", str(sim_port)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_develop_runs_and_reuses(tmp_path: Path) -> None:
    """First run: onboarding and the config flow; second run: the same user and entry."""
    config = tmp_path / "config"
    http_port, sim_port = free_port(), free_port()
    first = _develop(config, http_port, sim_port)
    assert "Adding the integration through the config flow" in first
    for number in range(1, 5):  # a 4-pack PACE stack by default
        assert f"Battery Pack {number}:" in first
        assert f"sensor.battery_pack_{number}_voltage: " in first
    assert f"Open http://127.0.0.1:{http_port} and log in as 'dev'" in first
    assert (config / "custom_components" / "pylontech").resolve() == (
        ROOT / "custom_components" / "pylontech"
    )

    second = _develop(config, http_port, sim_port)
    assert "Reusing the integration entry 'Battery'" in second
    assert "sensor.battery_pack_4_voltage: " in second

    for port in (http_port, sim_port):  # everything it started has stopped
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.timeout(300)  # the output is read line by line: a silent develop must not hang CI
def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    """Without --exit it runs until Ctrl-C (SIGINT), then stops Home Assistant and the simulator."""
    http_port, sim_port = free_port(), free_port()
    with subprocess.Popen(
        [ROOT / "scripts" / "develop", "--config", str(tmp_path / "config"),
         "--http-port", str(http_port), "--sim-port", str(sim_port), "--packs", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as develop:  # fmt: skip
        assert develop.stdout is not None
        lines = []
        for line in develop.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C stops"):
                break
        assert "Battery Pack 1: P16S100A-1B470-3.01\n" in "".join(lines), lines
        develop.send_signal(signal.SIGINT)
        rest = develop.stdout.read()
        assert develop.wait(timeout=120) == 0, rest
    assert "Stopping ..." in rest
    for port in (http_port, sim_port):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
