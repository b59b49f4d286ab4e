"""The library's errors: one root, a branch for each kind of failure.

Nothing below `PylontechError` is ever raised from outside this tree: transport and decoding
failures are re-raised as one of these, chained with ``from``.
"""

from __future__ import annotations


class PylontechError(Exception):
    """Root of every error this library raises or reports."""


class PylontechConnectionError(PylontechError):
    """The gateway or serial port could not be reached, or the link broke."""


class PylontechBackoffError(PylontechConnectionError):
    """Nothing was tried: the link waits out its backoff after a failure."""


class PylontechConnectionRefusedError(PylontechConnectionError):
    """Nothing listens on that port: the host is there, the port number or its service is not."""


class PylontechTimeoutError(PylontechConnectionError):
    """No complete answer arrived in time."""


class PylontechBudgetError(PylontechTimeoutError):
    """A whole poll (or detection) ran past its time budget, whatever the line kept sending."""


class PylontechGatewayBusyError(PylontechConnectionError):
    """The gateway accepted the connection and closed it before sending anything.

    Transparent serial gateways limited to one TCP client do this while another client (an
    inverter monitor, a second integration) holds the serial port (protocol.md 6.4).
    """


class PylontechProtocolError(PylontechError):
    """Bytes arrived that are not a valid frame, or a frame that does not fit its layout."""

    def __init__(self, message: str, raw: bytes = b"") -> None:
        """Keep the offending bytes so that a bug report can carry them."""
        super().__init__(message)
        self.raw = raw


class PylontechFramingError(PylontechProtocolError):
    """A frame is cut short, too long, or holds characters that are not hex digits."""


class PylontechLengthError(PylontechProtocolError):
    """LENGTH is inconsistent: a wrong LCHKSUM, or LENID differs from the INFO received."""


class PylontechChecksumError(PylontechProtocolError):
    """The frame's CHKSUM does not match its content."""


class PylontechDecodeError(PylontechProtocolError):
    """A valid frame whose INFO does not fit the layout of the command it answers."""


class PylontechConsoleError(PylontechProtocolError):
    """Console (text) output that does not fit its command's layout, or a refused command.

    A refusal is printed as "Invalid command or fail to excute." or "Command completed
    unccessfully" (both sic; tests/vectors/console dumps).
    """


class PylontechResponseError(PylontechError):
    """The BMS answered with a return code (RTN) other than 0, normal."""

    def __init__(self, rtn: int, meaning: str, raw: bytes = b"") -> None:
        """Record the return code and its meaning in the answering dialect."""
        super().__init__(f"BMS returned RTN 0x{rtn:02X}: {meaning}")
        self.rtn = rtn
        self.meaning = meaning
        self.raw = raw


class PylontechUnsupportedCommandError(PylontechError):
    """The dialect has no such read command, or the command would change the battery's state."""


class PylontechDetectionError(PylontechError):
    """No BMS, or no BMS of a known dialect, could be found."""

    def __init__(self, message: str, raw: bytes = b"") -> None:
        """Keep what came back instead of an answer (empty when nothing did)."""
        super().__init__(message)
        self.raw = raw


class PylontechWebServerError(PylontechDetectionError):
    """A web server answered: the port of a gateway's settings page, not of its serial bridge."""


class PylontechUnknownDialectError(PylontechDetectionError):
    """A dialect name, or the VER/CID1 of a frame, that no known dialect has."""
