"""Property exploration: Hypothesis generates batches of dial strings, the PBX routes
them, the checks judge, and Hypothesis shrinks each broken property to a small example.

One Hypothesis example is a *batch* of dial strings, each placed for every subscriber of
the target, so many calls are in flight at once. A batch that breaks properties raises
one exception type per broken property (grouped), which Hypothesis treats as distinct
bugs and shrinks separately. Every failing batch is also recorded here, so the report
takes, per property, the smallest failing call ever seen, independent of how Hypothesis
chooses to present its final examples.

Budget. Every property gets the whole budget, ``examples`` dial strings x subscribers
calls, of generated calls placed while it is judged. Hypothesis stops generating soon
after the first failure, so a run is made of *rounds*: when a round ends with some
properties failed, the next round (its own deterministic seed, its own database key)
runs the still-passing ones on what is left of the budget, until the budget is spent or
every property failed. Calls placed while shrinking, and the special table placed first,
are judged too but do not count against the budget. Shrinking has one wall-clock budget
for the whole run (with a small floor for a round that found a new failure).

Errors. Only a property's finding (``PropertyFailed``) is a failure. Anything else raised
while placing or judging a batch ends the run at once, never shrunk or grouped by
Hypothesis: a tool error as itself, an unexpected exception as ``InternalError`` (exit 2).
"""
from __future__ import annotations

import math
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, seed as hyp_seed, settings
from hypothesis import strategies as st
from hypothesis import target as hyp_target
from hypothesis.errors import InvalidArgument
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from . import defaults, hypothesis_internals, strategies
from .dialplan_strategies import dialplan_dial_strings
from .errors import DialharnessError, InternalError
from .guidance import ContextReach, CoverageGuide
from .properties import CheckInfo, Failure
from .session import Session
from .verdict import Tally

# verdicts of one property
OK, FAILED, NOT_EXERCISED, NOT_APPLICABLE = "ok", "FAIL", "not exercised", "not applicable"


@dataclass
class CheckStats:
    #: calls judged: calls where the check had something to say (held or failed); a
    #: check returning NOT_APPLICABLE did not judge the call
    examples: int = 0
    failed: int = 0
    seconds: float = 0.0
    #: every call placed while the property was judged (special table, generated, shrinking)
    calls: int = 0
    #: generated calls placed while the property was judged: what counts against the budget
    placed: int = 0
    #: the budget in calls: examples dial strings x subscribers
    budget: int = 0
    #: why the property cannot apply to this target at all (None: it can)
    not_applicable: str | None = None

    @property
    def judged(self) -> int:
        return self.examples

    @property
    def full_budget(self) -> bool:
        return self.placed >= self.budget


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
    #: the budget in calls (examples x subscribers) and how many generated calls ran
    budget: int = 0
    generated: int = 0
    #: Hypothesis runs made (see module doc)
    rounds: int = 0
    #: per failed property, the calls placed (special table, generated and shrink steps,
    #: in order) up to and including the batch that first broke it: calls to detection
    first_detection: dict[str, int] = field(default_factory=dict)
    #: per subscriber context: dialplan priorities reached / reachable, patterns never
    #: matched (:mod:`harness.guidance`)
    reach: list[ContextReach] = field(default_factory=list)
    #: Hypothesis's shrinker broke after these properties had failed: their failures
    #: stand (recorded as they happened), shrunk less than usual
    shrink_errors: list[str] = field(default_factory=list)

    def verdict(self, name: str) -> str:
        """OK, FAILED, NOT_EXERCISED (judged no call) or NOT_APPLICABLE (cannot apply)."""
        if name in self.failures:
            return FAILED
        s = self.stats[name]
        if s.examples > 0:
            return OK
        return NOT_APPLICABLE if s.not_applicable else NOT_EXERCISED

    def verdicts(self) -> dict[str, str]:
        return {name: self.verdict(name) for name in self.stats}


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
    """Carries an error out through Hypothesis, which must not shrink it (Hypothesis
    treats only ``Exception`` as a test failure)."""

    def __init__(self, error: DialharnessError) -> None:
        super().__init__(str(error))
        self.error = error


