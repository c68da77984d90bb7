"""Property exploration: Hypothesis generates batches of dial strings, the PBX routes
them, the checks judge, and Hypothesis shrinks each broken property to a small example.

One Hypothesis example is a *batch* of dial strings, each placed for every subscriber of
the target, so many calls are in flight at once. A batch that breaks properties raises
one exception type per broken property (grouped), which Hypothesis treats as distinct
bugs and shrinks separately. Every failing batch is also recorded here, so the report
takes, per property, the smallest failing call ever seen, independent of how Hypothesis
chooses to present its final examples.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, seed as hyp_seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.internal.conjecture import engine as engine_module

from . import strategies
from .errors import DialharnessError
from .properties import CheckInfo, Failure
from .session import Session

DEFAULT_EXAMPLES = 3000  # dial strings; each is placed for every subscriber
DEFAULT_BATCH = 40
DEFAULT_DATABASE = Path(".dialharness") / "examples"
#: wall-clock cap on shrinking: every shrink step is a batch of real calls, and a plan
#: breaking five properties at once otherwise spends minutes (and tens of thousands of
#: calls) polishing examples; the smallest failure seen so far is reported either way
DEFAULT_SHRINK_SECONDS = 20.0


@dataclass
class CheckStats:
    examples: int = 0
    failed: int = 0
    seconds: float = 0.0


@dataclass
class ExploreResult:
    failures: dict[str, Failure]
    stats: dict[str, CheckStats]
    calls: int
    batches: int
    seconds: float
    outcomes_seen: int = 0
    all_failures: list[Failure] = field(default_factory=list)
    #: executed dialplan steps of every call, (context, exten, priority, app) -> count:
    #: what dialplan coverage needs, without keeping the outcomes themselves
    step_counts: Counter[tuple[str, str, int, str]] = field(default_factory=Counter)


class PropertyFailed(AssertionError):
    """Raised inside the Hypothesis test; one subclass per property (distinct bugs)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.check}: {failure.dial} as {failure.subscriber}: {failure.reason}")
        self.failure = failure


_FAILED_TYPES: dict[str, type[PropertyFailed]] = {}


def _failed_type(check: str) -> type[PropertyFailed]:
    if check not in _FAILED_TYPES:
        _FAILED_TYPES[check] = type(f"{check}_failed", (PropertyFailed,), {})
    return _FAILED_TYPES[check]


class _Abort(BaseException):
    """Carries a tool error out through Hypothesis, which must not shrink it."""

    def __init__(self, error: DialharnessError) -> None:
        super().__init__(str(error))
        self.error = error


def batches(session: Session, batch: int) -> st.SearchStrategy[list[str]]:
    """Lists of 1..batch dial strings; the length shrinks first, so failures shrink to one."""
    element = strategies.dial_strings(session.profile)
    return st.integers(min_value=1, max_value=batch).flatmap(
        lambda n: st.lists(element, min_size=n, max_size=n))


def _smaller(a: Failure, b: Failure) -> bool:
    return (len(a.dial), a.dial, a.subscriber) < (len(b.dial), b.dial, b.subscriber)


