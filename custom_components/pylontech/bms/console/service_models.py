"""What the console's service commands report: `sysinfo`, `bmuinfo N`, `log`, `ver`, `help`.

Same conventions as `models`: V, A, °C; None where the BMS prints nothing; keys this library
does not know kept, as printed, in `other`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import model

if TYPE_CHECKING:
    from .models import Other


@model
class Threshold:
    """One `sysinfo` threshold: the value that trips it and the one that releases it.

    `sysinfo` prints them in pairs, "Vol High 4" then "Vol High 4R" (the release value).
    """

    name: str
    """As printed, without the trailing R and with spacing normalised: "Vol High 4"."""
    trigger: float | None
    release: float | None


@model
class SystemSettings:
    """High-voltage `sysinfo`: the string's charge settings, requests and protection levels."""

    charge_voltage: float | None
    """V the BMS asks the charger for ("Chg Sug Volt")."""
    charge_cutoff_voltage: float | None
    """V ("Chg Cut Volt")."""
    discharge_cutoff_voltage: float | None
    """V ("Dsg Cut Volt")."""
    max_charge_current: float | None
    """A ("Max Chg Curr")."""
    max_discharge_current: float | None
    """A ("Max Dsg Curr"); negative or 0, as printed."""
    balance_charge_request: bool | None
    """"Bal Chg Req": Yes / NO."""
    force_charge_request: bool | None
    """"Force Chg Req": Yes / NO."""
    cell_voltage_thresholds: tuple[Threshold, ...]
    """"Vol High N" / "Vol Low N", V (printed in mV)."""
    temperature_thresholds: tuple[Threshold, ...]
    """"Temp High N", "Temp Nor High N", "Temp Low N" ..., °C (printed in m°C, no unit)."""
    balance_thresholds: tuple[Threshold, ...]
    """"Bal High N", as printed: the console prints no unit for them."""
    other: Other
    """Everything else ("FChgV", "FChgS" ...), as printed."""


@model
class ModuleInfo:
    """High-voltage `bmuinfo N`: the board of one module (BMU) of the string."""

    module: int | None
    """N of the command."""
    manufacturer: str | None
    device_name: str | None
    board_version: str | None
    pcba_barcode: str | None
    power_supply_barcode: str | None
    test_time: str | None
    """"Device Test Time", as printed ("2022-08-15 13:01:51")."""
    specification: str | None
    """As printed: "37AH"."""
    nominal_voltage: float | None
    nominal_capacity: float | None
    """Ah, from the specification."""
    cell_count: int | None
    other: Other


@model
class LogRecord:
    """One entry of the event log, its fields as printed."""

    index: int
    """As printed: the newest entry has the highest index, 0 is the oldest."""
    time: str | None
    """As printed, year in two digits: "23-10-05 12:06:53"."""
    module: str | None
    """"ModID": the module that logged it ("BMM")."""
    code: str | None
    """Hexadecimal digits, as printed: "8c8c", "12c", "0"."""
    info: str | None
    """The event in words: "The device start charging."."""
    other: Other


@model
class EventLog:
    """`log`: the event log, in printed order (newest first)."""

    records: tuple[LogRecord, ...]


@model
class FirmwareImage:
    """One firmware image that `ver` lists ("Main", "Backup")."""

    name: str
    """The title without " Version": "Main", "Backup"."""
    version: str | None
    size: int | None
    """As printed; the console prints no unit."""
    date: str | None
    """As printed: "2023-10-13 09:55:00" ("2000-00-00 00:00:00" for an empty slot)."""
    other: Other


@model
class FirmwareVersions:
    """Pytes `ver`: the firmware images and which one runs."""

    images: tuple[FirmwareImage, ...]
    active: str | None
    """The name of the running image ("Main")."""
    other: Other

    @property
    def active_version(self) -> str | None:
        """The version string of the running image, if the BMS names one."""
        for image in self.images:
            if image.name.lower() == (self.active or "").lower():
                return image.version
        return None


type CommandHelp = tuple[tuple[str, str], ...]
"""(command, description) pairs, as printed: ("pwr", "Power data show - pwr [index]")."""


@model
class CommandList:
    """`help`: the commands a console offers, so a client can check one before sending it."""

    commands: CommandHelp
    """The "Local command:" list (the one a client talks to)."""
    remote_commands: CommandHelp
    """The "Remote command:" list, empty where the capture stops at the paging line."""

    def offers(self, command: str) -> bool:
        """Whether the console lists `command` ("pwr", "bat 2": the first word counts)."""
        words = command.split()
        return bool(words) and any(name == words[0].lower() for name, _ in self.commands)
