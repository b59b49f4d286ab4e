"""What hassfest and the HACS action would check, since neither can run here: translations in
step with the code, icons for translated entities only, and an honest quality scale."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re

import homeassistant.components
import pytest
import yaml

from custom_components.pylontech import (
    binary_sensor,
    config_flow,
    config_forms,
    coordinator,
    sensor,
    sensor_descriptions,
)
from custom_components.pylontech.bms.console.convert import (
    TEMPERATURE_NAMES as CONSOLE_TEMPERATURES,
)
from custom_components.pylontech.bms.dialects import DIALECTS
from custom_components.pylontech.bms.models import AlarmLevel, Flag

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "custom_components" / "pylontech"
STRINGS = json.loads((PACKAGE / "strings.json").read_text())
ICONS = json.loads((PACKAGE / "icons.json").read_text())
QUALITY = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())

# Every rule of the integration quality scale (developers.home-assistant.io, "Integration
# quality scale"; the same 54 names as the quality_scale.yaml files of HA 2026.10's integrations,
# which added docs-conditions and docs-triggers).
RULES = {
    "bronze": [
        "action-setup", "appropriate-polling", "brands", "common-modules",
        "config-flow-test-coverage", "config-flow", "dependency-transparency", "docs-actions",
        "docs-conditions", "docs-high-level-description", "docs-installation-instructions",
        "docs-removal-instructions", "docs-triggers", "entity-event-setup", "entity-unique-id", "has-entity-name",
        "runtime-data", "test-before-configure", "test-before-setup", "unique-config-entry",
    ],
    "silver": [
        "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
        "docs-installation-parameters", "entity-unavailable", "integration-owner",
        "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    ],
    "gold": [
        "devices", "diagnostics", "discovery-update-info", "discovery", "docs-data-update",
        "docs-examples", "docs-known-limitations", "docs-supported-devices",
        "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
        "entity-category", "entity-device-class", "entity-disabled-by-default",
        "entity-translations", "exception-translations", "icon-translations",
        "reconfiguration-flow", "repair-issues", "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}  # fmt: skip


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_english_translation_is_strings_json() -> None:
    """A custom integration reads translations/en.json; strings.json is its source."""
    assert json.loads((PACKAGE / "translations" / "en.json").read_text()) == STRINGS


def _pack_flag_keys() -> set[str]:
    keys = set()
    for dialect in DIALECTS:
        for command in dialect.commands.values():
            for row in getattr(command.decoder, "flags", ()):
                flag = Flag(key=row[2], category=row[3], active=False)
                keys.add(binary_sensor._flag(0, flag).translation_key)
    return keys


def _sensor_keys() -> set[str]:
    keys = {
        d.translation_key
        for d in (*sensor_descriptions.PACK_SENSORS, *sensor_descriptions.STACK_SENSORS)
    }
    keys |= {
        d.translation_key
        for d in (*sensor_descriptions.ENERGY_SENSORS, *sensor_descriptions.LIMIT_SENSORS)
    }
    keys.add(sensor_descriptions.cell_voltage_description(0).translation_key)
    keys.add(sensor_descriptions.temperature_description(0, "temperature_1").translation_key)
    for dialect in DIALECTS:
        for names in dialect.temperature_names.values():
            keys |= {
                sensor_descriptions.temperature_description(0, name).translation_key
                for name in names
            }
    keys |= {
        sensor_descriptions.temperature_description(0, name).translation_key
        for name in CONSOLE_TEMPERATURES
    }
    return keys  # type: ignore[return-value]


def test_every_entity_has_a_name_and_no_name_is_unused() -> None:
    """Translation keys of the description tables and the dialects' flags, both ways."""
    entity = STRINGS["entity"]
    assert set(entity["sensor"]) == _sensor_keys()
    summaries = {"warning", "protection", "fault", "balancing"}
    summaries |= {d.translation_key for d in binary_sensor.LIMIT_BINARY_SENSORS}
    assert set(entity["binary_sensor"]) == _pack_flag_keys() | summaries
    assert _placeholders(entity["sensor"]["cell_voltage"]["name"]) == {"cell"}
    assert _placeholders(entity["sensor"]["temperature_numbered"]["name"]) == {"sensor"}
    assert _placeholders(entity["binary_sensor"]["cell_voltage_error"]["name"]) == {"cell"}


