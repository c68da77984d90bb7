"""The only module of dialharness that touches Hypothesis private API.

Hypothesis has no public setting or hook for three things ``harness/explore.py`` needs:

- a cap on the seconds spent shrinking (the engine reads the module constant
  ``hypothesis.internal.conjecture.engine.MAX_SHRINKING_SECONDS`` when shrinking starts);
- knowing when shrinking starts (from then on the test's runs are shrink steps and the
  final replays, not generated examples): ``ConjectureRunner.shrink_interesting_examples``;
- a database key of our own (the dialplan and the checks, not the source of a closure):
  ``inner_test._hypothesis_internal_add_digest``, which ``function_digest`` hashes in;
- generation without the duplicating mutator: after each new example the engine runs up
  to five more that copy one part of it over another part drawn by the same strategy
  (``ConjectureRunner.generate_mutations_from``). For a batch of dial strings that means
  the same string placed several times: measured on a 2-subscriber needle target, 610
  distinct strings in 3,000 drawn, against 2,694 drawn one per example. A dial string is
  one call, judged alone, so a copy finds nothing a first call did not.

Each function here fails loudly with :class:`harness.errors.InternalError` naming the
installed Hypothesis version and the missing internal; none silently degrades. The
``pyproject.toml`` bound on hypothesis keeps releases out until
``tests/unit/test_hypothesis_internals.py`` has passed on them: that test asserts every
internal exists and behaves as used here.

The patches are process-global (Hypothesis has no per-run state for them): they are set
for the ``with`` block only and restored, and are not meant for runs in several threads.
"""
from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import hypothesis

from harness.errors import InternalError

__all__ = ["check_supported", "no_duplicating_mutations", "on_shrink_start",
           "set_database_key", "shrink_time_limit"]

_ENGINE = "hypothesis.internal.conjecture.engine"
_REFLECTION = "hypothesis.internal.reflection"


def _unsupported(what: str, detail: str = "is missing") -> InternalError:
    return InternalError(
        f"Hypothesis {hypothesis.__version__}: {what} {detail}; dialharness needs it "
        f"(see harness/hypothesis_internals.py; run tests/unit/test_hypothesis_internals.py "
        f"and pin hypothesis in pyproject.toml)")


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise _unsupported(f"module {name}", f"cannot be imported ({exc})") from None


def _engine() -> ModuleType:
    engine = _module(_ENGINE)
    value = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise _unsupported(f"{_ENGINE}.MAX_SHRINKING_SECONDS",
                           "is missing" if value is None else f"is not a number ({value!r})")
    runner = getattr(engine, "ConjectureRunner", None)
    if not isinstance(runner, type):
        raise _unsupported(f"{_ENGINE}.ConjectureRunner")
    for name in ("shrink_interesting_examples", "generate_mutations_from"):
        if not callable(runner.__dict__.get(name)):
            raise _unsupported(f"{_ENGINE}.ConjectureRunner.{name}",
                               "is not defined on ConjectureRunner itself")
    return engine


@functools.cache
def _check_digest() -> None:
    """``function_digest`` still hashes ``_hypothesis_internal_add_digest`` in (checked
    once per process: a passing check is cached, a failing one raises every time)."""
    digest = getattr(_module(_REFLECTION), "function_digest", None)
    if not callable(digest):
        raise _unsupported(f"{_REFLECTION}.function_digest")

    def probe() -> None:  # pragma: no cover - never called, only hashed
        pass

    plain = digest(probe)
    probe._hypothesis_internal_add_digest = b"dialharness"  # type: ignore[attr-defined]
    if digest(probe) == plain:
        raise _unsupported(f"{_REFLECTION}.function_digest",
                           "ignores _hypothesis_internal_add_digest")


def check_supported() -> None:
    """Raises :class:`InternalError` (one line: version and internal) when any internal
    this module uses is gone or no longer read; returns ``None`` otherwise."""
    _engine()
    _check_digest()


@contextmanager
def shrink_time_limit(seconds: float) -> Iterator[None]:
    """Within the block, Hypothesis stops shrinking a failure ``seconds`` after shrinking
    started (it then reports the smallest example found so far). Restored on exit."""
    if seconds < 0:
        raise ValueError(f"shrink_time_limit: seconds must be >= 0, not {seconds!r}")
    engine = _engine()
    saved = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = saved


@contextmanager
def on_shrink_start(callback: Callable[[], None]) -> Iterator[None]:
    """Within the block, ``callback()`` is called each time a Hypothesis run reaches its
    shrink step: after the generated examples, before the shrink steps and the final
    replays. It is called even when that step then finds nothing to shrink; it is not
    called when the run ends before (e.g. a failure replayed from the database was
    already shrunk). Restored on exit."""
    runner: Any = _engine().ConjectureRunner
    original = runner.__dict__.get("shrink_interesting_examples")
    if original is None:  # inherited: patching would shadow it, restoring must delete
        raise _unsupported(f"{_ENGINE}.ConjectureRunner.shrink_interesting_examples",
                           "is not defined on ConjectureRunner itself")

    def marked(self: Any, *args: Any, **kwargs: Any) -> Any:
        callback()
        return original(self, *args, **kwargs)

    runner.shrink_interesting_examples = marked
    try:
        yield
    finally:
        runner.shrink_interesting_examples = original


@contextmanager
def no_duplicating_mutations() -> Iterator[None]:
    """Within the block, Hypothesis generates each example afresh: its mutator that
    copies one span of an example over another (see the module doc) is off. Shrinking,
    the target phase and the database are untouched. Restored on exit."""
    runner: Any = _engine().ConjectureRunner
    original = runner.__dict__["generate_mutations_from"]

    def none(self: Any, data: Any) -> None:
        return None

    runner.generate_mutations_from = none
    try:
        yield
    finally:
        runner.generate_mutations_from = original


def set_database_key(test: Callable[..., Any], key: bytes) -> None:
    """Makes the example-database key of ``test`` (a function decorated by ``@given``,
    settings and seed decorators allowed) depend on ``key``: runs with the same key share
    their saved examples, runs with another key do not."""
    if not isinstance(key, bytes):
        raise TypeError(f"set_database_key: key must be bytes, not {type(key).__name__}")
    handle = getattr(test, "hypothesis", None)
    inner = getattr(handle, "inner_test", None)
    if inner is None:
        if handle is None:  # our bug, not Hypothesis's
            raise InternalError(f"set_database_key: {test!r} is not decorated with @given")
        raise _unsupported("the .hypothesis.inner_test of a @given test")
    _check_digest()
    inner._hypothesis_internal_add_digest = key
