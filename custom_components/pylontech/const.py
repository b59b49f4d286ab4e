"""Constants of the Pylontech BMS integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "pylontech"
LOGGER = logging.getLogger(__package__)

# Entry data
CONF_CONNECTION: Final = "connection"
CONNECTION_NETWORK: Final = "network"
CONNECTION_SERIAL: Final = "serial"
CONF_DEVICE: Final = "device"
CONF_BAUDRATE: Final = "baudrate"
CONF_DIALECT: Final = "dialect"
CONF_ADDRESSES: Final = "addresses"
CONF_ALL_PACKS_AT: Final = "all_packs_at"
"""The ADR of a stack that answers only all-packs requests (PACE at ADR 0); absent otherwise."""

DEFAULT_NAME: Final = "Battery"
DEFAULT_PORT: Final = 1234
DEFAULT_BAUDRATE: Final = 9600
BAUDRATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
BAUDRATE_AUTO: Final = "auto"
"""The serial form's default: try `AUTO_BAUDRATES` in turn and keep the one the battery answers."""
AUTO_BAUDRATES: Final = (9600, 115200, 19200)
"""The rates batteries' ports run at, most common first: PACE, Seplos, EG4 and a Pylontech with
DIP switch 1 up at 9600; Pylontech RS485 and the console at 115200; some PACE packs at 19200
(README, Which port on the battery)."""

# Options: (default, lowest, highest)
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_GAP: Final = "gap"
CONF_TIMEOUT: Final = "timeout"
SCAN_INTERVAL_RANGE: Final = (30, 5, 3600)  # s
GAP_RANGE: Final = (0.1, 0.0, 2.0)  # s between requests (protocol.md 6.2)
TIMEOUT_RANGE: Final = (2.0, 0.2, 10.0)  # s per request (protocol.md 6.2)

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=SCAN_INTERVAL_RANGE[0])
DETECT_TIMEOUT: Final = 1.0  # s per probe while the config flow looks for the stack
RESCAN_INTERVAL: Final = timedelta(minutes=10)
"""How often the coordinator asks the address after the last pack whether a pack was added."""
UNRESPONSIVE_AFTER: Final = timedelta(minutes=10)
"""How long the stack may fail every poll before a repair issue asks the user to look."""
