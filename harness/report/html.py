"""The HTML report: one self-contained file (inline CSS and JS, no network).

Sections: the verdict, the properties table, the route map (``routemap``), the failures
with their dialplan steps next to the source lines and the replay command, and the
dialplan coverage (``harness.coverage``).

:func:`render` takes plain data (:class:`ReportData`) and returns the HTML text; the two
writers gather that data: :func:`write_report` for check/fuzz (the command places the
route map's representative calls before), :func:`write_run_report` for scenario runs.
No writer places a call.
"""
from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..coverage import Coverage, coverage_of
from ..dialplan import Dialplan
from ..model import Outcome
from ..properties import Failure
from .routemap import Cell, RouteMap
from .text import format_expected, format_observed

if TYPE_CHECKING:
    from ..explore import ExploreResult
    from ..profile import Profile
    from ..target import Target

__all__ = ["FailureView", "ReportData", "StepView", "render", "write_report",
           "write_run_report"]

_ROUTE_SHORT = {"domestic": "DOM", "international": "INTL", "emergency": "EMERG",
                "blocked": "BLOCK", "unmapped": "UNMAPPED"}


# -- plain data -----------------------------------------------------------------------------

@dataclass(frozen=True)
class StepView:
    where: str          # "from-internal,18608012345678,1"
    app: str            # "NoOp(...)"
    source: str = ""    # "jp-office.conf:52"
    source_text: str = ""


@dataclass(frozen=True)
class FailureView:
    title: str          # property name, or scenario call name
    dial: str
    subscriber: str
    reasons: tuple[str, ...]
    expected: str
    observed: str
    steps: tuple[StepView, ...]
    replay: str
    #: other failing calls of the same property (dial, subscriber)
    more: tuple[tuple[str, str], ...] = ()
    more_total: int = 0


@dataclass(frozen=True)
class ReportData:
    title: str
    subtitle: str
    verdict: str
    passed: bool
    #: (name, calls judged, passed, failed, seconds)
    properties: tuple[tuple[str, int, int, int, float], ...]
    facts: tuple[tuple[str, str], ...] = ()
    routemap: RouteMap | None = None
    failures: tuple[FailureView, ...] = ()
    coverages: tuple[Coverage, ...] = ()
    generated: str = field(default_factory=lambda: _dt.datetime.now().strftime("%Y-%m-%d %H:%M"))


def steps_view(outcome: Outcome, dialplan: Dialplan | None) -> tuple[StepView, ...]:
    out = []
    for s in outcome.steps:
        src = txt = ""
        if dialplan is not None:
            p = dialplan.resolve(s.context, s.exten, s.priority, s.app)
            if p is not None:
                src, txt = f"{dialplan.name}:{p.line}", p.text
        out.append(StepView(f"{s.context},{s.exten},{s.priority}", f"{s.app}({s.appdata})",
                            src, txt))
    return tuple(out)


def failure_views(best: Mapping[str, Failure], everything: Sequence[Failure],
                  dialplan: Dialplan | None) -> tuple[FailureView, ...]:
    others: dict[str, list[tuple[str, str]]] = {}
    for f in everything:
        lst = others.setdefault(f.check, [])
        if (f.dial, f.subscriber) not in lst:
            lst.append((f.dial, f.subscriber))
    views = []
    for name in sorted(best):
        f = best[name]
        more = [p for p in others.get(name, []) if p != (f.dial, f.subscriber)]
        more.sort(key=lambda p: (len(p[0]), p))
        views.append(FailureView(
            title=name, dial=f.dial, subscriber=f.subscriber, reasons=(f.reason,),
            expected=format_expected(f.expected), observed=format_observed(f.outcome),
            steps=steps_view(f.outcome, dialplan), replay=f.replay,
            more=tuple(more[:30]), more_total=len(more)))
    return tuple(views)


# -- the writers -----------------------------------------------------------------------------

