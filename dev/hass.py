"""A real Home Assistant process for the main job and the end-to-end tests.

`HomeAssistantProcess` writes a small configuration (with this repository's integration linked
into its `custom_components/`), starts `hass` on a loopback port and stops it. `HomeAssistantApi`
does what a person does in the browser, through the same HTTP and websocket API the frontend
uses: onboarding, logging in, adding the integration through its config flow, reading states
and registries.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "pylontech"
MARKER = "# Written by dev/hass.py"

CONFIGURATION = f"""{MARKER}: a minimal Home Assistant for the Pylontech BMS integration.
homeassistant:
  name: Battery lab
  latitude: 52.52
  longitude: 13.40
  elevation: 34
  unit_system: metric
  time_zone: Europe/Berlin
  country: DE
  currency: EUR
http:
  server_host: 127.0.0.1
  server_port: {{port}}
frontend:
config:
energy:
history:
logbook:
logger:
  default: warning
  logs:
    custom_components.pylontech: debug
"""


class HomeAssistantError(Exception):
    """Home Assistant did not start, or did not do what was asked."""


class HomeAssistantProcess:
    """`hass` on `config_dir`, listening on 127.0.0.1:`port`."""

    def __init__(self, config_dir: Path, port: int, *, hass: Path | None = None) -> None:
        """Describe the process; nothing runs before `start`."""
        self.config_dir = config_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.hass = hass or Path(sys.executable).with_name("hass")
        self.log = config_dir / "hass.out"
        self.process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        """Write the configuration and link the integration from the working tree.

        A configuration.yaml someone edited (without our first line) is left alone.
        """
        self.config_dir.mkdir(parents=True, exist_ok=True)
        config = self.config_dir / "configuration.yaml"
        if not config.exists() or config.read_text().startswith(MARKER):
            config.write_text(CONFIGURATION.format(port=self.port))
        custom = self.config_dir / "custom_components"
        custom.mkdir(exist_ok=True)
        link = custom / "pylontech"
        if link.is_symlink() or not link.exists():
            link.unlink(missing_ok=True)
            link.symlink_to(INTEGRATION, target_is_directory=True)

    async def start(self, timeout: float = 180.0) -> None:
        """Start `hass` and wait until its HTTP API answers."""
        self.write_config()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220
                [str(self.hass), "-c", str(self.config_dir), "--skip-pip"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal is ours to pass on
            )
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    msg = f"hass exited with {self.process.returncode}; see {self.log}"
                    raise HomeAssistantError(msg)
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    # A page that needs no token (a request without one would be logged as
                    # a failed login and shown as a notification).
                    async with session.get(f"{self.url}/manifest.json", timeout=2) as reply:
                        if reply.status == 200:
                            return
                await asyncio.sleep(0.5)
        await self.stop()
        msg = f"Home Assistant did not answer on {self.url} within {timeout:.0f} s; see {self.log}"
        raise HomeAssistantError(msg)

    async def stop(self, timeout: float = 60.0) -> None:
        """Stop `hass` as Ctrl-C would (SIGTERM), killing it if it does not end in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        if process.poll() is None:
            process.kill()
            process.wait()

    def remove(self) -> None:
        """Delete the configuration directory (tests use a temporary one)."""
        shutil.rmtree(self.config_dir, ignore_errors=True)


