"""judge(): the literal fields of a scenario's expectation against an observed Outcome."""
from __future__ import annotations

import pytest

from harness.model import Leg, Outcome, Presentation, Route
from harness.scenario import Expectation, ScenarioCall, judge, properties_of


def call(dial: str = "18608012345678", subscriber: str = "intl_barred",
         **expect: object) -> ScenarioCall:
    return ScenarioCall(subscriber=subscriber, dial=dial,
                        expect=Expectation(**expect),  # type: ignore[arg-type]
                        line=7, name=f"t [{subscriber}] {dial}")


def routed(route: Route, trunk: str, destination: str, presentation: Presentation,
           dial: str = "18608012345678", subscriber: str = "intl_barred",
           cause: int | None = 16) -> Outcome:
    leg = Leg(trunk=trunk, route=route, outbound=destination, destination=destination,
              presentation=presentation)
    return Outcome(dial=dial, subscriber=subscriber, route=route, trunk=trunk,
                   outbound=destination, destination=destination, presentation=presentation,
                   cause=cause, legs=(leg,))


DOMESTIC = routed(Route.DOMESTIC, "jp-domestic", "+818012345678", Presentation.ALLOWED)
# The field report: 186 080... read as +1 860 80...
ABROAD = routed(Route.INTERNATIONAL, "jp-intl", "+18608012345678", Presentation.ALLOWED)
BLOCKED = Outcome(dial="18608012345678", subscriber="intl_barred", route=Route.BLOCKED,
                  cause=21)

FULL = dict(route=Route.DOMESTIC, trunk="jp-domestic", destination="+818012345678",
            presentation=Presentation.ALLOWED)


def test_everything_matches() -> None:
    assert judge(call(**FULL, cause=16), DOMESTIC) == []


def test_route_mismatch_message() -> None:
    assert judge(call(route=Route.DOMESTIC), ABROAD) == [
        "route: expected domestic, observed international"]


def test_all_mismatches_route_first() -> None:
    assert judge(call(**FULL), ABROAD) == [
        "route: expected domestic, observed international",
        "trunk: expected jp-domestic, observed jp-intl",
        "destination: expected +818012345678, observed +18608012345678",
    ]


def test_fields_a_blocked_call_lacks_show_as_none() -> None:
    assert judge(call(**FULL, cause=16), BLOCKED) == [
        "route: expected domestic, observed blocked",
        "trunk: expected jp-domestic, observed none",
        "destination: expected +818012345678, observed none",
        "presentation: expected allowed, observed none",
        "cause: expected 16, observed 21",
    ]


def test_expected_block_that_got_through() -> None:
    assert judge(call(route=Route.BLOCKED, cause=21), ABROAD) == [
        "route: expected blocked, observed international",
        "cause: expected 21, observed 16",
    ]


def test_presentation_mismatch() -> None:
    out = routed(Route.EMERGENCY, "jp-emergency", "110", Presentation.ALLOWED, dial="184110")
    assert judge(call(dial="184110", route=Route.EMERGENCY, destination="110",
                      presentation=Presentation.PROHIBITED), out) == [
        "presentation: expected prohibited, observed allowed"]


def test_fields_left_out_are_not_judged() -> None:
    assert judge(call(properties=("barring_holds",)), ABROAD) == []
    assert judge(call(trunk="jp-intl"), ABROAD) == []


def test_properties_are_exposed_for_the_runner() -> None:
    c = call(route=Route.BLOCKED, properties=("barring_holds", "no_unintended_international"))
    assert properties_of(c) == ("barring_holds", "no_unintended_international")


@pytest.mark.parametrize("dial, subscriber", [("110", "intl_barred"), ("18608012345678", "open")])
def test_outcome_of_another_call_is_a_tool_bug(dial: str, subscriber: str) -> None:
    with pytest.raises(ValueError, match="given for call"):
        judge(call(route=Route.BLOCKED), routed(Route.DOMESTIC, "jp-domestic", "+81",
                                                Presentation.ALLOWED, dial=dial,
                                                subscriber=subscriber))