def write_report(path: str | Path, *, target: Target, profile: Profile,
                 result: ExploreResult, routemap: RouteMap, probes_placed: int,
                 dialplan: Dialplan | None) -> None:
    """check/fuzz: render a run's result and its route map (whose representative calls
    the command placed after the run). Writes only: places no call."""
    subs = list(target.subscribers.values())
    coverages = (coverage_of(dialplan, result.step_counts),) if dialplan else ()
    n = len(result.failures)
    rate = result.calls / result.seconds if result.seconds else 0.0
    data = ReportData(
        title=f"dialharness report: {target.path.name}",
        subtitle=f"dialplan {target.dialplan.name}, profile {profile.name}, "
                 f"subscribers {', '.join(s.name for s in subs)}",
        verdict=(f"{n} propert{'y' if n == 1 else 'ies'} failed" if n
                 else "all properties hold"),
        passed=not n,
        properties=tuple((name, s.examples, s.examples - s.failed, s.failed, s.seconds)
                         for name, s in result.stats.items()),
        facts=(("calls placed", f"{result.calls} in {result.batches} batches"),
               ("time", f"{result.seconds:.1f} s ({rate:.0f} calls/s)"),
               ("route map", f"{probes_placed} representative calls, placed after the run"),
               ("target", str(target.path)), ("dialplan", str(target.dialplan))),
        routemap=routemap,
        failures=failure_views(result.failures, result.all_failures, dialplan),
        coverages=coverages)
    _write(path, render(data))


def write_run_report(path: str | Path, *, per_scenario: Sequence[tuple[Any, Sequence[Any]]],
                     coverages: Sequence[Coverage], stats: Mapping[str, Any]) -> None:
    """dialharness run: scenario results (no route map: a run is about its own calls)."""
    dialplans: dict[Path, Dialplan] = {c.dialplan.path: c.dialplan for c in coverages}
    views, total, failed = [], 0, 0
    for sc, results in per_scenario:
        dp = dialplans.get(sc.target.dialplan)
        for r in results:
            total += 1
            if r.passed:
                continue
            failed += 1
            views.append(FailureView(
                title=r.call.name, dial=r.call.dial, subscriber=r.call.subscriber,
                reasons=tuple(r.problems) + tuple(f"{f.check}: {f.reason}" for f in r.failures),
                expected=f"{sc.path.name} line {r.call.line}",
                observed=format_observed(r.outcome), steps=steps_view(r.outcome, dp),
                replay=r.replay))
    data = ReportData(
        title="dialharness run report",
        subtitle=", ".join(sorted({sc.path.name for sc, _ in per_scenario})),
        verdict=f"{total - failed} passed, {failed} failed", passed=not failed,
        properties=tuple((n, s.examples, s.examples - s.failed, s.failed, s.seconds)
                         for n, s in stats.items()),
        facts=(("scenario files", str(len(per_scenario))), ("calls", str(total))),
        failures=tuple(views), coverages=tuple(coverages))
    _write(path, render(data))


def _write(path: str | Path, text: str) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


# -- rendering -------------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render(data: ReportData) -> str:
    parts = [_HEAD.replace("{title}", _e(data.title)), '<body>',
             f'<header class="{"ok" if data.passed else "fail"}"><h1>{_e(data.title)}</h1>'
             f'<div class="sub">{_e(data.subtitle)}</div>'
             f'<div class="verdict">{"✔" if data.passed else "✘"} {_e(data.verdict)}</div>'
             '</header>', '<nav>']
    nav = [("properties", "Properties")]
    if data.routemap is not None:
        nav.append(("routemap", "Route map"))
    nav.append(("failures", f"Failures ({len(data.failures)})"))
    if data.coverages:
        nav.append(("coverage", "Dialplan coverage"))
    parts += [f'<a href="#{k}">{_e(v)}</a>' for k, v in nav]
    parts.append(f'<span class="gen">generated {_e(data.generated)}</span></nav><main>')
    parts.append(_properties(data))
    if data.routemap is not None:
        parts.append(_routemap(data.routemap))
    parts.append(_failures(data.failures))
    if data.coverages:
        parts.append(_coverage(data.coverages))
    parts.append("</main>")
    parts.append(_SCRIPT)
    parts.append("</body></html>")
    return "\n".join(parts)


