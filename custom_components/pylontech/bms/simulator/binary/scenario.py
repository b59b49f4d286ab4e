"""Scenarios: a stack described in the JSON that `read --json` prints (`serialize.stack_to_json`).

Each pack is served with the values it lists, within the wire's resolution. Keys the decoder
derives (power, soc_source, cell_voltage_min, temperature_names, ...) are ignored; missing alarm
keys mean normal states, no flags and both MOSFETs on. The 0x44 status bytes are
`status_bytes` (if given), then the `flags`, `charge_mosfet`, `discharge_mosfet` and
`balancing_cells` keys set or clear their bits. Keys only the simulator reads, per pack:
`serial_number`, `model`, `software_version`, `manufacturer_version`, `manufacturer`, `barcode`,
`build_date` (see `ServedIdentity`; invented when absent) and `user_defined` (the 0x42 count).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
import json
from pathlib import Path
import random
from typing import TYPE_CHECKING

from ...dialects import get_dialect
from ...exceptions import PylontechUnknownDialectError
from ..pack import StaticPack
from ..served import alarm_decoder, alarm_info, analog_values, soc_byte, status_bytes
from .scenario_fields import JsonObject, ScenarioError

if TYPE_CHECKING:
    import os

    from ...dialects import Dialect
    from ...dialects.typical import ServedIdentity
    from ...models import PackAlarmInfo

MAX_PACKS = 16
# Identity keys and the longest text each command can carry (protocol.md 2.7, 3.2).
_IDENTITY_SIZES = {
    "serial_number": 16,
    "model": 10,
    "manufacturer": 20,
    "software_version": 20,
    "manufacturer_version": 20,
    "barcode": 20,
    "build_date": 20,
}
# Pylontech sends versions as one byte per part: 0x96's main line has 3, the others 2.
_VERSION_PARTS = {"software_version": 3, "manufacturer_version": 2}


@dataclass(frozen=True, slots=True)
class Scenario:
    """A loaded scenario: the dialect and its packs, in address order."""

    dialect: Dialect
    packs: tuple[StaticPack, ...]


def load_scenario(
    source: Mapping[str, object] | str | os.PathLike[str], *, seed: int = 0
) -> Scenario:
    """Load a scenario from a parsed document or a JSON file; raise `ScenarioError` if invalid.

    `seed` chooses the identities invented for packs that give none.
    """
    if not isinstance(source, Mapping):
        path = Path(source)
        try:
            document: object = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise ScenarioError(f"cannot read scenario {path}: {err.strerror}") from err
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ScenarioError(f"scenario {path} is not JSON: {err}") from err
    else:
        document = dict(source)
    return parse_scenario(document, seed=seed)


def parse_scenario(document: object, *, seed: int = 0) -> Scenario:
    """Build the packs a parsed scenario document describes."""
    top = JsonObject(document, "scenario")
    name = top.data.get("dialect")
    if not isinstance(name, str):
        raise top.error("dialect", 'must name the dialect, e.g. "pylontech" or "pace"')
    try:
        dialect = get_dialect(name)
    except PylontechUnknownDialectError as err:
        raise ScenarioError(f"scenario: {err}") from None
    items = top.data.get("packs")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_PACKS:
        raise top.error("packs", f"must be a list of 1 to {MAX_PACKS} packs")
    identities = dialect.typical().identity(random.Random(seed), len(items))  # noqa: S311
    packs = [
        _pack(dialect, JsonObject(item, f"pack {index}"), index, identities[index - 1])
        for index, item in enumerate(items, start=1)
    ]
    addresses = [pack.address for pack in packs]
    if len(set(addresses)) != len(addresses):
        raise ScenarioError(f"scenario: two packs share an address ({addresses})")
    return Scenario(dialect, tuple(sorted(packs, key=lambda pack: pack.address)))


def _pack(dialect: Dialect, item: JsonObject, index: int, identity: ServedIdentity) -> StaticPack:
    address = item.integer("address", limits=(0, 0xFE))
    if address is None:
        address = dialect.first_address + index - 1
    item.where += f" (address {address})"
    if "error" in item.data and "cell_voltages" not in item.data:
        msg = f"{item.where}: was not read when the scenario was saved ({item.data['error']})"
        raise ScenarioError(msg)
    cells = item.numbers("cell_voltages")
    temperatures = item.numbers("temperatures")
    remaining = item.number("remaining_capacity", required=True)
    full = item.number("full_capacity", required=True)
    voltage = item.number("voltage")
    if voltage is None:
        voltage = round(sum(cell for cell in cells if cell is not None), 3)
    if 0x44 not in dialect.commands:
        msg = f"{item.where}: {dialect.name} stacks cannot be served from a scenario (no 0x44)"
        raise ScenarioError(msg)
    # SOC and SOH as the BMS reports them, where it does (Seplos, EG4).
    reports_soc = dialect.typical().soc_step is not None
    soc = item.number("soc") if item.data.get("soc_source") != "capacity" else None
    analog = analog_values(
        dialect,
        address=address,
        cell_voltages=cells,
        temperatures=temperatures,
        current=item.number("current", required=True, nullable=False) or 0.0,
        voltage=voltage,
        remaining_capacity=remaining,
        full_capacity=full,
        design_capacity=item.number("design_capacity"),
        cycles=item.integer("cycles", required=True),
        extra=_analog_tail(dialect, item, remaining, full),
        soc=soc if reports_soc else None,
        soh=item.number("soh") if reports_soc else None,
    )
    return StaticPack(
        address=address,
        identity=_identity(dialect, item, identity),
        analog=analog,
        alarm=_alarm(dialect, item, address, len(cells), len(temperatures)),
        user_defined=item.integer("user_defined", limits=(0, 0xFF)),
    )


def _analog_tail(dialect: Dialect, item: JsonObject, remaining: float | None,
                 full: float | None) -> bytes:  # fmt: skip
    """The bytes after the 0x42 fields: PACE's SOC byte unless `extra` says otherwise."""
    extra = item.hex_bytes("extra")
    if not dialect.typical().soc_tail:
        if extra:
            raise item.error("extra", f"must be empty: {dialect.name} sends nothing after cycles")
        return b""
    soc = item.number("soc")
    if extra is None:
        return soc_byte(soc, remaining, full)
    if len(extra) == 1 and soc is not None and item.data.get("soc_source") != "capacity":
        return soc_byte(soc, remaining, full)
    return extra


