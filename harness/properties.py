"""The routing properties of contract section 4, as named checks in one registry.

A check is a plain function ``(Judgement) -> str | None | NotApplicable``: ``None`` means
the property holds for this call, a string says how it was broken, ``NOT_APPLICABLE``
says the property has nothing to say about this call. Name of the function = CLI name =
JUnit name. The checks see only the oracle's Expected, the Outcome as ``verdict.py``
read it (each leg's route, destination and whether it is abroad, decided there once) and
the target file, never which driver ran; ``verdict.py`` runs them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .model import Branch, Expected, Leg, Outcome, Route
from .target import Subscriber, Target


class _NotApplicable:
    def __repr__(self) -> str:
        return "NOT_APPLICABLE"

    def __bool__(self) -> bool:
        # a test that writes ``assert not check(j)`` must not pass for "not applicable"
        raise TypeError("NOT_APPLICABLE has no truth value; compare with `is`")


NOT_APPLICABLE = _NotApplicable()

@dataclass(frozen=True)
class Judgement:
    """Everything a check may look at for one call (made once per call by
    ``verdict.judgement``): plain values, no callbacks into the oracle."""

    expected: Expected
    outcome: Outcome
    subscriber: Subscriber
    target: Target


Check = Callable[[Judgement], "str | None | _NotApplicable"]


@dataclass(frozen=True)
class CheckInfo:
    name: str
    fn: Check
    strict: bool
    summary: str


CHECKS: dict[str, CheckInfo] = {}


def check(*, strict: bool = False) -> Callable[[Check], Check]:
    """Register a property; built-ins are registered right here, next to the registry."""

    def register(fn: Check) -> Check:
        doc = (fn.__doc__ or "").strip().splitlines()
        CHECKS[fn.__name__] = CheckInfo(fn.__name__, fn, strict, doc[0] if doc else "")
        return fn

    return register


def select(checks: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
           strict: bool = False) -> list[CheckInfo]:
    """The checks a run uses: all non-strict ones by default (plus strict with --strict)."""
    from .errors import InputError
    from .yamlsource import suggest

    def known(names: Iterable[str]) -> list[str]:
        out = []
        for n in names:
            n = n.strip()
            if not n:
                continue
            if n not in CHECKS:
                raise InputError(f"unknown check {n!r}; known: {', '.join(CHECKS)}"
                                 + suggest(n, CHECKS))
            out.append(n)
        return out

    chosen = known(checks) if checks else [n for n, c in CHECKS.items() if strict or not c.strict]
    dropped = set(known(exclude or ()))
    return [CHECKS[n] for n in chosen if n not in dropped]


def _reaches_abroad(leg: Leg) -> bool:
    # ``leg.abroad`` was decided with the destination (verdict.read_leg): an unreadable
    # number or an unmapped channel counts as abroad, an internal phone does not
    if leg.route is Route.INTERNAL:
        return False
    return leg.route is Route.INTERNATIONAL or leg.abroad


def _describe(leg: Leg) -> str:
    return (f"trunk {leg.trunk} ({leg.route}) with {leg.outbound!r}"
            f" -> destination {leg.destination or 'unreadable'}")


@check()
def no_unintended_international(j: Judgement) -> str | None:
    """A call goes abroad only when 010/+ was dialed, unbarred, to an international trunk, exactly."""
    for leg in j.outcome.legs:
        if not _reaches_abroad(leg):
            continue
        if j.expected.intl_digits is None:
            return (f"dial string has no international prefix (010 or + other than +81) "
                    f"but reached {_describe(leg)}")
        if j.subscriber.intl_barred:
            return f"subscriber is barred from international but reached {_describe(leg)}"
        if leg.route is not Route.INTERNATIONAL:
            return f"international destination sent to a {leg.route} trunk: {_describe(leg)}"
        if leg.destination != "+" + j.expected.intl_digits:
            return (f"destination should be exactly the digits dialed after the prefix, "
                    f"+{j.expected.intl_digits}, but reached {_describe(leg)}")
    return None


@check()
def barring_holds(j: Judgement) -> str | _NotApplicable | None:
    """A subscriber barred from international never reaches an international trunk or abroad."""
    if not j.subscriber.intl_barred:
        return NOT_APPLICABLE
    for leg in j.outcome.legs:
        if _reaches_abroad(leg):
            return f"barred subscriber reached {_describe(leg)}"
    return None


def _first_leg_is(j: Judgement, route: Route, destination: str | None) -> str | None:
    legs = j.outcome.legs
    if not legs:
        return f"expected {route} to {destination}, but the call was blocked (cause {j.outcome.cause})"
    leg = legs[0]
    if leg.route is not route:
        return f"expected {route} to {destination}, observed {_describe(leg)}"
    if leg.destination != destination:
        return f"expected destination {destination}, observed {_describe(leg)}"
    return None


@check()
def domestic_reaches_domestic(j: Judgement) -> str | _NotApplicable | None:
    """Every domestic and +81 dial string, with any cid and cic, reaches a domestic trunk."""
    if j.expected.branch not in (Branch.DOMESTIC, Branch.PLUS_JAPAN):
        return NOT_APPLICABLE
    return _first_leg_is(j, Route.DOMESTIC, j.expected.destination)


@check()
def international_when_allowed(j: Judgement) -> str | _NotApplicable | None:
    """Every 010/+ international dial string from an unbarred subscriber reaches an international trunk."""
    if j.expected.branch not in (Branch.INTL, Branch.PLUS) or j.subscriber.intl_barred:
        return NOT_APPLICABLE
    return _first_leg_is(j, Route.INTERNATIONAL, j.expected.destination)


@check()
def emergency_always(j: Judgement) -> str | _NotApplicable | None:
    """110/118/119, with or without 184/186, reach an emergency trunk for every subscriber."""
    if j.expected.branch is not Branch.EMERGENCY:
        return NOT_APPLICABLE
    return _first_leg_is(j, Route.EMERGENCY, j.expected.destination)


@check()
def presentation_follows_prefix(j: Judgement) -> str | _NotApplicable | None:
    """On every routed call, 184 withholds the caller ID and 186 presents it."""
    want = j.expected.presentation
    if want is None or not j.outcome.legs:
        return NOT_APPLICABLE
    trunk_legs = [leg for leg in j.outcome.legs if leg.route is not Route.INTERNAL]
    if not trunk_legs:
        return NOT_APPLICABLE  # legs to internal endpoints are not judged (contract 4)
    for leg in trunk_legs:
        if leg.presentation is None:
            return f"{j.expected.cid} dialed; presentation on {leg.trunk} was not observed"
        if leg.presentation is not want:
            return (f"{j.expected.cid} dialed, so presentation should be {want}, "
                    f"but {leg.trunk} got {leg.presentation}")
    return None


@check(strict=True)
def invalid_is_blocked(j: Judgement) -> str | _NotApplicable | None:
    """A dial string outside the grammar is blocked."""
    if j.expected.in_grammar:
        return NOT_APPLICABLE
    for leg in j.outcome.legs:
        if leg.route is not Route.INTERNAL:
            return f"dial string is outside the grammar but reached {_describe(leg)}"
    return None




@dataclass(frozen=True)
class Failure:
    """One property broken by one call: a finding (exit 1), not an error."""

    check: str
    reason: str
    expected: Expected
    outcome: Outcome
    replay: str = field(default="", compare=False)

    @property
    def dial(self) -> str:
        return self.outcome.dial

    @property
    def subscriber(self) -> str:
        return self.outcome.subscriber
