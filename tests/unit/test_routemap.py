"""The route map as plain data, and the HTML rendering of it (no PBX)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import oracle
from harness.model import Branch, Expected, Leg, Outcome, Presentation, Route
from harness.profile import load_profile
from harness.properties import Failure, Judgement
from harness.report.html import ReportData, render
from harness.report.routemap import body_classes, build_routemap, classify, probes
from harness.target import Subscriber, Target

JP = load_profile("jp")
SUBS = [Subscriber("open", "from-internal"),
        Subscriber("intl_barred", "from-internal-barred", barred=frozenset({"international"}))]
TARGET = Target(path=Path("/t.yaml"), dialplan=Path("/t.conf"), profile="jp",
                subscribers={s.name: s for s in SUBS}, trunks={})


def test_body_classes_of_jp() -> None:
    got = {b.key: b.body for b in body_classes(JP)}
    assert got == {"fixed": "0312345678", "mobile": "08012345678", "ip": "05012345678",
                   "free dial": "0120123456", "plus_home": "+818012345678",
                   "intl": "01012125551234", "plus": "+12125551234", "emergency": "110",
                   "junk": "031234"}
    free = next(b for b in body_classes(JP) if b.key == "free dial")
    assert set(free.ranges) == {"free dial 0120", "free dial 0800"}


def test_probes_fill_the_grid_once() -> None:
    ps = probes(JP, [s.name for s in SUBS])
    assert len(ps) == 2 * 3 * 9 * 9
    assert len({p.key for p in ps}) == len(ps)
    assert len({(p.dial, p.subscriber) for p in ps}) == len(ps)
    by_key = {p.key: p.dial for p in ps}
    assert by_key[("open", "186", "003768", "mobile")] == "18600376808012345678"
    assert by_key[("intl_barred", "", "", "emergency")] == "110"
    for p in ps:
        assert oracle.is_dialable(p.dial)
        # every in-grammar probe is filed back into its own cell
        if oracle.parse(p.dial, JP).branch is not Branch.INVALID:
            assert classify(p.dial, JP) == (p.cid, p.cic, p.body), p


@pytest.mark.parametrize("dial, where", [
    ("18608012345678", ("186", "", "mobile")),
    ("1840033110", ("184", "0033", "junk")),       # carrier code + emergency: outside grammar
    ("+18608012345678", ("", "", "plus")),
    ("00101012125551234", ("", "001", "intl")),
    ("#*", ("", "", "junk")),
    ("02012345678", None),                         # M2M: no column
])
def test_classify(dial: str, where) -> None:
    assert classify(dial, JP) == where


def _as_intended(dial: str, sub: Subscriber) -> Outcome:
    e = oracle.expect(dial, sub, JP)
    if e.route is Route.BLOCKED:
        return Outcome(dial, sub.name, Route.BLOCKED, cause=21)
    trunk = {"domestic": "jp-domestic", "international": "jp-intl",
             "emergency": "jp-emergency"}[e.route.value]
    pres = e.presentation or Presentation.ALLOWED
    return Outcome(dial, sub.name, e.route, trunk, "x", e.destination, pres,
                   legs=(Leg(trunk, e.route, "x", e.destination, pres),))


def _placed(bug=lambda p: None):
    subs = {s.name: s for s in SUBS}
    out = []
    for p in probes(JP, list(subs)):
        sub = subs[p.subscriber]
        o = bug(p) or _as_intended(p.dial, sub)
        out.append((p, Judgement(oracle.expect(p.dial, sub, JP), o, sub, TARGET)))
    return out


def test_all_as_intended_means_no_red_cell() -> None:
    m = build_routemap(JP, SUBS, _placed())
    assert len(m.cells) == 486 and m.bad_cells == []
    c = m.cell("intl_barred", "", "", "intl")
    assert (c.intended_route, c.observed_route) == ("blocked", "blocked")


def _field_report_bug(p):
    if p.cid == "186" and p.body == "mobile":
        return Outcome(p.dial, p.subscriber, Route.INTERNATIONAL, "jp-intl", "010" + p.dial,
                       "+" + p.dial, Presentation.ALLOWED,
                       legs=(Leg("jp-intl", Route.INTERNATIONAL, "010" + p.dial, "+" + p.dial,
                                 Presentation.ALLOWED),))
    return None


def test_disagreement_and_findings_land_in_their_cells() -> None:
    placed = _placed(_field_report_bug)
    probe, j = next(x for x in placed if x[0].key == ("open", "186", "", "mobile"))
    outcome = j.outcome
    e = oracle.expect(probe.dial, SUBS[0], JP)
    probe_failure = Failure("no_unintended_international", "went abroad", e, outcome)
    found = Failure("domestic_reaches_domestic", "went abroad",
                    oracle.expect("18609012345678", SUBS[1], JP),
                    Outcome("18609012345678", "intl_barred", Route.INTERNATIONAL))
    odd = Failure("barring_holds", "x", oracle.expect("18602012345678", SUBS[1], JP),
                  Outcome("18602012345678", "intl_barred", Route.INTERNATIONAL))
    m = build_routemap(JP, SUBS, placed, probe_failures=[probe_failure],
                       run_failures=[found, found, odd])
    bad = {c.probe.key for c in m.bad_cells}
    assert bad == {(s.name, "186", cic, "mobile") for s in SUBS for cic in ("",) + JP.cic_codes}
    cell = m.cell("open", "186", "", "mobile")
    assert cell.route_differs and cell.observed_route == "international"
    assert [f.check for f in cell.failed_checks] == ["no_unintended_international"]
    assert [f.dial for f in m.cell("intl_barred", "186", "", "mobile").counterexamples] == [
        "18609012345678"]                                   # deduplicated
    assert [f.dial for f in m.elsewhere] == ["18602012345678"]  # M2M has no column


def test_render_is_self_contained_and_marks_red_cells() -> None:
    m = build_routemap(JP, SUBS, _placed(_field_report_bug))
    html = render(ReportData(title="t <x>", subtitle="s", verdict="1 property failed",
                             passed=False, properties=(("barring_holds", 10, 9, 1, 0.5),),
                             routemap=m))
    assert "t &lt;x&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", html)
    red = re.findall(r'<td class="cell r-(\w+) bad" data-sub="(\w+)" data-cid="(\d*)"', html)
    assert len(red) == 18 and {cid for _r, _s, cid in red} == {"186"}
    assert {r for r, _s, _c in red} == {"international"}
    assert html.count('class="cell ') == 486
