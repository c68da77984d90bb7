"""Asterisk's reading of an extension name: whether it matches a dialed number, and the
order in which a context's extensions are tried (``ext_cmp`` in pbx.c).

Pure; the pattern characters themselves are :mod:`harness.patterns`.
"""
from __future__ import annotations

import re

from ..patterns import body_regex, set_ranges

__all__ = ["pattern_matches", "specificity"]


def _pattern_regex(pattern: str) -> re.Pattern[str] | None:
    name = pattern.split("/", 1)[0]  # "/callerid" matching is not modelled
    return body_regex(name[1:]) if name.startswith("_") else None


def pattern_matches(pattern: str, exten: str) -> bool:
    """Whether the extension name ``pattern`` (``_0X.``, ``110``) matches the dialed ``exten``."""
    rx = _pattern_regex(pattern)
    if rx is None:
        return pattern.split("/", 1)[0].replace("-", "") == exten.replace("-", "")
    return bool(rx.match(exten))


def specificity(pattern: str) -> tuple[int, ...]:
    """Sort key after Asterisk's ext_cmp: literal names first; patterns position by
    position, a position matching fewer characters first, '.' and '!' last."""
    name = pattern.split("/", 1)[0]
    if not name.startswith("_"):
        return (0,)
    key = [1]
    body = name[1:]
    i = 0
    while i < len(body):
        c = body[i]
        u = c.upper()
        if c == "-":
            i += 1
            continue
        if u == "N":
            key.append(0x0800)
        elif u == "X":
            key.append(0x0A00)
        elif u == "Z":
            key.append(0x0900)
        elif c == ".":
            key.append(0x18000)
        elif c == "!":
            key.append(0x28000)
        elif c == "[":
            j = body.find("]", i + 1)
            j = len(body) if j < 0 else j
            count = sum(max(1, ord(hi) - ord(lo) + 1)
                        for lo, hi, _single in set_ranges(body[i + 1:j]))
            key.append(count << 8)
            i = j
        else:
            key.append(0x0100)
        i += 1
    key.append(0x30000)
    return tuple(key)