def _properties(data: ReportData) -> str:
    rows = []
    for name, judged, passed, failed, seconds in data.properties:
        cls = "bad" if failed else ""
        rows.append(f'<tr class="{cls}"><td class="name">{_e(name)}</td><td class="n">{judged}</td>'
                    f'<td class="n">{passed}</td><td class="n">{failed}</td>'
                    f'<td class="n">{seconds:.2f} s</td>'
                    f'<td>{"FAIL" if failed else "ok"}</td></tr>')
    facts = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in data.facts)
    return ('<section id="properties"><h2>Properties</h2><div class="two">'
            '<table class="props"><thead><tr><th>property</th><th>calls judged</th>'
            '<th>passed</th><th>failed</th><th>time</th><th></th></tr></thead><tbody>'
            + "".join(rows) + f'</tbody></table><dl class="facts">{facts}</dl></div></section>')


def _spaced(cid: str, cic: str, dial: str) -> str:
    body = dial[len(cid) + len(cic):]
    return "·".join(x for x in (cid, cic, body) if x)


def _spaced_html(cid: str, cic: str, dial: str) -> str:
    return "<wbr>".join(_e(x) for x in _spaced(cid, cic, dial).replace("·", "·\0").split("\0"))


def _cell(c: Cell) -> str:
    obs, want = c.observed_route, c.intended_route
    cls = f"cell r-{obs}" + (" bad" if c.bad else "")
    tip = [f"dial {c.probe.dial} as {c.probe.subscriber}",
           f"intended: {want}" + (f" to {c.intended_destination}" if c.intended_destination
                                  else "")
           + (f", presentation {c.intended_presentation}" if c.intended_presentation else ""),
           f"observed: {obs}" + (f" via {c.observed_trunk}, sent {c.observed_outbound}, "
                                 f"destination {c.observed_destination or 'unreadable'}, "
                                 f"presentation {c.observed_presentation or '?'}"
                                 if c.observed_trunk else f" (cause {c.cause})")]
    tip += [f"{f.check}: {f.reason}" for f in c.failed_checks]
    tip += [f"counterexample {f.dial} as {f.subscriber}: {f.check}" for f in c.counterexamples]
    if c.observed_trunk:
        dest = c.observed_destination or f"sent {c.observed_outbound} (unreadable)"
    else:
        dest = f"cause {c.cause}" if c.cause is not None else ""
    if c.route_differs:
        verdict = (f'<span class="int differs">≠ intended '
                   f'{_e(_ROUTE_SHORT.get(want, want))}</span>')
    elif c.bad:
        verdict = '<span class="int differs">✗</span>'
    else:
        verdict = '<span class="int" title="as intended">✓</span>'
    broke = ""
    if c.failed_checks:
        n = len(c.failed_checks)
        names = c.failed_checks[0].check if n == 1 else f"{n} properties failed"
        broke = (f'<div class="broke" title="{_e(", ".join(f.check for f in c.failed_checks))}">'
                 f'{_e(names)}</div>')
    cx = ""
    if c.counterexamples:
        by_dial: dict[str, list[str]] = {}
        for f in c.counterexamples:
            by_dial.setdefault(f.dial, []).append(f.check)
        shown = list(by_dial.items())[:2]
        rest = len(by_dial) - len(shown)
        cx = ('<ul class="cx">' + "".join(
            f'<li title="{_e(", ".join(checks))}">{_e(dial)}</li>' for dial, checks in shown)
            + (f'<li class="more">+{rest} more</li>' if rest > 0 else "") + "</ul>")
    return (f'<td class="{cls}" data-sub="{_e(c.probe.subscriber)}" data-cid="{_e(c.probe.cid)}"'
            f' data-cic="{_e(c.probe.cic)}" data-body="{_e(c.probe.body)}"'
            f' data-observed="{_e(obs)}" data-intended="{_e(want)}"'
            f' title="{_e(chr(10).join(tip))}">'
            f'<div class="obs"><b>{_e(_ROUTE_SHORT.get(obs, obs))}</b> {verdict}</div>'
            f'<div class="dst">{_e(dest)}</div>{broke}'
            f'<div class="dial">{_spaced_html(c.probe.cid, c.probe.cic, c.probe.dial)}</div>'
            f'{cx}</td>')


