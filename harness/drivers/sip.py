"""The SIP driver: every call is a real INVITE from a SIP phone, every leg a real INVITE
at the carrier.

Phones. The PBX renders one phone endpoint per subscriber (``dialharness-phone-<name>``:
``identify_by=username``, no auth, the subscriber's context, ``callerid`` and one
``set_var`` per channel variable), so the class of service is the endpoint's, as on a real
PBX, and the dialplan cannot tell the call from a desk phone's. A call is an INVITE from
``sip:dialharness-phone-<name>@127.0.0.1`` with the dial string as Request-URI user, placed
by a pjsua2 worker process (``harness.sip``): ``CALLS_PER_WORKER`` calls per process (the
wheel's limit), several processes for more in flight.

Trunks. The carrier sink behind every trunk holds each INVITE with ``100 Trying``; the
driver hangs the outbound channel up over AMI with cause 34 once it has read it (as the AMI
driver does, so failover paths run the same way). A leg exists only if the carrier received
its INVITE; its ``outbound`` number is the Request-URI user the carrier got, its
presentation is read from the carrier's headers (``Privacy: id`` or an anonymous From ->
prohibited, else allowed).

Correlation (many calls in flight, never mixed up). Each call is tied to the INVITEs it
caused by SIP Call-IDs, through AMI:
  1. The phone channel's Newchannel event names the endpoint (= subscriber) and the
     dialled extension; the driver never has two calls with the same (subscriber, dial
     string) in flight, so that pair names exactly one call. Its Linkedid then routes every
     later event of the call (Newexten, DialBegin, Hangup) by a dict lookup. As a cross-check
     the driver reads ``CHANNEL(pjsip,call-id)`` of that channel and compares it with the
     Call-ID the phone reported: a mismatch is an error, never a silent mix-up (and if the
     pair matches nothing, that Call-ID is how the channel is claimed).
  2. For each DialBegin to a PJSIP channel the driver reads the outbound channel's
     ``CHANNEL(pjsip,call-id)`` (the carrier holds it, so it is still up) before hanging it
     up; the carrier's INVITE with that Call-ID is the leg. Caller-ID names/numbers are never
     used to correlate: a dialplan may rewrite them.

A call is complete when the phone has its final response, every channel of the call has
hung up, and every DialBegin's INVITE has been matched. A final response with no channel
seen is accepted only for 404/484 (Asterisk answers those itself when no extension
matches) after ``settle`` seconds; anything else without a channel is an error. Every wait
has a timeout; a phone worker that dies fails its calls by name.

Steps are watched as in the AMI driver (``steps.py``, the same ``max_steps`` limit): a call
that loops is hung up at once over AMI, and a loop or a jump to nowhere is a
``DialplanRuntimeError`` once the batch is over.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..ami import AmiClient, Message
from ..dialstring import check_dial
from ..errors import DialplanRuntimeError, NoOutcome, PbxDied, PbxError
from ..model import CallRequest, Leg, Outcome, Presentation, Step
from ..pbx import Pbx
from ..pbx.carrier import Invite
from ..pbx.config import phone_name
from ..sip.phones import CALLS_PER_WORKER, READY_TIMEOUT, PhoneWorker
from ..target import Target
from .ami import LEG_HANGUP_CAUSE
from .base import DestinationReader, Driver, make_leg, outcome_from_legs
from .dialapp import failed_dials
from .events import dial_attempt, endpoint_of, step_from
from .steps import StepWatch, default_max_steps, first_of, load_dialplan

DEFAULT_IN_FLIGHT = 24
#: final responses Asterisk may send without creating a channel (no such extension)
NO_CHANNEL_STATUSES = frozenset({404, 484})
#: how long a 404/484 without a channel waits for a late Newchannel before it counts
DEFAULT_SETTLE = 1.0
#: a (subscriber, dial) pair whose call ended without a channel is not reused for this
#: long, so a very late Newchannel of the old call cannot be taken for the new one
QUARANTINE = 5.0
_CALL_ID_VAR = "CHANNEL(pjsip,call-id)"


@dataclass
class _Leg:
    endpoint: str
    number: str
    channel: str
    call_id: str | None = None       # the outbound channel's SIP Call-ID
    failed: str | None = None        # reading the Call-ID failed
    invite: Invite | None = None     # what the carrier received


@dataclass
class _Call:
    index: int
    request: CallRequest
    seq: int
    phone: str
    started: float
    worker: PhoneWorker | None = None
    sip_call_id: str | None = None       # the phone's INVITE
    channel_call_id: str | None = None   # CHANNEL(pjsip,call-id) of the phone channel
    linkedid: str | None = None
    phone_uid: str | None = None
    phone_hung: bool = False
    live: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    legs: list[_Leg] = field(default_factory=list)
    cause: int | None = None
    final: tuple[int, str] | None = None
    final_at: float = 0.0
    error: str | None = None
    watch: StepWatch | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.phone, self.request.dial)


class SipDriver(Driver):
    name = "sip"

    def __init__(self, pbx: Pbx, target: Target, reader: DestinationReader, *,
                 in_flight: int = DEFAULT_IN_FLIGHT, timeout: float | None = None,
                 settle: float = DEFAULT_SETTLE, max_steps: int | None = None) -> None:
        self.pbx = pbx
        self.max_steps = max_steps if max_steps is not None else default_max_steps()
        self._dialplan = load_dialplan(target.dialplan)
        self.target = target
        self.reader = reader
        self.in_flight = max(1, in_flight)
        self.timeout = timeout
        self.settle = settle
        carrier = pbx.carrier
        if carrier is None:
            raise PbxError("the SIP driver needs a PBX whose trunks the harness renders "
                           "(its carrier sink sees the trunk INVITEs): use --backend docker")
        if carrier.final_status is not None:
            raise PbxError("the SIP driver needs the carrier sink in hold mode "
                           f"(it answers every INVITE with {carrier.final_status})")
        if getattr(pbx, "_dialharness_sip_driver", None) is not None:
            raise PbxError("another SIP driver is open on this PBX; close it first "
                           "(both would place calls from the same phone endpoints)")
        if not getattr(pbx, "sip_phones", False):
            enable = getattr(pbx, "enable_sip_phones", None)
            if enable is None:
                raise PbxError(f"{pbx.describe()} has no phone endpoints for the SIP driver")
            enable()
        self.carrier = carrier
        self._phones = {phone_name(s): s for s in target.subscribers}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._seq = itertools.count(1)
        self._by_seq: dict[int, _Call] = {}
        self._by_key: dict[tuple[str, str], _Call] = {}
        self._by_linkedid: dict[str, _Call] = {}
        self._by_callid: dict[str, _Call] = {}
        self._quarantine: dict[tuple[str, str], float] = {}
        #: phone channels not matched by key, waiting for their Call-ID: linkedid -> events
        self._unclaimed: dict[str, list[Message]] = {}
        self._legs_waiting: dict[str, _Leg] = {}          # trunk Call-ID -> leg
        self._invites: dict[str, tuple[Invite, float]] = {}  # trunk Call-ID -> unclaimed
        self._dead: str | None = None
        self._workers: list[PhoneWorker] = []
        self._load: dict[int, int] = {}
        self._closed = False
        self.ami: AmiClient = pbx.connect(on_event=self._on_event,
                                          on_disconnect=self._on_disconnect)
        pbx._dialharness_sip_driver = self  # type: ignore[attr-defined]
        try:
            n = max(1, math.ceil(self.in_flight / CALLS_PER_WORKER))
            self._workers = [PhoneWorker(i, self._on_worker_message, self._on_worker_exit)
                             for i in range(n)]
            deadline = time.monotonic() + READY_TIMEOUT
            for w in self._workers:
                w.wait_ready(deadline)
                self._load[w.index] = 0
        except BaseException:
            self.close()
            raise
        carrier.add_listener(self._on_invite)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.carrier.remove_listener(self._on_invite)
        except Exception:
            pass
        for w in self._workers:
            w.close()
        self.ami.close()
        if getattr(self.pbx, "_dialharness_sip_driver", None) is self:
            self.pbx._dialharness_sip_driver = None  # type: ignore[attr-defined]

    @property
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    # -- placing -----------------------------------------------------------------------
    def place(self, calls: Sequence[CallRequest], *,
              on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        for c in calls:
            check_dial(c.dial)
            self.target.subscriber(c.subscriber)
        if self._closed:
            raise PbxError("the SIP driver is closed")
        results: list[Outcome | None] = [None] * len(calls)
        pending = list(enumerate(calls))
        active: list[_Call] = []
        timed_out: list[_Call] = []
        failed: list[_Call] = []
        broken: list[DialplanRuntimeError] = []
        with self._lock:
            try:
                while pending or active:
                    if self._dead is not None:
                        raise PbxDied(f"lost the PBX ({self.pbx.describe()}): {self._dead}",
                                      [c.request.dial for c in active])
                    now = time.monotonic()
                    if pending and len(active) < self.in_flight:
                        pending = self._start_some(pending, active, now)
                    still = []
                    for call in active:
                        if call.error is not None:
                            failed.append(call)
                            self._abandon(call)
                        elif self._complete(call, now):
                            out = self._finish(call)
                            err = self._runtime_error(call)
                            if err is not None:
                                broken.append(err)
                            else:
                                results[call.index] = out
                                if on_outcome is not None:
                                    on_outcome(out)
                        elif now - call.started > self._timeout_of(call.request):
                            err = self._runtime_error(call)
                            if err is not None:  # a loop hung up, slow to finish
                                broken.append(err)
                            else:
                                timed_out.append(call)
                            self._abandon(call)
                        else:
                            still.append(call)
                    active = still
                    if failed:
                        break
                    if active or pending:
                        wake = [c.started + self._timeout_of(c.request) for c in active]
                        wake += [c.final_at + self.settle for c in active
                                 if c.final is not None and c.linkedid is None]
                        if pending and len(active) < self.in_flight:
                            wake.append(now + 0.05)  # a busy key may free up
                        nearest = min(wake) if wake else now + 0.05
                        self._changed.wait(max(0.001, min(0.5, nearest - time.monotonic())))
            except BaseException:
                for call in active:
                    self._abandon(call)
                raise
            if failed:
                for call in active:
                    self._abandon(call)
                raise PbxError(f"SIP driver: {len(failed)} call(s) failed: "
                               + "; ".join(f"{c.request.dial!r} as {c.request.subscriber}: "
                                           f"{c.error}" for c in failed[:5]),)
        if broken:
            raise first_of(broken)
        if timed_out:
            raise NoOutcome([c.request.dial for c in timed_out],
                            max(self._timeout_of(c.request) for c in timed_out),
                            [self._state_of(c) for c in timed_out])
        return results  # type: ignore[return-value]

    def _timeout_of(self, req: CallRequest) -> float:
        return self.timeout if self.timeout is not None else req.timeout

    def _runtime_error(self, call: _Call) -> DialplanRuntimeError | None:
        if call.watch is None:
            return None
        return call.watch.error(call.request.dial, call.request.subscriber,
                                self.target.dialplan)

    def _start_some(self, pending: list[tuple[int, CallRequest]], active: list[_Call],
                    now: float) -> list[tuple[int, CallRequest]]:
        """Start pending calls in order, skipping (for now) those whose key is busy."""
        for key, until in list(self._quarantine.items()):
            if until <= now:
                del self._quarantine[key]
        rest = []
        for n, (i, req) in enumerate(pending):
            if len(active) >= self.in_flight:
                rest.extend(pending[n:])
                break
            key = (phone_name(req.subscriber), req.dial)
            if key in self._by_key or key in self._quarantine:
                rest.append((i, req))
                continue
            active.append(self._dial(i, req, key))
        return rest

    def _dial(self, index: int, req: CallRequest, key: tuple[str, str]) -> _Call:
        # with the lock held: the call is registered before its events can arrive
        call = _Call(index=index, request=req, seq=next(self._seq), phone=key[0],
                     started=time.monotonic(),
                     watch=StepWatch(self.max_steps, self._dialplan))
        self._by_seq[call.seq] = call
        self._by_key[key] = call
        worker = min((w for w in self._workers if w.dead is None),
                     key=lambda w: self._load[w.index], default=None)
        if worker is None:
            call.error = "every SIP phone worker has died"
            return call
        call.worker = worker
        self._load[worker.index] += 1
        user = urllib.parse.quote(req.dial, safe="+*")
        uri = f"sip:{user}@127.0.0.1:{self.pbx.run.sip_port}"
        try:
            worker.send({"op": "call", "id": call.seq, "user": call.phone, "uri": uri})
        except PbxError as exc:
            call.error = str(exc)
        return call

    def _complete(self, call: _Call, now: float) -> bool:
        if call.final is None:
            return False
        status, reason = call.final
        if status in (401, 407):
            call.error = (f"Asterisk challenged phone endpoint {call.phone} ({status} "
                          f"{reason}): it is not configured as the harness renders it")
            return False
        if call.linkedid is None:
            if self._unclaimed:
                return False  # a phone channel is being claimed by Call-ID: maybe this one
            if now - call.final_at < self.settle:
                return False
            if status not in NO_CHANNEL_STATUSES:
                call.error = (f"the phone got {status} {reason} but Asterisk reported no "
                              f"channel for the call (phone endpoint {call.phone})")
                return False
            return True
        if not call.phone_hung or call.live:
            return False
        for leg in call.legs:
            if leg.failed is not None:
                call.error = (f"could not read the SIP Call-ID of the leg to {leg.endpoint} "
                              f"({leg.channel}): {leg.failed}")
                return False
            if leg.call_id is None or leg.invite is None:
                return False
        return True

    def _finish(self, call: _Call) -> Outcome:
        self._forget(call)
        legs: list[Leg] = []
        for leg in call.legs:
            inv = leg.invite
            assert inv is not None
            pres = Presentation.PROHIBITED if inv.withheld else Presentation.ALLOWED
            wire = (("call-id", inv.call_id), ("ruri", inv.ruri), ("from", inv.from_),
                    ("p-asserted-identity", inv.pai), ("privacy", inv.privacy))
            outbound = urllib.parse.unquote(inv.ruri_user)
            legs.append(make_leg(self.target, leg.endpoint, outbound, pres, self.reader,
                                 wire=wire))
        if not legs:
            for t in failed_dials(call.steps, set(self.target.trunks)):
                legs.append(make_leg(self.target, t.endpoint, t.number, None, self.reader))
        status = call.final[0] if call.final else None
        return outcome_from_legs(call.request, legs, cause=call.cause,
                                 steps=tuple(call.steps), sip_status=status)

    def _forget(self, call: _Call) -> None:
        self._by_seq.pop(call.seq, None)
        if self._by_key.get(call.key) is call:
            del self._by_key[call.key]
        if call.linkedid is not None:
            self._by_linkedid.pop(call.linkedid, None)
        elif call.final is None or call.final[0] in NO_CHANNEL_STATUSES:
            self._quarantine[call.key] = time.monotonic() + QUARANTINE
        if call.sip_call_id is not None:
            self._by_callid.pop(call.sip_call_id, None)
        for leg in call.legs:
            if leg.call_id is not None:
                self._legs_waiting.pop(leg.call_id, None)
        if call.worker is not None and call.worker.index in self._load:
            self._load[call.worker.index] -= 1
            call.worker = None

    def _abandon(self, call: _Call) -> None:
        if call.watch is not None:
            call.watch.hung_by_us = True
        worker = call.worker
        if call.final is None and worker is not None and worker.dead is None:
            try:
                worker.send({"op": "hangup", "id": call.seq})
            except PbxError:
                pass
        self.ami.hang_up(list(call.live.values()))
        self._forget(call)

    @staticmethod
    def _state_of(call: _Call) -> str:
        last = str(call.steps[-1]) if call.steps else "no dialplan step seen"
        live = ", ".join(sorted(call.live.values())) or "none"
        final = f"{call.final[0]} {call.final[1]}" if call.final else "none"
        unmatched = sum(1 for l in call.legs if l.invite is None)
        return (f"{call.request.dial!r} as {call.request.subscriber}: phone Call-ID "
                f"{call.sip_call_id or 'not reported'}, final response {final}; last step "
                f"{last}; channels still up: {live}; legs seen: {len(call.legs)} "
                f"({unmatched} without the carrier's INVITE)")

    # -- phone workers (reader threads) ----------------------------------------------
    def _on_worker_message(self, worker: PhoneWorker, msg: dict) -> None:
        with self._lock:
            call = self._by_seq.get(int(msg.get("id", -1)))
            if call is None:
                return
            ev = msg.get("ev")
            if ev == "started":
                call.sip_call_id = str(msg.get("call_id") or "")
                if call.sip_call_id:
                    self._by_callid[call.sip_call_id] = call
                if call.channel_call_id is not None and call.channel_call_id != call.sip_call_id:
                    call.error = (f"correlation: channel of Call-ID {call.channel_call_id} "
                                  f"was taken for the call with Call-ID {call.sip_call_id}")
            elif ev == "final":
                call.final = (int(msg.get("status", 0)), str(msg.get("reason", "")))
                call.final_at = time.monotonic()
            elif ev == "error":
                call.error = f"the phone could not place the call: {msg.get('message')}"
            self._changed.notify_all()

    def _on_worker_exit(self, worker: PhoneWorker, why: str) -> None:
        with self._lock:
            self._load.pop(worker.index, None)
            mine = [c for c in self._by_seq.values() if c.worker is worker]
            for call in mine:
                call.worker = None
                call.error = (f"SIP phone worker {worker.index} (pid {worker.pid}) {why}; "
                              f"its calls: " + ", ".join(repr(c.request.dial) for c in mine))
            self._changed.notify_all()

    # -- carrier thread ------------------------------------------------------------------
    def _on_invite(self, invite: Invite) -> None:
        with self._lock:
            leg = self._legs_waiting.pop(invite.call_id, None)
            if leg is not None:
                leg.invite = invite
                self._changed.notify_all()
                return
            now = time.monotonic()
            self._invites[invite.call_id] = (invite, now)
            if len(self._invites) > 2000:
                for cid, (_, t) in list(self._invites.items()):
                    if now - t > 60:
                        del self._invites[cid]

    # -- AMI listener thread -----------------------------------------------------------
    def _on_event(self, msg: Message) -> None:
        with self._lock:
            linkedid = msg.get("Linkedid")
            call = self._by_linkedid.get(linkedid)
            if call is None:
                if msg.name == "Newchannel":
                    self._on_newchannel(msg)
                elif linkedid in self._unclaimed:
                    buf = self._unclaimed[linkedid]
                    if len(buf) < 500:
                        buf.append(msg)
                return
            self._apply(call, msg)

    def _on_newchannel(self, msg: Message) -> None:
        channel = msg.get("Channel")
        if not channel.upper().startswith("PJSIP/"):
            return
        phone = endpoint_of(channel)
        if phone not in self._phones:
            return
        uid, linkedid = msg.get("Uniqueid"), msg.get("Linkedid")
        call = self._by_key.get((phone, msg.get("Exten")))
        if call is not None and call.linkedid is None and uid == linkedid:
            self._claim(call, msg)
            return
        if call is not None and call.linkedid is not None:
            call.error = (f"correlation: a second phone channel {channel} for "
                          f"{call.request.dial!r} as {call.request.subscriber}")
            self._changed.notify_all()
            return
        # Not ours by key (the extension differs from the dial string?): claim it by the
        # SIP Call-ID the phone reported, and keep its events until then.
        self._unclaimed[linkedid] = []

        def got(reply: Message, msg: Message = msg) -> None:
            with self._lock:
                events = self._unclaimed.pop(linkedid, [])
                if reply.name.lower() != "success":
                    return
                owner = self._by_callid.get(reply.get("Value"))
                if owner is None or owner.linkedid is not None:
                    return
                self._claim(owner, msg, check=False)
                owner.channel_call_id = reply.get("Value")
                for ev in events:
                    self._apply(owner, ev)
                self._changed.notify_all()

        self.ami.send("Getvar", {"Channel": channel, "Variable": _CALL_ID_VAR}, callback=got)

    def _claim(self, call: _Call, msg: Message, check: bool = True) -> None:
        call.linkedid = msg.get("Linkedid")
        call.phone_uid = msg.get("Uniqueid")
        self._by_linkedid[call.linkedid] = call
        call.live[call.phone_uid] = msg.get("Channel")
        if not check:
            return

        def got(reply: Message, call: _Call = call) -> None:
            value = reply.get("Value")
            if reply.name.lower() != "success" or not value:
                # the channel (or its SIP session) is already gone, as for a call rejected
                # at once: no cross-check, the (subscriber, dial) key alone decided
                return
            with self._lock:
                call.channel_call_id = value
                if call.sip_call_id is not None and value != call.sip_call_id:
                    call.error = (f"correlation: phone channel {msg.get('Channel')} has "
                                  f"Call-ID {value}, the phone's call has {call.sip_call_id}")
                    self._changed.notify_all()

        self.ami.send("Getvar", {"Channel": msg.get("Channel"), "Variable": _CALL_ID_VAR},
                      callback=got)

    def _apply(self, call: _Call, msg: Message) -> None:
        name = msg.name
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
            leg = _Leg(endpoint=attempt.endpoint, number=attempt.number, channel=dest)
            call.legs.append(leg)

            def got(reply: Message, leg: _Leg = leg) -> None:
                with self._lock:
                    if reply.name.lower() != "success" or not reply.get("Value"):
                        leg.failed = reply.get("Message") or "no value"
                    else:
                        leg.call_id = reply.get("Value")
                        held = self._invites.pop(leg.call_id, None)
                        if held is not None:
                            leg.invite = held[0]
                        else:
                            self._legs_waiting[leg.call_id] = leg
                    self._changed.notify_all()

            # AMI runs one session's actions in order: the Call-ID is read before the
            # hangup, while the carrier still holds the leg.
            self.ami.send("Getvar", {"Channel": dest, "Variable": _CALL_ID_VAR}, callback=got)
            self.ami.send("Hangup", {"Channel": dest, "Cause": LEG_HANGUP_CAUSE})
        elif name == "Hangup":
            uid = msg.get("Uniqueid")
            call.live.pop(uid, None)
            if call.watch is not None:
                call.watch.hung_up(uid)
            if uid == call.phone_uid:
                call.phone_hung = True
                try:
                    call.cause = int(msg.get("Cause", ""))
                except ValueError:
                    pass
            self._changed.notify_all()

    def _hang_up_loop(self, call: _Call) -> None:
        # lock held: every channel of the call at once; Asterisk then ends the phone's
        # INVITE itself, so the call completes as any other
        assert call.watch is not None
        call.watch.hung_by_us = True
        self.ami.hang_up(list(call.live.values()))

    def _on_disconnect(self) -> None:
        with self._lock:
            self._dead = "the AMI connection closed"
            self._changed.notify_all()
