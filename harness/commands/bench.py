"""dialharness bench: calls per second of (a) a bare AMI baseline, (b) the AMI driver,
(c) the SIP driver, on the same dial strings of one PBX in one run; cold start; memory."""
from __future__ import annotations

import argparse
import platform
import resource
import statistics
import threading
import time
from pathlib import Path

from ..bench.baseline import run_baseline
from ..model import CallRequest
from ..session import open_session
from ..target import load_target

REFERENCE = Path(__file__).resolve().parents[2] / "dialplans" / "jp-office.yaml"

#: representative dial strings of every grammar branch (routed, blocked, emergency)
DIALS = (
    "0312345678", "09012345678", "1840312345678", "18608012345678", "00330312345678",
    "0037680312345678", "1860037680312345678", "01012125551234", "+12125551234",
    "003301012125551234", "+81312345678", "184+819012345678", "110", "184110", "186119",
    "118", "999", "0101", "0120123456", "05012345678", "+441234567890", "0033110",
    "184186110", "031234567", "*21#", "+18608012345678",
)


class _MemorySampler:
    def __init__(self, pbx: object) -> None:
        self.pbx = pbx
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, getattr(self.pbx, "memory_bytes", lambda: 0)())
            self._stop.wait(0.5)

    def stop(self) -> int:
        self._stop.set()
        self._t.join(2)
        return self.peak


def bench(args: argparse.Namespace) -> int:
    target = load_target(args.target or REFERENCE)
    n = 200 if args.short else args.calls
    subs = list(target.subscribers.values())
    pairs = [(DIALS[i % len(DIALS)], subs[(i // len(DIALS)) % len(subs)]) for i in range(n)]
    rounds = 1 if args.short else 2
    t0 = time.monotonic()
    session = open_session(target, timeout=30)
    cold = getattr(session.pbx, "cold_start", 0.0)
    print(f"machine: {platform.node()} {platform.machine()}, {_cores()} cores, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    print(f"cold start (docker run -> AMI FullyBooted, image built): {cold:.2f} s "
          f"(open_session total {time.monotonic() - t0:.2f} s)")
    sampler = _MemorySampler(session.pbx)
    rates: dict[str, list[float]] = {"a": [], "b": [], "c": []}
    try:
        session.place([(d, s.name) for d, s in pairs[:50]])  # warm up
        for _ in range(rounds):
            done, secs = run_baseline(session.pbx.credentials,
                                      [(d, s.context) for d, s in pairs])
            if done != n:
                print(f"baseline completed {done} of {n} calls")
                return 1
            rates["a"].append(n / secs)
            calls = [CallRequest(d, s.name, timeout=30) for d, s in pairs]
            t = time.monotonic()
            outs = session.driver.place(calls)
            rates["b"].append(n / (time.monotonic() - t))
            if len(outs) != n or any(o is None for o in outs):
                print("AMI driver lost outcomes")
                return 1
        # (c) the SIP driver on the same PBX and the same dial strings
        from .bench_sip import measure_sip
        sip_pairs = [(d, s.name) for d, s in pairs]
        for _ in range(rounds):
            rates["c"].append(measure_sip(session, sip_pairs, concurrent=True))
        sip_seq = measure_sip(session, sip_pairs[: max(50, n // 4)], concurrent=False)
        asterisk_peak = sampler.stop()
    finally:
        session.close()
    a = statistics.mean(rates["a"])
    b = statistics.mean(rates["b"])
    print(f"(a) bare pipelined AMI baseline: {_fmt(rates['a'])} calls/s")
    print(f"(b) AMI driver, full outcome:    {_fmt(rates['b'])} calls/s   ratio b/a = {b / a:.2f}")
    c = statistics.mean(rates["c"])
    print(f"(c) SIP driver (pjsua2):         {_fmt(rates['c'])} calls/s   ratio c/a = {c / a:.2f}"
          f"   (sequential, one call at a time: {sip_seq:.0f} calls/s)")
    print(f"peak memory: harness {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, "
          f"Asterisk container {asterisk_peak / 2**20:.0f} MiB")
    print(f"{n} calls per measurement, 40 in flight; rerun: dialharness bench --calls {n}")
    return 0


def _fmt(xs: list[float]) -> str:
    return " / ".join(f"{x:.0f}" for x in xs)


def _cores() -> int:
    import os
    return os.cpu_count() or 0