def _routemap(m: RouteMap) -> str:
    bad = m.bad_cells
    out = ['<section id="routemap"><h2>Route map</h2>',
           '<p class="explain">One representative call per cell, placed on the PBX after the '
           'run. Colour = the route the PBX <b>took</b>; the line below says whether that is '
           'the route the numbering plan <b>intends</b>. Red = they disagree, a property '
           'failed on that call, or the run found a counterexample of that kind (listed in the '
           'cell). Hover a cell for the trunk, the number sent and the destination.</p>',
           '<div class="legend">' + "".join(
               f'<span class="chip r-{r}">{_ROUTE_SHORT[r]} {r}</span>'
               for r in ("domestic", "international", "emergency", "blocked", "unmapped"))
           + '<span class="chip bad">red: not as intended</span></div>',
           f'<p class="tally"><b id="bad-count">{len(bad)}</b> of {len(m.cells)} cells not as '
           f'intended. <label><input type="checkbox" id="only-bad"> show only rows with red '
           f'cells</label></p>']
    if bad:
        out.append(_patterns(m, bad))
        out.append(_disagreements(bad))
    for sub in m.subscribers:
        barred = m.barred.get(sub, ())
        n_bad = sum(1 for c in bad if c.probe.subscriber == sub)
        out.append(f'<h3 id="map-{_e(sub)}">subscriber <code>{_e(sub)}</code>'
                   f'{" — barred: " + _e(", ".join(barred)) if barred else " — unbarred"}'
                   f' <span class="{"badtxt" if n_bad else "oktxt"}">{n_bad} red</span></h3>')
        out.append('<table class="map"><colgroup><col class="c-cid"><col class="c-cic">'
                   + '<col>' * len(m.bodies) + '</colgroup>'
                   '<thead><tr><th>caller ID</th><th>carrier code</th>')
        for b in m.bodies:
            out.append(f'<th>{_e(b.label)}<br><code>{_e(b.body)}</code></th>')
        out.append("</tr></thead>")
        for cid in m.cids:
            out.append(f'<tbody class="cid-group" data-cid="{_e(cid)}">')
            for i, (cic, carrier) in enumerate(m.cics):
                cells = [m.cell(sub, cid, cic, b.key) for b in m.bodies]
                row_bad = any(c is not None and c.bad for c in cells)
                out.append(f'<tr class="{"rowbad" if row_bad else ""}">')
                if i == 0:
                    label = cid or "none"
                    note = {"184": "withhold", "186": "present"}.get(cid, "")
                    out.append(f'<th class="cidh" rowspan="{len(m.cics)}">{_e(label)}'
                               f'{"<br><small>" + _e(note) + "</small>" if note else ""}</th>')
                out.append(f'<th class="cich">{_e(cic or "none")}'
                           f'{"<br><small>" + _e(carrier) + "</small>" if carrier else ""}</th>')
                for c in cells:
                    out.append(_cell(c) if c is not None else '<td class="cell none">–</td>')
                out.append("</tr>")
            out.append("</tbody>")
        out.append("</table>")
    if m.elsewhere:
        out.append('<h3>Counterexamples outside the map\'s classes</h3><ul class="else">')
        out += [f'<li><code>{_e(f.dial)}</code> as {_e(f.subscriber)}: <b>{_e(f.check)}</b> '
                f'{_e(f.reason)}</li>' for f in m.elsewhere[:100]]
        out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def _patterns(m: RouteMap, bad: Sequence[Cell]) -> str:
    """Red cells grouped by caller-ID prefix and what went wrong: the shape of the bug."""
    labels = {b.key: b.label for b in m.bodies}
    groups: dict[tuple[str, str, str, str], list[Cell]] = {}
    for c in bad:
        what = (f"{c.intended_route} intended, {c.observed_route} observed" if c.route_differs
                else "route as intended, but " + (", ".join(f.check for f in c.failed_checks)
                                                  or "counterexamples found"))
        groups.setdefault((c.probe.cid, c.intended_route, c.observed_route, what), []).append(c)
    rows = []
    for (cid, _i, _o, what), cells in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        bodies = sorted({c.probe.body for c in cells}, key=list(labels).index)
        cics = {c.probe.cic for c in cells}
        subs = sorted({c.probe.subscriber for c in cells})
        cic_text = ("every carrier code and none" if len(cics) == len(m.cics)
                    else ", ".join(x or "none" for x in sorted(cics, key=lambda x: (len(x), x))))
        rows.append(f'<tr><td class="n">{len(cells)}</td><td><b>{_e(cid or "none")}</b></td>'
                    f'<td>{_e(cic_text)}</td><td>{_e(", ".join(labels[b] for b in bodies))}</td>'
                    f'<td>{_e(", ".join(subs))}</td><td class="whatbad">{_e(what)}</td>'
                    f'<td class="mono">{_e(cells[0].probe.dial)}</td></tr>')
    return ('<table class="list patterns"><thead><tr><th>cells</th><th>caller ID</th>'
            '<th>carrier code</th><th>number classes</th><th>subscribers</th><th>what</th>'
            '<th>e.g.</th></tr></thead><tbody>' + "".join(rows[:15]) + "</tbody></table>"
            + (f"<p>… {len(rows) - 15} more patterns</p>" if len(rows) > 15 else ""))