@pytest.mark.parametrize(
    "key", ["voltage_state", "charge_current_state", "discharge_current_state"]
)
def test_enum_states_are_translated(key: str) -> None:
    """Every option of an enum sensor has a translated state."""
    assert set(STRINGS["entity"]["sensor"][key]["state"]) == {level.value for level in AlarmLevel}
    assert set(STRINGS["entity"]["sensor"]["battery_state"]["state"]) == {
        "charging", "discharging", "idle"
    }  # fmt: skip


def test_icons_only_for_translated_entities() -> None:
    """icons.json names translation keys that exist, with Material Design icons."""
    for platform, entries in ICONS["entity"].items():
        assert set(entries) <= set(STRINGS["entity"][platform]), platform
        for entry in entries.values():
            icons = [entry["default"], *entry.get("state", {}).values()]
            assert all(icon.startswith("mdi:") for icon in icons)


def _string_constants(module: object) -> set[str]:
    source = Path(module.__file__).read_text()  # type: ignore[attr-defined]
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_config_flow_texts() -> None:
    """Every error and abort the flow can show is translated; every field has a description."""
    config = STRINGS["config"]
    constants = _string_constants(config_flow) | _string_constants(config_forms)
    used_errors = {
        key for key in config["error"] if key in constants
    }  # the flow returns keys as string constants
    assert used_errors == set(config["error"])
    for step in config["step"].values():
        if "data" in step:
            assert set(step["data_description"]) == set(step["data"])
    options = STRINGS["options"]["step"]["init"]
    assert set(options["data_description"]) == set(options["data"])
    assert set(config["abort"]) == {"already_configured", "reconfigure_successful",
                                    "unique_id_mismatch"}  # fmt: skip
    # The one progress the flow shows (the search for the stack) says what is going on.
    assert set(config["progress"]) == {"searching"} and "searching" in constants


def test_exceptions_and_issues() -> None:
    """Coordinator errors and repair issues have texts, with the placeholders they get."""
    constants = _string_constants(coordinator)
    assert set(STRINGS["exceptions"]) <= constants
    for text in STRINGS["exceptions"].values():
        assert _placeholders(text["message"]) == {"error"}
    assert set(STRINGS["issues"]) == {
        coordinator.ISSUE_GATEWAY_BUSY,
        coordinator.ISSUE_UNRESPONSIVE,
    }
    busy = STRINGS["issues"]["gateway_busy"]
    assert _placeholders(busy["title"] + busy["description"]) == {"name", "error"}
    silent = STRINGS["issues"]["stack_unresponsive"]
    assert _placeholders(silent["title"] + silent["description"]) == {"name", "error", "minutes"}


def test_quality_scale_lists_every_rule_honestly() -> None:
    """Every rule once, done / todo / exempt; todo and exempt say why."""
    rules = QUALITY["rules"]
    assert set(rules) == {rule for tier in RULES.values() for rule in tier}
    for name, value in rules.items():
        if value == "done":
            continue
        assert value["status"] in {"todo", "exempt"}, name
        assert value["comment"].strip(), name


def test_quality_scale_knows_the_rules_of_the_running_home_assistant() -> None:
    """Every rule that the running Home Assistant's own integrations list is in ours."""
    components = Path(homeassistant.components.__file__).parent
    listed = set()
    for path in components.glob("*/quality_scale.yaml"):
        listed |= set((yaml.safe_load(path.read_text()) or {}).get("rules", {}))
    assert len(listed) > 40  # the files are there (HA 2024.11+ ships them)
    assert listed <= set(QUALITY["rules"])


def test_parallel_updates_on_every_platform() -> None:
    """Each platform says how many updates may run at once."""
    assert sensor.PARALLEL_UPDATES == 0
    assert binary_sensor.PARALLEL_UPDATES == 0