class HomeAssistantApi:
    """The frontend's side of Home Assistant's API, for one user."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        """Talk to the Home Assistant at `url`."""
        self.url = url
        self.client_id = f"{url}/"
        self.session = session
        self.token: str | None = None

    # -- onboarding and login --------------------------------------------------------------------

    async def log_in(self, name: str, username: str, password: str) -> None:
        """Finish onboarding with this user if nobody has, else log in as the user."""
        steps: dict[str, bool] = {}
        async with self.session.get(f"{self.url}/api/onboarding") as reply:
            if reply.status == 200:  # once onboarding is over, the view is gone (404)
                steps = {step["step"]: step["done"] for step in await reply.json()}
        if not steps.get("user", True):
            body = {"client_id": self.client_id, "name": name, "username": username,
                    "password": password, "language": "en"}  # fmt: skip
            code = (await self._post("/api/onboarding/users", body, auth=False))["auth_code"]
        else:
            code = await self._login_flow(username, password)
        await self._token(code)
        if not steps.get("core_config", True):
            await self._post("/api/onboarding/core_config", {})
        if not steps.get("analytics", True):
            await self._post("/api/onboarding/analytics", {})
        if not steps.get("integration", True):
            body = {"client_id": self.client_id, "redirect_uri": f"{self.url}/?auth_callback=1"}
            await self._post("/api/onboarding/integration", body)

    async def _login_flow(self, username: str, password: str) -> str:
        body = {"client_id": self.client_id, "handler": ["homeassistant", None],
                "redirect_uri": f"{self.url}/?auth_callback=1"}  # fmt: skip
        flow = await self._post("/auth/login_flow", body, auth=False)
        body = {"client_id": self.client_id, "username": username, "password": password}
        result = await self._post(f"/auth/login_flow/{flow['flow_id']}", body, auth=False)
        if result.get("type") != "create_entry":
            msg = f"cannot log in as {username}: {result.get('errors')}"
            raise HomeAssistantError(msg)
        return str(result["result"])

    async def _token(self, code: str) -> None:
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self.session.post(f"{self.url}/auth/token", data=form) as reply:
            reply.raise_for_status()
            tokens = await reply.json()
        self.token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]

    # -- requests ----------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        if self.token is None:
            msg = "log in first"
            raise HomeAssistantError(msg)
        return {"Authorization": f"Bearer {self.token}"}

    async def _post(self, path: str, body: dict[str, Any], *, auth: bool = True) -> Any:
        headers = self._headers() if auth else {}
        async with self.session.post(f"{self.url}{path}", json=body, headers=headers) as reply:
            if reply.status >= 400:
                msg = f"POST {path}: {reply.status} {await reply.text()}"
                raise HomeAssistantError(msg)
            return await reply.json()

    async def get(self, path: str) -> Any:
        """GET a path of the REST API."""
        async with self.session.get(f"{self.url}{path}", headers=self._headers()) as reply:
            if reply.status >= 400:
                msg = f"GET {path}: {reply.status} {await reply.text()}"
                raise HomeAssistantError(msg)
            return await reply.json()

    async def ws(self, message: dict[str, Any]) -> Any:
        """One websocket command, as the frontend sends it; its result."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.token})
            answer = await socket.receive_json()
            if answer["type"] != "auth_ok":
                raise HomeAssistantError(f"websocket refused: {answer}")
            await socket.send_json({"id": 1, **message})
            answer = await socket.receive_json()
        if not answer.get("success"):
            raise HomeAssistantError(f"{message['type']}: {answer.get('error')}")
        return answer["result"]

    # -- what a user does ------------------------------------------------------------------------

    async def entries(self, domain: str) -> list[dict[str, Any]]:
        """The config entries of an integration."""
        return list(await self.get(f"/api/config/config_entries/entry?domain={domain}"))

    async def config_flow(self, handler: str, *steps: dict[str, Any]) -> dict[str, Any]:
        """Start `handler`'s config flow and submit each step in turn, as the frontend does.

        Returns the last result (for a complete flow: type "create_entry").
        """
        result = await self._post(
            "/api/config/config_entries/flow", {"handler": handler, "show_advanced_options": False}
        )
        for step in steps:
            if result.get("type") not in {"form", "menu"}:
                break
            url = f"/api/config/config_entries/flow/{result['flow_id']}"
            result = await self._post(url, step)
            # A step that runs a while shows its progress; the frontend then asks for the
            # flow again until the step is done, which moves the flow on.
            while result.get("type") == "progress":
                await asyncio.sleep(0.2)
                result = await self.get(url)
        return dict(result)

    async def set_options(self, entry_id: str, options: dict[str, Any]) -> dict[str, Any]:
        """Submit an entry's options form, as its *Configure* dialog does."""
        flow = await self._post("/api/config/config_entries/options/flow", {"handler": entry_id})
        result = await self._post(
            f"/api/config/config_entries/options/flow/{flow['flow_id']}", options
        )
        return dict(result)

    async def post_service(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Call an action (service), as a button in the frontend would."""
        await self._post(f"/api/services/{domain}/{service}", data)

    async def states(self) -> dict[str, dict[str, Any]]:
        """entity_id -> state object."""
        return {state["entity_id"]: state for state in await self.get("/api/states")}

    async def devices(self, entry_id: str) -> list[dict[str, Any]]:
        """The device registry's devices of a config entry."""
        devices = await self.ws({"type": "config/device_registry/list"})
        return [d for d in devices if entry_id in d["config_entries"]]

    async def entities(self, entry_id: str) -> list[dict[str, Any]]:
        """The entity registry's entities of a config entry."""
        entities = await self.ws({"type": "config/entity_registry/list"})
        return [e for e in entities if e["config_entry_id"] == entry_id]


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def stack_added(
    config_dir: Path, port: int, user: dict[str, str]
) -> AsyncIterator[tuple[HomeAssistantProcess, HomeAssistantApi, dict[str, Any]]]:
    """`hass` with the stack on the gateway at 127.0.0.1:`port` added; stopped after.

    `hass` is started, `user` onboarded and logged in, and the stack added through the config
    flow as a person adds it. Yields the process, the API and the new entry.
    """
    hass = HomeAssistantProcess(config_dir, free_port())
    try:
        await hass.start()
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(hass.url, session)
            await api.log_in(**user)
            result = await api.config_flow(
                "pylontech",
                {"next_step_id": "network"},
                {"host": "127.0.0.1", "port": port, "name": "Battery"},
                {},
            )
            if result.get("type") != "create_entry":
                msg = f"the stack was not added: {result}"
                raise HomeAssistantError(msg)
            yield hass, api, result["result"]
    finally:
        await hass.stop()
