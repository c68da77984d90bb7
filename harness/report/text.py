"""Plain-text rendering shared by the CLI, the pytest face and scenario runs."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..coverage import Coverage
from ..dialplan import Dialplan
from ..guidance import ContextReach
from ..model import Expected, Outcome
from ..properties import Failure


def format_outcome(o: Outcome, *, steps: bool = True) -> str:
    lines = [f"dial string   {o.dial}", f"subscriber    {o.subscriber}",
             f"route         {o.route}"]
    if o.legs:
        lines += [f"trunk         {o.trunk}", f"outbound      {o.outbound}",
                  f"destination   {o.destination or '(unreadable by the trunk number format)'}",
                  f"presentation  {o.presentation or '(not observed)'}"]
        for i, leg in enumerate(o.legs[1:], 2):
            lines.append(f"leg {i}         {leg.trunk} ({leg.route}) {leg.outbound} -> "
                         f"{leg.destination or 'unreadable'}, {leg.presentation or '?'}")
    if o.sip_status is not None:
        lines.append(f"SIP response  {o.sip_status}")
    lines.append(f"cause         {o.cause if o.cause is not None else '-'}")
    if steps:
        lines.append("steps")
        if not o.steps:
            lines.append("  (none: no extension matched in the subscriber's context)")
        for s in o.steps:
            lines.append(f"  {s.context},{s.exten},{s.priority}  {s.app}({s.appdata})")
    return "\n".join(lines)


def format_expected(e: Expected) -> str:
    parts = [f"{e.route}"]
    if e.destination:
        parts.append(f"to {e.destination}")
    if e.presentation:
        parts.append(f"presentation {e.presentation}")
    parts.append(f"[{e.branch}]")
    return " ".join(parts)


def format_observed(o: Outcome) -> str:
    if not o.legs:
        return f"blocked (cause {o.cause if o.cause is not None else '-'})"
    parts = [f"{o.route} via {o.trunk}", f"outbound {o.outbound}",
             f"to {o.destination or 'unreadable'}"]
    if o.presentation:
        parts.append(f"presentation {o.presentation}")
    if len(o.legs) > 1:
        parts.append(f"(+{len(o.legs) - 1} more legs)")
    return ", ".join(parts)


def format_failure(f: Failure, *, steps: bool = True) -> str:
    lines = [f"FAILED {f.check}",
             f"  dial string: {f.dial}   subscriber: {f.subscriber}",
             f"  why:         {f.reason}",
             f"  Expected:    {format_expected(f.expected)}",
             f"  Observed:    {format_observed(f.outcome)}"]
    if steps and f.outcome.steps:
        lines.append("  steps:")
        for s in f.outcome.steps[:40]:
            lines.append(f"    {s.context},{s.exten},{s.priority}  {s.app}({s.appdata})")
    if f.replay:
        lines.append(f"  replay:      {f.replay}")
    return "\n".join(lines)


def format_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = []
    for n, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_summary(stats: Mapping[str, object], failures: Mapping[str, object],
                   verdicts: Mapping[str, str] | None = None) -> str:
    """One row per property: calls judged (the calls it had something to say about),
    passed, failed, judge time, then, for a check/fuzz run (stats with a ``budget``), the
    generated calls placed while it was judged, of the budget, and the verdict last:
    ``FAIL``, ``ok``, ``not exercised`` (judged no call: no verdict) or ``not applicable
    to this target (why)``. ``verdicts`` (name -> verdict of ``harness.explore``) is
    given by check/fuzz; without it a row is FAIL, ok, or not exercised when it judged
    no call."""
    budgeted = any(hasattr(s, "budget") for s in stats.values())
    rows = []
    for name, s in stats.items():
        judged = s.examples  # type: ignore[attr-defined]
        verdict = (verdicts or {}).get(name) or (
            "FAIL" if name in failures else "ok" if judged else "not exercised")
        if verdict == "not applicable":
            verdict = f"not applicable to this target ({getattr(s, 'not_applicable', '')})"
        row: list[object] = [name, judged, judged - s.failed, s.failed,  # type: ignore[attr-defined]
                             f"{s.seconds:.2f}s"]  # type: ignore[attr-defined]
        if budgeted:
            placed, budget = getattr(s, "placed", 0), getattr(s, "budget", 0)
            if placed >= budget:
                reached = "full"
            elif name in failures:
                reached = "stopped: failed"
            else:
                reached = "NOT reached"
            row += [f"{placed}/{budget}", reached]
        rows.append(row + [verdict])
    headers = ["property", "calls judged", "passed", "failed", "judge time"]
    if budgeted:
        headers += ["placed/budget", "budget"]
    return format_table(rows, headers + [""])


def format_steps_with_source(o: Outcome, dialplan: Dialplan | None) -> str:
    """The executed steps, each followed by the dialplan line it ran (file:line and text).

    ``dialplan`` is the parsed dialplan (or None: steps only).
    """
    lines = ["steps (each with the dialplan line it ran)"]
    if not o.steps:
        lines.append("  (none: no extension matched in the subscriber's context)")
    for i, s in enumerate(o.steps, 1):
        lines.append(f"  {i:>2}  {s.context},{s.exten},{s.priority}  {s.app}({s.appdata})")
        if dialplan is None:
            continue
        p = dialplan.resolve(s.context, s.exten, s.priority, s.app)
        if p is not None:
            lines.append(f"      {dialplan.name}:{p.line}  [{p.context}] {p.text}")
        else:
            lines.append(f"      (no line of {dialplan.name} explains this step)")
    return "\n".join(lines)


# -- dialplan coverage ---------------------------------------------------------------------

def annotate_coverage(cov: Coverage) -> str:
    """The file annotated like coverage.py's annotate: '>' ran, '!' never ran, ' ' not code."""
    code = {p.line for p in cov.dialplan.priorities}
    out = []
    for number, line in enumerate(cov.dialplan.lines, 1):
        mark = " " if number not in code else (">" if cov.hits.get(number) else "!")
        out.append(f"{mark} {line}".rstrip())
    return "\n".join(out)


