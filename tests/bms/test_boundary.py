"""The design's boundary: the library under bms/ never imports Home Assistant."""

from __future__ import annotations

import ast
import os
from pathlib import Path
import subprocess
import sys

LIBRARY = Path(__file__).resolve().parents[2] / "custom_components" / "pylontech" / "bms"


def test_no_homeassistant_import_in_the_source() -> None:
    """No module under bms/ names `homeassistant` in an import statement."""
    files = sorted(LIBRARY.rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "homeassistant" for n in names), path


def test_library_runs_without_homeassistant() -> None:
    """Imported as a package of its own, the library loads and decodes with HA unimportable."""
    code = """
import sys
sys.modules["homeassistant"] = None  # any import of it now fails
import bms
from bms.cli import main
assert main(["decode", "--command", "0x4F", "~200246000000FDB2"]) == 0
assert not [m for m in sys.modules if m.startswith("homeassistant") and sys.modules[m]]
"""
    # Coverage of this child would be measured without the project's settings: leave it out.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=LIBRARY.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "protocol version" in result.stdout


def test_integration_uses_only_the_public_root() -> None:
    """The integration's modules import the library as `.bms` and nothing below it: what they
    use is the library's public surface (bms/__init__.py), not its internals."""
    integration = sorted(LIBRARY.parent.glob("*.py"))
    assert len(integration) >= 8
    for path in integration:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                assert not node.module.startswith("bms."), f"{path.name}: from .{node.module}"
