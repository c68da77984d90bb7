"""Dialplan coverage: which priorities of the user's extensions.conf ran, which never did.

The PBX reports every executed priority as a Newexten event: (context, extension,
priority, application), where *extension* is the number dialed, not the pattern that
matched it, and *context* is the channel's context, not the included context the
extension was found in. Each executed step is resolved to its line of the dialplan model
(:meth:`harness.dialplan.Dialplan.resolve`, Asterisk's search order); the application the
event names must agree with the line's, which settles the rare ambiguous case.

Pure: step counts in, counts per line and per context out. Rendering it as text is
:func:`harness.report.text.format_coverage`, as HTML :mod:`harness.report.html`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .dialplan import Dialplan, Priority, parse_dialplan

if TYPE_CHECKING:
    from .model import Step

__all__ = ["ContextCoverage", "Coverage", "StepKey", "coverage_of", "step_key"]

#: what coverage needs of one executed step: (context, extension, priority, application)
StepKey = tuple[str, str, int, str]


def step_key(step: Step) -> StepKey:
    """(context, exten, priority, app) of a :class:`harness.model.Step`."""
    return (step.context, step.exten, step.priority, step.app)


@dataclass(frozen=True)
class ContextCoverage:
    context: str
    line: int
    statements: int
    executed: int

    @property
    def percent(self) -> float:
        return 100.0 * self.executed / self.statements if self.statements else 100.0


@dataclass
class Coverage:
    """Executed steps folded onto the lines of one dialplan file."""

    dialplan: Dialplan
    #: line -> how many executed steps ran it
    hits: Counter[int] = field(default_factory=Counter)
    #: steps no line explains (a context not in this file, an application mismatch)
    unresolved: Counter[StepKey] = field(default_factory=Counter)

    def add(self, steps: Iterable[Step | StepKey]) -> None:
        """Fold in executed steps (:class:`harness.model.Step` or StepKey tuples)."""
        self.add_counts(Counter(s if isinstance(s, tuple) else step_key(s) for s in steps))

    def add_counts(self, counts: Mapping[StepKey, int]) -> None:
        for (context, exten, priority, app), n in counts.items():
            p = self.dialplan.resolve(context, exten, priority, app)
            if p is None:
                self.unresolved[(context, exten, priority, app)] += n
            else:
                self.hits[p.line] += n

    def executed(self, p: Priority) -> bool:
        return self.hits.get(p.line, 0) > 0

    def per_context(self) -> list[ContextCoverage]:
        out = []
        for ctx in self.dialplan.contexts.values():
            prios = [p for exts in ctx.extensions.values() for p in exts.values()]
            if not prios:
                continue
            out.append(ContextCoverage(ctx.name, ctx.line, len(prios),
                                       sum(1 for p in prios if self.executed(p))))
        return out

    @property
    def statements(self) -> int:
        return len(self.dialplan.priorities)

    @property
    def executed_count(self) -> int:
        return sum(1 for p in self.dialplan.priorities if self.executed(p))

    @property
    def percent(self) -> float:
        return 100.0 * self.executed_count / self.statements if self.statements else 100.0

    def never_run(self) -> list[Priority]:
        return [p for p in self.dialplan.priorities if not self.executed(p)]


def coverage_of(dialplan: str | Path | Dialplan, steps: Mapping[StepKey, int]) -> Coverage:
    dp = dialplan if isinstance(dialplan, Dialplan) else parse_dialplan(dialplan)
    cov = Coverage(dp)
    cov.add_counts(steps)
    return cov
