"""The main job: Home Assistant with this integration, on the built-in simulator or a real stack.

Run through `scripts/develop` (which sets up `.venv` first). Starts the simulator (unless
`--host` or `--serial` points at a real battery), starts `hass` on `config/` (git ignores it),
finishes onboarding with the local user below, adds the integration through Home Assistant's
config-flow API exactly as the frontend does, prints where to log in, and runs until Ctrl-C,
which stops everything it started. A second run reuses the configuration, the user and the
entry.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp

from .hass import ROOT, HomeAssistantApi, HomeAssistantError, HomeAssistantProcess

USER = {"name": "Battery Developer", "username": "dev", "password": "battery-lab"}
"""The local user onboarding creates (Home Assistant listens on 127.0.0.1 only)."""
DOMAIN = "pylontech"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; see the module's docstring."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", default="pace", help="simulated dialect (default pace)")
    parser.add_argument(
        "--console",
        metavar="MODEL",
        help="simulate a console instead (us, us2000b, pytes, force-h2, sc)",
    )
    parser.add_argument("--packs", type=int, default=4, help="simulated packs (default 4)")
    parser.add_argument(
        "--sim-port",
        type=int,
        default=1234,
        help="TCP port of the simulator (default 1234, the config flow's default)",
    )
    parser.add_argument("--host", help="a real gateway's host instead of the simulator")
    parser.add_argument("--port", type=int, default=1234, help="the real gateway's TCP port")
    parser.add_argument("--serial", help="a real serial port instead of the simulator")
    parser.add_argument("--baudrate", default="9600", help="the serial port's baud rate")
    parser.add_argument("--http-port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument(
        "--config",
        type=Path,
        default=ROOT / "config",
        help="Home Assistant configuration directory (default config/)",
    )
    parser.add_argument("--name", default="Battery", help="base name of the devices")
    parser.add_argument(
        "--exit",
        action="store_true",
        help="stop everything once the battery's states are shown (for checks)",
    )
    return parser.parse_args(argv)  # fmt: skip


def free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port`."""
    with socket.socket() as probe:
        # As a server binds: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def check_free(port: int, option: str) -> None:
    """Raise if `port` is taken, naming the option that picks another."""
    if not free(port):
        msg = f"port {port} is taken; choose another with {option}"
        raise HomeAssistantError(msg)


async def start_simulator(args: argparse.Namespace, log: Path) -> subprocess.Popen[bytes]:
    """The simulator in a process of its own, listening on 127.0.0.1:--sim-port."""
    check_free(args.sim_port, "--sim-port")
    kind = ["--console", args.console] if args.console else ["--dialect", args.dialect]
    command = [sys.executable, "-m", "custom_components.pylontech.bms", "simulate", *kind,
               "--packs", str(args.packs), "--host", "127.0.0.1", "--port", str(args.sim_port)]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,  # noqa: ASYNC220
                                   start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 30
    while free(args.sim_port):
        if process.poll() is not None or time.monotonic() > deadline:
            msg = f"the simulator did not start; see {log}"
            raise HomeAssistantError(msg)
        await asyncio.sleep(0.2)
    return process


def connection_steps(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The config flow's steps as a user fills them in."""
    if args.serial:
        form = {"device": args.serial, "baudrate": str(args.baudrate), "name": args.name}
        return [{"next_step_id": "serial"}, form, {}]
    host = args.host or "127.0.0.1"
    port = args.port if args.host else args.sim_port
    return [{"next_step_id": "network"}, {"host": host, "port": port, "name": args.name}, {}]


async def add_battery(api: HomeAssistantApi, args: argparse.Namespace) -> dict[str, Any]:
    """The integration's entry: the existing one, or a new one through the config flow."""
    entries = await api.entries(DOMAIN)
    if entries:
        print(f"Reusing the integration entry {entries[0]['title']!r}.")
        return entries[0]
    print("Adding the integration through the config flow ...")
    result = await api.config_flow(DOMAIN, *connection_steps(args))
    if result.get("type") != "create_entry":
        msg = f"the config flow stopped at {result.get('step_id')}: {result.get('errors')}"
        raise HomeAssistantError(msg)
    return dict(result["result"])


def _numeric(state: dict[str, Any]) -> bool:
    try:
        float(state["state"])
    except ValueError:
        return False
    return True


async def show(api: HomeAssistantApi, entry: dict[str, Any]) -> None:
    """Print the devices and the packs' voltage and SOC, once the first poll has come in."""
    for _ in range(120):
        devices = await api.devices(entry["entry_id"])
        entities = await api.entities(entry["entry_id"])
        states = await api.states()
        shown = [
            states[e["entity_id"]]
            for e in entities
            if e["entity_id"] in states
            and e["unique_id"].endswith(("_voltage", "_soc"))
            and "cell" not in e["unique_id"]
        ]
        if len(devices) > 1 and shown and all(_numeric(state) for state in shown):
            break
        await asyncio.sleep(0.5)
    for device in sorted(devices, key=lambda d: d["name"]):
        print(f"  {device['name']}: {device.get('model') or ''}")
    for state in sorted(shown, key=lambda s: s["entity_id"]):
        unit = state["attributes"].get("unit_of_measurement", "")
        print(f"  {state['entity_id']}: {state['state']} {unit}")


async def main(argv: list[str] | None = None) -> int:
    """Run the main job until Ctrl-C (or, with --exit, until the states are shown)."""
    args = parse_args(argv)
    args.config.mkdir(parents=True, exist_ok=True)
    hass = HomeAssistantProcess(args.config, args.http_port)
    simulator = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if not (args.host or args.serial):
            simulator = await start_simulator(args, args.config / "simulator.out")
            what = f"console {args.console}" if args.console else args.dialect
            print(f"Simulator: {args.packs} {what} packs on 127.0.0.1:{args.sim_port}")
        check_free(args.http_port, "--http-port")
        print(f"Starting Home Assistant on {hass.url} (log: {hass.log}) ...")
        await hass.start()
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(hass.url, session)
            await api.log_in(**USER)
            entry = await add_battery(api, args)
            await show(api, entry)
        print(f"\nOpen {hass.url} and log in as {USER['username']!r} "
              f"with password {USER['password']!r}.")  # fmt: skip
        if not args.exit:
            print("Ctrl-C stops Home Assistant and the simulator.")
            await stop.wait()
    except HomeAssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        print("Stopping ...")
        await hass.stop()
        if simulator is not None:
            simulator.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                simulator.wait(10)
            if simulator.poll() is None:
                simulator.kill()
    return 0


if __name__ == "__main__":
    # Each line as it is printed, also into a pipe (a test or a log waits for "Ctrl-C stops").
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.exit(asyncio.run(main()))
