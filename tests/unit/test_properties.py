"""The routing properties on hand-made outcomes: each check passes, fails, or says N/A."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import oracle
from harness.model import Leg, ObservedLeg, Outcome, Presentation, Route
from harness.profile import load_profile
from harness.properties import CHECKS, NOT_APPLICABLE, Judgement, select
from harness.target import Subscriber, Target, Trunk
from harness.verdict import read_leg

PROFILE = load_profile("jp")
OPEN = Subscriber("open", "from-internal")
BARRED = Subscriber("barred", "from-internal-barred", barred=frozenset({"international"}))
TRUNKS = {"dom": Trunk("dom", Route.DOMESTIC), "intl": Trunk("intl", Route.INTERNATIONAL),
          "emg": Trunk("emg", Route.EMERGENCY), "e164": Trunk("e164", Route.INTERNATIONAL, "e164")}
TARGET = Target(path=Path("/t.yaml"), dialplan=Path("/t.conf"), profile="jp",
                subscribers={"open": OPEN, "barred": BARRED}, trunks=TRUNKS)


def leg(trunk: str, outbound: str, pres: Presentation | None = Presentation.ALLOWED) -> Leg:
    # the one reading of a leg (route, destination, abroad), as every run makes it
    return read_leg(ObservedLeg(trunk, outbound, pres), TARGET, PROFILE)


def run(check: str, dial: str, sub: Subscriber, *legs: Leg):
    first = legs[0] if legs else None
    out = Outcome(dial=dial, subscriber=sub.name, route=first.route if first else Route.BLOCKED,
                  trunk=first.trunk if first else None, legs=tuple(legs))
    j = Judgement(expected=oracle.expect(dial, sub, PROFILE), outcome=out, subscriber=sub,
                  target=TARGET)
    return CHECKS[check].fn(j)


def test_registry_names_are_the_contract() -> None:
    assert list(CHECKS) == ["no_unintended_international", "barring_holds",
                            "domestic_reaches_domestic", "international_when_allowed",
                            "emergency_always", "presentation_follows_prefix",
                            "invalid_is_blocked"]
    assert [c.name for c in select()] == list(CHECKS)[:-1]
    assert [c.name for c in select(strict=True)] == list(CHECKS)
    assert [c.name for c in select(exclude=["barring_holds"])][1] == "domestic_reaches_domestic"


def test_unknown_check_name_is_an_input_error() -> None:
    from harness.errors import InputError
    with pytest.raises(InputError, match="did you mean 'barring_holds'"):
        select(["barring_hold"])


def failed(result: object, phrase: str) -> bool:
    """A check's answer is a failure naming ``phrase``: a str, never None or NOT_APPLICABLE."""
    assert isinstance(result, str), result
    assert phrase in result, result
    return True


def test_field_report_is_caught() -> None:
    # 186 080... sent abroad as +1 860 80...
    bad = leg("intl", "0101860801234567")
    assert failed(run("no_unintended_international", "18608012345678", OPEN, bad),
                  "no international prefix")
    assert failed(run("barring_holds", "18608012345678", BARRED, bad), "barred")
    assert failed(run("domestic_reaches_domestic", "18608012345678", OPEN, bad),
                  "expected domestic to +818012345678, observed trunk intl")
    good = leg("dom", "08012345678")
    assert run("no_unintended_international", "18608012345678", OPEN, good) is None
    assert run("domestic_reaches_domestic", "18608012345678", OPEN, good) is None


def test_unreadable_number_on_a_domestic_trunk_counts_as_abroad() -> None:
    # cid left attached: the trunk cannot read "186080...", so it is treated as abroad
    assert failed(run("no_unintended_international", "18608012345678", OPEN,
                      leg("dom", "18608012345678")), "destination unreadable")


def test_intl_must_be_exact_and_unbarred() -> None:
    assert run("no_unintended_international", "01012125551234", OPEN, leg("intl", "01012125551234")) is None
    assert failed(run("no_unintended_international", "01012125551234", OPEN,
                      leg("intl", "0101212555123")), "exactly the digits dialed")
    assert failed(run("no_unintended_international", "01012125551234", BARRED,
                      leg("intl", "01012125551234")), "barred from international")
    assert run("no_unintended_international", "+12125551234", OPEN, leg("e164", "+12125551234")) is None
    # an international destination on a domestic trunk is still abroad
    assert failed(run("no_unintended_international", "01012125551234", OPEN,
                      leg("dom", "01012125551234")), "sent to a domestic trunk")