def _disagreements(bad: Sequence[Cell]) -> str:
    rows = []
    for c in bad[:300]:
        why = []
        if c.route_differs:
            why.append(f"route {c.intended_route} intended, {c.observed_route} observed")
        why += [f.check for f in c.failed_checks]
        if c.counterexamples:
            why.append(f"{len(c.counterexamples)} counterexample(s)")
        obs = (f"{c.observed_trunk}: sent {c.observed_outbound} → "
               f"{c.observed_destination or 'unreadable'}" if c.observed_trunk
               else f"no trunk (cause {c.cause})")
        rows.append(f'<tr><td>{_e(c.probe.subscriber)}</td>'
                    f'<td class="mono">{_e(_spaced(c.probe.cid, c.probe.cic, c.probe.dial))}</td>'
                    f'<td>{_e(c.intended_route)} {_e(c.intended_destination or "")}</td>'
                    f'<td>{_e(obs)}</td><td>{_e("; ".join(why))}</td></tr>')
    more = f"<p>… and {len(bad) - 300} more</p>" if len(bad) > 300 else ""
    return (f'<details class="dis"><summary>All {len(bad)} red cells as a list</summary>'
            '<table class="list"><thead><tr><th>subscriber</th><th>dial</th><th>intended</th>'
            '<th>observed</th><th>why red</th></tr></thead><tbody>' + "".join(rows)
            + f"</tbody></table>{more}</details>")


