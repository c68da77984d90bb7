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
a ``DialplanRuntimeError`` raised once the batch is over, never an outcome.
Completion is decided from channel events only: OriginateResponse travels a different
path inside Asterisk than channel events and can overtake them, so it is not used.
"""
from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..ami import AmiClient, Message
from ..dialstring import check_dial
from ..errors import DialplanRuntimeError, NoOutcome, PbxDied, PbxError
from ..model import CallRequest, Leg, Outcome, Presentation, Step
from ..pbx import Pbx
from ..target import Target
from .base import DestinationReader, Driver, make_leg, outcome_from_legs
from .dialapp import failed_dials
from .events import dial_attempt, step_from
from .steps import StepWatch, default_max_steps, first_of, load_dialplan

#: hangup cause given to an outbound leg once it has been observed (34: no circuit
#: available), which sends a dialplan down its failover path as a real carrier would
LEG_HANGUP_CAUSE = "34"
DEFAULT_IN_FLIGHT = 40


@dataclass
class _Call:
    index: int
    request: CallRequest
    channel_id: str
    action_id: str = ""
    started: float = 0.0
    refused: str | None = None          # Asterisk refused the Originate action itself
    ended: set[str] = field(default_factory=set)  # which of our two Local halves hung up
    live: dict[str, str] = field(default_factory=dict)  # uniqueid -> channel name
    steps: list[Step] = field(default_factory=list)
    legs: list[dict[str, object]] = field(default_factory=list)
    cause: int | None = None
    done: bool = False
    watch: StepWatch | None = None


def parse_presentation(value: str) -> Presentation | None:
    v = value.strip().lower()
    if v.startswith("prohib") or v == "unavailable":
        return Presentation.PROHIBITED
    if v.startswith("allowed"):
        return Presentation.ALLOWED
    return None




class AmiDriver(Driver):
    name = "ami"

    def __init__(self, pbx: Pbx, target: Target, reader: DestinationReader, *,
                 in_flight: int = DEFAULT_IN_FLIGHT, timeout: float | None = None,
                 max_steps: int | None = None) -> None:
        self.pbx = pbx
        self.max_steps = max_steps if max_steps is not None else default_max_steps()
        self._dialplan = load_dialplan(target.dialplan)
        self.target = target
        self.reader = reader
        self.in_flight = max(1, in_flight)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: dict[str, _Call] = {}      # linkedid -> call
        self._by_action: dict[str, _Call] = {}  # originate ActionID -> call
        self._dead = False
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

    # -- placing -----------------------------------------------------------------------
    def place(self, calls: Sequence[CallRequest], *,
              on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        for c in calls:
            check_dial(c.dial)
            self.target.subscriber(c.subscriber)
        results: list[Outcome | None] = [None] * len(calls)
        pending = list(enumerate(calls))
        pending.reverse()
        active: list[_Call] = []
        timed_out: list[_Call] = []
        refused: list[_Call] = []
        broken: list[DialplanRuntimeError] = []
        with self._lock:
            while pending or active:
                if self._dead:
                    raise PbxDied(f"lost the PBX ({self.pbx.describe()})",
                                  [c.request.dial for c in active])
                while pending and len(active) < self.in_flight:
                    i, req = pending.pop()
                    active.append(self._originate(i, req))
                now = time.monotonic()
                still = []
                for call in active:
                    if call.refused is not None:
                        refused.append(call)
                        self._abandon(call)
                    elif call.done:
                        out = self._finish(call)
                        err = self._runtime_error(call)
                        if err is not None:
                            broken.append(err)
                        else:
                            results[call.index] = out
                            if on_outcome is not None:
                                on_outcome(out)
                    elif now - call.started > self._timeout_of(call):
                        err = self._runtime_error(call)
                        if err is not None:  # a loop hung up whose channels are slow to go
                            broken.append(err)
                        else:
                            timed_out.append(call)
                        self._abandon(call)
                    else:
                        still.append(call)
                active = still
                if active:
                    nearest = min(c.started + self._timeout_of(c) for c in active)
                    self._changed.wait(max(0.001, min(0.5, nearest - time.monotonic())))
        if broken:
            raise first_of(broken)
        if refused:
            raise PbxError(f"Asterisk refused to originate {len(refused)} call(s), e.g. "
                           f"{refused[0].request.dial!r}: {refused[0].refused}")
        if timed_out:
            raise NoOutcome([c.request.dial for c in timed_out],
                            max(self._timeout_of(c) for c in timed_out),
                            [self._state_of(c) for c in timed_out])
        return results  # type: ignore[return-value]

    def _timeout_of(self, call: _Call) -> float:
        return self.timeout if self.timeout is not None else call.request.timeout

    def _originate(self, index: int, req: CallRequest) -> _Call:
        # called with the lock held; the events of this call cannot be routed before
        # it is registered, because the listener thread needs the same lock
        sub = self.target.subscriber(req.subscriber)
        n = next(self._ids)
        call = _Call(index=index, request=req, channel_id=f"{self._run}-{n:08d}",
                     started=time.monotonic(),
                     watch=StepWatch(self.max_steps, self._dialplan))
        self._calls[call.channel_id] = call
        timeout = self._timeout_of(call)
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
        except PbxDied:
            self._dead = True
            raise
        self._by_action[call.action_id] = call
        return call

    def _finish(self, call: _Call) -> Outcome:
        del self._calls[call.channel_id]
        self._by_action.pop(call.action_id, None)
        legs: list[Leg] = [
            make_leg(self.target, str(l["endpoint"]), str(l["outbound"]),
                     l.get("presentation"), self.reader)  # type: ignore[arg-type]
            for l in call.legs]
        if not legs:
            for t in failed_dials(call.steps, set(self.target.trunks)):
                legs.append(make_leg(self.target, t.endpoint, t.number, None, self.reader))
        return outcome_from_legs(call.request, legs, cause=call.cause, steps=tuple(call.steps))

    @staticmethod
    def _state_of(call: _Call) -> str:
        last = str(call.steps[-1]) if call.steps else "no dialplan step seen"
        live = ", ".join(sorted(call.live.values())) or "none"
        return (f"{call.request.dial!r} as {call.request.subscriber}: last step {last}; "
                f"channels still up: {live}; legs seen: {len(call.legs)}")

    def _runtime_error(self, call: _Call) -> DialplanRuntimeError | None:
        if call.watch is None:
            return None
        return call.watch.error(call.request.dial, call.request.subscriber,
                                self.target.dialplan)

    def _abandon(self, call: _Call) -> None:
        if call.watch is not None:
            call.watch.hung_by_us = True
        self.ami.hang_up(list(call.live.values()))
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
                    call.refused = msg.get("Message") or "error"
                    self._changed.notify_all()

    def _on_event(self, msg: Message) -> None:
        name = msg.name
        with self._lock:
            call = self._calls.get(msg.get("Linkedid"))
            if call is None:
                return
            if name == "Newexten":
                step = step_from(msg)
                if step is not None:
                    call.steps.append(step)
                    if call.watch is not None and call.watch.add(msg.get("Uniqueid"), step,
                                                                  call.steps):
                        self._hang_up_loop(call)
            elif name == "Newchannel":
                call.live[msg.get("Uniqueid")] = msg.get("Channel")
            elif name == "DialBegin":
                attempt = dial_attempt(msg)
                if attempt is None:
                    return
                dest = attempt.channel
                leg: dict[str, object] = {"endpoint": attempt.endpoint,
                                          "outbound": attempt.number, "presentation": None}
                call.legs.append(leg)

                def got_pres(reply: Message, leg: dict[str, object] = leg) -> None:
                    with self._lock:
                        leg["presentation"] = parse_presentation(reply.get("Value"))

                self.ami.send("Getvar", {"Channel": dest, "Variable": "CONNECTEDLINE(pres)"},
                              callback=got_pres)
                self.ami.send("Hangup", {"Channel": dest, "Cause": LEG_HANGUP_CAUSE})
            elif name == "Hangup":
                uid = msg.get("Uniqueid")
                call.live.pop(uid, None)
                if call.watch is not None:
                    call.watch.hung_up(uid)
                if uid in (call.channel_id, call.channel_id + ";2"):
                    call.ended.add(uid)
                if uid == call.channel_id + ";2":
                    try:
                        call.cause = int(msg.get("Cause", ""))
                    except ValueError:
                        pass
                if len(call.ended) == 2 and not call.live and not call.done:
                    call.done = True
                    self._changed.notify_all()

    def _hang_up_loop(self, call: _Call) -> None:
        # on the listener thread, lock held: every channel of the call, at once (each
        # further priority of a loop costs Asterisk memory it may not get back in time)
        assert call.watch is not None
        call.watch.hung_by_us = True
        self.ami.hang_up(list(call.live.values()))

    def _on_disconnect(self) -> None:
        with self._lock:
            self._dead = True
            self._changed.notify_all()
