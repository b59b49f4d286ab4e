"""Config flow: choose a network gateway or a serial port, find the stack, confirm it.

Options (scan interval, request gap and timeout) take effect at once; reconfigure changes the
connection of an entry without touching its devices, entities or history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers import selector
import voluptuous as vol

from .config_forms import (
    FormSchema,
    connection_id,
    connection_of,
    find_stack,
    found_details,
    is_connection_id,
    network_schema,
    serial_schema,
    suggested,
)
from .const import (
    CONF_ADDRESSES,
    CONF_ALL_PACKS_AT,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_DIALECT,
    CONF_GAP,
    CONF_SCAN_INTERVAL,
    CONF_TIMEOUT,
    CONNECTION_SERIAL,
    DEFAULT_NAME,
    DOMAIN,
    GAP_RANGE,
    SCAN_INTERVAL_RANGE,
    TIMEOUT_RANGE,
)

if TYPE_CHECKING:
    import asyncio

    from .bms import Detection
    from .config_forms import Search
    from .coordinator import PylontechConfigEntry


def stack_data(detection: Detection) -> dict[str, Any]:
    """What an entry keeps of a detection: the dialect and the addresses.

    And, for a stack that answers only all-packs requests, where it is asked.
    """
    data: dict[str, Any] = {
        CONF_DIALECT: detection.dialect,
        CONF_ADDRESSES: list(detection.addresses),
    }
    if detection.all_packs_at is not None:
        data[CONF_ALL_PACKS_AT] = detection.all_packs_at
    return data


class PylontechConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a stack: the link, then what answers on it, then the user's confirmation."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing found."""
        self._data: dict[str, Any] = {}
        self._detection: Detection | None = None
        self._search: asyncio.Task[Search] | None = None
        """The search for the stack while the form shows its progress."""
        self._submitted: dict[str, Any] = {}
        """What the user typed in the form the search is for, shown again if it fails."""
        self._failure: tuple[dict[str, str], dict[str, str]] | None = None
        """The errors and placeholders of a failed search, for the form shown after it."""
        self._duplicate: PylontechConfigEntry | None = None
        """The entry that has the stack the search found, if one has (the flow then ends)."""

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
        return await self._connect("network", network_schema, user_input)

    async def async_step_serial(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A serial port and its speed, and the name of the devices."""
        return await self._connect("serial", serial_schema, user_input)

    async def _connect(
        self, step: str, schema: Any, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """The form, then (while the search runs) its progress, then the confirmation.

        The search takes from about a second to a minute; meanwhile the form says what is
        going on (`progress.searching`) instead of a bare spinner.
        """
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if self._search is not None:
            return await self._searched(step)
        if self._failure is not None:
            (errors, placeholders), self._failure = self._failure, None
            user_input = self._submitted
        elif user_input is not None:
            data, errors = connection_of(user_input)
            if not errors:
                match = {k: v for k, v in data.items() if k != CONF_BAUDRATE}
                if (same := self._entry_where(match)) is not None:
                    return self._already_configured(same)
                self._submitted = user_input
                self._data = {**data, CONF_NAME: user_input[CONF_NAME].strip() or DEFAULT_NAME}
                self._search = self.hass.async_create_task(find_stack(data))
                return self._searching(step)
        return self.async_show_form(
            step_id=step,
            data_schema=self.add_suggested_values_to_schema(
                schema({CONF_NAME: self._free_name()}, with_name=True), user_input or {}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _searching(self, step: str) -> ConfigFlowResult:
        assert self._search is not None
        return self.async_show_progress(
            step_id=step, progress_action="searching", progress_task=self._search
        )

    async def _searched(self, step: str) -> ConfigFlowResult:
        """After the search: the confirmation, or the form again with what went wrong."""
        search = self._search
        assert search is not None
        if not search.done():
            return self._searching(step)
        self._search = None
        detection, error, placeholders, connection = search.result()
        if detection is None:
            self._failure = ({"base": error}, placeholders)
            return self.async_show_progress_done(next_step_id=step)
        await self.async_set_unique_id(
            detection.master_serial or connection_id(self._connection_data())
        )
        # A progress step can only end as done: `confirm` then ends the flow if the stack has
        # an entry already.
        self._duplicate = self._entry_where(None)
        self._data = {**connection, CONF_NAME: self._data[CONF_NAME]}  # the rate that answered
        self._detection = detection
        return self.async_show_progress_done(next_step_id="confirm")

    def _connection_data(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k != CONF_NAME}

    def _entry_where(self, data: dict[str, Any] | None) -> PylontechConfigEntry | None:
        """The entry whose data holds `data`, or (None) whose unique id is this flow's."""
        for entry in self._async_current_entries(include_ignore=False):
            if data is None:
                if self.unique_id is not None and entry.unique_id == self.unique_id:
                    return entry
            elif all(entry.data.get(key) == value for key, value in data.items()):
                return entry
        return None

    def _already_configured(self, entry: PylontechConfigEntry) -> ConfigFlowResult:
        """Abort, naming the entry that has this stack already."""
        return self.async_abort(
            reason="already_configured", description_placeholders={"title": entry.title}
        )

    def _free_name(self) -> str:
        """The default name, numbered past the names other stacks have ("Battery 2")."""
        taken = {entry.data.get(CONF_NAME) for entry in self._async_current_entries()}
        name, number = DEFAULT_NAME, 1
        while name in taken:
            number += 1
            name = f"{DEFAULT_NAME} {number}"
        return name

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was found; create the entry when the user agrees."""
        if self._duplicate is not None:
            return self._already_configured(self._duplicate)
        detection = self._detection
        assert detection is not None
        if user_input is None:
            return self.async_show_form(
                step_id="confirm", description_placeholders=found_details(detection)
            )
        return self.async_create_entry(
            title=self._data[CONF_NAME], data={**self._data, **stack_data(detection)}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host and port, or the serial port, of a stack already added."""
        entry: PylontechConfigEntry = self._get_reconfigure_entry()
        serial = entry.data[CONF_CONNECTION] == CONNECTION_SERIAL
        schema = serial_schema if serial else network_schema
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data, errors = connection_of(user_input)
            if not errors:
                if entry.state is ConfigEntryState.LOADED:
                    # A gateway that takes one client at a time is held by the entry itself.
                    await entry.runtime_data.client.close()
                detection, error, placeholders, data = await find_stack(data)
                if detection is None:
                    errors["base"] = error
                else:
                    unique_id = detection.master_serial or connection_id(data)
                    if entry.unique_id != unique_id and not is_connection_id(entry.unique_id):
                        return self.async_abort(reason="unique_id_mismatch")
                    await self.async_set_unique_id(unique_id)
                    if unique_id != entry.unique_id and (same := self._entry_where(None)):
                        return self._already_configured(same)
                    kept = {k: v for k, v in entry.data.items() if k != CONF_ALL_PACKS_AT}
                    return self.async_update_reload_and_abort(
                        entry,
                        unique_id=unique_id,
                        data={**kept, **data, **stack_data(detection)},
                    )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema({}, with_name=False), user_input or suggested(entry.data)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )


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
