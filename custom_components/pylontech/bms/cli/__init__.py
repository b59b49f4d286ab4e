"""The `pylontech-bms` command-line tool.

It decodes frames and console output, talks to a stack and runs the simulator; `main` is its
entry point.
"""

from .main import main

__all__ = ["main"]
