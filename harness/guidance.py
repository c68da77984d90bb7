"""Coverage guidance: which dialplan lines the run has reached, per subscriber context,
and how new each batch's reach is (the score Hypothesis's target phase climbs).

Pure: it reads the dialplan model and the raw observations a driver returned. A step
(context, dialed string, priority, application) is folded onto its line of the dialplan
with :meth:`harness.dialplan.Dialplan.resolve` (Asterisk's search order), as coverage
does; the pattern of that line is the extension the string matched.

Why a novelty score and not plain coverage: every batch reaches the common lines (the
subscriber context's first priority, the domestic Dial), so counting lines would reward
big batches, not new ones. A line scores ``1 / (1 + times reached before)``: a batch that
reaches a line nothing reached before scores a whole point for it, one more call down
the domestic path next to nothing. Hypothesis keeps the best-scoring batches and mutates
them (its ``target`` phase), which steers the search towards the rules still unreached.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .dialplan import Dialplan, Priority, reachable
from .model import Observation

__all__ = ["ContextReach", "CoverageGuide"]


@dataclass(frozen=True)
class ContextReach:
    """What the run reached of one subscriber context."""

    context: str
    #: subscribers whose calls enter this context
    subscribers: tuple[str, ...]
    #: priorities (dialplan lines) a dial string entering the context can reach
    reachable: int
    #: of those, the ones some call of these subscribers ran
    reached: int
    #: (context, pattern) of every reachable extension no generated call ever matched
    unmatched: tuple[tuple[str, str], ...]


@dataclass
class CoverageGuide:
    """Lines reached so far, per subscriber context, for guidance and the summary."""

    dialplan: Dialplan
    #: subscriber -> the context its calls enter
    contexts: Mapping[str, str]
    #: line key -> calls that ran it so far
    seen: Counter[tuple[str, int]] = field(default_factory=Counter)
    #: subscriber context -> line keys its calls ran
    reached: dict[str, set[tuple[str, int]]] = field(default_factory=dict)
    #: subscriber context -> (context, pattern) its calls matched
    matched: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    _cache: dict[tuple[str, str, int, str], Priority | None] = field(default_factory=dict)

    def _line(self, context: str, exten: str, priority: int, app: str) -> Priority | None:
        key = (context, exten, priority, app)
        if key not in self._cache:
            self._cache[key] = self.dialplan.resolve(context, exten, priority, app)
        return self._cache[key]

    def record(self, observations: Iterable[Observation]) -> float:
        """Fold a batch in; its novelty score (see the module doc)."""
        lines: dict[tuple[str, int], None] = {}
        for o in observations:
            ctx = self.contexts.get(o.subscriber)
            reached = self.reached.setdefault(ctx, set()) if ctx else set()
            matched = self.matched.setdefault(ctx, set()) if ctx else set()
            for s in o.steps:
                p = self._line(s.context, s.exten, s.priority, s.app)
                if p is None:
                    continue
                key = (str(p.file or ""), p.line)
                lines[key] = None
                reached.add(key)
                matched.add((p.context, p.exten))
        score = sum(1.0 / (1 + self.seen[k]) for k in lines)
        self.seen.update(list(lines))
        return score

    def summary(self) -> list[ContextReach]:
        """Per subscriber context: priorities reached / reachable, patterns never matched."""
        out = []
        by_context: dict[str, list[str]] = {}
        for sub, ctx in self.contexts.items():
            by_context.setdefault(ctx, []).append(sub)
        for ctx, subs in by_context.items():
            if ctx not in self.dialplan.contexts:
                continue
            reach = reachable(self.dialplan, ctx)
            keys = {(str(p.file or ""), p.line) for p in reach.priorities}
            reached = self.reached.get(ctx, set()) & keys
            matched = self.matched.get(ctx, set())
            unmatched = tuple(k for k in reach.patterns if k not in matched)
            out.append(ContextReach(ctx, tuple(subs), len(keys), len(reached), unmatched))
        return out

