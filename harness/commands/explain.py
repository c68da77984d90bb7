"""dialharness explain TARGET DIAL: one call, its outcome and every step it ran."""
from __future__ import annotations

import argparse

from ..dialstring import check_dial
from ..properties import select
from ..report.text import format_expected, format_outcome, format_steps_with_source
from ..session import open_session
from ..target import load_target


def explain(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    sub = target.subscriber(args.subscriber)
    dial = check_dial(args.dial)
    with open_session(target, backend=args.backend, driver=args.driver,
                      timeout=args.timeout, max_steps=args.max_steps) as session:
        (j,) = session.judgements(session.observe([(dial, sub.name)]))
        failures = session.judge([j], select(strict=True))
        dialplan = session.dialplan
    print(format_outcome(j.outcome, steps=False))
    print(format_steps_with_source(j.outcome, dialplan))
    print(f"intended      {format_expected(j.expected)}")
    if failures:
        print("properties broken")
        for f in failures:
            print(f"  {f.check}: {f.reason}")
    else:
        print("properties    all hold")
    return 0
