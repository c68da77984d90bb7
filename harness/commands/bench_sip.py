"""Calls per second of the SIP driver, sequential (one call in flight) and concurrent.

``measure_sip(session, dials, concurrent)`` is what ``dialharness bench`` reuses; run this
module for the SIP figures alone:

    python -m harness.commands.bench_sip [--calls 2000] [--in-flight 16] [--target T.yaml]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..model import CallRequest
from ..session import Session, open_session

REFERENCE = Path(__file__).resolve().parents[2] / "dialplans" / "jp-office.yaml"
DIALS = ("0312345678", "09012345678", "1840312345678", "18608012345678", "00330312345678",
         "0037680312345678", "01012125551234", "+12125551234", "003301012125551234",
         "+81312345678", "110", "184110", "186119", "999", "0101", "184186110")


def measure_sip(session: Session, dials: Sequence[str | tuple[str, str]], concurrent: bool,
                *, in_flight: int | None = None, timeout: float = 30.0) -> float:
    """Place every dial string over SIP and return calls per second.

    ``dials`` holds dial strings (as the target's first subscriber) or (dial, subscriber)
    pairs. Sequential: one call at a time, each its own batch. Concurrent: one batch, the
    driver keeping ``in_flight`` calls (its default if None) in flight. A session whose
    driver is not SIP gets a SIP driver on the same PBX for the measurement.
    """
    from ..drivers import open_driver

    calls = [CallRequest(d, session.target.default_subscriber.name, timeout=timeout)
             if isinstance(d, str) else CallRequest(d[0], d[1], timeout=timeout)
             for d in dials]
    if not calls:
        raise ValueError("no calls to measure")
    own = session.driver_name != "sip" or in_flight is not None
    if own and session.driver_name == "sip":
        session.driver.close()  # one SIP driver per PBX at a time
    kwargs: dict[str, object] = {} if in_flight is None else {"in_flight": in_flight}
    driver = (open_driver("sip", session.pbx, session.target, dialplan=session.dialplan,
                          **kwargs)
              if own else session.driver)
    try:
        driver.place(calls[:20])  # warm up: workers, Asterisk's caches
        t0 = time.monotonic()
        if concurrent:
            outs = driver.place(calls)
        else:
            outs = [driver.place([c])[0] for c in calls]
        secs = time.monotonic() - t0
        if len(outs) != len(calls) or any(o is None for o in outs):
            raise RuntimeError("the SIP driver lost outcomes")
        return len(calls) / secs
    finally:
        if own:
            driver.close()
            if session.driver_name == "sip":
                session.driver = open_driver("sip", session.pbx, session.target,
                                             dialplan=session.dialplan)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness.commands.bench_sip")
    p.add_argument("--target", default=str(REFERENCE))
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--in-flight", type=int, default=None)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)
    with open_session(args.target, driver="sip", timeout=30) as session:
        subs = list(session.target.subscribers)
        pairs = [(DIALS[i % len(DIALS)], subs[(i // len(DIALS)) % len(subs)])
                 for i in range(args.calls)]
        seq_n = min(len(pairs), 500)
        for r in range(args.rounds):
            seq = measure_sip(session, pairs[:seq_n], concurrent=False)
            con = measure_sip(session, pairs, concurrent=True, in_flight=args.in_flight)
            print(f"round {r + 1}: sequential {seq:.0f} calls/s ({seq_n} calls), "
                  f"concurrent {con:.0f} calls/s ({len(pairs)} calls, in flight "
                  f"{args.in_flight or 'default'})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
