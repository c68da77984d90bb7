"""dialharness run SCENARIO.yaml|DIR: field reports as tests."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from ..report.junit import Case, write_junit
from ..report.progress import Progress
from ..report.summary import RunRow, run_stats
from ..report.text import format_coverage, format_summary
from ..scenario.run import CallResult, SessionPool, format_result, run_scenario
from ..errors import ConfigError
from ..scenario import Scenario, load_scenarios
from ..target import Target, load_target


def run(args: argparse.Namespace) -> int:
    # Everything is validated before the first call: nothing runs half-way.
    scenarios = load_scenarios(args.scenarios)
    if args.target:
        target = load_target(args.target)
        scenarios = [retarget(sc, target) for sc in scenarios]
    total = sum(len(sc.calls) for sc in scenarios)
    progress = Progress(total=total, stream=sys.stderr, label="run", unit="failed",
                        every=15.0)
    results: list[CallResult] = []
    per_scenario: list[tuple[Scenario, list[CallResult]]] = []
    failed_so_far = 0

    def on_result(r: CallResult) -> None:
        nonlocal failed_so_far
        failed_so_far += 0 if r.passed else 1
        progress.note(format_result(r), sys.stdout)

    pool = SessionPool(backend=args.backend, driver=args.driver, timeout=args.timeout,
                       max_steps=args.max_steps)
    try:
        for sc in scenarios:
            progress.update(len(results), failed_so_far, len(sc.calls))
            got = run_scenario(pool, sc, on_result)
            results.extend(got)
            per_scenario.append((sc, got))
            progress.update(len(results), failed_so_far, 0)
    except BaseException:
        progress.abandon()  # the error is the one line the user needs
        raise
    finally:
        pool.close()
    progress.close()

    failed = [r for r in results if not r.passed]
    stats = run_stats(RunRow(properties=r.call.expect.properties,
                             failed_properties=[f.check for f in r.failures],
                             has_expectation=_has_literal_expectation(r),
                             expectation_failed=bool(r.problems), seconds=r.seconds)
                      for r in results)
    print()
    print(format_summary(stats, {name: True for name, s in stats.items() if s.failed}))
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed "
          f"({len(scenarios)} scenario file{'s' if len(scenarios) != 1 else ''})")
    coverages = None
    if getattr(args, "coverage", False) or getattr(args, "report", None):
        coverages = _coverages(per_scenario)
    if getattr(args, "coverage", False) and coverages:
        for cov in coverages:
            print()
            print(format_coverage(cov))
    if getattr(args, "report", None):
        from ..report.html import write_run_report
        write_run_report(args.report, per_scenario=per_scenario, coverages=coverages or [],
                         stats=stats)
        print(f"report: {args.report}")
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


def _has_literal_expectation(r: CallResult) -> bool:
    e = r.call.expect
    return any(getattr(e, f) is not None
               for f in ("route", "trunk", "destination", "presentation", "cause"))


def _coverages(per_scenario):  # -> list[Coverage], one per dialplan file, in order seen
    from collections import Counter

    from ..coverage import coverage_of

    steps: dict[object, Counter] = {}
    for sc, got in per_scenario:
        c = steps.setdefault(sc.target.dialplan, Counter())
        for r in got:
            c.update((s.context, s.exten, s.priority, s.app) for s in r.outcome.steps)
    return [coverage_of(path, counts) for path, counts in steps.items()]


def retarget(scenario: Scenario, target: Target) -> Scenario:
    """The same calls against another target with the same subscriber and trunk names."""
    for call in scenario.calls:
        if call.subscriber not in target.subscribers:
            raise ConfigError(f"subscriber {call.subscriber!r} is not in {target.path}",
                              path=str(scenario.path), line=call.line)
        if call.expect.trunk is not None and call.expect.trunk not in target.trunks:
            raise ConfigError(f"trunk {call.expect.trunk!r} is not in {target.path}",
                              path=str(scenario.path), line=call.line)
    return dataclasses.replace(scenario, target=target)
