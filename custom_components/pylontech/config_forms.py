"""The config flow's forms and checks: what an owner types, and the search for a stack behind it.

`config_flow.py` holds the steps that show these forms.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.helpers import selector
import voluptuous as vol

from . import transport_for
from .bms import (
    PylontechBudgetError,
    PylontechConnectionError,
    PylontechConnectionRefusedError,
    PylontechDetectionError,
    PylontechError,
    PylontechGatewayBusyError,
    PylontechTimeoutError,
    PylontechUnknownDialectError,
    PylontechWebServerError,
    detect,
    get_dialect,
)
from .const import (
    AUTO_BAUDRATES,
    BAUDRATE_AUTO,
    BAUDRATES,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_DEVICE,
    CONNECTION_NETWORK,
    CONNECTION_SERIAL,
    DEFAULT_NAME,
    DEFAULT_PORT,
    DETECT_TIMEOUT,
    LOGGER,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .bms import Detection

HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")  # fmt: skip

BAUDRATE_SELECTOR = selector.SelectSelector(
    selector.SelectSelectorConfig(
        options=[BAUDRATE_AUTO, *(str(rate) for rate in BAUDRATES)],
        mode=selector.SelectSelectorMode.DROPDOWN,
        translation_key="baudrate",
    )
)


type FormSchema = Any
"""A form's schema. Home Assistant 2026.10+ types forms with probatio's Schema and makes
`voluptuous` an alias of probatio at run time; older releases type them with voluptuous's."""


def device_field() -> object:
    """The serial port field: Home Assistant's serial port selector, else a text field.

    The selector (where Home Assistant has one) lists USB adapters and ESPHome serial proxies
    (an ``esphome-hass://`` URL, which serialx opens through HA's ESPHome integration) and takes
    any path or URL typed in by hand.
    """
    port_selector = getattr(selector, "SerialPortSelector", None)
    return str if port_selector is None else port_selector()


def network_schema(defaults: dict[str, Any], *, with_name: bool) -> FormSchema:
    """Host and port of a TCP gateway (and the devices' name when a stack is added)."""
    fields: dict[Any, Any] = {
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): str,
        vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)): vol.Coerce(int),
    }
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME))] = str
    return vol.Schema(fields)


def serial_schema(defaults: dict[str, Any], *, with_name: bool) -> FormSchema:
    """A serial port and its speed (and the devices' name when a stack is added)."""
    baudrate = str(defaults.get(CONF_BAUDRATE, BAUDRATE_AUTO))
    fields: dict[Any, Any] = {
        vol.Required(CONF_DEVICE, default=defaults.get(CONF_DEVICE, "")): device_field(),
        vol.Required(CONF_BAUDRATE, default=baudrate): BAUDRATE_SELECTOR,
    }
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME))] = str
    return vol.Schema(fields)


