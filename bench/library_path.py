"""Makes the library importable from the benchmarks without loading Home Assistant.

The integration's `custom_components/pylontech/__init__.py` imports Home Assistant, which
`.venv-bench` does not have and the other benchmarks do not need; the library below it does not
need it either. Registering the two parent packages as bare namespace modules skips their
`__init__` and nothing else.
"""

from __future__ import annotations

from pathlib import Path
import sys
import types

ROOT = Path(__file__).resolve().parent.parent


def use_library_without_home_assistant() -> None:
    """Put the repository on sys.path and stand in for the two parent packages."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for name, path in (
        ("custom_components", ROOT / "custom_components"),
        ("custom_components.pylontech", ROOT / "custom_components" / "pylontech"),
    ):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [str(path)]
            sys.modules[name] = module
