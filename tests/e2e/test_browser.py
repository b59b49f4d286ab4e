"""The integration's pages in a real browser: headless Chromium logs in to a real `hass`, opens the
stack's device page and a pack's, and saves screenshots; the pages show the packs and their values.
It then opens the add-stack forms as an owner does (Add integration, then a menu option) and reads
them: every label and help text is shown, and no "Translation error".

The browser is Debian's `chromium`, driven by playwright-core from npm (`tests/e2e/browser/`); both
come from `scripts/setup`. `UPDATE_SCREENSHOTS=1` also writes the screenshots the README shows
(`docs/screenshots/`).
"""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_UP, Decimal
import json
import os
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any

from .conftest import running_stack

if TYPE_CHECKING:
    from dev.hass import HomeAssistantApi

ROOT = Path(__file__).resolve().parents[2]
BROWSER = Path(__file__).with_name("browser")
SCRIPT = BROWSER / "screenshot.mjs"
CHROMIUM = Path("/usr/bin/chromium")
DOCS = ROOT / "docs" / "screenshots"
SCREENSHOTS = {"stack": "device-page.png", "pack": "pack-page.png"}
STRINGS = json.loads((ROOT / "custom_components" / "pylontech" / "strings.json").read_text())
ADD = "/config/integrations/dashboard/add?domain=pylontech"
"""Where "Add integration" for this domain opens its config flow (the my-link config_flow_start),
after "Do you want to set up Pylontech BMS?" (OK)."""


def _missing() -> str | None:
    """Why the browser cannot run here, if it cannot (the test then fails with this)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: run scripts/setup (apt-get install chromium)"
    if shutil.which("node") is None:
        return "node is missing: install Node.js 20 or newer"
    if not (BROWSER / "node_modules" / "playwright-core").is_dir():
        return f"playwright-core is missing: run scripts/setup (npm ci in {BROWSER})"
    return None


async def _wait_for(api: HomeAssistantApi, check: Any) -> dict[str, Any]:
    """Poll the states until `check(states)` holds (at most 30 s); the states then."""
    async with asyncio.timeout(30):
        while not check(states := await api.states()):  # noqa: ASYNC110  # another process
            await asyncio.sleep(0.3)
    return states


async def _displayed(api: HomeAssistantApi, states: dict[str, Any], entity_id: str) -> str:
    """A sensor's state as the frontend shows it in English: its display precision, its unit.

    The browser's Intl.NumberFormat rounds the number's shortest decimal form half away from zero
    (52.855 shows as "52.86", where Python's binary-exact "{:.2f}" gives "52.85"); then, as the
    frontend's `blankBeforeUnit` in English, a space before the unit but none before "%" or "°"
    ("52.86 V", "57%").
    """
    entry = await api.ws({"type": "config/entity_registry/get", "entity_id": entity_id})
    options = entry["options"].get("sensor", {})
    precision = options.get("display_precision", options.get("suggested_display_precision"))
    assert precision is not None, entry["options"]
    state = states[entity_id]
    unit = state["attributes"]["unit_of_measurement"]
    blank = "" if unit in {"%", "°"} else " "
    number = Decimal(state["state"]).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)
    return f"{number:,f}{blank}{unit}"


async def _browse(api: HomeAssistantApi, pages: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the browser script on `pages`; what it printed."""
    env = {
        **os.environ,
        "HASS_URL": api.url,
        "HASS_CLIENT_ID": api.client_id,
        "HASS_ACCESS_TOKEN": str(api.token),
        "HASS_REFRESH_TOKEN": api.refresh_token,
    }
    process = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), json.dumps(pages), cwd=BROWSER, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(180):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, f"screenshot.mjs failed ({process.returncode}):\n{err.decode()}"
    return dict(json.loads(out))


