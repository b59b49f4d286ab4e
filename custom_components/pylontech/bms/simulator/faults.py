"""Faults the simulator injects into its replies, at given rates, from a seeded random source.

A plan is written like ``drop=0.1,delay=0.05,split=0.2`` (each rate from 0 to 1, per request).
For every request that has an answer, each kind is drawn once, in the order of `FaultKind`, so
the same seed and the same requests give the same faults. When several are drawn:
``disconnect`` beats ``drop``, which beats the rest; ``rtn`` beats ``wrongpack``; ``checksum``,
``garbage``, ``delay`` and ``split`` combine with each other and with the answer that is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections import Counter
    import random

    from .binary.stack import Reply, SimulatedStack

HEX_DIGITS = b"0123456789ABCDEF"
SPLIT_PAUSE = (0.005, 0.02)
"""Range of the pause between the pieces of a split reply, s."""
_GARBAGE = bytes(byte for byte in range(256) if byte != ord("~"))


class FaultKind(StrEnum):
    """What can go wrong with one reply."""

    DISCONNECT = "disconnect"
    """The connection is closed instead of replying."""
    DROP = "drop"
    """No reply."""
    RTN = "rtn"
    """An error return code instead of the answer."""
    WRONGPACK = "wrongpack"
    """The answer of another pack of the stack (per-pack commands of a stack of 2 or more)."""
    CHECKSUM = "checksum"
    """One hex digit of CHKSUM changed."""
    GARBAGE = "garbage"
    """1 to 16 random bytes, none of them '~', before the frame."""
    DELAY = "delay"
    """The reply is sent `delay_seconds` late (past a client's timeout)."""
    SPLIT = "split"
    """The reply is written in 2 to 4 pieces with short pauses between them."""


class FaultSpecError(ValueError):
    """A fault plan that cannot be read; the message lists the known kinds."""


def _known() -> str:
    return ", ".join(kind.value for kind in FaultKind)


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """The rate (0..1, per request) of each kind of fault; kinds not listed never happen."""

    rates: dict[FaultKind, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> FaultPlan:
        """Read ``kind=rate,kind=rate``; an empty spec is no faults. Raises `FaultSpecError`."""
        rates: dict[FaultKind, float] = {}
        for part in spec.split(","):
            if not part.strip():
                continue
            name, equals, text = (piece.strip() for piece in part.partition("="))
            try:
                kind = FaultKind(name.lower())
            except ValueError:
                msg = f"unknown fault {name!r} (known: {_known()})"
                raise FaultSpecError(msg) from None
            if not equals:
                msg = f"fault {name!r} needs a rate, e.g. {name}=0.1 (known: {_known()})"
                raise FaultSpecError(msg)
            try:
                rate = float(text)
            except ValueError:
                rate = -1.0
            if not 0.0 <= rate <= 1.0:
                msg = f"rate of {name!r} must be a number from 0 to 1, not {text!r}"
                raise FaultSpecError(msg)
            if kind in rates:
                msg = f"fault {name!r} is given twice"
                raise FaultSpecError(msg)
            rates[kind] = rate
        return cls(rates)

    def __str__(self) -> str:
        """The plan as a spec that `parse` reads back."""
        return ",".join(f"{kind}={rate:g}" for kind, rate in self.rates.items())

    def draw(self, rng: random.Random) -> set[FaultKind]:
        """The faults of one reply: each kind drawn once, in `FaultKind` order."""
        hits = set()
        for kind in FaultKind:
            if rng.random() < self.rates.get(kind, 0.0):
                hits.add(kind)
        return hits


def corrupt_checksum(frame: bytes, rng: random.Random) -> bytes:
    """`frame` with one hex digit of its CHKSUM (the four before the CR) changed."""
    position = len(frame) - 5 + rng.randrange(4)
    digit = rng.choice([d for d in HEX_DIGITS if d != frame[position]])
    return frame[:position] + bytes([digit]) + frame[position + 1 :]


def garbage(rng: random.Random) -> bytes:
    """Line noise to put before a frame: 1 to 16 random bytes, none of them '~'."""
    return bytes(rng.choice(_GARBAGE) for _ in range(rng.randint(1, 16)))


def split(data: bytes, rng: random.Random) -> list[bytes]:
    """`data` cut into 2 to 4 non-empty pieces at random places."""
    count = min(rng.randint(2, 4), len(data))
    cuts = sorted(rng.sample(range(1, len(data)), count - 1))
    return [data[start:end] for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def damage(
    reply: Reply,
    hits: set[FaultKind],
    stack: SimulatedStack,
    rng: random.Random,
    counts: Counter[FaultKind],
) -> bytes:
    """The bytes sent for `reply` after the drawn faults that change them, counted in `counts`.

    rtn replaces the answer by an error code of the dialect; wrongpack by another pack's answer
    to the same command (only for a one-pack answer in a stack of two packs or more); then
    checksum and garbage damage whatever is sent.
    """
    data = reply.frame
    if FaultKind.RTN in hits:
        codes = sorted(code for code in stack.dialect.return_codes if code)
        data = stack.error(rng.choice(codes), reply.code, reply.address).frame
        counts[FaultKind.RTN] += 1
    elif FaultKind.WRONGPACK in hits and reply.pack is not None and len(stack.packs) > 1:
        others = [pack.address for pack in stack.packs if pack.address != reply.pack]
        data = stack.pack_answer(reply.code, rng.choice(others)).frame
        counts[FaultKind.WRONGPACK] += 1
    if FaultKind.CHECKSUM in hits:
        data = corrupt_checksum(data, rng)
        counts[FaultKind.CHECKSUM] += 1
    if FaultKind.GARBAGE in hits:
        data = garbage(rng) + data
        counts[FaultKind.GARBAGE] += 1
    return data
