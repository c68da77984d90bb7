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

The batch loop is ``base.PlacingDriver``'s (``fail_fast``: the first failed call ends the
batch, every call in flight is hung up, and the batch is a ``PbxError``), the per-call
event bookkeeping ``events.CallEvents``. The phone endpoints are claimed on the PBX
(``Pbx.claim_phones``) for as long as the driver is open: one SIP driver per PBX.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import defaults
from ..ami import AmiClient, Message
from ..errors import PbxError
from ..model import CallRequest, Observation, ObservedLeg, Presentation
from ..pbx import Pbx
from ..pbx.carrier import Invite
from ..pbx.config import phone_name
from ..sip.phones import CALLS_PER_WORKER, READY_TIMEOUT, PhoneWorker
from ..target import Target
from .base import LEG_HANGUP_CAUSE, PlacedCall, PlacingDriver
from .events import CallEvents, DialAttempt, endpoint_of
from .steps import StepWatch, default_max_steps

if TYPE_CHECKING:
    from ..dialplan import Dialplan

#: calls in flight at once (``harness.defaults``)
DEFAULT_IN_FLIGHT = defaults.SIP_IN_FLIGHT
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


@dataclass(kw_only=True)
class _Call(PlacedCall):
    seq: int
    phone: str
    worker: PhoneWorker | None = None
    sip_call_id: str | None = None       # the phone's INVITE
    channel_call_id: str | None = None   # CHANNEL(pjsip,call-id) of the phone channel
    linkedid: str | None = None
    phone_uid: str | None = None
    legs: list[_Leg] = field(default_factory=list)
    final: tuple[int, str] | None = None
    final_at: float = 0.0
    #: the phone had every call slot held when the call reached it (a slot count)
    waiting_slot: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.phone, self.request.dial)


