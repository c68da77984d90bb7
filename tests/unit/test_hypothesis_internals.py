"""Every Hypothesis internal harness/hypothesis_internals.py uses exists and behaves as
used. A Hypothesis release that moves one fails here, loudly, before a run silently
shrinks for five minutes, miscounts generated examples or mixes database entries.
(pyproject.toml bounds hypothesis below the next minor release; raise the bound only
after this file passes on it.)"""
from __future__ import annotations

import time

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.database import InMemoryExampleDatabase

from harness import hypothesis_internals as hi
from harness.errors import InternalError


def _engine():
    from hypothesis.internal.conjecture import engine
    return engine


QUIET = dict(deadline=None, verbosity=Verbosity.quiet, print_blob=False,
             suppress_health_check=list(HealthCheck), report_multiple_bugs=False)


def test_supported_on_installed_hypothesis() -> None:
    hi.check_supported()


def test_the_internals_exist_as_used() -> None:
    engine = _engine()
    assert isinstance(engine.MAX_SHRINKING_SECONDS, (int, float))
    assert callable(engine.ConjectureRunner.__dict__["shrink_interesting_examples"])
    from hypothesis.internal.reflection import function_digest
    assert callable(function_digest)

    @given(st.integers())
    def t(x: int) -> None:
        pass
    assert callable(t.hypothesis.inner_test)


# --- shrink_time_limit ---------------------------------------------------------------------

def _shrink_calls(limit: float | None) -> tuple[int, list[int]]:
    """Runs a test that fails on a list of 30+ integers summing past 1000 (the first
    example, thirty zeros, passes); returns how many runs came after shrinking started,
    and the reported (final) example."""
    calls = {"n": 0, "at_shrink": None}
    last: list[list[int]] = []

    @settings(max_examples=5, database=None, phases=[Phase.generate, Phase.shrink], **QUIET)
    @given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=30, max_size=60))
    def fails(xs: list[int]) -> None:
        calls["n"] += 1
        last.append(xs)
        assert sum(xs) <= 1000

    def mark() -> None:
        calls["at_shrink"] = calls["n"]

    with hi.on_shrink_start(mark):
        if limit is None:
            with pytest.raises(AssertionError):
                fails()
        else:
            with hi.shrink_time_limit(limit), pytest.raises(AssertionError):
                fails()
    assert calls["at_shrink"] is not None
    return calls["n"] - calls["at_shrink"], last[-1]


def test_shrink_time_limit_cuts_shrinking_off() -> None:
    engine = _engine()
    before = engine.MAX_SHRINKING_SECONDS
    free_runs, free_final = _shrink_calls(None)
    cut_runs, cut_final = _shrink_calls(0)
    assert engine.MAX_SHRINKING_SECONDS == before  # restored
    # unlimited: shrinks to a smallest failing example, 29 zeros and 1001
    assert sorted(free_final) == [0] * 29 + [1001], free_final
    assert free_runs > 20
    # cut off at once: a replay, the first shrink step, the final replay(s)
    assert cut_runs <= 5 < free_runs
    assert sorted(cut_final) != [0] * 29 + [1001]


def test_shrink_time_limit_sets_the_constant_and_restores_it_on_error() -> None:
    engine = _engine()
    before = engine.MAX_SHRINKING_SECONDS
    with pytest.raises(RuntimeError):
        with hi.shrink_time_limit(1.5):
            assert engine.MAX_SHRINKING_SECONDS == 1.5
            raise RuntimeError
    assert engine.MAX_SHRINKING_SECONDS == before


def test_shrink_time_limit_rejects_negative() -> None:
    with pytest.raises(ValueError):
        with hi.shrink_time_limit(-1):
            pass


def test_shrink_time_limit_is_seconds() -> None:
    """The limit is seconds of shrinking: with 20 ms a run, 0.2 s allows about ten."""
    runs = {"n": 0, "at_shrink": 0}

    @settings(max_examples=5, database=None, phases=[Phase.generate, Phase.shrink], **QUIET)
    @given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=30, max_size=60))
    def slow(xs: list[int]) -> None:
        runs["n"] += 1
        time.sleep(0.02)
        assert sum(xs) <= 1000

    def mark() -> None:
        runs["at_shrink"] = runs["n"]

    with hi.on_shrink_start(mark), hi.shrink_time_limit(0.2), pytest.raises(AssertionError):
        slow()
    assert 1 <= runs["n"] - runs["at_shrink"] <= 20  # unlimited, this shrink takes ~100


# --- on_shrink_start -----------------------------------------------------------------------

def test_on_shrink_start_is_called_once_when_shrinking_starts() -> None:
    seen: list[int] = []
    marks: list[int] = []

    @settings(max_examples=200, database=None, phases=[Phase.generate, Phase.shrink], **QUIET)
    @given(st.integers(min_value=0, max_value=10**6))
    def fails_big(x: int) -> None:
        seen.append(x)
        assert x < 1000

    runner = _engine().ConjectureRunner
    original = runner.__dict__["shrink_interesting_examples"]
    with hi.on_shrink_start(lambda: marks.append(len(seen))):
        with pytest.raises(AssertionError):
            fails_big()
    assert runner.__dict__["shrink_interesting_examples"] is original  # restored
    assert len(marks) == 1
    at = marks[0]
    # generation stopped at its first failure, then the shrinker took over
    assert at >= 1 and seen[at - 1] >= 1000 and all(x < 1000 for x in seen[:at - 1])
    assert len(seen) > at + 1
    assert seen[-1] == 1000  # shrunk to the boundary


