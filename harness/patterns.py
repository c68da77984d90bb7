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
            chars = body[i + 1:j]
            parts = []
            k = 0
            while k < len(chars):
                if k + 2 < len(chars) and chars[k + 1] == "-":
                    parts.append(f"{re.escape(chars[k])}-{re.escape(chars[k + 2])}")
                    k += 3
                else:
                    parts.append(re.escape(chars[k]))
                    k += 1
            out.append("[" + "".join(parts) + "]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.DOTALL)