class SipDriver(PlacingDriver[_Call]):
    name = "sip"
    fail_fast = True

    def __init__(self, pbx: Pbx, target: Target, *, dialplan: Dialplan | None,
                 in_flight: int = DEFAULT_IN_FLIGHT, timeout: float | None = None,
                 settle: float = DEFAULT_SETTLE, max_steps: int | None = None) -> None:
        self.pbx = pbx
        self.max_steps = max_steps if max_steps is not None else default_max_steps()
        self._dialplan = dialplan
        self.target = target
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
        pbx.claim_phones(self)   # one SIP driver per PBX: both would use the same phones
        self.carrier = carrier
        self._workers: list[PhoneWorker] = []
        self._closed = False
        try:
            if not pbx.sip_phones:
                pbx.enable_sip_phones()
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
            self._dead = None
            self._load: dict[int, int] = {}
            self.ami: AmiClient = pbx.connect(on_event=self._on_event,
                                              on_disconnect=self._on_disconnect)
        except BaseException:
            pbx.release_phones(self)
            raise
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
        self.pbx.release_phones(self)

    @property
    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers]

    # -- the placing loop's parts ----------------------------------------------------------
    def _before_batch(self) -> None:
        if self._closed:
            raise PbxError("the SIP driver is closed")

    def _next_wake(self, active: list[_Call], pending: list[tuple[int, CallRequest]],
                   now: float) -> float | None:
        if not (active or pending):
            return None
        wake = [c.started + self._timeout_of(c.request) for c in active]
        wake += [c.final_at + self.settle for c in active
                 if c.final is not None and c.linkedid is None]
        if pending and len(active) < self.in_flight:
            wake.append(now + 0.05)  # a busy key may free up
        return min(wake) if wake else now + 0.05

    def _start(self, pending: list[tuple[int, CallRequest]], active: list[_Call],
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
                     events=CallEvents(StepWatch(self.max_steps, self._dialplan),
                                       self.ami.hang_up))
        self._by_seq[call.seq] = call
        self._by_key[key] = call
        worker = min((w for w in self._workers if w.dead is None),
                     key=lambda w: self._load[w.index], default=None)
        if worker is None:
            call.failure = "every SIP phone worker has died"
            return call
        call.worker = worker
        self._load[worker.index] += 1
        user = urllib.parse.quote(req.dial, safe="+*")
        uri = f"sip:{user}@127.0.0.1:{self.pbx.sip_port}"
        try:
            # a call the phone cannot start yet (every pjsua slot held) waits for a slot
            # for as long as the call may take, then is an error, never dropped
            worker.send({"op": "call", "id": call.seq, "user": call.phone, "uri": uri,
                         "timeout": self._timeout_of(req)})
        except PbxError as exc:
            call.failure = str(exc)
        return call

    def _complete(self, call: _Call, now: float) -> bool:
        if call.final is None:
            return False
        status, reason = call.final
        if status in (401, 407):
            call.failure = (f"Asterisk challenged phone endpoint {call.phone} ({status} "
                            f"{reason}): it is not configured as the harness renders it")
            return False
        if call.linkedid is None:
            if self._unclaimed:
                return False  # a phone channel is being claimed by Call-ID: maybe this one
            if now - call.final_at < self.settle:
                return False
            if status not in NO_CHANNEL_STATUSES:
                call.failure = (f"the phone got {status} {reason} but Asterisk reported no "
                                f"channel for the call (phone endpoint {call.phone})")
                return False
            return True
        if not call.events.own_hung or call.events.live:
            return False
        for leg in call.legs:
            if leg.failed is not None:
                call.failure = (f"could not read the SIP Call-ID of the leg to "
                                f"{leg.endpoint} ({leg.channel}): {leg.failed}")
                return False
            if leg.call_id is None or leg.invite is None:
                return False
        return True

    def _finish(self, call: _Call) -> Observation:
        self._forget(call)
        legs: list[ObservedLeg] = []
        for leg in call.legs:
            inv = leg.invite
            assert inv is not None
            pres = Presentation.PROHIBITED if inv.withheld else Presentation.ALLOWED
            wire = (("call-id", inv.call_id), ("ruri", inv.ruri), ("from", inv.from_),
                    ("p-asserted-identity", inv.pai), ("privacy", inv.privacy))
            legs.append(ObservedLeg(endpoint=leg.endpoint,
                                    outbound=urllib.parse.unquote(inv.ruri_user),
                                    presentation=pres, wire=wire))
        status = call.final[0] if call.final else None
        return Observation(dial=call.request.dial, subscriber=call.request.subscriber,
                           legs=tuple(legs), cause=call.events.cause,
                           steps=tuple(call.events.steps), sip_status=status)

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
        call.events.watch.hung_by_us = True
        worker = call.worker
        if call.final is None and worker is not None and worker.dead is None:
            try:
                worker.send({"op": "hangup", "id": call.seq})
            except PbxError:
                pass
        self.ami.hang_up(list(call.events.live.values()))
        self._forget(call)

    def _state_of(self, call: _Call) -> str:
        ev = call.events
        final = f"{call.final[0]} {call.final[1]}" if call.final else "none"
        unmatched = sum(1 for l in call.legs if l.invite is None)
        waited = ""
        if call.waiting_slot is not None and call.sip_call_id is None:
            worker = call.worker.index if call.worker is not None else "?"
            waited = (f"; phone worker {worker} had all its call slots held "
                      f"({call.waiting_slot}) and had not started it")
        return (f"{call.request.dial!r} as {call.request.subscriber}{waited}: phone Call-ID "
                f"{call.sip_call_id or 'not reported'}, final response {final}; last step "
                f"{ev.last_step()}; channels still up: {ev.live_names()}; legs seen: "
                f"{len(call.legs)} ({unmatched} without the carrier's INVITE)")

    def _failed_error(self, failed: list[_Call]) -> Exception:
        return PbxError(f"SIP driver: {len(failed)} call(s) failed: "
                        + "; ".join(f"{c.request.dial!r} as {c.request.subscriber}: "
                                    f"{c.failure}" for c in failed[:5]))

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
                    call.failure = (f"correlation: channel of Call-ID {call.channel_call_id} "
                                    f"was taken for the call with Call-ID {call.sip_call_id}")
            elif ev == "waiting":
                call.waiting_slot = int(msg.get("held", 0))
            elif ev == "final":
                call.final = (int(msg.get("status", 0)), str(msg.get("reason", "")))
                call.final_at = time.monotonic()
            elif ev == "error":
                call.failure = f"the phone could not place the call: {msg.get('message')}"
            self._changed.notify_all()

    def _on_worker_exit(self, worker: PhoneWorker, why: str) -> None:
        with self._lock:
            self._load.pop(worker.index, None)
            mine = [c for c in self._by_seq.values() if c.worker is worker]
            for call in mine:
                call.worker = None
                call.failure = (f"SIP phone worker {worker.index} (pid {worker.pid}) {why}; "
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
            call.failure = (f"correlation: a second phone channel {channel} for "
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
        call.events.own_uid = call.phone_uid
        call.events.live[call.phone_uid] = msg.get("Channel")
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
                    call.failure = (f"correlation: phone channel {msg.get('Channel')} has "
                                    f"Call-ID {value}, the phone's call has {call.sip_call_id}")
                    self._changed.notify_all()

        self.ami.send("Getvar", {"Channel": msg.get("Channel"), "Variable": _CALL_ID_VAR},
                      callback=got)

    def _apply(self, call: _Call, msg: Message) -> None:
        attempt = call.events.apply(msg)
        if attempt is not None:
            self._read_leg(call, attempt)
        elif msg.name == "Hangup":
            self._changed.notify_all()

    def _read_leg(self, call: _Call, attempt: DialAttempt) -> None:
        leg = _Leg(endpoint=attempt.endpoint, number=attempt.number, channel=attempt.channel)
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
        self.ami.send("Getvar", {"Channel": leg.channel, "Variable": _CALL_ID_VAR}, callback=got)
        self.ami.send("Hangup", {"Channel": leg.channel, "Cause": LEG_HANGUP_CAUSE})

    def _on_disconnect(self) -> None:
        with self._lock:
            self._dead = "the AMI connection closed"
            self._changed.notify_all()