async def test_device_pages_in_a_browser(tmp_path: Path) -> None:
    """The stack's page lists both packs; a pack's page shows its values as the states hold them."""
    if (missing := _missing()) is not None:
        raise AssertionError(missing)  # not a skip: this check is part of the suite
    async with running_stack(tmp_path / "config", "pace", 2) as running:
        api = running.api
        devices = {d["name"]: d for d in await api.devices(running.entry["entry_id"])}
        assert sorted(devices) == ["Battery", "Battery Pack 1", "Battery Pack 2"]

        stack, pack = "sensor.battery", "sensor.battery_pack_1"
        watched = [
            f"{stack}_voltage",
            f"{stack}_power",
            f"{pack}_voltage",
            f"{pack}_state_of_charge",
        ]
        states = await _wait_for(
            api, lambda s: all(s.get(e, {}).get("state") not in (None, "unavailable", "unknown")
                               for e in watched)
        )  # fmt: skip
        stack_values = [await _displayed(api, states, e) for e in watched[:2]]  # "52.86 V", ...
        pack_values = [await _displayed(api, states, e) for e in watched[2:]]  # ..., "57%"

        shots = {name: tmp_path / file for name, file in SCREENSHOTS.items()}
        steps = STRINGS["config"]["step"]
        menu = steps["user"]["menu_options"]
        network = steps["network"]["data"]
        searching = STRINGS["config"]["progress"]["searching"]
        # A port that takes the connection and never answers: the search runs its course.
        silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
        silent_port = silent.sockets[0].getsockname()[1]
        result = await _browse(api, [
            {"path": f"/config/devices/device/{devices['Battery']['id']}",
             "screenshot": str(shots["stack"]),
             "waitFor": ["Battery Pack 1", "Battery Pack 2", *stack_values]},
            {"path": f"/config/devices/device/{devices['Battery Pack 1']['id']}",
             "screenshot": str(shots["pack"]), "waitFor": ["Battery Pack 1", *pack_values]},
            *[{"path": ADD, "click": ["OK", menu[step]], "screenshot": str(tmp_path / f"{step}-form.png"),
               "waitFor": [steps[step]["title"], *steps[step]["data"].values()]}
              for step in ("network", "serial")],
            {"path": ADD, "click": ["OK", menu["network"]],
             "fill": {network["host"]: "127.0.0.1", network["port"]: silent_port},
             "submit": "Submit", "screenshot": str(tmp_path / "searching.png"),
             "waitFor": [searching]},
        ])  # fmt: skip
        silent.close()

    assert result["errors"] == [], result["errors"]  # uncaught exceptions in the frontend
    stack_page, pack_page = result["pages"][:2]
    for page in (stack_page, pack_page):
        assert page["ready"], f"{page['path']} lacks {page['missing']}:\n{page['text']}"
    stack_lines = set(stack_page["text"].splitlines())
    pack_lines = set(pack_page["text"].splitlines())
    # The stack's page: its name, both packs under "Connected devices", its own values.
    assert {"Battery", "Connected devices", "Battery Pack 1", "Battery Pack 2"} <= stack_lines
    assert set(stack_values) <= stack_lines, (stack_values, stack_page["text"])
    # The pack's page: its name, the stack it is connected via, its values by their names.
    assert {
        "Battery Pack 1",
        "Connected via",
        "Battery",
        "Voltage",
        "State of charge",
        # The story at a glance: what is wrong, the cells' spread, the temperatures' range.
        "Alarms",
        "OK",
        "Cell voltage difference",
        "Lowest cell temperature",
        "Highest cell temperature",
    } <= pack_lines
    assert set(pack_values) <= pack_lines, (pack_values, pack_page["text"])
    # The add-stack forms as they open: title, labels and help texts, and not one text the
    # frontend failed to format (it shows "Translation error: ..." in the text's place).
    # While it looks for the battery, the form says what it is doing.
    searching_page = result["pages"][4]
    assert searching_page["ready"], f"no progress text:\n{searching_page['text']}"
    assert "Translation error" not in searching_page["text"]
    for page, step in zip(result["pages"][2:4], ("network", "serial"), strict=True):
        assert page["ready"], f"{step} form lacks {page['missing']}:\n{page['text']}"
        assert "Translation error" not in page["text"], page["text"]
        for description in steps[step]["data_description"].values():
            assert " ".join(description.split()) in page["text"], (description, page["text"])
    for shot in shots.values():
        assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for name, file in SCREENSHOTS.items():
            shutil.copyfile(shots[name], DOCS / file)