def _failures(views: Sequence[FailureView]) -> str:
    out = ['<section id="failures"><h2>Failures</h2>']
    if not views:
        out.append('<p class="oktxt">No property failed.</p></section>')
        return "\n".join(out)
    for v in views:
        out.append(f'<article class="failure"><h3>✘ {_e(v.title)}</h3>')
        out.append(f'<p class="callline">dial <code class="big">{_e(v.dial)}</code> as '
                   f'<code>{_e(v.subscriber)}</code></p>')
        out.append('<dl class="ev">' + "".join(f"<dt>why</dt><dd>{_e(r)}</dd>" for r in v.reasons)
                   + f"<dt>expected</dt><dd>{_e(v.expected)}</dd>"
                   + f"<dt>observed</dt><dd>{_e(v.observed)}</dd></dl>")
        if v.steps:
            out.append('<table class="steps"><thead><tr><th>#</th><th>context, exten, prio</th>'
                       '<th>application</th><th>dialplan source</th></tr></thead><tbody>')
            for i, s in enumerate(v.steps, 1):
                src = (f'<span class="loc">{_e(s.source)}</span> <code>{_e(s.source_text)}</code>'
                       if s.source else '<span class="muted">(not in the dialplan file)</span>')
                out.append(f'<tr><td class="n">{i}</td><td class="mono">{_e(s.where)}</td>'
                           f'<td class="mono">{_e(s.app)}</td><td>{src}</td></tr>')
            out.append("</tbody></table>")
        else:
            out.append('<p class="muted">no dialplan step ran (no extension matched)</p>')
        if v.replay:
            out.append(f'<div class="replay"><span>replay</span><code>{_e(v.replay)}</code>'
                       f'<button type="button" class="copy">copy</button></div>')
        if v.more_total:
            shown = ", ".join(f"{d} ({s})" for d, s in v.more)
            extra = f" … ({v.more_total - len(v.more)} more)" if v.more_total > len(v.more) else ""
            out.append(f'<details><summary>{v.more_total} other failing call(s) of this '
                       f'property</summary><p class="mono">{_e(shown)}{_e(extra)}</p></details>')
        out.append("</article>")
    out.append("</section>")
    return "\n".join(out)


def _coverage(coverages: Sequence[Coverage]) -> str:
    out = ['<section id="coverage"><h2>Dialplan coverage</h2>',
           '<p class="explain">Which priorities of the dialplan file the run executed. '
           'A priority that never ran is a rule no call of this run exercised: either the '
           'generator missed a kind of number, or the rule is dead.</p>']
    for cov in coverages:
        name = cov.dialplan.name
        out.append(f'<h3><code>{_e(name)}</code>: {cov.executed_count} of {cov.statements} '
                   f'priorities ran ({cov.percent:.0f}%)</h3>')
        out.append('<table class="cov"><thead><tr><th>context</th><th>defined at</th>'
                   '<th>priorities</th><th>ran</th><th>never ran</th><th>cover</th></tr></thead>'
                   '<tbody>')
        for c in cov.per_context():
            pct = c.percent
            out.append(f'<tr><td class="mono">{_e(c.context)}</td><td>{_e(name)}:{c.line}</td>'
                       f'<td class="n">{c.statements}</td><td class="n">{c.executed}</td>'
                       f'<td class="n">{c.statements - c.executed}</td>'
                       f'<td><div class="bar"><div style="width:{pct:.0f}%"></div></div> '
                       f'{pct:.0f}%</td></tr>')
        out.append("</tbody></table>")
        missing = cov.never_run()
        if missing:
            out.append(f'<h4>Never ran ({len(missing)})</h4><table class="never"><tbody>')
            out += [f'<tr><td class="loc">{_e(name)}:{p.line}</td><td class="mono">[{_e(p.context)}]'
                    f'</td><td><code>{_e(p.text)}</code></td></tr>' for p in missing]
            out.append("</tbody></table>")
        code = {p.line for p in cov.dialplan.priorities}
        hits = cov.hits
        out.append(f'<details><summary>{_e(name)} annotated (&gt; ran, ! never ran)</summary>'
                   '<pre class="src">')
        for number, line in enumerate(cov.dialplan.lines, 1):
            if number in code:
                cls, mark = ("ran", ">") if hits.get(number) else ("never", "!")
                count = f"{hits.get(number, 0):>6}"
            else:
                cls, mark, count = "", " ", " " * 6
            out.append(f'<span class="{cls}"><i>{number:>4}</i> {mark} <u>{count}</u>  '
                       f'{_e(line)}</span>')
        out.append("</pre></details>")
    out.append("</section>")
    return "\n".join(out)


