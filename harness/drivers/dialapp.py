"""Reading Dial() targets out of executed steps, for dials that never made a channel.

A Dial() to an endpoint the harness did not render (a trunk missing from the target
file, another channel technology) fails before any DialBegin event, so the only trace of
where the dialplan tried to send the call is the Dial step's (substituted) AppData.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Step

#: technologies that are internal plumbing, not a way out of the PBX
_INTERNAL = {"local"}


@dataclass(frozen=True)
class DialTarget:
    tech: str
    endpoint: str
    number: str


def dial_targets(appdata: str) -> list[DialTarget]:
    """``PJSIP/0312345678@jp-domestic&SIP/x/123,30,tT`` -> the PJSIP and SIP targets."""
    first = appdata.split(",", 1)[0]
    out = []
    for part in first.split("&"):
        part = part.strip()
        tech, sep, resource = part.partition("/")
        if not sep or not resource:
            continue
        if tech.lower() in _INTERNAL:
            continue
        if tech.upper() == "PJSIP":
            # PJSIP/endpoint/sip:uri, PJSIP/number@endpoint or PJSIP/endpoint
            if "/" in resource:
                endpoint, _, number = resource.partition("/")
            else:
                number, _, endpoint = resource.rpartition("@")
            out.append(DialTarget("PJSIP", endpoint, number))
        else:
            endpoint, _, number = resource.partition("/")
            out.append(DialTarget(tech, f"{tech}/{endpoint}", number or endpoint))
    return out


def failed_dials(steps: list[Step] | tuple[Step, ...], known: set[str]) -> list[DialTarget]:
    """Dial targets in ``steps`` that name no known trunk."""
    out = []
    for step in steps:
        if step.app.lower() != "dial":
            continue
        for t in dial_targets(step.appdata):
            if t.endpoint not in known:
                out.append(t)
    return out