def _alarm(
    dialect: Dialect, item: JsonObject, address: int, cells: int, temperatures: int
) -> PackAlarmInfo:
    decoder = alarm_decoder(dialect)
    known = [key for _byte, _bit, key, _category in decoder.flags]
    base = item.integers("status_bytes", (0, 0xFF))
    if base is not None and len(base) != len(decoder.status_keys):
        raise item.error(
            "status_bytes", f"must hold {len(decoder.status_keys)} bytes on {dialect.name}"
        )
    balancing = item.integers("balancing_cells", (1, 16))
    if balancing and decoder.balance_keys is None:
        raise item.error(
            "balancing_cells", f"must be null: {dialect.name} does not report balancing"
        )
    return alarm_info(
        dialect,
        address=address,
        cell_states=item.states("cell_states", cells),
        temperature_states=item.states("temperature_states", temperatures),
        charge_current_state=item.state("charge_current_state"),
        voltage_state=item.state("voltage_state"),
        discharge_current_state=item.state("discharge_current_state"),
        status=status_bytes(
            dialect,
            base=base,
            flags=item.flags("flags", known),
            charge_mosfet=item.boolean("charge_mosfet"),
            discharge_mosfet=item.boolean("discharge_mosfet"),
            balancing_cells=balancing,
        ),
    )


def _identity(dialect: Dialect, item: JsonObject, identity: ServedIdentity) -> ServedIdentity:
    given: dict[str, str] = {}
    for key, size in _IDENTITY_SIZES.items():
        text = item.text(key, size)
        if text is None:
            continue
        parts = _VERSION_PARTS.get(key)
        if dialect.name == "pylontech" and parts is not None and not _is_version(text, parts):
            raise item.error(key, f"must be {parts} numbers from 0 to 255 joined by dots")
        given[key] = text
    return replace(identity, **given)


def _is_version(text: str, parts: int) -> bool:
    numbers = text.split(".")
    return len(numbers) <= parts and all(n.isdigit() and int(n) <= 0xFF for n in numbers)
