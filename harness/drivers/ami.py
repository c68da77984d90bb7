"""The AMI driver: calls are Local channels into the subscriber's context.

Per call: Originate ``Local/<dial>@<context>/n`` with ChannelId chosen by us, so every
event of the call carries ``Linkedid`` = that id and is routed to the call by a dict
lookup. The call's outbound legs are its DialBegin events; for each, the presentation is
read from the outbound channel (Getvar CONNECTEDLINE(pres)) and the leg is hung up with
a congestion cause, as a carrier that cannot complete it would (so failover paths of the
dialplan run too). The call is complete when Asterisk has answered the Originate and
both halves of the Local channel, and every channel the call created, have hung up.
Every step also goes through a ``StepWatch`` (``steps.py``): a call that loops (more than
``max_steps`` steps, or a jump to itself) is hung up at once from the event thread, so
the PBX survives it, and a jump that went nowhere is found when the call ends; either is
a ``DialplanRuntimeError`` raised once the batch is over, never an observation.
The batch loop is ``base.PlacingDriver``'s, the per-call event bookkeeping
``events.CallEvents``; a call Asterisk refuses to originate is abandoned and, once the
rest of the batch has run, a ``PbxError``.
Completion is decided from channel events only: OriginateResponse travels a different
path inside Asterisk than channel events and can overtake them, so it is not used.
"""
from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import defaults
from ..ami import AmiClient, Message
from ..errors import PbxDied, PbxError
from ..model import CallRequest, Observation, ObservedLeg, Presentation
from ..pbx import Pbx
from ..target import Target
from .base import LEG_HANGUP_CAUSE, PlacedCall, PlacingDriver
from .events import CallEvents, DialAttempt
from .steps import StepWatch, default_max_steps

if TYPE_CHECKING:
    from ..dialplan import Dialplan

#: calls in flight at once (``harness.defaults``)
DEFAULT_IN_FLIGHT = defaults.AMI_IN_FLIGHT


@dataclass
class _Leg:
    """A DialBegin of the call; its presentation arrives with the Getvar reply."""

    endpoint: str
    number: str
    channel: str
    presentation: Presentation | None = None


@dataclass(kw_only=True)
class _Call(PlacedCall):
    channel_id: str
    action_id: str = ""
    ended: set[str] = field(default_factory=set)  # which of our two Local halves hung up
    #: when the Hangup of ``;2`` (the half that ran the dialplan) was seen
    own_gone_at: float | None = None
    legs: list[_Leg] = field(default_factory=list)
    done: bool = False


def parse_presentation(value: str) -> Presentation | None:
    v = value.strip().lower()
    if v.startswith("prohib") or v == "unavailable":
        return Presentation.PROHIBITED
    if v.startswith("allowed"):
        return Presentation.ALLOWED
    return None


