"""Reading the AMI events both drivers build outcomes from (one place, one reading)."""
from __future__ import annotations

from dataclasses import dataclass

from ..ami import Message
from ..model import Step
from .dialapp import parse_resource

#: what Asterisk reports as the "application" of a channel created by Dial/Originate:
#: not a dialplan step of the user's
PSEUDO_APPS = frozenset({"AppDial", "AppDial2", "AppOriginate"})


@dataclass(frozen=True)
class DialAttempt:
    """A DialBegin towards a PJSIP endpoint: one outbound leg."""

    endpoint: str
    number: str
    channel: str


def endpoint_of(channel: str) -> str:
    """``PJSIP/jp-intl-0000002a`` -> ``jp-intl``."""
    name = channel.split("/", 1)[-1]
    return name.rsplit("-", 1)[0]


def step_from(msg: Message) -> Step | None:
    """A Newexten event as a dialplan step, or None for Asterisk's pseudo-applications."""
    if msg.get("Application") in PSEUDO_APPS:
        return None
    try:
        prio = int(msg.get("Priority", "0"))
    except ValueError:
        prio = 0
    return Step(msg.get("Context"), msg.get("Extension"), prio, msg.get("Application"),
                msg.get("AppData"))


def dial_attempt(msg: Message) -> DialAttempt | None:
    """A DialBegin event as an outbound leg; None for Local/... hops (plumbing whose own
    DialBegins follow).

    The endpoint is the one Asterisk created the channel for (``DestChannel`` is
    ``PJSIP/<endpoint>-<seq>``); the number is the Request-URI user the carrier is asked
    to call, read from ``DialString`` (the resource after ``PJSIP/``) by
    :func:`~harness.drivers.dialapp.parse_resource`, the one reading of every dial form
    (``number@endpoint``, ``endpoint/sip:number@host``, ``number@endpoint/sip:...``, ...).
    """
    dest = msg.get("DestChannel")
    if not dest.upper().startswith("PJSIP/"):
        return None
    endpoint = endpoint_of(dest)
    target = parse_resource("PJSIP/" + msg.get("DialString"), endpoints={endpoint})
    return DialAttempt(endpoint=endpoint, number=target.number if target else "",
                       channel=dest)
