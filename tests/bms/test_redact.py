"""Identity strings found by content in real console dumps and binary captures, and redacted."""

from __future__ import annotations

from pathlib import Path
import re

import pytest

from custom_components.pylontech.bms.binary.frame import parse_frame
from custom_components.pylontech.bms.link import RawFrame
from custom_components.pylontech.bms.models import PackData, PackIdentity, StackData
from custom_components.pylontech.bms.redact import (
    MIN_IDENTITY,
    Redactor,
    console_identities,
    identity_strings,
    opaque,
)
from tests.captures import ALL, Capture

DUMPS = Path(__file__).parent.parent / "vectors" / "console"
MASKED = re.compile(r"\S*(?:x{5,}|X{5,})\S*|<REDACTED>")
"""How the sources masked serials: runs of x, or "<REDACTED>" (Hrabovszki1023's captures)."""
"""The ioBroker dumps' source masked serial numbers with x (and firmware names, see below)."""


def dump(name: str) -> bytes:
    """A console dump as it crossed the wire: everything after its provenance line."""
    return (DUMPS / name).read_bytes().split(b"\n", 1)[1]


def answer(name: str, command: str) -> RawFrame:
    return RawFrame("rx", 0.0, dump(name), command)


def binary(capture: Capture) -> RawFrame:
    return RawFrame("rx", 0.0, capture.raw, capture.command)


def test_pytes_pwr_n_barcode() -> None:
    """`pwr 1` of a Pytes E-BOX prints "Barcode : ..." (line 23 of the dump)."""
    frames = [answer("ioBroker_pytes-v5_pwr_1.txt", "pwr 1")]
    assert identity_strings([], frames) == {"ESxxxxxxxxxxx443"}


def test_pytes_stack_and_info() -> None:
    """The Barcode column of the stack's `pwr`; the barcode and board id of `info 1`; and the
    identity detection read, which the source masked differently from either."""
    frames = [
        answer("ioBroker_pytes-v5_pwr.txt", "pwr"),
        answer("ioBroker_pytes-v5_info_1.txt", "info 1"),
        RawFrame("tx", 0.0, b"info 1\r", "info 1"),
    ]
    identity = PackIdentity(address=1, serial_number="ESxxxxxxxxxx443", model="E-BOX-48100V-D")
    assert identity_strings([identity], frames) == {
        "Exxxxxxxxxxxxx43",
        "ESxxxxxxxxxx443",
        "GD3xxxxxxxxxxxxxxxxxxxxF8D",
    }


@pytest.mark.parametrize("name", sorted(p.name for p in DUMPS.glob("*.txt")))
def test_every_masked_identity_of_every_dump(name: str) -> None:
    """Whatever the command, every masked serial is found, and nothing else of the dump
    (firmware names, which the source masked too on Pytes, are no identity)."""
    text = dump(name).decode("latin-1")
    masked = {
        token
        for line in re.split(r"[\r\n]+", text)
        if "version" not in line.lower()
        for token in MASKED.findall(line)
    }
    found = console_identities(text)
    assert masked <= found
    # Not masked by their sources: the H2 bmuinfo power-supply barcodes, a US2000B's barcode,
    # a US2000C's barcode (Hrabovszki1023's `info 2`).
    unmasked = {"100001", "100009", "200005", "PPTBH02400710243", "HPTCR03170C09377"}
    assert found - masked <= unmasked


def test_force_h2_module_blocks() -> None:
    """`info` of a Force H2: "Unit N Barcode" blocks of Module and PCBA lines."""
    found = console_identities(dump("ioBroker_H2_info.txt").decode("latin-1"))
    assert {"Yxxxxxxxxxxxxxx2", "Axxxxxxxxxxxxxxxxxxxx5"} <= found
    assert not any("Unit" in text or ":" in text for text in found)


@pytest.mark.parametrize(
    "capture",
    [c for c in ALL if c.command in (0x93, 0xC2) and c.direction == "response"],
    ids=lambda c: c.id,
)
def test_binary_identity_answers(capture: Capture) -> None:
    """0x93 and 0xC2 answers (real captures): their serial number or barcode, nothing else."""
    found = identity_strings([], [binary(capture)])
    info = parse_frame(capture.raw).info
    if len(info) < MIN_IDENTITY:  # a Seplos refusal: no INFO
        assert found == set()
        return
    assert len(found) == 1
    (text,) = found
    assert text.encode() in info
    for key in ("serial", "barcode"):
        if key in capture.expected:
            assert text == capture.expected[key]
    redacted = Redactor(found, "*").text(capture.frame)
    assert text.encode().hex().upper() not in redacted
    assert redacted.startswith(capture.frame[:13])


@pytest.mark.parametrize(
    "capture", [c for c in ALL if c.command == 0x51 and c.direction == "response"], ids=str
)
def test_manufacturer_info_is_no_identity(capture: Capture) -> None:
    """0x51 names a model and a maker ("US2000C", "Pylon"): shown, not redacted."""
    assert identity_strings([], [binary(capture)]) == set()


def test_opaque_frames() -> None:
    """Hidden whole: a received frame that answered nothing in flight (a late 0x93 answer),
    and an identity answer that does not parse; shown: requests and parsed answers."""
    serial = next(c for c in ALL if c.command == 0x93 and c.direction == "response")
    late = RawFrame("rx", 0.0, serial.raw, None)
    damaged = RawFrame("rx", 0.0, serial.raw[:-3] + b"00\r", 0x93)
    assert opaque(late)
    assert opaque(damaged)
    assert identity_strings([], [late, damaged]) == set()
    assert not opaque(binary(serial))
    assert not opaque(RawFrame("tx", 0.0, b"~20024600E00202FD33\r", 0x93))
    assert not opaque(answer("ioBroker_pytes-v5_pwr_1.txt", "pwr 1"))
    assert opaque(RawFrame("rx", 0.0, dump("ioBroker_pytes-v5_pwr_1.txt")[:500], None))


def test_short_strings_are_never_redacted() -> None:
    """A serial shorter than `MIN_IDENTITY` would blank out numbers: it is left alone."""
    identities = [PackIdentity(address=1, serial_number="12"), PackIdentity(address=2)]
    assert identity_strings(identities) == set()
    redactor = Redactor({"12", "-", "ABCD"}, "*")
    assert redactor.text("12 V, ABCD, abcd, 41424344, 4142434 4") == "12 V, *, *, *, 4142434 4"


def test_hex_forms_of_either_case() -> None:
    redactor = Redactor({"HPTBH02240A01235"}, "<r>")
    serial_hex = b"HPTBH02240A01235".hex()
    text = f"~20034600C02203{serial_hex.upper()}F6D5 {serial_hex} HPTBH02240A01235"
    assert redactor.text(text) == "~20034600C02203<r>F6D5 <r> <r>"


def test_poll_values_are_not_identities() -> None:
    """A poll's values and errors are not taken for identities."""
    poll = StackData(
        dialect="console",
        packs=(PackData(address=1, analog=None, alarm=None, error="timeout after 2.0 s"),),
    )
    assert identity_strings([], [], poll) == set()
