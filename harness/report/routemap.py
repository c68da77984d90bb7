"""The route map: what the PBX does with each kind of dial string, as plain data.

A grid of caller-ID prefix (none, then each of the profile: jp 184/186) x carrier code
(none, then each of the profile) x body class (fixed, mobile, IP, free dial, +home,
international prefix, +CC, emergency, junk) x subscriber. Each cell holds one
representative dial string, the route the oracle intends for it, the route the PBX took
(observed by placing that very call), the properties that call broke, and the
counterexamples of the run that fall into the same cell.

Pure: :func:`probes` says which calls to place, :func:`build_routemap` folds their
outcomes (and the run's failures) into a :class:`RouteMap`. Placing the calls is the
caller's business (``harness.report.html.write_report`` does it in one batch).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .. import oracle
from ..model import Branch
from ..profile import Profile
from ..properties import Failure, Judgement
from ..target import Subscriber

__all__ = ["BodyClass", "Cell", "CellKey", "Finding", "Probe", "RouteMap", "body_classes",
           "build_routemap", "classify", "probes"]

#: (subscriber, cid, cic, body key); "" stands for "no cid" / "no carrier code"
CellKey = tuple[str, str, str, str]

#: domestic body classes the map shows, found in the profile's NSN ranges by name
_DOMESTIC_CLASSES = (("fixed", "fixed", "fixed"), ("mobile", "mobile", "mobile"),
                     ("ip", "IP phone", "ip"), ("free", "free dial", "free dial"))


@dataclass(frozen=True)
class BodyClass:
    """A column of the map: one kind of number, after any cid and carrier code."""

    key: str
    label: str
    #: the representative body placed in every row (jp "08012345678")
    body: str
    #: NSN range names that count as this class (domestic columns only)
    ranges: tuple[str, ...] = ()


@dataclass(frozen=True)
class Probe:
    """One representative call: a cell of the map."""

    subscriber: str
    cid: str
    cic: str
    body: str     # BodyClass.key
    dial: str

    @property
    def key(self) -> CellKey:
        return (self.subscriber, self.cid, self.cic, self.body)


@dataclass(frozen=True)
class Finding:
    """A property failure, reduced to what a cell lists."""

    check: str
    dial: str
    subscriber: str
    reason: str
    replay: str = ""

    @classmethod
    def of(cls, f: Failure) -> Finding:
        return cls(f.check, f.dial, f.subscriber, f.reason, f.replay)


@dataclass(frozen=True)
class Cell:
    probe: Probe
    intended_route: str
    intended_destination: str | None
    intended_presentation: str | None
    observed_route: str
    observed_trunk: str | None = None
    observed_outbound: str | None = None
    observed_destination: str | None = None
    observed_presentation: str | None = None
    cause: int | None = None
    #: properties the representative call broke
    failed_checks: tuple[Finding, ...] = ()
    #: failures of the run (Hypothesis' calls) whose dial string falls in this cell
    counterexamples: tuple[Finding, ...] = ()

    @property
    def route_differs(self) -> bool:
        return self.intended_route != self.observed_route

    @property
    def bad(self) -> bool:
        return self.route_differs or bool(self.failed_checks) or bool(self.counterexamples)


@dataclass(frozen=True)
class RouteMap:
    subscribers: tuple[str, ...]
    barred: Mapping[str, tuple[str, ...]]
    cids: tuple[str, ...]                    # "" first
    cics: tuple[tuple[str, str], ...]        # (code, carrier), ("", "") first
    bodies: tuple[BodyClass, ...]
    cells: Mapping[CellKey, Cell]
    #: failures of the run that fit no cell (an NSN range without a column, odd text)
    elsewhere: tuple[Finding, ...] = field(default=())

    def cell(self, subscriber: str, cid: str, cic: str, body: str) -> Cell | None:
        return self.cells.get((subscriber, cid, cic, body))

    @property
    def bad_cells(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.bad]


# -- the grid -------------------------------------------------------------------------------

def body_classes(profile: Profile) -> tuple[BodyClass, ...]:
    """The columns: jp -> fixed, mobile, IP, free dial, +81, 010 intl, + intl, emergency, junk.

    Domestic columns are the profile's NSN ranges whose names contain fixed / mobile / ip /
    free (a profile without such names gets one column per range).
    """
    trunk, intl, home = profile.trunk_prefix, profile.international_prefix, \
        profile.home_country_code
    out: list[BodyClass] = []
    for word, label, key in _DOMESTIC_CLASSES:
        found = [r for r in profile.nsn_ranges if word in r.name.lower().split()
                 or r.name.lower().startswith(word)]
        if found:
            out.append(BodyClass(key, label, trunk + found[0].sample(),
                                 tuple(r.name for r in found)))
    if not out:
        out = [BodyClass(r.name, r.name, trunk + r.sample(), (r.name,))
               for r in profile.nsn_ranges]
    mobile = next((b for b in out if b.key == "mobile"), out[0])
    plus_home_nsn = mobile.body[len(trunk):]
    out.append(BodyClass("plus_home", f"+{home}", f"+{home}{plus_home_nsn}"))
    out.append(BodyClass("intl", f"{intl} intl", intl + profile.intl_sample()))
    out.append(BodyClass("plus", "+ intl", "+" + profile.intl_sample()))
    if profile.emergency_numbers:
        out.append(BodyClass("emergency", "emergency", profile.emergency_numbers[0]))
    fixed = out[0].body
    out.append(BodyClass("junk", "junk (too short)", fixed[:len(trunk) + 5]))
    return tuple(out)


def probes(profile: Profile, subscribers: Sequence[str]) -> list[Probe]:
    """One representative dial string per cell, every subscriber, deterministic order."""
    cids = ("",) + tuple(profile.cid_codes)
    cics = ("",) + tuple(profile.cic_codes)
    bodies = body_classes(profile)
    out = []
    for sub in subscribers:
        for cid in cids:
            for cic in cics:
                for b in bodies:
                    out.append(Probe(sub, cid, cic, b.key, cid + cic + b.body))
    return out


def _peel(text: str, codes: Iterable[str]) -> tuple[str, str]:
    for code in sorted(codes, key=len, reverse=True):
        if text.startswith(code):
            return code, text[len(code):]
    return "", text


def classify(dial: str, profile: Profile,
             bodies: Sequence[BodyClass] | None = None) -> tuple[str, str, str] | None:
    """(cid, cic, body key) of any dial string, or None when no column fits.

    In-grammar strings go by the oracle's parse; anything else is junk, filed under the
    cid and carrier code it starts with.
    """
    bodies = body_classes(profile) if bodies is None else bodies
    keys = {b.key for b in bodies}
    p = oracle.parse(dial, profile)
    cid, cic = p.cid or "", p.cic or ""
    if p.branch is Branch.INVALID:
        if "junk" not in keys:
            return None
        cid, rest = _peel(dial, profile.cid_codes)
        cic, _ = _peel(rest, profile.cic_codes)
        return cid, cic, "junk"
    if p.branch is Branch.EMERGENCY:
        key = "emergency"
    elif p.branch is Branch.PLUS_JAPAN:
        key = "plus_home"
    elif p.branch is Branch.INTL:
        key = "intl"
    elif p.branch is Branch.PLUS:
        key = "plus"
    else:
        rng = profile.nsn_range(p.nsn or "")
        key = next((b.key for b in bodies if rng is not None and rng.name in b.ranges), "")
    return (cid, cic, key) if key in keys else None


def build_routemap(profile: Profile, subscribers: Sequence[Subscriber],
                   placed: Sequence[tuple[Probe, Judgement]], *,
                   probe_failures: Iterable[Failure] = (),
                   run_failures: Iterable[Failure] = (),
                   per_cell: int = 5) -> RouteMap:
    """Fold the probes' judgements (expected and observed, as ``verdict.judgement`` made
    them), the failures of those calls and the run's failures into the map. At most
    ``per_cell`` distinct counterexamples are kept per cell."""
    bodies = body_classes(profile)
    subs = {s.name: s for s in subscribers}
    broke: dict[tuple[str, str], list[Finding]] = {}
    for f in probe_failures:
        broke.setdefault((f.dial, f.subscriber), []).append(Finding.of(f))
    found: dict[CellKey, list[Finding]] = {}
    elsewhere: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    for f in run_failures:
        if (f.check, f.dial, f.subscriber) in seen:
            continue
        seen.add((f.check, f.dial, f.subscriber))
        where = classify(f.dial, profile, bodies)
        if where is None or f.subscriber not in subs:
            elsewhere.append(Finding.of(f))
            continue
        lst = found.setdefault((f.subscriber,) + where, [])
        if len(lst) < per_cell:
            lst.append(Finding.of(f))
    cells: dict[CellKey, Cell] = {}
    for probe, j in placed:
        e, out = j.expected, j.outcome
        cells[probe.key] = Cell(
            probe=probe, intended_route=str(e.route), intended_destination=e.destination,
            intended_presentation=str(e.presentation) if e.presentation else None,
            observed_route=str(out.route), observed_trunk=out.trunk,
            observed_outbound=out.outbound, observed_destination=out.destination,
            observed_presentation=str(out.presentation) if out.presentation else None,
            cause=out.cause, failed_checks=tuple(broke.get((probe.dial, probe.subscriber), ())),
            counterexamples=tuple(found.pop(probe.key, ())))
    for lst in found.values():  # cells no probe was placed for
        elsewhere.extend(lst)
    carriers = {c.code: c.carrier for c in profile.carrier_codes}
    return RouteMap(
        subscribers=tuple(s.name for s in subscribers),
        barred={s.name: tuple(sorted(s.barred)) for s in subscribers},
        cids=("",) + tuple(profile.cid_codes),
        cics=(("", ""),) + tuple((c, carriers.get(c, "")) for c in profile.cic_codes),
        bodies=bodies, cells=cells, elsewhere=tuple(elsewhere))
