"""explore() on a fake Session (pure code, no PBX): errors are never findings, every
property gets the whole budget, and a property that judged nothing is never "ok"."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import oracle, verdict
from harness.dialplan import parse_dialplan
from harness.errors import InternalError, NoOutcome
from harness.explore import explore
from harness.model import Observation, Outcome, Route
from harness.profile import load_profile
from harness.properties import NOT_APPLICABLE, CheckInfo, Failure, Judgement
from harness.target import Subscriber

PROFILE = load_profile("jp")


@dataclass(frozen=True)
class Sub:
    name: str
    intl_barred: bool = False
    context: str = "ctx"


@dataclass
class FakeTarget:
    subscribers: dict[str, Sub]
    path: Path = Path("/fake/target.yaml")
    internal: object = None


@dataclass
class FakeSession:
    """What explore() uses of a Session: .target, .profile, .observe(pairs) (raw
    observations) and .verdict(observations, checks, tally=) (the real verdict core's
    ``judge`` on every call, read as blocked)."""

    target: FakeTarget
    place_hook: object = None  # called with the pairs before the observations are made
    profile: object = PROFILE
    placed: list[tuple[str, str]] = field(default_factory=list)
    dialplan: object = field(default_factory=lambda: parse_dialplan(
        "/fake/extensions.conf", "[ctx]\nexten => _0X.,1,Hangup()\n"))

    def observe(self, pairs):
        pairs = list(pairs)
        if self.place_hook is not None:
            self.place_hook(pairs)
        self.placed.extend(pairs)
        return [Observation(dial=d, subscriber=s) for d, s in pairs]

    def verdict(self, observations, checks, *, tally=None):
        judgements = []
        for o in observations:
            sub = Subscriber(o.subscriber, "ctx")
            judgements.append(Judgement(expected=oracle.expect(o.dial, sub, PROFILE),
                                        outcome=Outcome(dial=o.dial, subscriber=o.subscriber,
                                                        route=Route.BLOCKED),
                                        subscriber=sub, target=self.target))
        return verdict.judge(judgements, checks, tally=tally)


def check(name: str, fn) -> CheckInfo:
    return CheckInfo(name, fn, False, name)


HOLDS = check("always_holds", lambda j: None)
FAILS = check("always_fails", lambda j: f"{j.outcome.dial} is wrong")
NEVER = check("never_applies", lambda j: NOT_APPLICABLE)

TWO = FakeTarget({"open": Sub("open"), "barred": Sub("barred", intl_barred=True)})


def run(session, checks, **kw):
    kw.setdefault("examples", 200)
    kw.setdefault("seed", 1)
    kw.setdefault("database", None)
    kw.setdefault("shrink_seconds", 2.0)
    return explore(session, checks, **kw)


def test_two_different_unexpected_exceptions_are_an_internal_error() -> None:
    """A KeyError in one batch and a ValueError in another: Hypothesis would group them as
    two "bugs", and that group was once taken for findings (exit 0)."""
    def hook(pairs):
        dials = [d for d, _ in pairs]
        if any(d.startswith("0") for d in dials):
            raise KeyError("no such channel")
        if any(d.startswith("1") for d in dials):
            raise ValueError("unreadable event")

    with pytest.raises(InternalError) as info:
        run(FakeSession(TWO, hook), [HOLDS])
    assert "KeyError" in str(info.value) or "ValueError" in str(info.value)
    assert "\n" not in str(info.value)  # one line for the CLI


def test_unexpected_exception_in_the_special_table_is_an_internal_error() -> None:
    def hook(pairs):
        raise KeyError("boom")

    with pytest.raises(InternalError):
        run(FakeSession(TWO, hook), [HOLDS], extra_dials=("110",))


def test_unexpected_exception_in_a_check_is_an_internal_error_not_a_finding() -> None:
    def broken(j):
        if j.outcome.dial.startswith("0"):
            return {}["x"]
        return None

    with pytest.raises(InternalError):
        run(FakeSession(TWO), [check("broken", broken), FAILS])


def test_tool_error_is_raised_as_itself() -> None:
    def hook(pairs):
        if len(pairs) > 4:
            raise NoOutcome([f"{d} as {s}" for d, s in pairs[:2]], 1.0)

    with pytest.raises(NoOutcome):
        run(FakeSession(TWO, hook), [HOLDS, FAILS])


def test_early_failure_does_not_shorten_the_others_budget() -> None:
    """One property fails on the very first call; the other is still judged on the whole
    budget of generated calls (examples x subscribers), not on what Hypothesis ran before
    it stopped generating."""
    res = run(FakeSession(TWO), [FAILS, HOLDS], examples=300)
    budget = 300 * 2
    assert res.budget == budget
    assert set(res.failures) == {"always_fails"}
    h = res.stats["always_holds"]
    assert h.placed >= budget and h.full_budget
    assert h.examples >= budget  # judged: it applies to every call
    assert res.verdict("always_holds") == "ok"
    assert res.verdict("always_fails") == "FAIL"
    f = res.stats["always_fails"]
    assert f.placed < budget and not f.full_budget  # dropped after its round
    assert res.rounds >= 2
    assert res.generated >= budget


def test_every_property_failing_ends_the_run_early() -> None:
    other = check("also_fails", lambda j: "bad")
    res = run(FakeSession(TWO), [FAILS, other], examples=2000)
    assert set(res.failures) == {"always_fails", "also_fails"}
    assert res.generated < res.budget


def test_seeded_runs_are_deterministic() -> None:
    def first_fails(j):  # fails only on some strings: found in a later round or not
        return "bad" if j.outcome.dial.startswith("186") else None

    checks = [FAILS, check("cid186", first_fails), HOLDS]
    a, b = FakeSession(TWO), FakeSession(TWO)
    run(a, checks, examples=150, seed=7, shrink_seconds=60)
    run(b, checks, examples=150, seed=7, shrink_seconds=60)
    assert a.placed == b.placed


def test_property_that_judges_nothing_is_not_exercised() -> None:
    res = run(FakeSession(TWO), [HOLDS, NEVER], examples=50)
    assert res.verdict("never_applies") == "not exercised"
    assert res.stats["never_applies"].examples == 0
    assert res.stats["never_applies"].full_budget  # it had the budget, and judged nothing
    assert res.verdict("always_holds") == "ok"


def test_property_that_cannot_apply_to_the_target_is_not_applicable() -> None:
    open_only = FakeTarget({"open": Sub("open"), "staff": Sub("staff")})
    barring = check("barring_holds", lambda j: NOT_APPLICABLE)
    intl = check("international_when_allowed", lambda j: None)
    res = run(FakeSession(open_only), [barring, intl, HOLDS], examples=20)
    assert res.verdict("barring_holds") == "not applicable"
    assert "no subscriber is barred" in (res.stats["barring_holds"].not_applicable or "")
    assert res.verdict("international_when_allowed") == "ok"
    all_barred = FakeTarget({"b": Sub("b", True)})
    res = run(FakeSession(all_barred), [check("international_when_allowed",
                                              lambda j: NOT_APPLICABLE), HOLDS], examples=20)
    assert res.verdict("international_when_allowed") == "not applicable"


def test_exit_status_of_check() -> None:
    from harness.commands.check import exit_status
    from harness.explore import NotExercised

    res = run(FakeSession(TWO), [HOLDS], examples=20)
    assert exit_status(res, explicit=()) == 0
    res = run(FakeSession(TWO), [HOLDS, FAILS], examples=20)
    assert exit_status(res, explicit=()) == 1
    res = run(FakeSession(TWO), [HOLDS, NEVER], examples=20)
    with pytest.raises(NotExercised, match="never_applies"):
        exit_status(res, explicit=())
    open_only = FakeTarget({"open": Sub("open")})
    barring = check("barring_holds", lambda j: NOT_APPLICABLE)
    res = run(FakeSession(open_only), [HOLDS, barring], examples=20)
    assert exit_status(res, explicit=()) == 0             # not applicable, not selected
    with pytest.raises(NotExercised, match="barring_holds.*no subscriber is barred"):
        exit_status(res, explicit=("barring_holds",))     # selected with --checks


def test_summary_and_junit_say_what_was_judged(tmp_path: Path) -> None:
    from harness.commands.check import junit_cases
    from harness.report.junit import write_junit
    from harness.report.text import format_summary

    open_only = FakeTarget({"open": Sub("open")})
    barring = check("barring_holds", lambda j: NOT_APPLICABLE)
    res = run(FakeSession(open_only), [FAILS, HOLDS, NEVER, barring], examples=100)
    text = format_summary(res.stats, res.failures, res.verdicts())
    lines = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert lines["always_fails"].endswith("FAIL")
    assert lines["always_holds"].rstrip().endswith("ok")
    assert re.search(r" \d+/100 +full +ok$", lines["always_holds"]), lines["always_holds"]
    assert lines["never_applies"].rstrip().endswith("not exercised")
    assert "not applicable to this target (no subscriber is barred" in lines["barring_holds"]
    write_junit(tmp_path / "j.xml", "s", junit_cases(res))
    xml = (tmp_path / "j.xml").read_text()
    assert xml.count("<failure") == 1 and xml.count("<error") == 1
    assert xml.count("<skipped") == 1


def test_a_group_from_hypothesis_is_split_findings_from_errors() -> None:
    """Belt and braces behind the wrapping in run_batch: whatever group Hypothesis raises,
    only PropertyFailed members are findings."""
    from harness.explore import PropertyFailed, _Abort, _split

    out = Outcome(dial="110", subscriber="open", route=Route.BLOCKED)
    finding = PropertyFailed(Failure("p", "bad", oracle.expect("110", Subscriber("open", "c"),
                                                               PROFILE), out))
    _split(ExceptionGroup("findings", [finding, PropertyFailed(finding.failure)]))  # no raise
    with pytest.raises(InternalError, match="KeyError"):
        _split(ExceptionGroup("mixed", [finding, KeyError("x")]))
    with pytest.raises(InternalError, match="ValueError"):
        _split(ExceptionGroup("errors", [ValueError("a"), ExceptionGroup("g", [TypeError()])]))
    with pytest.raises(NoOutcome):
        _split(BaseExceptionGroup("abort", [finding, _Abort(NoOutcome(["110 as open"], 1.0))]))


def test_first_detection_counts_the_calls_up_to_the_first_failing_batch() -> None:
    session = FakeSession(TWO)
    res = run(session, [FAILS, HOLDS], examples=300, extra_dials=("0312345678", "110"))
    # the special table (2 dial strings x 2 subscribers) is the first batch and fails
    assert res.first_detection == {"always_fails": 4}
    late = FakeSession(TWO)
    res = run(late, [check("late", lambda j: "bad" if len(late.placed) > 40 else None)],
              examples=300)
    assert "late" in res.failures and res.first_detection["late"] > 40
    assert res.first_detection["late"] <= res.calls


def test_a_broken_shrinker_keeps_the_recorded_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis 6.155's shrinker once raised ValueError (IntervalSet.index) after a
    property had failed: the failure was recorded when it happened and stands; only
    shrinking ended early, and the run says so."""
    from hypothesis.internal.conjecture import engine

    def broken(self):
        raise ValueError("48 is not in list")

    monkeypatch.setattr(engine.ConjectureRunner, "shrink_interesting_examples", broken)
    result = run(FakeSession(TWO), [FAILS, HOLDS])
    assert "always_fails" in result.failures
    assert result.verdict("always_holds") == "ok"
    assert result.shrink_errors and "always_fails" in result.shrink_errors[0]
    assert "ValueError" in result.shrink_errors[0]


def test_an_error_of_hypothesis_before_any_failure_is_an_internal_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hypothesis.internal.conjecture import engine

    def broken(self):
        raise ValueError("48 is not in list")

    monkeypatch.setattr(engine.ConjectureRunner, "generate_new_examples", broken)
    with pytest.raises(InternalError, match="ValueError"):
        run(FakeSession(TWO), [HOLDS])