class AmiDriver(PlacingDriver[_Call]):
    name = "ami"

    def __init__(self, pbx: Pbx, target: Target, *, dialplan: Dialplan | None,
                 in_flight: int = DEFAULT_IN_FLIGHT, timeout: float | None = None,
                 max_steps: int | None = None) -> None:
        self.pbx = pbx
        self.max_steps = max_steps if max_steps is not None else default_max_steps()
        self._dialplan = dialplan
        self.target = target
        self.in_flight = max(1, in_flight)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: dict[str, _Call] = {}      # linkedid -> call
        self._by_action: dict[str, _Call] = {}  # originate ActionID -> call
        self._dead = None
        self._ids = itertools.count(1)
        # Channel ids must be unique on the PBX and prefix-free: Asterisk 22 refuses an
        # Originate whose ChannelId is a prefix of a live channel's uniqueid ("Channel
        # Unique ID 'x-1' already in use by" the channel of x-12), so call 1 failed when
        # call 12 was set up first. A random run part keeps two drivers on one PBX apart
        # (two runs against one external Asterisk, or two sessions created in the same
        # millisecond); a fixed-width counter keeps the ids of one run prefix-free.
        self._run = f"dh{os.getpid():x}-{secrets.token_hex(4)}"
        self.ami: AmiClient = pbx.connect(on_event=self._on_event,
                                          on_disconnect=self._on_disconnect)

    def close(self) -> None:
        self.ami.close()

    def live_channels(self) -> list[str]:
        """Every channel Asterisk has up right now (ours or not)."""
        return [m.get("Channel") for m in self.ami.request_list("CoreShowChannels", {})]

    # -- the placing loop's parts ----------------------------------------------------------
    def _start(self, pending: list[tuple[int, CallRequest]], active: list[_Call],
               now: float) -> list[tuple[int, CallRequest]]:
        n = 0
        while n < len(pending) and len(active) < self.in_flight:
            i, req = pending[n]
            n += 1
            active.append(self._originate(i, req))
        return pending[n:]

    def _originate(self, index: int, req: CallRequest) -> _Call:
        # called with the lock held; the events of this call cannot be routed before
        # it is registered, because the listener thread needs the same lock
        sub = self.target.subscriber(req.subscriber)
        n = next(self._ids)
        channel_id = f"{self._run}-{n:08d}"
        call = _Call(index=index, request=req, channel_id=channel_id,
                     started=time.monotonic(),
                     events=CallEvents(StepWatch(self.max_steps, self._dialplan),
                                       self.ami.hang_up, own_uid=channel_id + ";2"))
        self._calls[call.channel_id] = call
        timeout = self._timeout_of(req)
        fields = {
            "Channel": f"Local/{req.dial}@{sub.context}/n",
            "Application": "Wait",
            "Data": str(int(timeout) + 5),
            "Async": "true",
            "Timeout": str(int((timeout + 5) * 1000)),
            "ChannelId": call.channel_id,
            "OtherChannelId": call.channel_id + ";2",
        }
        fields["CallerID"] = sub.effective_callerid
        try:
            call.action_id = self.ami.send("Originate", fields, callback=self._on_originate_ack,
                                           variables=dict(sub.variables))
        except PbxDied as exc:
            # the same error whether the loss is seen here or at the top of the loop
            self._dead = ""
            raise PbxDied(f"lost the PBX ({self.pbx.describe()}): {exc}",
                          [c.request.dial for c in self._calls.values()]) from exc
        self._by_action[call.action_id] = call
        return call

    def _complete(self, call: _Call, now: float) -> bool:
        if not call.done and self._only_originator_left(call, now):
            # Asterisk publishes every DialBegin and Newchannel of ;2's legs before ;2's
            # own Hangup (one event queue, in order), so once ;2 is gone and nothing but
            # ;1 is up, nothing of the call is left to observe. Under heavy load ;1's
            # Hangup was seen to never arrive (the call then ended as NoOutcome); it is
            # hung up here and its late events, if any, go to no call.
            self.ami.hang_up(list(call.events.live.values()))
            call.done = True
        return call.done

    def _only_originator_left(self, call: _Call, now: float) -> bool:
        return (call.own_gone_at is not None
                and now - call.own_gone_at > defaults.AMI_ORIGINATOR_GRACE
                and set(call.events.live) <= {call.channel_id})

    def _finish(self, call: _Call) -> Observation:
        del self._calls[call.channel_id]
        self._by_action.pop(call.action_id, None)
        legs = tuple(ObservedLeg(endpoint=l.endpoint, outbound=l.number,
                                 presentation=l.presentation) for l in call.legs)
        return Observation(dial=call.request.dial, subscriber=call.request.subscriber,
                           legs=legs, cause=call.events.cause, steps=tuple(call.events.steps))

    def _state_of(self, call: _Call) -> str:
        ev = call.events
        halves = ", ".join(h for h, uid in ((";1", call.channel_id),
                                            (";2", call.channel_id + ";2"))
                           if uid in call.ended) or "none"
        return (f"{call.request.dial!r} as {call.request.subscriber}: last step "
                f"{ev.last_step()}; channels still up: {ev.live_names()}; "
                f"Local halves whose Hangup was seen: {halves}; "
                f"legs seen: {len(call.legs)}")

    def _failed_error(self, failed: list[_Call]) -> Exception:
        return PbxError(f"Asterisk refused to originate {len(failed)} call(s), e.g. "
                        f"{failed[0].request.dial!r}: {failed[0].failure}")

    def _abandon(self, call: _Call) -> None:
        call.events.watch.hung_by_us = True
        self.ami.hang_up(list(call.events.live.values()))
        self._calls.pop(call.channel_id, None)
        self._by_action.pop(call.action_id, None)

    # -- listener thread -------------------------------------------------------------------
    def _on_originate_ack(self, msg: Message) -> None:
        # The immediate "Originate successfully queued", or an error if Asterisk refused
        # the action (permissions, bad parameters): a tool error, never a "blocked" call.
        if msg.name.lower() == "error":
            with self._lock:
                call = self._by_action.get(msg.get("ActionID"))
                if call is not None:
                    call.failure = msg.get("Message") or "error"
                    self._changed.notify_all()

    def _on_event(self, msg: Message) -> None:
        with self._lock:
            call = self._calls.get(msg.get("Linkedid"))
            if call is None:
                return
            attempt = call.events.apply(msg)
            if attempt is not None:
                self._read_leg(call, attempt)
            elif msg.name == "Hangup":
                uid = msg.get("Uniqueid")
                if uid in (call.channel_id, call.channel_id + ";2"):
                    call.ended.add(uid)
                    if uid == call.channel_id + ";2":
                        call.own_gone_at = time.monotonic()
                if len(call.ended) == 2 and not call.events.live and not call.done:
                    call.done = True
                    self._changed.notify_all()

    def _read_leg(self, call: _Call, attempt: DialAttempt) -> None:
        # lock held: the presentation is read from the outbound channel, then the leg is
        # hung up as a carrier that cannot complete it would
        leg = _Leg(endpoint=attempt.endpoint, number=attempt.number, channel=attempt.channel)
        call.legs.append(leg)

        def got_pres(reply: Message, leg: _Leg = leg) -> None:
            with self._lock:
                leg.presentation = parse_presentation(reply.get("Value"))

        self.ami.send("Getvar", {"Channel": leg.channel, "Variable": "CONNECTEDLINE(pres)"},
                      callback=got_pres)
        self.ami.send("Hangup", {"Channel": leg.channel, "Cause": LEG_HANGUP_CAUSE})

    def _on_disconnect(self) -> None:
        with self._lock:
            self._dead = ""
            self._changed.notify_all()
