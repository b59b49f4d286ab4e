"""hassfest's translation rules, on strings.json and every file in translations/ (hassfest itself
cannot run here, design.md section 5).

The frontend formats each string as an ICU message: `<word` opens a tag, so a text like
"<name> Pack 1" shows as "Translation error: UNCLOSED_TAG" in the form; hassfest refuses
anything HTML-like (`cv.string_with_no_html`) and single-quoted placeholders (`'{x}'`, which
ICU prints literally).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import TYPE_CHECKING

from homeassistant.helpers import config_validation as cv
import pytest
import voluptuous as vol

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "custom_components" / "pylontech"
STRINGS_FILE = PACKAGE / "strings.json"
TRANSLATIONS = sorted((PACKAGE / "translations").glob("*.json"))
FILES = [STRINGS_FILE, *TRANSLATIONS]

TAG = re.compile(r"<[A-Za-z/!]")
"""Where the frontend's message parser starts a tag (hassfest: `<[a-z].*?>`)."""
QUOTED_PLACEHOLDER = re.compile(r"'{\w+}'")
PLACEHOLDER = re.compile(r"{(\w+)}")
REFERENCE = re.compile(r"\[%key:([a-z0-9_:]+)%\]")
KEY = re.compile(r"^[a-z0-9_-]+$")

TOP_LEVEL = {"title", "config", "options", "entity", "exceptions", "issues", "services",
             "selector", "device", "device_automation", "system_health"}  # fmt: skip
STEP_KEYS = {"title", "description", "data", "data_description", "menu_options",
             "menu_option_descriptions", "sections", "submit"}  # fmt: skip
FLOW_KEYS = {"step", "error", "abort", "progress", "create_entry", "entry_type",
             "initiate_flow"}  # fmt: skip


def _load(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _leaves(node: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, node


def problems(strings: dict[str, object]) -> list[str]:
    """What hassfest (and the frontend) would refuse in one translation file's content."""
    found = []
    for path, value in _leaves(strings):
        where = ".".join(path)
        found += [f"{where}: key {key!r} is not lowercase" for key in path if not KEY.match(key)]
        if not isinstance(value, str) or not value.strip():
            found.append(f"{where}: not a non-empty string")
            continue
        try:
            cv.string_with_no_html(value)
        except vol.Invalid:
            found.append(f"{where}: HTML-like tag (hassfest)")
        if TAG.search(value):
            found.append(f"{where}: {TAG.search(value).group()!r} opens a tag in the frontend")  # type: ignore[union-attr]
        if QUOTED_PLACEHOLDER.search(value):
            found.append(f"{where}: single-quoted placeholder")
        if "{" in PLACEHOLDER.sub("", value) or "}" in PLACEHOLDER.sub("", value):
            found.append(f"{where}: a brace that is not part of a {{placeholder}}")
        for reference in REFERENCE.findall(value):
            found += _reference_problem(strings, where, reference)
    return found


def _reference_problem(strings: dict[str, object], where: str, reference: str) -> list[str]:
    parts = reference.split("::")
    if parts[0] == "common":
        return []
    if parts[:2] != ["component", "pylontech"]:
        return [f"{where}: reference to another integration {reference!r}"]
    node: object = strings
    for part in parts[2:]:
        if not isinstance(node, dict) or part not in node:
            return [f"{where}: reference {reference!r} leads nowhere"]
        node = node[part]
    return [] if isinstance(node, str) else [f"{where}: reference {reference!r} is not a text"]


def structure_problems(strings: dict[str, object]) -> list[str]:
    """Keys hassfest's schema allows and requires for a config-flow integration."""
    found = [f"unknown top-level key {key!r}" for key in set(strings) - TOP_LEVEL]
    config = strings.get("config")
    if not isinstance(config, dict) or "user" not in config.get("step", {}):
        return [*found, "config.step.user is required (config_flow: true)"]
    for section in ("config", "options"):
        flow = strings.get(section, {})
        assert isinstance(flow, dict)
        found += [f"{section}: unknown key {key!r}" for key in set(flow) - FLOW_KEYS]
        for step_id, step in flow.get("step", {}).items():
            found += [f"{section}.step.{step_id}: unknown key {key!r}"
                      for key in set(step) - STEP_KEYS]  # fmt: skip
            extra = set(step.get("data_description", {})) - set(step.get("data", {}))
            found += [f"{section}.step.{step_id}: description of no field {key!r}" for key in extra]
    if "reconfigure" in config["step"] and "reconfigure_successful" not in config.get("abort", {}):
        found.append("config.abort.reconfigure_successful is required by a reconfigure step")
    return found


def test_rules_catch_what_the_frontend_refuses() -> None:
    """The checks themselves: each rule fires on a text that breaks it, not on a sound one."""
    assert problems({"a": 'its packs "<name> Pack 1"'})
    assert problems({"a": "Found '{count}' packs"})
    assert problems({"a": "a {stray brace"})
    assert problems({"a": ""})
    assert problems({"A": "upper-case key"})
    assert problems({"a": "[%key:component::pylontech::b::c%]", "b": {}})
    assert not problems({"a": "{count} packs, 3 < 5, [%key:component::pylontech::b%]", "b": "x"})
    assert structure_problems({"config": {"step": {"serial": {}}}})


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_translation_file_follows_hassfest_rules(path: Path) -> None:
    """No HTML-like tags, quoted placeholders or stray braces; lowercase keys; sound schema."""
    strings = _load(path)
    assert problems(strings) == []
    assert structure_problems(strings) == []


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda p: p.name)
def test_translation_matches_strings_json(path: Path) -> None:
    """Each translation has only keys of strings.json, with the same placeholders per text."""
    source = dict(_leaves(_load(STRINGS_FILE)))
    for key, text in _leaves(_load(path)):
        assert key in source, f"{'.'.join(key)} is not in strings.json"
        assert set(PLACEHOLDER.findall(str(text))) == set(PLACEHOLDER.findall(str(source[key]))), (
            ".".join(key)
        )


def test_english_is_strings_json() -> None:
    """A custom integration is shown translations/en.json; strings.json is its source."""
    assert (PACKAGE / "translations" / "en.json") in TRANSLATIONS
    assert _load(PACKAGE / "translations" / "en.json") == _load(STRINGS_FILE)
