"""Constants of the Pylontech BMS integration."""

from typing import Final

DOMAIN: Final = "pylontech"
