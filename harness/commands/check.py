"""dialharness check / fuzz: the properties on generated dial strings, shrunk failures."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import strategies
from ..errors import InputError
from ..explore import FAILED, NOT_APPLICABLE, NOT_EXERCISED, ExploreResult, NotExercised, explore
from ..properties import CheckInfo, select
from ..report.junit import Case, write_junit
from ..report.text import format_failure, format_reach, format_summary
from ..session import Session, open_session
from ..target import load_target

if TYPE_CHECKING:
    from ..report.routemap import RouteMap


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise InputError(f"--shard takes I/N, e.g. 2/4, not {text!r}") from None
    if not 1 <= i <= n:
        raise InputError(f"--shard {text}: I must be between 1 and N")
    return i, n


def open_database(spec: str):  # -> ExampleDatabase | None
    if spec.lower() == "none":
        return None
    if spec.startswith("redis://"):
        try:
            import redis  # optional extra: pip install dialharness[redis]
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise InputError("a redis:// database needs the redis package "
                             "(pip install 'dialharness[redis]')") from None
        return RedisExampleDatabase(redis.Redis.from_url(spec))
    from hypothesis.database import DirectoryBasedExampleDatabase
    return DirectoryBasedExampleDatabase(str(Path(spec)))


def check(args: argparse.Namespace) -> int:
    target = load_target(args.target)
    explicit = tuple(n.strip() for n in _names(args.checks) or ())
    checks = select(_names(args.checks), _names(args.exclude_checks), strict=args.strict)
    if not checks:
        raise InputError("no checks selected")
    if args.examples < 1:
        raise InputError("--examples must be at least 1")
    shard = parse_shard(args.shard)
    database = open_database(args.database)
    fuzz = args.command == "fuzz"
    with open_session(target, backend=args.backend, driver=args.driver,
                      timeout=args.timeout, max_steps=args.max_steps) as session:
        special = strategies.special_dial_table(session.profile)
        from ..report.progress import Progress
        progress = Progress(total=(len(special) + args.examples) * len(target.subscribers),
                            stream=sys.stderr, label=args.command,
                            every=10.0 if fuzz else 15.0)
        try:
            result = explore(session, checks, examples=args.examples, seed=args.seed,
                             batch=args.batch, database=database, shard=shard,
                             on_batch=progress.update, extra_dials=special)
        except BaseException:
            progress.abandon()
            raise
        progress.close()
        print_result(result, session.target.path, examples=args.examples, explicit=explicit)
        if getattr(args, "coverage", False):
            from ..coverage import coverage_of
            from ..report.text import format_coverage
            print()
            print(format_coverage(coverage_of(target.dialplan, result.step_counts)))
        if args.junit:
            write_junit(args.junit, f"dialharness {args.command} {target.path.name}",
                        junit_cases(result, explicit))
        if args.report:
            from ..report.html import write_report
            routemap, placed = place_routemap(session, checks, result)
            write_report(args.report, target=target, profile=session.profile, result=result,
                         routemap=routemap, probes_placed=placed, dialplan=session.dialplan)
            print(f"report: {args.report}")
        if fuzz and args.save_failures and result.failures:
            from ..scenario import write_counterexample
            for f in result.failures.values():
                path = write_counterexample(
                    Path(args.save_failures), target_path=target.path, subscriber=f.subscriber,
                    dial=f.dial, expect={"properties": [f.check]}, property_name=f.check,
                    title=f"{f.check}: {f.dial} as {f.subscriber}",
                    report_text=f"found by dialharness fuzz: {f.reason}")
                print(f"saved counterexample: {path}")
    return exit_status(result, explicit)


def place_routemap(session: Session, checks: Sequence[CheckInfo],
                   result: ExploreResult) -> tuple[RouteMap, int]:
    """The route map of the report: one representative call per cell and subscriber,
    placed after the run in one batch and judged like every other call."""
    from ..report.routemap import build_routemap, probes

    subs = list(session.target.subscribers.values())
    wanted = probes(session.profile, [s.name for s in subs])
    judged = session.judgements(session.observe([(p.dial, p.subscriber) for p in wanted]))
    rmap = build_routemap(session.profile, subs, list(zip(wanted, judged)),
                          probe_failures=session.judge(judged, checks),
                          run_failures=result.all_failures)
    return rmap, len(wanted)


def exit_status(result: ExploreResult, explicit: Sequence[str] = ()) -> int:
    """1 when a property failed; else NotExercised (exit 2) when a property judged no
    call, or was selected in ``explicit`` (--checks) and cannot apply to the target;
    else 0. A property that cannot apply and was not asked for does not count."""
    verdicts = result.verdicts()
    if any(v == FAILED for v in verdicts.values()):
        return 1
    reasons = []
    for name, v in verdicts.items():
        s = result.stats[name]
        if v == NOT_EXERCISED:
            reasons.append((name, f"judged none of the {s.calls} calls placed while it was "
                                  f"active (no call it applies to)"))
        elif v == NOT_APPLICABLE and name in explicit:
            reasons.append((name, f"was selected with --checks but cannot apply to this "
                                  f"target ({s.not_applicable})"))
    if reasons:
        raise NotExercised(reasons)
    return 0


def _names(text: str | None) -> list[str] | None:
    return [n for n in text.split(",") if n.strip()] if text else None


def print_result(result: ExploreResult, target_path: Path, *, examples: int | None = None,
                 explicit: Sequence[str] = ()) -> None:
    for f in sorted(result.failures.values(), key=lambda f: f.check):
        print(format_failure(f))
        print()
    verdicts = result.verdicts()
    print(format_summary(result.stats, result.failures, verdicts))
    n_subs = result.budget // examples if examples else None
    per = f" ({examples} dial strings x {n_subs} subscribers)" if n_subs else ""
    print(f"placed/budget: generated calls placed while the property was judged, of the "
          f"budget of {result.budget} calls{per}; the special dial table and shrink steps "
          f"are judged on top ({result.rounds} round{'s' if result.rounds != 1 else ''})")
    if result.reach:
        print(format_reach(result.reach))
    for err in result.shrink_errors:
        print(f"note: Hypothesis's shrinker stopped with an error after {err}; the smallest "
              f"failing call seen is reported")
    failed = [n for n, v in verdicts.items() if v == FAILED]
    unexercised = [n for n, v in verdicts.items() if v == NOT_EXERCISED]
    inapplicable = [n for n, v in verdicts.items() if v == NOT_APPLICABLE]
    chosen = [n for n in inapplicable if n in explicit]
    if failed:
        verdict = f"{len(failed)} propert{'y' if len(failed) == 1 else 'ies'} failed"
    elif unexercised or chosen:
        verdict = "no verdict: " + "; ".join(
            ([f"{', '.join(unexercised)} not exercised"] if unexercised else [])
            + ([f"{', '.join(chosen)} selected but not applicable"] if chosen else []))
    else:
        verdict = "all properties hold"
    if inapplicable and not failed:
        verdict += f" ({', '.join(inapplicable)}: not applicable to this target)"
    rate = result.calls / result.seconds if result.seconds else 0.0
    print(f"\n{verdict}: {result.calls} calls in {result.batches} batches, "
          f"{result.seconds:.1f} s ({rate:.0f} calls/s) on {target_path.name}")


def junit_cases(result: ExploreResult, explicit: Sequence[str] = ()) -> list[Case]:
    cases = []
    for name, st in result.stats.items():
        f = result.failures.get(name)
        v = result.verdict(name)
        error = skipped = None
        if v == NOT_EXERCISED:
            error = f"not exercised: judged none of {st.calls} calls (no verdict)"
        elif v == NOT_APPLICABLE:
            why = f"not applicable to this target ({st.not_applicable})"
            if name in explicit:
                error = f"{why}, but selected with --checks (no verdict)"
            else:
                skipped = why
        output = (f"judged {st.examples} calls, failed {st.failed}; {st.placed} of the "
                  f"budget of {st.budget} generated calls placed while it was judged"
                  f"{'' if st.full_budget else ' (budget not reached)'}")
        cases.append(Case(name=name, classname="dialharness.properties", seconds=st.seconds,
                          failure=(f"{f.dial} as {f.subscriber}: {f.reason}" if f else None),
                          details=format_failure(f) if f else "", error=error,
                          skipped=skipped, output=output))
    return cases
