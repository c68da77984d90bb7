"""Asterisk's pattern characters as a regular expression: one reading for extension
patterns (``_0X.``) and for the resource patterns of the target file (``PJSIP/2XX``).

``X`` [0-9], ``Z`` [1-9], ``N`` [2-9], ``[..]`` a set with ``a-b`` ranges, ``.`` one or
more characters, ``!`` zero or more. In extension patterns ``-`` is eye candy (pbx.c
skips it); in resource patterns it is part of endpoint names (``jp-intl``), so it is
literal there, and ``*`` stands for any text.
"""
from __future__ import annotations

import functools
import re


def set_ranges(chars: str) -> list[tuple[str, str, bool]]:
    """The members of a ``[...]`` set (without its brackets), in order, as
    ``(low, high, single)``: ``a-b`` is a range, any other character itself
    (``single``, low == high). A reversed range (``9-0``) is kept as written."""
    out = []
    k = 0
    while k < len(chars):
        if k + 2 < len(chars) and chars[k + 1] == "-":
            out.append((chars[k], chars[k + 2], False))
            k += 3
        else:
            out.append((chars[k], chars[k], True))
            k += 1
    return out


@functools.lru_cache(maxsize=4096)
def body_regex(body: str, *, resource: bool = False) -> re.Pattern[str]:
    """The pattern ``body`` (an extension pattern without its leading ``_``)."""
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        u = c.upper() if not resource else c
        if u == "X":
            out.append("[0-9]")
        elif u == "Z":
            out.append("[1-9]")
        elif u == "N":
            out.append("[2-9]")
        elif c == ".":
            out.append(".+")
        elif c == "!" or (resource and c == "*"):
            out.append(".*")
        elif c == "-" and not resource:
            pass
        elif c == "[" and body.find("]", i + 1) > i:
            j = body.find("]", i + 1)
            parts = [re.escape(lo) if single else f"{re.escape(lo)}-{re.escape(hi)}"
                     for lo, hi, single in set_ranges(body[i + 1:j])]
            out.append("[" + "".join(parts) + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.DOTALL)
