"""The console (text) protocol as the registry names it (protocol.md 5).

It has no binary read commands: `console.client.PylontechConsoleClient` speaks it. It is named
here so that a stack detected on a console port is stored, and found again, like any dialect;
it is not in the probe order (`DIALECTS`): detection asks for a console prompt last.
"""

from __future__ import annotations

from .base import Dialect

CONSOLE = Dialect(
    name="console",
    title="Pylontech console (text)",
    brand="Pylontech console",
    manufacturer="Pylontech",
    ver=0,
    cid1=0,
    return_codes={},
    commands={},
    first_address=1,  # pwr positions and HV units are numbered from 1 (protocol.md 5.4, 5.5)
)