def test_plus81_is_domestic() -> None:
    assert failed(run("no_unintended_international", "+81312345678", OPEN,
                      leg("intl", "01081312345678")), "no international prefix")
    assert run("domestic_reaches_domestic", "+81312345678", OPEN, leg("dom", "0312345678")) is None


def test_barring_not_applicable_to_open() -> None:
    assert run("barring_holds", "01012125551234", OPEN, leg("intl", "01012125551234")) is NOT_APPLICABLE
    assert run("barring_holds", "01012125551234", BARRED) is None


def test_emergency_always() -> None:
    assert run("emergency_always", "184110", BARRED, leg("emg", "110", Presentation.PROHIBITED)) is None
    assert failed(run("emergency_always", "110", BARRED), "blocked")
    assert run("emergency_always", "0312345678", OPEN) is NOT_APPLICABLE


def test_presentation_follows_prefix() -> None:
    assert run("presentation_follows_prefix", "1840312345678", OPEN,
               leg("dom", "0312345678", Presentation.PROHIBITED)) is None
    assert failed(run("presentation_follows_prefix", "1840312345678", OPEN,
                      leg("dom", "0312345678", Presentation.ALLOWED)), "prohibited")
    assert failed(run("presentation_follows_prefix", "1860312345678", OPEN,
                      leg("dom", "0312345678", None)), "not observed")
    assert run("presentation_follows_prefix", "0312345678", OPEN, leg("dom", "0312345678")) is NOT_APPLICABLE


def test_international_when_allowed() -> None:
    # `is not None` alone would pass for NOT_APPLICABLE: the answer must be a failure
    assert failed(run("international_when_allowed", "+12125551234", OPEN),
                  "expected international to +12125551234, but the call was blocked")
    assert run("international_when_allowed", "+12125551234", OPEN,
               leg("e164", "+12125551234")) is None
    assert run("international_when_allowed", "+12125551234", BARRED) is NOT_APPLICABLE


def test_invalid_is_blocked() -> None:
    assert run("invalid_is_blocked", "999", OPEN) is None
    assert failed(run("invalid_is_blocked", "999", OPEN, leg("dom", "999")),
                  "outside the grammar but reached trunk dom")
    assert run("invalid_is_blocked", "0312345678", OPEN) is NOT_APPLICABLE


def test_unmapped_leg_counts_as_abroad_when_judged_alone() -> None:
    # Session.place raises UnmappedChannel first; a check seeing such a leg fails safe
    out = run("barring_holds", "0312345678", BARRED, leg("nowhere", "0312345678"))
    assert isinstance(out, str) and "barred subscriber reached trunk nowhere" in out
    out = run("no_unintended_international", "0312345678", OPEN, leg("nowhere", "0312345678"))
    assert isinstance(out, str) and "no international prefix" in out
    out = run("domestic_reaches_domestic", "0312345678", OPEN, leg("nowhere", "0312345678"))
    assert isinstance(out, str) and "unmapped" in out


def internal_leg(endpoint: str) -> Leg:
    return Leg(endpoint, Route.INTERNAL, endpoint, None, None)


def test_internal_leg_is_not_abroad_and_presentation_is_not_judged() -> None:
    assert run("barring_holds", "201", BARRED, internal_leg("201")) is None
    assert run("no_unintended_international", "201", OPEN, internal_leg("201")) is None
    assert run("presentation_follows_prefix", "184201", OPEN, internal_leg("201")) is NOT_APPLICABLE
    out = run("presentation_follows_prefix", "1840312345678", OPEN, internal_leg("201"),
              leg("dom", "0312345678", Presentation.ALLOWED))
    assert isinstance(out, str) and "prohibited" in out
    assert run("invalid_is_blocked", "201", OPEN, internal_leg("201")) is None
    out = run("domestic_reaches_domestic", "0312345678", OPEN, internal_leg("201"))
    assert isinstance(out, str) and "internal" in out