_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
:root { --dom:#cfe2ff; --intl:#e5d4fb; --emerg:#c8f0cf; --block:#e9ecef; --unm:#ffe8a3;
        --bad:#ffd6d6; --badb:#d00000; --ink:#1c2430; --muted:#6b7480; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif;
       color:var(--ink); background:#fafbfc; }
header { padding:14px 24px; color:#fff; }
header.ok { background:#1f7a3a; } header.fail { background:#a4161a; }
header h1 { margin:0; font-size:20px; }
h3 code { font-size:15px; } header .sub { opacity:.9; }
header .verdict { font-size:18px; font-weight:600; margin-top:4px; }
nav { position:sticky; top:0; z-index:5; background:#fff; border-bottom:1px solid #dde;
      padding:6px 24px; display:flex; gap:18px; align-items:center; }
nav a { color:#0b4f9c; text-decoration:none; font-weight:600; }
nav .gen { margin-left:auto; color:var(--muted); font-size:12px; }
main { padding:0 24px 40px; }
h2 { border-bottom:2px solid #dde; padding-bottom:4px; margin-top:28px; }
h3 { margin:22px 0 8px; }
code, .mono, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size:12.5px; }
table { border-collapse:collapse; }
th, td { padding:3px 8px; text-align:left; vertical-align:top; }
.two { display:flex; gap:40px; flex-wrap:wrap; align-items:flex-start; }
table.props, table.cov, table.list, table.steps, table.never { background:#fff; border:1px solid #dde; }
table.props th, table.cov th, table.list th, table.steps th { background:#eef1f5; border-bottom:1px solid #dde; }
table.props td, table.cov td, table.list td, table.steps td, table.never td { border-bottom:1px solid #eef; }
td.n { text-align:right; font-variant-numeric:tabular-nums; }
tr.bad td { background:var(--bad); } tr.bad td:last-child { color:var(--badb); font-weight:700; }
dl.facts { display:grid; grid-template-columns:auto auto; gap:2px 12px; margin:0; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.explain { color:#3a4350; max-width:1100px; }
.legend { display:flex; gap:8px; flex-wrap:wrap; margin:6px 0; }
.chip { padding:2px 8px; border-radius:10px; border:1px solid #bbb; font-size:12px; }
.r-domestic { background:var(--dom); } .r-international { background:var(--intl); }
.r-emergency { background:var(--emerg); } .r-blocked { background:var(--block); }
.r-unmapped { background:var(--unm); }
.chip.bad { background:var(--bad); border:2px solid var(--badb); color:var(--badb); font-weight:700; }
table.map { margin-bottom:8px; background:#fff; font-size:12px; }
table.map thead th { position:sticky; top:34px; overflow-wrap:anywhere; background:#eef1f5; z-index:2; font-size:12px;
                     border:1px solid #cfd5dd; text-align:center; }
table.map th.cidh { background:#2f3b4c; color:#fff; text-align:center; vertical-align:middle;
                    font-size:16px; border:1px solid #2f3b4c; min-width:58px; }
table.map th.cich { background:#f3f5f8; border:1px solid #dde; white-space:nowrap; font-weight:600; }
table.map th small { font-weight:400; color:#9aa4b2; display:block; max-width:110px;
                     white-space:normal; }
table.map th.cich small { color:var(--muted); }
table.map tbody.cid-group { border-top:3px solid #2f3b4c; }
table.map { width:100%; table-layout:fixed; }
table.map col.c-cid { width:64px; } table.map col.c-cic { width:112px; }
td.cell { border:1px solid #fff; padding:3px 5px; overflow-wrap:anywhere; }
td.cell .obs b { font-size:12px; letter-spacing:.02em; }
td.cell .dst { font-family:"DejaVu Sans Mono", monospace; font-size:11px; color:#223; }
td.cell .int { font-size:12px; color:#2d6a3a; font-weight:700; }
td.cell .int.differs { color:var(--badb); font-weight:700; font-size:11.5px; }
td.cell .broke { color:var(--badb); font-size:10.5px; font-weight:600; }
ul.cx li.more { list-style:none; color:var(--muted); }
td.cell .dial { font-family:"DejaVu Sans Mono", monospace; font-size:10px; color:#5d6670;
                overflow-wrap:anywhere; }
td.cell.bad { background:var(--bad); outline:2px solid var(--badb); outline-offset:-2px; }
td.cell.bad .obs b { color:var(--badb); }
ul.cx { margin:2px 0 0; padding-left:14px; color:var(--badb); font-family:monospace; font-size:10px; }
.badtxt { color:var(--badb); font-size:14px; } .oktxt { color:#1f7a3a; font-size:14px; }
body.only-bad table.map tbody tr:not(.rowbad) { display:none; }
.tally { font-size:15px; }
table.patterns { margin:6px 0 4px; } td.whatbad { color:var(--badb); font-weight:600; } #bad-count { color:var(--badb); }
details.dis { margin:8px 0 14px; } details summary { cursor:pointer; color:#0b4f9c; font-weight:600; }
article.failure { background:#fff; border:1px solid #e3c2c2; border-left:6px solid var(--badb);
                  padding:8px 16px 12px; margin:14px 0; border-radius:4px; }
article.failure h3 { color:var(--badb); margin:6px 0; }
code.big { font-size:15px; background:#f4f4f6; padding:1px 6px; border-radius:3px; }
dl.ev { display:grid; grid-template-columns:90px 1fr; gap:2px 10px; }
dl.ev dt { color:var(--muted); font-weight:600; } dl.ev dd { margin:0; }
table.steps { margin:8px 0; } .loc { color:#0b4f9c; font-family:monospace; white-space:nowrap; }
.muted { color:var(--muted); }
.replay { display:flex; gap:8px; align-items:center; background:#1c2430; color:#e8edf3;
          padding:6px 10px; border-radius:4px; margin-top:6px; }
.replay span { color:#9fb0c3; } .replay code { flex:1; color:#fff; }
.replay button { background:#3b4a5e; color:#fff; border:0; padding:3px 10px; border-radius:3px; cursor:pointer; }
.bar { display:inline-block; width:120px; height:10px; background:#f1c6c6; vertical-align:middle; }
.bar div { height:100%; background:#3c9a5a; }
pre.src { background:#fff; border:1px solid #dde; padding:8px; overflow-x:auto; line-height:1.35; }
pre.src span { display:block; } pre.src i { color:#9aa; font-style:normal; }
pre.src u { text-decoration:none; color:#789; }
pre.src .ran { background:#e7f6ea; } pre.src .never { background:#fde2e2; }
table.never td.loc { padding-right:14px; }
ul.else { font-size:13px; }
</style></head>"""

_SCRIPT = """<script>
(function () {
  var box = document.getElementById('only-bad');
  if (box) box.addEventListener('change', function () {
    document.body.classList.toggle('only-bad', box.checked);
  });
  var n = document.querySelectorAll('td.cell.bad').length;
  var c = document.getElementById('bad-count');
  if (c) { c.textContent = String(n); c.setAttribute('data-counted', 'js'); }
  document.querySelectorAll('button.copy').forEach(function (b) {
    b.addEventListener('click', function () {
      var text = b.parentNode.querySelector('code').textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(text);
      b.textContent = 'copied';
    });
  });
})();
</script>"""
