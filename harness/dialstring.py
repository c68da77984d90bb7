"""What a dial string may be before it goes anywhere near a PBX (contract section 3)."""
from __future__ import annotations

import re

from .errors import DialStringError

#: contract section 3: what a phone can send
DIAL_ALPHABET = "0123456789+*#"
MAX_LEN = 32
_DIAL = re.compile(r"[0-9+*#]{1,%d}" % MAX_LEN)


def check_dial(dial: object) -> str:
    """Return ``dial`` if it is a phone's dial string, else raise DialStringError.

    The check runs before AMI: anything else (CR/LF, ``@``, ``/``, full-width digits)
    could change which channel or context a call enters, or inject AMI headers.
    """
    if not isinstance(dial, str):
        raise DialStringError(f"a dial string must be text, not {type(dial).__name__}")
    if not _DIAL.fullmatch(dial):
        if not dial:
            raise DialStringError("empty dial string")
        if len(dial) > MAX_LEN:
            raise DialStringError(f"dial string longer than {MAX_LEN} characters: {dial[:40]!r}...")
        bad = next(c for c in dial if not _DIAL.fullmatch(c))
        raise DialStringError(
            f"dial string {dial!r} has {bad!r} (U+{ord(bad):04X}); allowed: 0-9 + * #")
    return dial


def is_dial(dial: object) -> bool:
    return isinstance(dial, str) and bool(_DIAL.fullmatch(dial))
