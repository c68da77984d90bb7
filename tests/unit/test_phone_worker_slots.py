"""The SIP phone worker's call slots, against a peer that never answers (no PBX needed).

pjsua reports DISCONNECTED for a call the worker hangs up at once, but keeps its slot
until the CANCEL can be sent and answered: with a peer that never answers, for the whole
INVITE timeout (32 s). Those slots must count as held: the worker never tries makeCall
over its limit, a call that waits for a slot is told as ``waiting`` (not an error) and
stays queued until its own timeout, and only then is it an ``error``, never dropped.

GUARDS: ``releasing`` / ``held()`` and the per-call deadline in harness/sip/phone_worker.py
(with the fixed 5 s retry that was there before, the 5th call was an error after 5 s even
with a longer timeout; counting only live Call objects, makeCall was tried at once).
"""
from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pjsua2")

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.sip.phone_worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        self.events: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def send(self, msg: dict) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def next(self, timeout: float) -> dict:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        try:
            self.send({"op": "stop"})
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A UDP port that receives SIP and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    try:
        assert w.next(20)["ev"] == "ready"
        yield w
    finally:
        w.close()


def call(w: Worker, cid: int, port: int, timeout: float) -> None:
    w.send({"op": "call", "id": cid, "user": "dialharness-phone-t",
            "uri": f"sip:{cid}@127.0.0.1:{port}", "timeout": timeout})


def test_hung_up_calls_hold_their_slots_and_a_waiting_call_is_never_dropped(
        worker: Worker, black_hole: int) -> None:
    for cid in range(1, 5):
        call(worker, cid, black_hole, 30)
    started = set()
    while len(started) < 4:
        ev = worker.next(10)
        assert ev["ev"] == "started", ev
        started.add(ev["id"])
    for cid in range(1, 5):   # the peer never answers: pjsua holds each slot for 32 s
        worker.send({"op": "hangup", "id": cid})
    finals = set()
    while len(finals) < 4:
        ev = worker.next(10)
        assert ev["ev"] == "final", ev
        finals.add(ev["id"])
    # four slots still held although no call is live: the 5th waits, not an error
    t0 = time.monotonic()
    call(worker, 5, black_hole, 6.0)
    ev = worker.next(5)
    assert ev == {"ev": "waiting", "id": 5, "held": 4}
    # past the old fixed 5 s, within its own timeout: still waiting, nothing said
    with pytest.raises(queue.Empty):
        worker.next(5.5 - (time.monotonic() - t0))
    ev = worker.next(5)
    waited = time.monotonic() - t0
    assert ev["ev"] == "error" and ev["id"] == 5, ev
    assert "no free call slot" in ev["message"] and "4 hung up" in ev["message"], ev
    assert 5.5 <= waited < 9, waited
