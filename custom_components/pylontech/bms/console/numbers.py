"""Console value texts to SI numbers: the consoles print integers in milli-units.

mV, mA and m°C ("mC" in key/value form) become V, A and °C; "mAH" and "AH" become Ah, "mAS"
(milliampere-seconds, Pytes `pwr N`) Ah too; "mWH", "WH" and "uWH" become Wh; "78%" is 78.0
(protocol.md 5.3-5.5). A text that is not what its field needs raises `PylontechConsoleError`
naming the field; "-" has already become None (table.py).
"""

from __future__ import annotations

import re

from ..exceptions import PylontechConsoleError

MAX_DIGITS = 15
"""The most digits a console number may have: what a float holds exactly. The longest real
number (a `stat` counter, "Pwr Coulomb") has 9 digits; a longer one is not a reading but
damage, unreadable: its field raises `PylontechConsoleError` (or, where a field is optional
and free text, is left unread), so no value is ever a 1e20 or an infinity."""

_QUANTITY = re.compile(r"^(-?\d+(?:\.\d+)?)\s*([A-Za-z%]*)$")
# Unit -> factor to the SI-like unit of its kind (V, A, °C, Ah, Wh, %).
_FACTORS = {
    "mv": 0.001,
    "v": 1.0,
    "ma": 0.001,
    "a": 1.0,
    "mc": 0.001,
    "mah": 0.001,
    "ah": 1.0,
    "mas": 1 / 3_600_000,
    "as": 1 / 3_600,
    "mwh": 0.001,
    "wh": 1.0,
    "uwh": 0.000_001,
    "%": 1.0,
    "": 1.0,
    "milli": 0.001,  # only as a default: a milli-unit the field's kind names
}


def quantity(text: str | None, field: str, default_unit: str = "") -> float | None:
    """A number with an optional unit, in the SI-like unit of its kind; None for None.

    `default_unit` applies when the text has none ("400437" under "DC Volt", in mV).
    """
    if text is None:
        return None
    match = _QUANTITY.match(text.strip())
    unit = (match.group(2) if match else "") or default_unit
    factor = _FACTORS.get(unit.lower())
    if match is None or factor is None:
        msg = f"{field}: not a number with a known unit: {text!r}"
        raise PylontechConsoleError(msg)
    number = decimal(match.group(1))
    if number is None:
        msg = f"{field}: a number of more than {MAX_DIGITS} digits: {text[:40]!r}"
        raise PylontechConsoleError(msg)
    return round(number * factor * 1_000_000) / 1_000_000  # drop float noise from the scaling


def decimal(text: str) -> float | None:
    """A decimal number as printed ("-12", "51.2"), or None past `MAX_DIGITS` digits."""
    digits = sum(char.isdigit() for char in text)
    return float(text) if 0 < digits <= MAX_DIGITS else None


def count(text: str) -> int | None:
    """A counter printed as plain decimal digits ("-" sign allowed), else None."""
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_DIGITS:
        return None
    return int(text)


def milli(text: str | None, field: str) -> float | None:
    """A value in milli-units (mV, mA, m°C) as V, A or °C."""
    return quantity(text, field, "milli")


def integer(text: str | None, field: str) -> int | None:
    """A count or an index; hexadecimal when written "0x..." (error codes, event words)."""
    if text is None:
        return None
    stripped = text.strip()
    try:
        if len(stripped) > MAX_DIGITS + 3:  # a sign and "0x"
            raise ValueError  # noqa: TRY301
        return int(stripped, 16 if stripped.lower().startswith("0x") else 10)
    except ValueError:
        msg = f"{field}: not an integer: {text!r}"
        raise PylontechConsoleError(msg) from None


def percent_and_amount(
    text: str | None, field: str, default_unit: str = ""
) -> tuple[float | None, float | None]:
    """Percent and amount: "78%  28903 mAH" is (78.0, 28.903); either may be missing."""
    if text is None:
        return None, None
    parts = text.split()
    percent = None
    if parts and parts[0].endswith("%"):
        percent = quantity(parts.pop(0), field)
    amount = quantity(" ".join(parts), field, default_unit) if parts else None
    return percent, amount


def yes_no(text: str | None, field: str) -> bool | None:
    """A flag printed "Y"/"N" (`bat` Bal) or "Yes"/"NO" (`sysinfo` requests), any case."""
    if text is None:
        return None
    if text.strip().upper() in ("Y", "YES"):
        return True
    if text.strip().upper() in ("N", "NO"):
        return False
    msg = f"{field}: not Y or N: {text!r}"
    raise PylontechConsoleError(msg)


def unit_in(header: str) -> str:
    """The unit a header names in brackets: "AH(mAH)" -> "mAH", "Pwr Coulomb(mAS)" -> "mAS"."""
    match = re.search(r"\(([A-Za-z]+)\)\s*$", header)
    return match.group(1) if match else ""
