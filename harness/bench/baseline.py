"""The ceiling for the AMI driver: a bare pipelined AMI client written for the benchmark.

Originate each call as a Local channel, hang up each outbound leg at its DialBegin, count
a call done when both Local halves have hung up; nothing else (no steps, no presentation,
no judging). Single thread, one socket, the simplest framing possible: whatever the
harness's driver does beyond this is overhead the bench makes visible.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Sequence

from ..ami import AmiCredentials


def run_baseline(creds: AmiCredentials, calls: Sequence[tuple[str, str]], *,
                 in_flight: int = 40, timeout: float = 60.0) -> tuple[int, float]:
    """Place ``(dial, context)`` calls; return (calls completed, seconds)."""
    sock = socket.create_connection((creds.host, creds.port), timeout=10)
    sock.settimeout(timeout)
    buf = bytearray()

    def send(text: str) -> None:
        sock.sendall(text.encode())

    def frames():
        nonlocal buf
        while True:
            i = buf.find(b"\r\n\r\n")
            while i >= 0:
                yield bytes(buf[:i])
                del buf[:i + 4]
                i = buf.find(b"\r\n\r\n")
            chunk = sock.recv(262144)
            if not chunk:
                raise ConnectionError("AMI closed")
            buf += chunk

    # banner line
    while b"\r\n" not in buf:
        buf += sock.recv(4096)
    del buf[:buf.find(b"\r\n") + 2]
    send(f"Action: Login\r\nUsername: {creds.username}\r\nSecret: {creds.secret}\r\n"
         "Events: on\r\n\r\n")
    gen = frames()
    first = next(gen)
    if b"Success" not in first:
        raise RuntimeError("baseline login failed")

    pending = list(enumerate(calls))
    pending.reverse()
    live: dict[str, int] = {}  # channel id -> halves still up
    done = 0
    t0 = time.monotonic()
    run = f"bl{int(t0 * 1000) % 10**9:x}"

    def originate() -> None:
        i, (dial, context) = pending.pop()
        cid = f"{run}-{i:08d}"  # fixed width: Asterisk refuses an id that prefixes a live one
        live[cid] = 2
        send(f"Action: Originate\r\nChannel: Local/{dial}@{context}/n\r\nApplication: Wait\r\n"
             f"Data: 30\r\nAsync: true\r\nChannelId: {cid}\r\nOtherChannelId: {cid};2\r\n"
             f"CallerID: \"bench\" <100>\r\nActionID: {cid}\r\n\r\n")

    while pending and len(live) < in_flight:
        originate()
    for frame in gen:
        if not frame.startswith(b"Event: "):
            continue
        name = frame[7:frame.find(b"\r\n")] if b"\r\n" in frame else frame[7:]
        if name == b"DialBegin":
            fields = dict(l.split(": ", 1) for l in frame.decode().split("\r\n") if ": " in l)
            if fields.get("DestChannel", "").startswith("PJSIP/"):
                send(f"Action: Hangup\r\nChannel: {fields['DestChannel']}\r\nCause: 34\r\n\r\n")
        elif name == b"Hangup":
            fields = dict(l.split(": ", 1) for l in frame.decode().split("\r\n") if ": " in l)
            uid = fields.get("Uniqueid", "")
            cid = uid[:-2] if uid.endswith(";2") else uid
            if cid in live:
                live[cid] -= 1
                if live[cid] == 0:
                    del live[cid]
                    done += 1
                    if pending:
                        originate()
                    elif not live:
                        break
    elapsed = time.monotonic() - t0
    send("Action: Logoff\r\n\r\n")
    sock.close()
    return done, elapsed
