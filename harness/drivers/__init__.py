"""How a call is placed and watched. Every driver returns the same raw Observation values."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .base import LEG_HANGUP_CAUSE, Driver

if TYPE_CHECKING:
    from ..dialplan import Dialplan
    from ..pbx import Pbx
    from ..target import Target

__all__ = ["Driver", "LEG_HANGUP_CAUSE", "open_driver"]


def open_driver(kind: str, pbx: Pbx, target: Target, *, dialplan: Dialplan | None,
                **kwargs: object) -> Driver:
    """A driver of ``kind`` (``ami`` or ``sip``) placing calls as ``target``'s subscribers
    on ``pbx``. ``dialplan`` is the target's parsed dialplan (``harness.dialplan``), used
    to place runtime dialplan errors on their lines; None when there is none."""
    if kind == "ami":
        from .ami import AmiDriver
        return AmiDriver(pbx, target, dialplan=dialplan, **kwargs)  # type: ignore[arg-type]
    if kind == "sip":
        from .sip import SipDriver
        return SipDriver(pbx, target, dialplan=dialplan, **kwargs)  # type: ignore[arg-type]
    from ..errors import InputError
    raise InputError(f"unknown driver {kind!r}; choose ami or sip")
