"""Shared set-up for every test.

pytest-homeassistant-custom-component ships a `custom_components` package of its own: the
repository's must be imported first, or Home Assistant reports "Integration not found"
(design.md section 5).
"""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import custom_components  # noqa: F401
