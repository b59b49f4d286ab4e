"""Config flow: choose a network gateway or a serial port, find the stack, confirm it.

Options (scan interval, request gap and timeout) take effect at once; reconfigure changes the
connection of an entry without touching its devices, entities or history.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_NAME, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers import selector
import voluptuous as vol

from . import transport_for
from .bms import (
    PylontechBudgetError,
    PylontechConnectionError,
    PylontechDetectionError,
    PylontechError,
    PylontechGatewayBusyError,
    PylontechTimeoutError,
    PylontechUnknownDialectError,
    detect,
    get_dialect,
)
from .const import (
    BAUDRATES,
    CONF_ADDRESSES,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_DEVICE,
    CONF_DIALECT,
    CONF_GAP,
    CONF_SCAN_INTERVAL,
    CONF_TIMEOUT,
    CONNECTION_NETWORK,
    CONNECTION_SERIAL,
    DEFAULT_BAUDRATE,
    DEFAULT_NAME,
    DEFAULT_PORT,
    DETECT_TIMEOUT,
    DOMAIN,
    GAP_RANGE,
    LOGGER,
    SCAN_INTERVAL_RANGE,
    TIMEOUT_RANGE,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .bms import Detection
    from .coordinator import PylontechConfigEntry

HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")  # fmt: skip

BAUDRATE_SELECTOR = selector.SelectSelector(
    selector.SelectSelectorConfig(
        options=[str(rate) for rate in BAUDRATES], mode=selector.SelectSelectorMode.DROPDOWN
    )
)


type FormSchema = Any
"""A form's schema. Home Assistant 2026.10+ types forms with probatio's Schema and makes
`voluptuous` an alias of probatio at run time; older releases type them with voluptuous's."""


def _device_field() -> object:
    """The serial port field: Home Assistant's serial port selector, else a text field.

    The selector (where Home Assistant has one) lists USB adapters and ESPHome serial proxies
    (an ``esphome-hass://`` URL, which serialx opens through HA's ESPHome integration) and takes
    any path or URL typed in by hand.
    """
    port_selector = getattr(selector, "SerialPortSelector", None)
    return str if port_selector is None else port_selector()


def _network_schema(defaults: dict[str, Any], *, with_name: bool) -> FormSchema:
    fields: dict[Any, Any] = {
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): str,
        vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)): vol.Coerce(int),
    }
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME))] = str
    return vol.Schema(fields)


def _serial_schema(defaults: dict[str, Any], *, with_name: bool) -> FormSchema:
    baudrate = str(defaults.get(CONF_BAUDRATE, DEFAULT_BAUDRATE))
    fields: dict[Any, Any] = {
        vol.Required(CONF_DEVICE, default=defaults.get(CONF_DEVICE, "")): _device_field(),
        vol.Required(CONF_BAUDRATE, default=baudrate): BAUDRATE_SELECTOR,
    }
    if with_name:
        fields[vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, DEFAULT_NAME))] = str
    return vol.Schema(fields)


