"""Reading the AMI events of a call, one place and one reading for both drivers.

``CallEvents`` is the bookkeeping every driver keeps per call from the events routed to
it (by Linkedid): the dialplan steps, fed to a ``StepWatch`` (a loop is hung up at once),
the channels still up, and the hangup cause of the call's own channel. A DialBegin to a
PJSIP channel is handed back to the driver as a ``DialAttempt``: how the leg is read
(presentation over AMI, the carrier's INVITE) is the driver's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..ami import Message
from ..dialapp import parse_resource
from ..model import Step
from .steps import StepWatch

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
    :func:`~harness.dialapp.parse_resource`, the one reading of every dial form
    (``number@endpoint``, ``endpoint/sip:number@host``, ``number@endpoint/sip:...``, ...).
    """
    dest = msg.get("DestChannel")
    if not dest.upper().startswith("PJSIP/"):
        return None
    endpoint = endpoint_of(dest)
    target = parse_resource("PJSIP/" + msg.get("DialString"), endpoints={endpoint})
    return DialAttempt(endpoint=endpoint, number=target.number if target else "",
                       channel=dest)


@dataclass
class CallEvents:
    """What the events of one call said so far (fed under the driver's lock)."""

    watch: StepWatch
    #: hangs channels up (``AmiClient.hang_up``): a loop is ended from the event thread
    hang_up: Callable[[list[str]], None] = field(repr=False)
    #: the uniqueid of the call's own channel, whose Hangup cause is the call's cause
    #: (None until the driver knows it)
    own_uid: str | None = None
    own_hung: bool = False
    steps: list[Step] = field(default_factory=list)
    #: uniqueid -> channel name, of every channel of the call still up
    live: dict[str, str] = field(default_factory=dict)
    #: uniqueids whose Hangup was seen: a Newchannel of one of them that arrives after
    #: its Hangup (events of two threads of Asterisk can cross) never revives it
    gone: set[str] = field(default_factory=set)
    cause: int | None = None

    def apply(self, msg: Message) -> DialAttempt | None:
        """Book one event of the call; a DialBegin to a PJSIP channel is returned, for
        the driver to read and hang up that leg."""
        name = msg.name
        if name == "Newexten":
            step = step_from(msg)
            if step is not None:
                self.steps.append(step)
                if self.watch.add(msg.get("Uniqueid"), step, self.steps):
                    self.hang_up_all()
        elif name == "Newchannel":
            if msg.get("Uniqueid") not in self.gone:
                self.live[msg.get("Uniqueid")] = msg.get("Channel")
        elif name == "DialBegin":
            return dial_attempt(msg)
        elif name == "Hangup":
            uid = msg.get("Uniqueid")
            self.live.pop(uid, None)
            self.gone.add(uid)
            self.watch.hung_up(uid)
            if uid == self.own_uid:
                self.own_hung = True
                try:
                    self.cause = int(msg.get("Cause", ""))
                except ValueError:
                    pass
        return None

    def hang_up_all(self) -> None:
        """A loop: every channel of the call, at once (each further priority of a loop
        costs Asterisk memory it may not get back in time)."""
        self.watch.hung_by_us = True
        self.hang_up(list(self.live.values()))

    def last_step(self) -> str:
        return str(self.steps[-1]) if self.steps else "no dialplan step seen"

    def live_names(self) -> str:
        return ", ".join(sorted(self.live.values())) or "none"
