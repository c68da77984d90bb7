"""One SIP phone process: a pjsua2 Endpoint that places the calls it is told to place.

Run as ``python -m harness.sip.phone_worker``. Protocol, one JSON object per line:

    parent -> stdin   {"op": "call", "id": 7, "user": "dialharness-phone-open",
                       "uri": "sip:0312345678@127.0.0.1:5080", "timeout": 10.0}
                      {"op": "hangup", "id": 7}        give up on a call (CANCEL/BYE)
                      {"op": "stop"}                    (or EOF on stdin)
    worker -> stdout  {"ev": "ready", "port": 41234}
                      {"ev": "waiting", "id": 7, "held": 4}   every call slot is held
                      {"ev": "started", "id": 7, "call_id": "..."}   the INVITE went out
                      {"ev": "final", "id": 7, "status": 403, "reason": "Forbidden"}
                      {"ev": "error", "id": 7, "message": "..."}     not placed

pjsua2 as measured on these machines (/work/shared/sip-notes.md): one Python thread
(threadCnt=0, mainThreadOnly, libHandleEvents polled here, calls ended from this loop
and never inside a callback), null audio, loop media transport (no RTP sockets: the
wheel aborts past 64 sockets), at most 4 calls at once per Endpoint (a 5th makeCall
fails with PJ_ETOOMANY). pjsua2 prints to stdout before its log config applies, so the
protocol uses a private copy of fd 1 and fd 1 itself is sent to /dev/null.

Call slots. pjsua reports DISCONNECTED for a call *we* hang up at once (pjsua_call_hangup
calls on_call_state before the CANCEL or BYE is even sent), but its slot stays taken
until that transaction ends (the 487 to our CANCEL, the 200 to our BYE: longer under
load, up to 32 s if the PBX never answers). So the worker counts a slot as held from
makeCall until pjsua has really freed it: a call that ended by itself frees its slot
before libHandleEvents returns; a call we hung up is kept in ``releasing`` (by its
pjsua call id) until pjsua says that id has no session any more. makeCall is only tried
while fewer than MAX_CALLS slots are held. A call waiting for a slot stays queued (the
parent is told once, ``{"ev": "waiting", "id": 7, "held": 4}``) until its own timeout
(``"timeout"`` of the call op), and only then is it an ``error``: never dropped.
"""
from __future__ import annotations

import json
import os
import select
import sys
import time
from collections import deque

MAX_CALLS = 4
PJ_ETOOMANY = 70010
#: how long a call waits for a free slot when the parent gives no timeout
DEFAULT_TIMEOUT = 10.0