def _connection(user_input: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry data for a form's input, and the form's errors for a host or port that is wrong."""
    if CONF_DEVICE in user_input:
        device = user_input[CONF_DEVICE].strip()
        data = {
            CONF_CONNECTION: CONNECTION_SERIAL,
            CONF_DEVICE: device,
            CONF_BAUDRATE: int(user_input[CONF_BAUDRATE]),
        }
        return data, {} if device else {CONF_DEVICE: "invalid_device"}
    host = user_input[CONF_HOST].strip()
    if host.startswith("[") and host.endswith("]"):  # an IPv6 address as URLs write it
        host = host[1:-1]
    port = user_input[CONF_PORT]
    errors = {}
    if not _valid_host(host):
        errors[CONF_HOST] = "invalid_host"
    if not 1 <= port <= 65535:
        errors[CONF_PORT] = "invalid_port"
    return {CONF_CONNECTION: CONNECTION_NETWORK, CONF_HOST: host, CONF_PORT: port}, errors


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(HOSTNAME.match(host))
    return True


def _connection_id(data: dict[str, Any]) -> str:
    """Identifies the stack when its master gives no serial number."""
    if data[CONF_CONNECTION] == CONNECTION_SERIAL:
        return f"serial:{data[CONF_DEVICE]}"
    return f"tcp:{data[CONF_HOST]}:{data[CONF_PORT]}"


def _reply(raw: bytes) -> str:
    """The start of what came back, on one line, control characters escaped."""
    return repr(raw[:80])[2:-1]


async def _find_stack(data: dict[str, Any]) -> tuple[Detection | None, str, dict[str, str]]:
    """Detect the stack `data` describes: (detection, error key, placeholders)."""
    try:
        transport = transport_for(data)
    except PylontechConnectionError as err:
        return None, "cannot_connect", {"error": str(err)}
    try:
        detection = await detect(transport, request_timeout=DETECT_TIMEOUT)
    except PylontechGatewayBusyError as err:
        return None, "gateway_busy", {"error": str(err)}
    except PylontechBudgetError as err:
        return None, "detection_slow", {"error": str(err)}
    except PylontechTimeoutError as err:
        return None, "timeout_connect", {"error": str(err)}
    except PylontechConnectionError as err:
        return None, "cannot_connect", {"error": str(err)}
    except PylontechUnknownDialectError as err:
        return None, "unknown_dialect", {"reply": _reply(err.raw)}
    except PylontechDetectionError as err:
        if err.raw:
            return None, "not_a_bms", {"reply": _reply(err.raw)}
        return None, "no_answer", {"error": str(err)}
    except PylontechError as err:
        LOGGER.exception("Unexpected error while looking for the stack")
        return None, "unknown", {"error": str(err)}
    finally:
        await transport.close()
    return detection, "", {}


class PylontechConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a stack: the link, then what answers on it, then the user's confirmation."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing found."""
        self._data: dict[str, Any] = {}
        self._detection: Detection | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: PylontechConfigEntry) -> PylontechOptionsFlow:
        """Options: scan interval, request gap and timeout."""
        return PylontechOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Network gateway or serial port."""
        return self.async_show_menu(step_id="user", menu_options=["network", "serial"])

    async def async_step_network(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host and port of a TCP gateway, and the name of the devices."""
        return await self._connect("network", _network_schema, user_input)

    async def async_step_serial(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A serial port and its speed, and the name of the devices."""
        return await self._connect("serial", _serial_schema, user_input)

    async def _connect(
        self, step: str, schema: Any, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data, errors = _connection(user_input)
            if not errors:
                match = {k: v for k, v in data.items() if k != CONF_BAUDRATE}
                self._async_abort_entries_match(match)
                detection, error, placeholders = await _find_stack(data)
                if detection is None:
                    errors["base"] = error
                else:
                    await self.async_set_unique_id(detection.master_serial or _connection_id(data))
                    self._abort_if_unique_id_configured()
                    self._data = {**data, CONF_NAME: user_input[CONF_NAME].strip() or DEFAULT_NAME}
                    self._detection = detection
                    return await self.async_step_confirm()
        return self.async_show_form(
            step_id=step,
            data_schema=self.add_suggested_values_to_schema(
                schema({}, with_name=True), user_input or {}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was found; create the entry when the user agrees."""
        detection = self._detection
        assert detection is not None
        if user_input is None:
            return self.async_show_form(
                step_id="confirm", description_placeholders=_found(detection)
            )
        return self.async_create_entry(
            title=self._data[CONF_NAME],
            data={
                **self._data,
                CONF_DIALECT: detection.dialect,
                CONF_ADDRESSES: list(detection.addresses),
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host and port, or the serial port, of a stack already added."""
        entry: PylontechConfigEntry = self._get_reconfigure_entry()
        serial = entry.data[CONF_CONNECTION] == CONNECTION_SERIAL
        schema = _serial_schema if serial else _network_schema
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data, errors = _connection(user_input)
            if not errors:
                if entry.state is ConfigEntryState.LOADED:
                    # A gateway that takes one client at a time is held by the entry itself.
                    await entry.runtime_data.client.close()
                detection, error, placeholders = await _find_stack(data)
                if detection is None:
                    errors["base"] = error
                else:
                    unique_id = detection.master_serial or _connection_id(data)
                    if entry.unique_id != unique_id and not _is_connection_id(entry.unique_id):
                        return self.async_abort(reason="unique_id_mismatch")
                    await self.async_set_unique_id(unique_id)
                    if unique_id != entry.unique_id:
                        self._abort_if_unique_id_configured()
                    return self.async_update_reload_and_abort(
                        entry,
                        unique_id=unique_id,
                        data_updates={
                            **data,
                            CONF_DIALECT: detection.dialect,
                            CONF_ADDRESSES: list(detection.addresses),
                        },
                    )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema({}, with_name=False), user_input or _suggested(entry.data)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


def _suggested(data: Mapping[str, Any]) -> dict[str, Any]:
    """An entry's data as its form shows it (the baud rate is a choice of texts)."""
    suggested = dict(data)
    if CONF_BAUDRATE in suggested:
        suggested[CONF_BAUDRATE] = str(suggested[CONF_BAUDRATE])
    return suggested


def _is_connection_id(unique_id: str | None) -> bool:
    return unique_id is None or unique_id.startswith(("tcp:", "serial:"))


def _found(detection: Detection) -> dict[str, str]:
    """What detection found, for the confirmation form."""
    first = get_dialect(detection.dialect).first_address
    lines = []
    part = "Pack"
    for pack in detection.packs:
        # PACE reports one version text as both model and firmware: show it once.
        details = list(
            dict.fromkeys(
                text for text in (pack.model, pack.serial_number, pack.software_version) if text
            )
        )
        suffix = f": {', '.join(details)}" if details else ""
        if pack.address < first:  # a high-voltage controller: its modules follow it
            lines.append(f"- Controller{suffix}")
            part = "Module"
        else:
            lines.append(f"- {part} {pack.address - first + 1} (address {pack.address}){suffix}")
    return {
        "dialect": get_dialect(detection.dialect).title,
        "count": str(len(detection.addresses)),
        "packs": "\n".join(lines),
    }


class PylontechOptionsFlow(OptionsFlow):
    """Scan interval, and the request gap and timeout for slow gateways; no reload needed."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form with the three numbers."""
        entry: PylontechConfigEntry = self.config_entry
        if user_input is not None:
            if entry.state is ConfigEntryState.LOADED:
                entry.runtime_data.apply_options(user_input)
            return self.async_create_entry(data=user_input)
        fields = {}
        for key, (default, low, high), step, unit in (
            (CONF_SCAN_INTERVAL, SCAN_INTERVAL_RANGE, 1, "s"),
            (CONF_GAP, GAP_RANGE, 0.01, "s"),
            (CONF_TIMEOUT, TIMEOUT_RANGE, 0.1, "s"),
        ):
            fields[vol.Required(key, default=entry.options.get(key, default))] = (
                selector.NumberSelector(
                    selector.NumberSelectorConfig(
                        min=low,
                        max=high,
                        step=step,
                        unit_of_measurement=unit,
                        mode=selector.NumberSelectorMode.BOX,
                    )
                )
            )
        form: FormSchema = vol.Schema(fields)
        return self.async_show_form(step_id="init", data_schema=form)