def explore(session: Session, checks: Sequence[CheckInfo], *, examples: int = DEFAULT_EXAMPLES,
            seed: int | None = None, batch: int = DEFAULT_BATCH,
            database: ExampleDatabase | Path | None = DEFAULT_DATABASE,
            shard: tuple[int, int] | None = None,
            on_batch: Callable[[int, int, int], None] | None = None,
            extra_dials: Sequence[str] = (),
            shrink_seconds: float = DEFAULT_SHRINK_SECONDS) -> ExploreResult:
    """Run the checks on ``examples`` generated dial strings (in batches); see module doc.

    ``on_batch(calls_done, failures_so_far, in_flight)`` is called after every batch.
    ``shard=(i, n)`` makes this run the i-th of n disjoint, deterministic runs.
    """
    subscribers = list(session.target.subscribers)
    best: dict[str, Failure] = {}
    stats = {c.name: CheckStats() for c in checks}
    everything: list[Failure] = []
    counters = {"calls": 0, "batches": 0, "outcomes": 0}
    step_counts: Counter[tuple[str, str, int, str]] = Counter()
    started = time.monotonic()

    def run_batch(dials: list[str]) -> None:
        pairs = [(d, s) for d in dials for s in subscribers]
        try:
            outcomes = session.place(pairs)
        except DialharnessError as exc:
            raise _Abort(exc) from None
        counters["calls"] += len(pairs)
        counters["batches"] += 1
        counters["outcomes"] += len(outcomes)
        step_counts.update((s.context, s.exten, s.priority, s.app)
                           for o in outcomes for s in o.steps)
        failures = []
        for info in checks:
            t0 = time.monotonic()
            found = session.judge(outcomes, [info])
            st_ = stats[info.name]
            st_.examples += len(outcomes)
            st_.failed += len(found)
            st_.seconds += time.monotonic() - t0
            failures.extend(found)
        for f in failures:
            everything.append(f)
            if f.check not in best or _smaller(f, best[f.check]):
                best[f.check] = f
        if on_batch is not None:
            on_batch(counters["calls"], len(best), len(pairs))
        if failures:
            first_per_check: dict[str, Failure] = {}
            for f in failures:
                if f.check not in first_per_check or _smaller(f, first_per_check[f.check]):
                    first_per_check[f.check] = f
            errors = [_failed_type(c)(f) for c, f in sorted(first_per_check.items())]
            if len(errors) == 1:
                raise errors[0]
            raise ExceptionGroup("several properties failed", errors)

    # the fixed table of special dial strings runs first, outside shrinking: a field
    # report's exact string is worth checking as is on every run
    if extra_dials:
        try:
            run_batch(list(extra_dials))
        except (PropertyFailed, ExceptionGroup):
            pass
        except _Abort as abort:
            raise abort.error from None

    # batch sizes are drawn from 1..batch, about (batch + 1) / 2 on average
    n_batches = max(1, math.ceil(2 * examples / (max(1, batch) + 1)))
    db = DirectoryBasedExampleDatabase(str(database)) if isinstance(database, Path) else database
    test = given(batches(session, batch))(run_batch)
    test = settings(
        max_examples=n_batches, deadline=None, database=db, derandomize=False,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=True,
        verbosity=Verbosity.quiet, print_blob=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )(test)
    if seed is not None or shard is not None:
        s = seed if seed is not None else 0
        if shard is not None:
            s = s * 1_000_003 + shard[0] * 7919 + shard[1]
        test = hyp_seed(s)(test)
    # examples in the database belong to this dialplan and these checks
    key = f"{session.target.path}|{','.join(c.name for c in checks)}|{batch}"
    if shard is not None:
        key += f"|shard{shard[0]}/{shard[1]}"
    test.hypothesis.inner_test._hypothesis_internal_add_digest = key.encode()  # type: ignore[attr-defined]
    saved_cap = engine_module.MAX_SHRINKING_SECONDS
    # Hypothesis has no setting for this; its engine reads the module constant when
    # shrinking starts, so it is set for this run only and restored.
    engine_module.MAX_SHRINKING_SECONDS = shrink_seconds  # type: ignore[assignment]
    try:
        test()
    except _Abort as abort:
        raise abort.error from None
    except (PropertyFailed, ExceptionGroup):
        pass  # recorded in ``best`` as they happened
    finally:
        engine_module.MAX_SHRINKING_SECONDS = saved_cap
    return ExploreResult(failures=best, stats=stats, calls=counters["calls"],
                         batches=counters["batches"], seconds=time.monotonic() - started,
                         outcomes_seen=counters["outcomes"], all_failures=everything,
                         step_counts=step_counts)