def format_coverage_table(cov: Coverage) -> str:
    """One row per context with priorities (where defined, how many ran), then TOTAL."""
    name = cov.dialplan.name
    rows: list[list[object]] = [
        [c.context, f"{name}:{c.line}", c.statements, c.executed,
         c.statements - c.executed, f"{c.percent:.0f}%"] for c in cov.per_context()]
    rows.append(["TOTAL", "", cov.statements, cov.executed_count,
                 cov.statements - cov.executed_count, f"{cov.percent:.0f}%"])
    return format_table(rows, ["context", "defined at", "priorities", "ran", "never ran",
                               "cover"])


def format_never_run(cov: Coverage) -> str:
    missing = cov.never_run()
    if not missing:
        return "every priority ran"
    lines = [f"never ran ({len(missing)} priorit{'y' if len(missing) == 1 else 'ies'}):"]
    lines += [f"  {cov.dialplan.name}:{p.line}  [{p.context}]  {p.text}" for p in missing]
    return "\n".join(lines)


def format_coverage(cov: Coverage) -> str:
    """The coverage report of ``--coverage``: the table, the lines that never ran, and
    how many executed steps no line explains."""
    name = cov.dialplan.name
    parts = [f"dialplan coverage of {name}", format_coverage_table(cov), "",
             format_never_run(cov)]
    if cov.unresolved:
        n = sum(cov.unresolved.values())
        parts.append(f"({n} executed step{'s' if n != 1 else ''} matched no line of "
                     f"{name}, e.g. "
                     + ", ".join(f"{c},{e},{p} {a}" for (c, e, p, a)
                                 in list(cov.unresolved)[:3]) + ")")
    return "\n".join(parts)


def format_reach(rows: Sequence[ContextReach], *, limit: int = 12) -> str:
    """Per subscriber context: dialplan priorities reached / reachable, then the
    reachable patterns no call matched (the rules the run never tried)."""
    out = []
    for r in rows:
        out.append(f"dialplan reached from [{r.context}] ({', '.join(r.subscribers)}): "
                   f"{r.reached}/{r.reachable} priorities")
        if r.unmatched:
            shown = ", ".join(f"{c},{p}" for c, p in r.unmatched[:limit])
            more = f" and {len(r.unmatched) - limit} more" if len(r.unmatched) > limit else ""
            out.append(f"  patterns no call matched: {shown}{more}")
    return "\n".join(out)
