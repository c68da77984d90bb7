"""Every property, every branch: holds (None), fails (a str), or not applicable.

Contract section 4. Each assertion compares exactly: ``is None``, ``is NOT_APPLICABLE``, or
``isinstance(result, str)`` and then a phrase of the reason, so that a check that always
answers "not applicable" (or always None) fails here. Written against the mutants
scripts/mutation.sh makes of harness/properties.py (docs/mutation.md).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness import oracle
from harness.errors import InputError
from harness.model import Branch, Expected, Leg, ObservedLeg, Outcome, Presentation, Route
from harness.profile import load_profile
from harness.properties import CHECKS, NOT_APPLICABLE, Failure, Judgement, select
from harness.verdict import Tally, judge, read_leg
from harness.target import Subscriber, Target, Trunk

JP = load_profile("jp")
OPEN = Subscriber("open", "from-internal")
BARRED = Subscriber("barred", "from-internal-barred", barred=frozenset({"international"}))
TRUNKS = {"dom": Trunk("dom", Route.DOMESTIC), "intl": Trunk("intl", Route.INTERNATIONAL),
          "emg": Trunk("emg", Route.EMERGENCY)}
TARGET = Target(path=Path("/t.yaml"), dialplan=Path("/t.conf"), profile="jp",
                subscribers={"open": OPEN, "barred": BARRED}, trunks=TRUNKS)
US = "12125551234"
ALLOW, PROHIB = Presentation.ALLOWED, Presentation.PROHIBITED


def trunk_leg(trunk: str, outbound: str, pres: Presentation | None = ALLOW) -> Leg:
    assert trunk in TRUNKS
    return read_leg(ObservedLeg(trunk, outbound, pres), TARGET, JP)


def internal_leg(endpoint: str = "PJSIP/201") -> Leg:
    return Leg(endpoint, Route.INTERNAL, "201", None, None, abroad=False)


def unmapped_leg(outbound: str = "0312345678") -> Leg:
    return Leg("PJSIP/other-carrier", Route.UNMAPPED, outbound, None, ALLOW)


def judgement(dial: str, sub: Subscriber, *legs: Leg, cause: int | None = 16) -> Judgement:
    first = legs[0] if legs else None
    out = Outcome(dial=dial, subscriber=sub.name, route=first.route if first else Route.BLOCKED,
                  trunk=first.trunk if first else None, cause=cause, legs=tuple(legs))
    return Judgement(expected=oracle.expect(dial, sub, JP), outcome=out, subscriber=sub,
                     target=TARGET)


def run(name: str, dial: str, sub: Subscriber, *legs: Leg, cause: int | None = 16) -> object:
    return CHECKS[name].fn(judgement(dial, sub, *legs, cause=cause))


def fails(result: object, *phrases: str) -> bool:
    assert isinstance(result, str), result
    for phrase in phrases:
        assert phrase in result, (phrase, result)
    return True


# --- NOT_APPLICABLE itself -------------------------------------------------------------------

def test_not_applicable_has_no_truth_value_and_a_name() -> None:
    with pytest.raises(TypeError, match="compare with `is`"):
        bool(NOT_APPLICABLE)
    with pytest.raises(TypeError):
        assert not NOT_APPLICABLE
    assert repr(NOT_APPLICABLE) == "NOT_APPLICABLE"


# --- no_unintended_international -------------------------------------------------------------
NUI = "no_unintended_international"


def test_nui_holds_when_nothing_goes_abroad_and_is_never_not_applicable() -> None:
    assert run(NUI, "0312345678", OPEN) is None                                  # no leg
    assert run(NUI, "0312345678", OPEN, trunk_leg("dom", "0312345678")) is None  # +81
    assert run(NUI, "110", BARRED, trunk_leg("emg", "110")) is None             # short code
    assert run(NUI, "201", OPEN, internal_leg()) is None                        # internal
    assert run(NUI, "999", BARRED, trunk_leg("dom", "0312345678")) is None


def test_nui_holds_for_an_exact_unbarred_international_call() -> None:
    assert run(NUI, "010" + US, OPEN, trunk_leg("intl", "010" + US)) is None
    assert run(NUI, "+" + US, OPEN, trunk_leg("intl", "010" + US)) is None
    assert run(NUI, "1860033010" + US, OPEN, trunk_leg("intl", "010" + US)) is None


def test_nui_fails_without_an_international_prefix() -> None:
    assert fails(run(NUI, "0312345678", OPEN, trunk_leg("intl", "0101312345678")),
                 "no international prefix", "trunk intl (international)")
    # a domestic trunk asked to call abroad is abroad too, whatever its route
    assert fails(run(NUI, "0312345678", OPEN, trunk_leg("dom", "010" + US)),
                 "no international prefix", "destination +" + US)
    # a number the trunk cannot read is abroad (the field report)
    assert fails(run(NUI, "18608012345678", OPEN, trunk_leg("dom", "18608012345678")),
                 "no international prefix", "destination unreadable")
    # a leg nobody mapped counts as abroad when judged alone
    assert fails(run(NUI, "0312345678", OPEN, unmapped_leg()), "no international prefix")


def test_nui_fails_for_a_barred_subscriber() -> None:
    assert fails(run(NUI, "010" + US, BARRED, trunk_leg("intl", "010" + US)),
                 "subscriber is barred from international")


def test_nui_fails_when_the_international_call_is_sent_to_another_route() -> None:
    assert fails(run(NUI, "010" + US, OPEN, trunk_leg("dom", "010" + US)),
                 "international destination sent to a domestic trunk")
    assert fails(run(NUI, "010" + US, OPEN, trunk_leg("emg", "010" + US)),
                 "sent to a emergency trunk")


def test_nui_fails_unless_the_destination_is_exactly_the_digits_dialed() -> None:
    assert fails(run(NUI, "010" + US, OPEN, trunk_leg("intl", "010" + US[:-1])),
                 "exactly the digits dialed after the prefix", "+" + US)
    assert fails(run(NUI, "010" + US, OPEN, trunk_leg("intl", "010" + US + "9")),
                 "exactly the digits")
    # an international trunk sent a home number: abroad by route, not the digits dialed
    assert fails(run(NUI, "010" + US, OPEN, trunk_leg("intl", "0312345678")),
                 "exactly the digits")


def test_nui_judges_every_leg_not_just_the_first() -> None:
    assert fails(run(NUI, "0312345678", OPEN, trunk_leg("dom", "0312345678"),
                     trunk_leg("intl", "010" + US)), "no international prefix", "trunk intl")
    assert fails(run(NUI, "201", OPEN, internal_leg(), trunk_leg("intl", "010" + US)),
                 "no international prefix")
    assert fails(run(NUI, "010" + US, OPEN, trunk_leg("intl", "010" + US),
                     trunk_leg("intl", "0104412345678")), "exactly the digits")


# --- barring_holds ---------------------------------------------------------------------------
BH = "barring_holds"


def test_barring_is_not_applicable_to_an_unbarred_subscriber() -> None:
    assert run(BH, "010" + US, OPEN, trunk_leg("intl", "010" + US)) is NOT_APPLICABLE
    assert run(BH, "0312345678", OPEN) is NOT_APPLICABLE


def test_barring_holds_when_nothing_goes_abroad() -> None:
    assert run(BH, "010" + US, BARRED) is None
    assert run(BH, "0312345678", BARRED, trunk_leg("dom", "0312345678")) is None
    assert run(BH, "119", BARRED, trunk_leg("emg", "119")) is None
    assert run(BH, "201", BARRED, internal_leg()) is None


def test_barring_fails_on_any_leg_abroad() -> None:
    assert fails(run(BH, "010" + US, BARRED, trunk_leg("intl", "010" + US)),
                 "barred subscriber reached trunk intl (international)")
    assert fails(run(BH, "*1", BARRED, trunk_leg("dom", "010" + US)),
                 "barred subscriber reached trunk dom")
    assert fails(run(BH, "186080", BARRED, trunk_leg("dom", "186080")), "destination unreadable")
    assert fails(run(BH, "0312345678", BARRED, unmapped_leg()), "PJSIP/other-carrier")
    # the second leg counts as much as the first
    assert fails(run(BH, "0312345678", BARRED, trunk_leg("dom", "0312345678"),
                     trunk_leg("intl", "010" + US)), "trunk intl")
    assert fails(run(BH, "201", BARRED, internal_leg(), trunk_leg("intl", "010" + US)),
                 "trunk intl")


# --- domestic_reaches_domestic, international_when_allowed, emergency_always -----------------
DRD, IWA, EA = "domestic_reaches_domestic", "international_when_allowed", "emergency_always"


@pytest.mark.parametrize("dial", ["010" + US, "+" + US, "110", "999", ""])
def test_domestic_is_not_applicable_outside_its_branches(dial: str) -> None:
    assert run(DRD, dial, OPEN, trunk_leg("dom", "0312345678")) is NOT_APPLICABLE


@pytest.mark.parametrize("dial, sub", [("0312345678", OPEN), ("+81312345678", BARRED),
                                        ("18400330312345678", BARRED)])
def test_domestic_holds_and_fails_for_each_of_its_branches(dial: str, sub: Subscriber) -> None:
    assert run(DRD, dial, sub, trunk_leg("dom", "0312345678")) is None
    assert run(DRD, dial, sub, trunk_leg("dom", "00330312345678")) is None
    assert fails(run(DRD, dial, sub, cause=17), "expected domestic to +81312345678",
                 "the call was blocked (cause 17)")
    assert fails(run(DRD, dial, sub, trunk_leg("intl", "01081312345678")),
                 "expected domestic to +81312345678, observed trunk intl (international)")
    assert fails(run(DRD, dial, sub, trunk_leg("dom", "0312345679")),
                 "expected destination +81312345678, observed", "+81312345679")
    assert fails(run(DRD, dial, sub, internal_leg()), "observed trunk PJSIP/201 (internal)")


def test_reaching_is_judged_on_the_calls_first_leg() -> None:
    # contract section 2: a call's route, trunk and destination are its first leg's
    assert fails(run(DRD, "0312345678", OPEN, trunk_leg("intl", "01081312345678"),
                     trunk_leg("dom", "0312345678")), "observed trunk intl")
    assert run(DRD, "0312345678", OPEN, trunk_leg("dom", "0312345678"),
               trunk_leg("dom", "0312345679")) is None


@pytest.mark.parametrize("dial, sub", [
    ("0312345678", OPEN), ("+81312345678", OPEN), ("110", OPEN), ("999", OPEN),
    ("010" + US, BARRED), ("+" + US, BARRED), ("186010" + US, BARRED),
])
def test_international_when_allowed_is_not_applicable(dial: str, sub: Subscriber) -> None:
    assert run(IWA, dial, sub, trunk_leg("intl", "010" + US)) is NOT_APPLICABLE
    assert run(IWA, dial, sub) is NOT_APPLICABLE


@pytest.mark.parametrize("dial", ["010" + US, "+" + US, "1840077010" + US])
def test_international_when_allowed_holds_and_fails(dial: str) -> None:
    assert run(IWA, dial, OPEN, trunk_leg("intl", "010" + US)) is None
    assert fails(run(IWA, dial, OPEN, cause=21), "expected international to +" + US,
                 "blocked (cause 21)")
    assert fails(run(IWA, dial, OPEN, trunk_leg("dom", "010" + US)),
                 "expected international to +" + US, "observed trunk dom (domestic)")
    assert fails(run(IWA, dial, OPEN, trunk_leg("intl", "0104412345678")),
                 "expected destination +" + US, "+4412345678")


@pytest.mark.parametrize("dial", ["0312345678", "010" + US, "+" + US, "1100", "0033110"])
def test_emergency_is_not_applicable_to_other_strings(dial: str) -> None:
    assert run(EA, dial, BARRED, trunk_leg("emg", "110")) is NOT_APPLICABLE


@pytest.mark.parametrize("dial, code, sub", [
    ("110", "110", OPEN), ("118", "118", BARRED), ("184119", "119", BARRED),
    ("186110", "110", OPEN),
])
def test_emergency_holds_and_fails(dial: str, code: str, sub: Subscriber) -> None:
    assert run(EA, dial, sub, trunk_leg("emg", code)) is None
    assert fails(run(EA, dial, sub, cause=1), f"expected emergency to {code}", "(cause 1)")
    assert fails(run(EA, dial, sub, trunk_leg("dom", code)),
                 f"expected emergency to {code}, observed trunk dom (domestic)")
    other = "119" if code != "119" else "110"
    assert fails(run(EA, dial, sub, trunk_leg("emg", other)),
                 f"expected destination {code}, observed trunk emg", f"destination {other}")


# --- presentation_follows_prefix -------------------------------------------------------------
PFP = "presentation_follows_prefix"


def test_presentation_not_applicable_without_cid_without_legs_or_only_internal() -> None:
    assert run(PFP, "0312345678", OPEN, trunk_leg("dom", "0312345678", PROHIB)) \
        is NOT_APPLICABLE
    assert run(PFP, "1840312345678", OPEN) is NOT_APPLICABLE
    assert run(PFP, "184201", OPEN, internal_leg()) is NOT_APPLICABLE
    assert run(PFP, "186201", OPEN, internal_leg(), internal_leg("PJSIP/202")) is NOT_APPLICABLE


@pytest.mark.parametrize("dial, want, other", [
    ("1840312345678", PROHIB, ALLOW), ("1860312345678", ALLOW, PROHIB),
    ("184110", PROHIB, ALLOW), ("186+" + US, ALLOW, PROHIB),
])
def test_presentation_holds_and_fails(dial: str, want: Presentation,
                                      other: Presentation) -> None:
    code = dial[:3]
    good = trunk_leg("dom", "0312345678", want)
    assert run(PFP, dial, OPEN, good) is None
    assert run(PFP, dial, OPEN, internal_leg(), good, good) is None
    assert fails(run(PFP, dial, OPEN, trunk_leg("dom", "0312345678", other)),
                 f"{code} dialed, so presentation should be {want}", f"dom got {other}")
    assert fails(run(PFP, dial, OPEN, trunk_leg("dom", "0312345678", None)),
                 f"{code} dialed; presentation on dom was not observed")
    # every trunk leg is judged, after internal ones and after a right one
    assert fails(run(PFP, dial, OPEN, internal_leg(), trunk_leg("intl", "010" + US, other)),
                 "intl got")
    assert fails(run(PFP, dial, OPEN, good, trunk_leg("intl", "010" + US, other)), "intl got")
    assert fails(run(PFP, dial, OPEN, good, trunk_leg("intl", "010" + US, None)),
                 "presentation on intl was not observed")


# --- invalid_is_blocked ----------------------------------------------------------------------
IIB = "invalid_is_blocked"


@pytest.mark.parametrize("dial", ["0312345678", "110", "010" + US, "+81312345678"])
def test_invalid_is_blocked_not_applicable_in_the_grammar(dial: str) -> None:
    assert run(IIB, dial, OPEN, trunk_leg("dom", "0312345678")) is NOT_APPLICABLE
    assert run(IIB, dial, OPEN) is NOT_APPLICABLE


def test_invalid_is_blocked_holds_and_fails() -> None:
    assert run(IIB, "999", OPEN) is None
    assert run(IIB, "201", OPEN, internal_leg()) is None
    assert fails(run(IIB, "999", OPEN, trunk_leg("dom", "0312345678")),
                 "outside the grammar but reached trunk dom (domestic) with '0312345678'")
    assert fails(run(IIB, "201", OPEN, internal_leg(), trunk_leg("intl", "010" + US)),
                 "outside the grammar but reached trunk intl")


# --- registry, select, judge ---------------------------------------------------------------

def test_only_invalid_is_blocked_is_strict_and_every_check_has_its_summary() -> None:
    assert [n for n, c in CHECKS.items() if c.strict] == ["invalid_is_blocked"]
    for name, info in CHECKS.items():
        assert info.name == name and info.fn.__name__ == name
        assert info.summary == info.fn.__doc__.strip().splitlines()[0] and info.summary


def test_select_by_name_and_exclusion() -> None:
    names = list(CHECKS)
    assert [c.name for c in select(["invalid_is_blocked"])] == ["invalid_is_blocked"]
    assert [c.name for c in select([" barring_holds ", "", "emergency_always"])] == [
        "barring_holds", "emergency_always"]
    assert [c.name for c in select([])] == names[:-1]
    assert [c.name for c in select(exclude=["barring_holds", " "])] == [
        n for n in names[:-1] if n != "barring_holds"]
    assert [c.name for c in select(strict=True, exclude=["invalid_is_blocked"])] == names[:-1]
    with pytest.raises(InputError, match="unknown check 'emergency'"):
        select(exclude=["emergency"])


def test_judge_returns_failures_and_counts_only_judged_calls() -> None:
    j = judgement("0312345678", OPEN, trunk_leg("intl", "01081312345678"))
    tally = Tally()
    counts = tally.judged
    failures = judge([j], select(strict=True), tally=tally)
    assert [f.check for f in failures] == ["no_unintended_international",
                                           "domestic_reaches_domestic"]
    assert failures[0].reason == CHECKS[NUI].fn(j)
    assert failures[0].expected is j.expected and failures[0].outcome is j.outcome
    assert failures[0].dial == "0312345678" and failures[0].subscriber == "open"
    # barring, international, emergency, presentation and strict said "not applicable"
    assert counts == Counter({"no_unintended_international": 1, "domestic_reaches_domestic": 1})
    judge([judgement("0312345678", OPEN, trunk_leg("dom", "0312345678"))], select(),
          tally=tally)
    assert counts == Counter({"no_unintended_international": 2, "domestic_reaches_domestic": 2})
    assert judge([judgement("0312345678", OPEN, trunk_leg("dom", "0312345678"))],
                 select()) == []
    assert tally.failed == Counter({"no_unintended_international": 1,
                                    "domestic_reaches_domestic": 1})


def test_a_failure_equals_another_whatever_its_replay_command() -> None:
    j = judgement("999", OPEN)
    exp = Expected("999", "open", Branch.INVALID, Route.BLOCKED, None, None)
    assert Failure("x", "r", exp, j.outcome, replay="a") == Failure("x", "r", exp, j.outcome)


def test_an_unmapped_leg_is_abroad_whatever_number_it_carries() -> None:
    # judged alone, a channel nobody mapped may be a second carrier: abroad, even with a
    # home destination, and never an international trunk
    home = Leg("PJSIP/other-carrier", Route.UNMAPPED, "0312345678", "+81312345678", ALLOW)
    assert fails(run(BH, "0312345678", BARRED, home), "barred subscriber reached")
    assert fails(run(NUI, "0312345678", OPEN, home), "no international prefix")
    to_us = Leg("PJSIP/other-carrier", Route.UNMAPPED, "010" + US, "+" + US, ALLOW)
    assert fails(run(NUI, "010" + US, OPEN, to_us), "international destination sent to a")
    # and the reading of an observed leg decides it so
    read = read_leg(ObservedLeg("other-carrier", "0312345678", ALLOW), TARGET, JP)
    assert (read.route, read.destination, read.abroad) == (Route.UNMAPPED, None, True)


def test_values_are_frozen() -> None:
    from dataclasses import FrozenInstanceError
    j = judgement("999", OPEN)
    failure = Failure("x", "r", j.expected, j.outcome)
    for value, attr in ((j, "expected"), (failure, "reason"), (CHECKS[BH], "strict")):
        with pytest.raises(FrozenInstanceError):
            setattr(value, attr, None)


def test_a_checks_summary_is_the_first_line_of_its_docstring() -> None:
    from harness.properties import check

    def probe_check(j: Judgement) -> None:
        """First line.

        More text.
        """

    try:
        check()(probe_check)
        assert CHECKS["probe_check"].summary == "First line."
        assert CHECKS["probe_check"].strict is False
    finally:
        CHECKS.pop("probe_check", None)
