"""Per-property tallies of a scenario run, as plain data for ``format_summary``."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: the row that counts a scenario's literal expectations (route, trunk, destination, ...)
EXPECT_ROW = "expect (route, trunk, ...)"


@dataclass
class PropertyStats:
    """What ``format_summary`` shows per row: calls judged, failed, seconds spent."""

    examples: int = 0
    failed: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class RunRow:
    """One judged scenario call, reduced to what the summary counts."""

    properties: Sequence[str]      # the named properties the call was judged with
    failed_properties: Sequence[str]
    has_expectation: bool          # did the scenario write literal fields down?
    expectation_failed: bool
    seconds: float = 0.0


def run_stats(rows: Iterable[RunRow]) -> dict[str, PropertyStats]:
    """Calls judged / failed / time per property, plus one row for the literal expectations."""
    stats: dict[str, PropertyStats] = {}
    for r in rows:
        judged = list(r.properties)
        if r.has_expectation:
            judged.insert(0, EXPECT_ROW)
        share = r.seconds / max(1, len(judged))
        for name in judged:
            s = stats.setdefault(name, PropertyStats())
            s.examples += 1
            s.seconds += share
            if (name == EXPECT_ROW and r.expectation_failed) or name in r.failed_properties:
                s.failed += 1
    ordered = {EXPECT_ROW: stats.pop(EXPECT_ROW)} if EXPECT_ROW in stats else {}
    ordered.update(sorted(stats.items()))
    return ordered
