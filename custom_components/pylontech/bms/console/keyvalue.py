"""Console "key : value" lines (info, pwr N, stat, sysinfo and the headers of bat, unit, pwr).

Keys and values both hold spaces; units follow values with or without a blank ("-40000mA",
"18500   mA"); some keys carry a colon or a unit of their own ("Module:   : Y...",
"Pwr Coulomb(mAS): 99148734"); `stat` opens with "Device address   1", which has no colon
(tests/vectors/console dumps). Several pairs on one line, separated by CRs (Force H2 `info`),
are already separate lines after `lines.body_lines`.
"""

from __future__ import annotations

import re

# Each applies to a stripped line, where none of them backtracks more than once per character.
_SPACED_COLON = re.compile(r"\s:")
_COLON = re.compile(r"([^:]*?\S):\s*(.*)")
_WIDE_GAP = re.compile(r"(\S.*?)\s{2,}(\S.*)")
_RULE = re.compile(r"^\s*-{4,}\s*$")

type Pairs = list[tuple[str, str]]
"""Keys and values in the order printed; a key may repeat (one "Module:" per unit)."""


def split_pair(line: str) -> tuple[str, str] | None:
    """A line as (key, value), or None when it is not a pair (a title or a rule)."""
    text = line.strip()
    if _RULE.match(text):
        return None
    spaced = _SPACED_COLON.search(text)  # the first colon with a blank before it
    if spaced is not None:
        return text[: spaced.start()].rstrip(), text[spaced.end() :].strip()
    for pattern in (_COLON, _WIDE_GAP):
        match = pattern.match(text)
        if match:
            return match.group(1), match.group(2).strip()
    return None


def read_pairs(lines: list[str]) -> tuple[Pairs, list[str]]:
    """The pairs among `lines`, and the lines that are not pairs (section titles)."""
    pairs: Pairs = []
    titles: list[str] = []
    for line in lines:
        pair = split_pair(line)
        if pair is None:
            if not _RULE.match(line):
                titles.append(line.strip())
        else:
            pairs.append(pair)
    return pairs, titles
