"""Pylontech and compatible BMS protocols, free of Home Assistant.

Nothing in this package imports `homeassistant`; the integration around it only glues, and
imports from this root only: what is named here is the library's public surface.
"""

from .binary.frame import Frame, FrameDecoder, encode_frame, parse_frame
from .decode import decode_response, frame_from_text
from .detect import detect
from .dialects import DIALECTS, Dialect, dialect_for_frame, get_dialect
from .exceptions import (
    PylontechBudgetError,
    PylontechChecksumError,
    PylontechConnectionError,
    PylontechDecodeError,
    PylontechDetectionError,
    PylontechError,
    PylontechFramingError,
    PylontechGatewayBusyError,
    PylontechLengthError,
    PylontechProtocolError,
    PylontechResponseError,
    PylontechTimeoutError,
    PylontechUnknownDialectError,
    PylontechUnsupportedCommandError,
)
from .link import RawFrame
from .models import (
    AlarmInfo,
    AlarmLevel,
    AnalogValues,
    Barcode,
    ChargeDischargeManagement,
    Detection,
    Flag,
    FlagCategory,
    ManufacturerInfo,
    PackAlarmInfo,
    PackAnalogValues,
    PackCount,
    PackData,
    PackIdentity,
    ProtocolVersion,
    Response,
    SerialNumber,
    SocSource,
    SoftwareVersion,
    StackData,
    SystemParameters,
)
from .redact import Redactor, identity_strings, opaque
from .serialize import JsonValue, stack_to_json, to_json
from .stack_client import StackClient, client_for
from .transport import Transport, open_transport

__all__ = [
    "DIALECTS",
    "AlarmInfo",
    "AlarmLevel",
    "AnalogValues",
    "Barcode",
    "ChargeDischargeManagement",
    "Detection",
    "Dialect",
    "Flag",
    "FlagCategory",
    "Frame",
    "FrameDecoder",
    "JsonValue",
    "ManufacturerInfo",
    "PackAlarmInfo",
    "PackAnalogValues",
    "PackCount",
    "PackData",
    "PackIdentity",
    "ProtocolVersion",
    "PylontechBudgetError",
    "PylontechChecksumError",
    "PylontechConnectionError",
    "PylontechDecodeError",
    "PylontechDetectionError",
    "PylontechError",
    "PylontechFramingError",
    "PylontechGatewayBusyError",
    "PylontechLengthError",
    "PylontechProtocolError",
    "PylontechResponseError",
    "PylontechTimeoutError",
    "PylontechUnknownDialectError",
    "PylontechUnsupportedCommandError",
    "RawFrame",
    "Redactor",
    "Response",
    "SerialNumber",
    "SocSource",
    "SoftwareVersion",
    "StackClient",
    "StackData",
    "SystemParameters",
    "Transport",
    "client_for",
    "decode_response",
    "detect",
    "dialect_for_frame",
    "encode_frame",
    "frame_from_text",
    "get_dialect",
    "identity_strings",
    "opaque",
    "open_transport",
    "parse_frame",
    "stack_to_json",
    "to_json",
]