def connection_of(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry data for a form's input, and the form's errors for a host or port that is wrong."""
    if CONF_DEVICE in user_input:
        device = user_input[CONF_DEVICE].strip()
        data = {
            CONF_CONNECTION: CONNECTION_SERIAL,
            CONF_DEVICE: device,
            CONF_BAUDRATE: (
                BAUDRATE_AUTO
                if user_input[CONF_BAUDRATE] == BAUDRATE_AUTO
                else int(user_input[CONF_BAUDRATE])
            ),
        }
        return data, {} if device else {CONF_DEVICE: "invalid_device"}
    host = user_input[CONF_HOST].strip()
    if host.startswith("[") and host.endswith("]"):  # an IPv6 address as URLs write it
        host = host[1:-1]
    port = user_input[CONF_PORT]
    errors = {}
    if _URL_LIKE.search(host):
        errors[CONF_HOST] = "host_not_address"  # "http://192.168.1.50:8899/", "host:8899"
    elif not valid_host(host):
        errors[CONF_HOST] = "invalid_host"
    if not 1 <= port <= 65535:
        errors[CONF_PORT] = "invalid_port"
    return {CONF_CONNECTION: CONNECTION_NETWORK, CONF_HOST: host, CONF_PORT: port}, errors


_URL_LIKE = re.compile(r"://|/|^[^:]*:\d+$")
"""A URL or a path typed where the host goes, or a host with a port after it (one colon: an IPv6
address has several)."""


def valid_host(host: str) -> bool:
    """Whether `host` is an IP address or a well-formed host name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(HOSTNAME.match(host))
    return True


def connection_id(data: dict[str, Any]) -> str:
    """Identifies the stack when its master gives no serial number."""
    if data[CONF_CONNECTION] == CONNECTION_SERIAL:
        return f"serial:{data[CONF_DEVICE]}"
    return f"tcp:{data[CONF_HOST]}:{data[CONF_PORT]}"


def reply_text(raw: bytes) -> str:
    """The start of what came back, on one line, control characters escaped."""
    return repr(raw[:80])[2:-1]


_ERRORS: tuple[tuple[type[PylontechError], str], ...] = (
    (PylontechGatewayBusyError, "gateway_busy"),
    (PylontechBudgetError, "detection_slow"),
    (PylontechTimeoutError, "timeout_connect"),
    (PylontechConnectionRefusedError, "connection_refused"),
    (PylontechConnectionError, "cannot_connect"),
    (PylontechWebServerError, "web_server"),
)
"""The form's error for each failure of the search, the most particular kind first."""


def _error_of(err: PylontechError) -> tuple[str, dict[str, str]]:
    """The form's error key and placeholders for a failed search."""
    for kind, key in _ERRORS:
        if isinstance(err, kind):
            return key, {"error": str(err)}
    if isinstance(err, PylontechUnknownDialectError):
        return "unknown_dialect", {"reply": reply_text(err.raw)}
    if isinstance(err, PylontechDetectionError):
        if err.raw:
            return "not_a_bms", {"reply": reply_text(err.raw)}
        return "no_answer", {"error": str(err)}
    LOGGER.error("Unexpected error while looking for the stack: %s", err, exc_info=err)
    return "unknown", {"error": str(err)}


type Search = tuple[Detection | None, str, dict[str, str], dict[str, Any]]
"""(detection, error key, placeholders, the connection as it answered)."""


async def find_stack(data: dict[str, Any]) -> Search:
    """Detect the stack `data` describes.

    A serial port at `BAUDRATE_AUTO` is tried at each of `AUTO_BAUDRATES`, first waiting only
    the quick first pass at each rate, then the full one; the connection returned carries the
    rate that answered.
    """
    if data.get(CONF_BAUDRATE) != BAUDRATE_AUTO:
        return await _search(data, quick=True)
    attempts = [(rate, True) for rate in AUTO_BAUDRATES]
    attempts += [(rate, False) for rate in AUTO_BAUDRATES]
    found: Search = (None, "no_answer", {"error": ""}, data)
    for rate, quick in attempts:
        found = await _search({**data, CONF_BAUDRATE: rate}, quick=quick, full=not quick)
        detection, error = found[0], found[1]
        if detection is not None or error not in ("no_answer", "not_a_bms"):
            return found  # found, or a port that cannot be used at any rate
        LOGGER.debug("Nothing usable at %d Bd", rate)
    return found


async def _search(data: dict[str, Any], *, quick: bool, full: bool = True) -> Search:
    """One detection on the connection `data`: quick first pass, full second, or either."""
    try:
        transport = transport_for(data)
    except PylontechConnectionError as err:
        return None, "cannot_connect", {"error": str(err)}, data
    try:
        detection = await detect(transport, request_timeout=DETECT_TIMEOUT, quick=quick, full=full)
    except PylontechError as err:
        return None, *_error_of(err), data
    finally:
        await transport.close()
    return detection, "", {}, data


def suggested(data: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's data as its form shows it (the baud rate is a choice of texts)."""
    suggested = dict(data)
    if CONF_BAUDRATE in suggested:
        suggested[CONF_BAUDRATE] = str(suggested[CONF_BAUDRATE])
    return suggested


def is_connection_id(unique_id: str | None) -> bool:
    """Whether an entry's unique id is its connection's (no stack identity was read)."""
    return unique_id is None or unique_id.startswith(("tcp:", "serial:"))


def found_details(detection: Detection) -> dict[str, str]:
    """What detection found, for the confirmation form."""
    first = get_dialect(detection.dialect).first_address
    lines = []
    part = "Pack"
    for pack in detection.packs:
        details = [f"model {pack.model}"] if pack.model else []
        if pack.serial_number:
            details.append(f"serial number {pack.serial_number}")
        # PACE reports one version text as both model and firmware: show it once.
        if pack.software_version and pack.software_version != pack.model:
            details.append(f"firmware {pack.software_version}")
        suffix = f": {', '.join(details)}" if details else ""
        if pack.address < first:  # a high-voltage controller: its modules follow it
            lines.append(f"- Controller{suffix}")
            part = "Module"
        elif detection.all_packs_at is not None:  # all answered at one address, in order
            lines.append(f"- {part} {pack.address - first + 1}{suffix}")
        else:
            lines.append(f"- {part} {pack.address - first + 1} (address {pack.address}){suffix}")
    if detection.all_packs_at is not None:
        lines.append(f"(all answered at address {detection.all_packs_at})")
    return {
        "dialect": get_dialect(detection.dialect).brand,
        "packs": "\n".join(lines),
    }
