"""dialharness run SCENARIO.yaml|DIR: field reports as tests."""
from __future__ import annotations

import argparse
import os

from ..report.junit import Case, write_junit
from ..scenario_run import format_result, run_scenarios
from ..scenarios import load_scenarios


def run(args: argparse.Namespace) -> int:
    # Everything is validated before the first call: nothing runs half-way.
    scenarios = load_scenarios(args.scenarios)
    results = run_scenarios(scenarios, backend=args.backend, driver=args.driver,
                            timeout=args.timeout, on_result=lambda r: print(format_result(r)))
    failed = [r for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed "
          f"({len(scenarios)} scenario file{'s' if len(scenarios) != 1 else ''})")
    if args.junit:
        write_junit(args.junit, f"dialharness run {os.path.basename(str(args.scenarios))}", [
            Case(name=r.call.name, classname=f"scenarios.{r.call.name.split(' [')[0]}",
                 seconds=r.seconds,
                 failure=("; ".join(list(r.problems) + [f.check for f in r.failures])
                          if not r.passed else None),
                 details=format_result(r)) for r in results])
    if not results:
        return 2
    return 1 if failed else 0