def main() -> int:
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    import pjsua2 as pj

    def emit(obj: dict) -> None:
        proto.write(json.dumps(obj, separators=(",", ":")) + "\n")

    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.maxCalls = MAX_CALLS
    cfg.uaConfig.userAgent = "dialharness-phone"
    cfg.medConfig.threadCnt = 0
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.boundAddress = "127.0.0.1"
    tcfg.port = 0
    tid = ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.libStart()
    ep.audDevManager().setNullDev()
    port = ep.transportGetInfo(tid).localName.rsplit(":", 1)[-1]

    accounts: dict[str, object] = {}
    calls: dict[int, object] = {}        # id -> live pjsua2 Call
    #: pjsua call ids of calls we hung up whose slot pjsua has not freed yet -> since
    releasing: dict[int, float] = {}
    queue: deque[tuple[int, str, str, float]] = deque()  # (id, user, uri, deadline)
    told_waiting: set[int] = set()
    changed: list[int] = []
    stopping = False

    class Call(pj.Call):
        def __init__(self, acc: object, cid: int) -> None:
            super().__init__(acc)
            self.cid = cid
            self.pjsua_id = -1
            self.answered = False
            self.hung = False
            self.state = 0
            self.status = 0
            self.reason = ""

        def onCallState(self, prm: object) -> None:  # noqa: N802 (pjsua2 name)
            # read only: the info of a DISCONNECTED call is gone once this returns
            try:
                ci = self.getInfo()
            except Exception:
                return
            self.state = ci.state
            if ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
                self.answered = True
            self.status = int(ci.lastStatusCode)
            self.reason = ci.lastReason
            changed.append(self.cid)

    def account(user: str) -> object:
        acc = accounts.get(user)
        if acc is None:
            acfg = pj.AccountConfig()
            acfg.idUri = f"sip:{user}@127.0.0.1"
            acfg.mediaConfig.useLoopMedTp = True
            acc = pj.Account()
            acc.create(acfg)
            accounts[user] = acc
        return acc

    def slot_free(pjsua_id: int) -> bool:
        """pjsua has no session in this call slot any more (its get_info fails)."""
        probe = pj.Call(next(iter(accounts.values())), pjsua_id)
        try:
            probe.getInfo()
        except pj.Error:
            return True
        finally:
            # id bound, not active (free, or hanging up): the destructor only clears the
            # slot's user data, which pjsua2 cleared already when it reported DISCONNECTED
            del probe
        return False

    def held() -> int:
        for pjsua_id in list(releasing):
            if slot_free(pjsua_id):
                del releasing[pjsua_id]
        return len(calls) + len(releasing)

    def slots() -> str:
        return (f"{len(calls)} call(s) in progress, {len(releasing)} hung up and not yet "
                f"released by pjsua")

    def start(cid: int, user: str, uri: str) -> bool:
        """False: no free slot after all, try again later."""
        call = Call(account(user), cid)
        prm = pj.CallOpParam(True)
        try:
            call.makeCall(uri, prm)
        except pj.Error as exc:
            if exc.status == PJ_ETOOMANY:
                return False
            emit({"ev": "error", "id": cid, "message": f"makeCall: {exc.info()}"})
            return True
        call.pjsua_id = call.getId()
        calls[cid] = call
        try:
            call_id = call.getInfo().callIdString
        except Exception:
            call_id = ""
        emit({"ev": "started", "id": cid, "call_id": call_id})
        return True

    def hang(call: object) -> None:
        if call.hung:  # type: ignore[attr-defined]
            return
        call.hung = True  # type: ignore[attr-defined]
        try:
            call.hangup(pj.CallOpParam(True))  # type: ignore[attr-defined]
        except Exception:
            pass

    stdin = sys.stdin.buffer.fileno()
    buf = b""
    emit({"ev": "ready", "port": int(port)})
    stop_deadline = None
    while True:
        busy = bool(calls or queue or releasing)
        r, _, _ = select.select([stdin], [], [], 0 if busy else 0.02)
        if r and not stopping:
            data = os.read(stdin, 65536)
            if not data:
                stopping = True
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                msg = json.loads(line)
                op = msg.get("op")
                if op == "call":
                    wait = float(msg.get("timeout") or DEFAULT_TIMEOUT)
                    queue.append((msg["id"], msg["user"], msg["uri"],
                                  time.monotonic() + wait))
                elif op == "hangup":
                    call = calls.get(msg["id"])
                    if call is not None:
                        hang(call)
                    else:
                        queue = deque(q for q in queue if q[0] != msg["id"])
                        told_waiting.discard(msg["id"])
                elif op == "stop":
                    stopping = True
        if stopping and stop_deadline is None:
            stop_deadline = time.monotonic() + 2.0
            queue.clear()
            for call in calls.values():
                hang(call)
        while queue:
            cid, user, uri, deadline = queue[0]
            if held() < MAX_CALLS and start(cid, user, uri):
                queue.popleft()
                told_waiting.discard(cid)
                continue
            # every slot is held: the queue waits (in order), each call until its deadline
            now = time.monotonic()
            for item in list(queue):
                if item[3] <= now:
                    queue.remove(item)
                    told_waiting.discard(item[0])
                    emit({"ev": "error", "id": item[0], "message": (
                        f"no free call slot in this phone (at most {MAX_CALLS}) before the "
                        f"call's timeout: {slots()}")})
                elif item[0] not in told_waiting:
                    told_waiting.add(item[0])
                    emit({"ev": "waiting", "id": item[0], "held": len(calls) + len(releasing)})
            break
        ep.libHandleEvents(2 if busy else 0)
        while changed:
            cid = changed.pop(0)
            call = calls.get(cid)
            if call is None:
                continue
            if call.state == pj.PJSIP_INV_STATE_DISCONNECTED:  # type: ignore[attr-defined]
                status = 200 if call.answered else call.status  # type: ignore[attr-defined]
                emit({"ev": "final", "id": cid, "status": status,
                      "reason": call.reason})  # type: ignore[attr-defined]
                if call.hung:  # type: ignore[attr-defined]
                    # reported at once by our hangup: the slot is freed when the CANCEL
                    # or BYE transaction ends, which pjsua reports to nobody
                    releasing[call.pjsua_id] = time.monotonic()  # type: ignore[attr-defined]
                del calls[cid]
                del call
            elif call.state == pj.PJSIP_INV_STATE_CONFIRMED:  # type: ignore[attr-defined]
                hang(call)  # answered: the routing decision is made; hang up at once
        if stopping and (not calls or time.monotonic() > stop_deadline):
            break
    # Tearing pjsua2 down from Python aborts in this wheel when anything is still
    # referenced; the OS frees sockets and memory just as well.
    proto.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