class NotExercised(DialharnessError):
    """Properties with no verdict (exit 2), never "ok": each judged no call, or was
    selected with --checks although it cannot apply to the target."""

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        self.names = tuple(n for n, _ in reasons)
        super().__init__("no verdict: " + "; ".join(f"{n} {r}" for n, r in reasons))


def internal_error(exc: BaseException, doing: str) -> InternalError:
    """``exc`` (a bug of ours, or of a driver) as one line naming where it was raised."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if frames:
        last = frames[-1]
        where = f" at {Path(last.filename).name}:{last.lineno} in {last.name}"
    err = InternalError(f"internal error {doing}: {type(exc).__name__}: {exc}{where}")
    err.__cause__ = exc
    return err


def not_applicable_to(target: object, checks: Sequence[CheckInfo]) -> dict[str, str]:
    """Properties that cannot judge any call of this target, with the reason."""
    subs = list(getattr(target, "subscribers", {}).values())
    barred = [s for s in subs if getattr(s, "intl_barred", False)]
    reasons = {
        "barring_holds": None if barred else "no subscriber is barred from international",
        "international_when_allowed": ("every subscriber is barred from international"
                                       if subs and len(barred) == len(subs) else None),
    }
    internal = getattr(target, "internal", None)
    if internal is not None and not getattr(internal, "extensions", ()):
        reasons["internal_stays_internal"] = "the target has no internal extensions"
    return {c.name: r for c in checks if (r := reasons.get(c.name))}


def dial_string_mix(session: Session) -> st.SearchStrategy[str]:
    """The element of a batch: half the numbering plan's grammar
    (:func:`harness.strategies.dial_strings`), half strings aimed at the dialplan under
    test (:func:`harness.dialplan_strategies.dialplan_dial_strings`, every subscriber
    context's reachable rules, one context as likely as another).

    Neither alone: the grammar reaches every range of the numbering plan as the profile
    composes it, wherever the dialplan puts it (a rule on a whole range, a missing range);
    the dialplan's own patterns and comparisons reach the rule written for one area code,
    one country code or one length, which the grammar hits only by luck. The grammar comes
    first, so a failure shrinks towards the grammar's simplest strings when it can.
    """
    grammar = strategies.dial_strings(session.profile)
    aimed = []
    for ctx in dict.fromkeys(s.context for s in session.target.subscribers.values()):
        try:
            aimed.append(dialplan_dial_strings(session.dialplan, ctx, session.profile,
                                               session.target))
        except InvalidArgument:
            continue  # no extension of that context can be dialed: the grammar covers it
    if not aimed:
        return grammar
    return _half_and_half(grammar, tuple(aimed))


@st.composite
def _half_and_half(draw: st.DrawFn, grammar: st.SearchStrategy[str],
                   aimed: tuple[st.SearchStrategy[str], ...]) -> str:
    # An explicit coin, not st.one_of: one_of flattens nested one_ofs into one list of
    # branches and draws among them unevenly, which left the aimed strings about one
    # in eight (measured). False (the grammar) is what a failure shrinks towards.
    if not draw(st.booleans()):
        return draw(grammar)
    i = draw(st.integers(0, len(aimed) - 1)) if len(aimed) > 1 else 0
    return draw(aimed[i])


def batches(session: Session, batch: int) -> st.SearchStrategy[list[str]]:
    """Lists of 1..batch dial strings; the length shrinks first, so failures shrink to one."""
    element = dial_string_mix(session)
    return st.integers(min_value=1, max_value=batch).flatmap(
        lambda n: st.lists(element, min_size=n, max_size=n, unique=True))


def _smaller(a: Failure, b: Failure) -> bool:
    return (len(a.dial), a.dial, a.subscriber) < (len(b.dial), b.dial, b.subscriber)


def _round_seed(base: int, rnd: int) -> int:
    return base if rnd == 0 else base * 1_000_003 + 104_729 * rnd


def _split(group: BaseExceptionGroup) -> None:
    """Re-raise what in ``group`` is not a finding: an abort as its error, anything else
    as InternalError. Findings are already recorded."""
    aborts, rest = group.split(_Abort)
    if aborts is not None:
        raise _first_leaf(aborts).error from None
    interrupt, rest = (rest.split((KeyboardInterrupt, SystemExit)) if rest is not None
                       else (None, None))
    if interrupt is not None:
        raise _first_leaf(interrupt)
    if rest is None:
        return
    _findings, others = rest.split(PropertyFailed)
    if others is not None:
        raise internal_error(_first_leaf(others), "while exploring") from None


def _first_leaf(group: BaseExceptionGroup) -> BaseException:
    e: BaseException = group
    while isinstance(e, BaseExceptionGroup):
        e = e.exceptions[0]
    return e


def explore(session: Session, checks: Sequence[CheckInfo], *, examples: int = defaults.EXAMPLES,
            seed: int | None = None, batch: int = defaults.BATCH,
            database: ExampleDatabase | Path | None = defaults.DATABASE,
            shard: tuple[int, int] | None = None,
            on_batch: Callable[[int, int, int], None] | None = None,
            extra_dials: Sequence[str] = (),
            shrink_seconds: float = defaults.SHRINK_SECONDS) -> ExploreResult:
    """Run the checks on ``examples`` generated dial strings (in batches); see module doc.

    ``on_batch(calls_done, failures_so_far, in_flight)`` is called after every batch.
    ``shard=(i, n)`` makes this run the i-th of n disjoint, deterministic runs.
    """
    subscribers = list(session.target.subscribers)
    budget = max(1, examples) * len(subscribers)
    best: dict[str, Failure] = {}
    stats = {c.name: CheckStats(budget=budget) for c in checks}
    for name, reason in not_applicable_to(session.target, checks).items():
        stats[name].not_applicable = reason
    everything: list[Failure] = []
    counters = {"calls": 0, "batches": 0, "outcomes": 0, "generated": 0}
    step_counts: Counter[tuple[str, str, int, str]] = Counter()
    first_detection: dict[str, int] = {}
    guide = CoverageGuide(session.dialplan,
                          {n: s.context for n, s in session.target.subscribers.items()})
    started = time.monotonic()
    # what the calls being placed are: "special" (the table), "generated" (count
    # against the budget) or "shrink" (shrink steps and Hypothesis's final replays)
    phase = {"now": "special", "shrink_started": 0.0}

    def place_and_judge(dials: list[str], active: Sequence[CheckInfo]) -> list[Failure]:
        pairs = [(d, s) for d in dials for s in subscribers]
        observations = session.observe(pairs)
        counters["calls"] += len(pairs)
        counters["batches"] += 1
        counters["outcomes"] += len(observations)
        generated = phase["now"] == "generated"
        if generated:
            counters["generated"] += len(pairs)
        step_counts.update((s.context, s.exten, s.priority, s.app)
                           for o in observations for s in o.steps)
        novelty = guide.record(observations)
        if phase["now"] != "special":
            # inside the Hypothesis test: its target phase climbs towards batches that
            # reach dialplan lines the run has rarely or never reached
            hyp_target(novelty, label="new dialplan lines")
        tally = Tally()
        failures = session.verdict(observations, active, tally=tally)
        for info in active:
            st_ = stats[info.name]
            st_.examples += tally.judged[info.name]
            st_.failed += tally.failed[info.name]
            st_.calls += len(pairs)
            if generated:
                st_.placed += len(pairs)
            st_.seconds += tally.seconds.get(info.name, 0.0)
        for f in failures:
            everything.append(f)
            first_detection.setdefault(f.check, counters["calls"])
            if f.check not in best or _smaller(f, best[f.check]):
                best[f.check] = f
        if on_batch is not None:
            on_batch(counters["calls"], len(best), len(pairs))
        return failures

    def guarded(dials: list[str], active: Sequence[CheckInfo]) -> list[Failure]:
        try:
            return place_and_judge(dials, active)
        except DialharnessError as exc:
            raise _Abort(exc) from None
        except Exception as exc:  # a bug, never a finding: Hypothesis must not see it
            raise _Abort(internal_error(
                exc, f"placing or judging a batch of {len(dials)} dial strings")) from None

    def raise_findings(failures: list[Failure]) -> None:
        if not failures:
            return
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
            guarded(list(extra_dials), checks)  # findings are recorded in ``best``
        except _Abort as abort:
            raise abort.error from None

    db = DirectoryBasedExampleDatabase(str(database)) if isinstance(database, Path) else database
    base_seed: int | None = None
    if seed is not None or shard is not None:
        base_seed = seed if seed is not None else 0
        if shard is not None:
            base_seed = base_seed * 1_000_003 + shard[0] * 7919 + shard[1]

    def round_test(active: Sequence[CheckInfo]) -> Callable[[list[str]], None]:
        def run_batch(dials: list[str]) -> None:
            raise_findings(guarded(dials, active))
        return run_batch

    def mark_shrinking() -> None:
        if phase["now"] != "shrink":
            phase["now"] = "shrink"
            phase["shrink_started"] = time.monotonic()

    # the first round runs every property, failed on the table or not: Hypothesis finds
    # and shrinks those failures too; later rounds only the ones still holding
    active = list(checks)
    shrink_left = shrink_seconds
    shrink_errors: list[str] = []
    rounds = 0
    # a bound on the rounds: one per property that can fail, plus a few top-ups when the
    # batch sizes Hypothesis drew were smaller than average
    while active and counters["generated"] < budget and rounds < len(checks) + 4:
        dials_left = math.ceil((budget - counters["generated"]) / max(1, len(subscribers)))
        # batch sizes are drawn from 1..batch, about (batch + 1) / 2 on average (a round
        # that falls short is topped up by the next); Hypothesis starts a run with its
        # simplest example (one dial string), so a later round asks for two batches more
        n_batches = math.ceil(2 * dials_left / (max(1, batch) + 1)) + (2 if rounds else 0)
        before = counters["generated"]
        shrink_cap = max(shrink_left, min(defaults.MIN_ROUND_SHRINK_SECONDS, shrink_seconds))
        phase["now"] = "generated"
        phase["shrink_started"] = 0.0
        test = given(batches(session, batch))(round_test(list(active)))
        test = settings(
            max_examples=max(1, n_batches), deadline=None, database=db, derandomize=False,
            suppress_health_check=list(HealthCheck), report_multiple_bugs=True,
            verbosity=Verbosity.quiet, print_blob=False,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        )(test)
        if base_seed is not None:
            test = hyp_seed(_round_seed(base_seed, rounds))(test)
        # examples in the database belong to this dialplan and these checks
        key = f"{session.target.path}|{','.join(c.name for c in active)}|{batch}"
        if shard is not None:
            key += f"|shard{shard[0]}/{shard[1]}"
        hypothesis_internals.set_database_key(test, key.encode())
        try:
            with hypothesis_internals.shrink_time_limit(shrink_cap), \
                    hypothesis_internals.on_shrink_start(mark_shrinking), \
                    hypothesis_internals.no_duplicating_mutations():
                test()
        except _Abort as abort:
            raise abort.error from None
        except PropertyFailed:
            pass  # recorded in ``best`` as it happened
        except BaseExceptionGroup as group:  # findings, or findings and something else
            _split(group)
        except Exception as exc:  # from Hypothesis itself, e.g. a strategy: not a pass
            found = [c.name for c in active if c.name in best]
            if phase["now"] != "shrink" or not found:
                raise internal_error(exc, "while Hypothesis ran the batches") from None
            # Hypothesis's shrinker itself broke (seen with 6.155: a ValueError from
            # IntervalSet.index when it copies characters between two strings of
            # different alphabets). The failures were recorded as they happened, so the
            # verdict stands with the smallest example seen; only shrinking ended early.
            shrink_errors.append(f"{', '.join(found)}: {type(exc).__name__}: {exc}")
        finally:
            if phase["shrink_started"]:
                shrink_left -= time.monotonic() - phase["shrink_started"]
            phase["now"] = "special"
        rounds += 1
        active = [c for c in active if c.name not in best]
        if counters["generated"] == before:
            break  # Hypothesis generated nothing new (search space exhausted)
    return ExploreResult(failures=best, stats=stats, calls=counters["calls"],
                         batches=counters["batches"], seconds=time.monotonic() - started,
                         outcomes_seen=counters["outcomes"], all_failures=everything,
                         step_counts=step_counts, budget=budget,
                         generated=counters["generated"], rounds=rounds,
                         first_detection=first_detection, reach=guide.summary(),
                         shrink_errors=shrink_errors)