def test_on_shrink_start_not_called_without_shrink_phase() -> None:
    marks: list[None] = []

    @settings(max_examples=5, database=None, phases=[Phase.generate], **QUIET)
    @given(st.integers())
    def passes(x: int) -> None:
        pass

    with hi.on_shrink_start(lambda: marks.append(None)):
        passes()
    # the engine still enters its shrink step (there is nothing to shrink): documented
    assert len(marks) <= 1


def test_on_shrink_start_restores_on_error() -> None:
    runner = _engine().ConjectureRunner
    original = runner.__dict__["shrink_interesting_examples"]
    with pytest.raises(RuntimeError):
        with hi.on_shrink_start(lambda: None):
            assert runner.__dict__["shrink_interesting_examples"] is not original
            raise RuntimeError
    assert runner.__dict__["shrink_interesting_examples"] is original


# --- set_database_key ----------------------------------------------------------------------

class RecordingDatabase(InMemoryExampleDatabase):
    def __init__(self) -> None:
        super().__init__()
        self.keys: set[bytes] = set()

    def save(self, key: bytes, value: bytes) -> None:
        self.keys.add(key)
        super().save(key, value)

    def fetch(self, key: bytes):  # type: ignore[no-untyped-def]
        self.keys.add(key)
        return super().fetch(key)


def _primary_keys(key: bytes | None, db: RecordingDatabase) -> set[bytes]:
    db.keys.clear()

    @settings(max_examples=20, database=db, **QUIET)
    @given(st.integers(min_value=0, max_value=100))
    def fails(x: int) -> None:
        assert x < 50

    if key is not None:
        hi.set_database_key(fails, key)
    with pytest.raises(AssertionError):
        fails()
    # Hypothesis derives secondary / pareto keys from the primary one by a suffix
    return {k for k in db.keys if b"." not in k}


def test_set_database_key_changes_the_database_key() -> None:
    db = RecordingDatabase()
    plain = _primary_keys(None, db)
    a = _primary_keys(b"target-a|checks", db)
    a_again = _primary_keys(b"target-a|checks", db)
    b = _primary_keys(b"target-b|checks", db)
    assert len(plain) == len(a) == len(b) == 1
    assert a == a_again  # the same key: the same saved examples
    assert a != b and a != plain and b != plain
    # and the failure saved under key a is replayed from the database under key a
    (key_a,) = a
    assert db.fetch(key_a)


def test_set_database_key_needs_bytes_and_a_given_test() -> None:
    @given(st.integers())
    def t(x: int) -> None:
        pass

    with pytest.raises(TypeError):
        hi.set_database_key(t, "text")  # type: ignore[arg-type]
    with pytest.raises(InternalError):
        hi.set_database_key(lambda: None, b"k")


# --- failing loudly ------------------------------------------------------------------------

def test_missing_constant_is_a_loud_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_engine(), "MAX_SHRINKING_SECONDS")
    for use in (hi.check_supported, lambda: hi.shrink_time_limit(1).__enter__(),
                lambda: hi.on_shrink_start(lambda: None).__enter__()):
        with pytest.raises(InternalError) as err:
            use()
        message = str(err.value)
        assert hypothesis.__version__ in message
        assert "MAX_SHRINKING_SECONDS" in message
        assert "\n" not in message


def test_missing_shrink_method_is_a_loud_internal_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_engine().ConjectureRunner, "shrink_interesting_examples")
    with pytest.raises(InternalError, match=r"shrink_interesting_examples"):
        with hi.on_shrink_start(lambda: None):
            pass  # pragma: no cover
    with pytest.raises(InternalError, match=hypothesis.__version__.replace(".", r"\.")):
        hi.check_supported()


def test_digest_no_longer_read_is_a_loud_internal_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hypothesis.internal import reflection
    monkeypatch.setattr(reflection, "function_digest", lambda f: b"same")
    hi._check_digest.cache_clear()
    try:
        @given(st.integers())
        def t(x: int) -> None:
            pass

        with pytest.raises(InternalError, match=r"_hypothesis_internal_add_digest"):
            hi.set_database_key(t, b"k")
        with pytest.raises(InternalError, match=r"function_digest"):
            hi.check_supported()
    finally:
        hi._check_digest.cache_clear()


def _distinct_in_batches(off: bool) -> tuple[int, int]:
    seen: list[int] = []

    @settings(max_examples=60, phases=[Phase.generate], database=None, **QUIET)
    @given(st.lists(st.integers(0, 10**9), min_size=10, max_size=10))
    def batch(xs: list[int]) -> None:
        seen.extend(xs)

    if off:
        with hi.no_duplicating_mutations():
            hypothesis.seed(3)(batch)()
    else:
        hypothesis.seed(3)(batch)()
    return len(set(seen)), len(seen)


def test_no_duplicating_mutations_makes_batches_distinct_and_restores() -> None:
    engine = _engine()
    original = engine.ConjectureRunner.__dict__["generate_mutations_from"]
    with_mutator, n1 = _distinct_in_batches(off=False)
    without, n2 = _distinct_in_batches(off=True)
    # the mutator copies elements over each other: about a quarter distinct with it
    # (137 of 600 measured with Hypothesis 6.155), most without (521; the rest are the
    # simplest examples Hypothesis starts with)
    assert without > 0.8 * n2, (without, n2)
    assert with_mutator < 0.5 * n1, (with_mutator, n1)
    assert engine.ConjectureRunner.__dict__["generate_mutations_from"] is original
