"""The verdict core: raw observations read once against target and profile, then judged."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import oracle, verdict
from harness.model import Observation, ObservedLeg, Presentation, Route, Step
from harness.profile import load_profile
from harness.properties import CHECKS, select
from harness.target import Internal, Subscriber, Target, Trunk

JP = load_profile("jp")
OPEN = Subscriber("open", "from-internal")
BARRED = Subscriber("barred", "from-internal-barred", barred=frozenset({"international"}))
TRUNKS = {"dom": Trunk("dom", Route.DOMESTIC), "intl": Trunk("intl", Route.INTERNATIONAL),
          "emg": Trunk("emg", Route.EMERGENCY), "e164": Trunk("e164", Route.INTERNATIONAL, "e164")}
TARGET = Target(path=Path("/t/target.yaml"), dialplan=Path("/t/extensions.conf"), profile="jp",
                subscribers={"open": OPEN, "barred": BARRED}, trunks=TRUNKS,
                internal=Internal(endpoints=("PJSIP/2XX",)))
ALLOW = Presentation.ALLOWED


def read(endpoint: str, outbound: str):
    return verdict.read_leg(ObservedLeg(endpoint, outbound, ALLOW), TARGET, JP)


def test_the_route_of_a_leg_is_its_trunks_and_the_destination_its_number_format() -> None:
    dom = read("dom", "0312345678")
    assert (dom.route, dom.destination, dom.abroad) == (Route.DOMESTIC, "+81312345678", False)
    intl = read("intl", "0101212555123")
    assert (intl.route, intl.destination, intl.abroad) == (
        Route.INTERNATIONAL, "+1212555123", True)
    # the field report: a number the trunk cannot read counts as abroad
    odd = read("e164", "18608012345678")
    assert (odd.destination, odd.abroad) == (None, True)
    assert read("emg", "110").abroad is False


def test_internal_and_unmapped_endpoints() -> None:
    phone = read("201", "201")
    assert (phone.route, phone.destination, phone.abroad) == (Route.INTERNAL, None, False)
    other = read("other-carrier", "0312345678")
    assert (other.route, other.destination, other.abroad) == (Route.UNMAPPED, None, True)
    assert verdict.resource_of("DAHDI/g0") == "DAHDI/g0"
    assert verdict.resource_of("jp-intl") == "PJSIP/jp-intl"


def test_the_first_leg_stands_for_the_call_and_every_leg_is_kept() -> None:
    obs = Observation("0312345678", "open", cause=34,
                      legs=(ObservedLeg("dom", "0312345678", ALLOW),
                            ObservedLeg("intl", "0081312345678", ALLOW)))
    out = verdict.read(obs, TARGET, JP)
    assert (out.route, out.trunk, out.destination, out.cause) == (
        Route.DOMESTIC, "dom", "+81312345678", 34)
    assert [leg.trunk for leg in out.legs] == ["dom", "intl"]
    blocked = verdict.read(Observation("999", "open", cause=1), TARGET, JP)
    assert (blocked.route, blocked.legs, blocked.cause) == (Route.BLOCKED, (), 1)


def test_a_dial_that_created_no_channel_is_read_from_its_step() -> None:
    # Asterisk skips a resource it cannot create: only the Dial step shows it
    step = Step("from-internal", "0312345678", 1, "Dial", "PJSIP/0312345678@nowhere,30")
    out = verdict.read(Observation("0312345678", "open", steps=(step,)), TARGET, JP)
    assert [(leg.trunk, leg.route, leg.outbound) for leg in out.legs] == [
        ("nowhere", Route.UNMAPPED, "0312345678")]
    # a Dial to a known trunk that left no leg is not invented as one
    known = Step("from-internal", "0312345678", 1, "Dial", "PJSIP/0312345678@dom,30")
    assert verdict.read(Observation("0312345678", "open", steps=(known,)), TARGET, JP).legs == ()


def test_verdict_reads_each_call_once_and_builds_one_replay_line(monkeypatch) -> None:
    expects, reads = [], []
    real_expect, real_read = oracle.expect, oracle.read_destination
    monkeypatch.setattr(oracle, "expect", lambda *a: expects.append(a) or real_expect(*a))
    monkeypatch.setattr(oracle, "read_destination",
                        lambda *a: reads.append(a) or real_read(*a))
    lines = []

    class Counting(verdict.Replay):
        def line(self, dial: str, subscriber: str) -> str:
            lines.append((dial, subscriber))
            return super().line(dial, subscriber)

    bad = Observation("18608012345678", "barred",
                      legs=(ObservedLeg("intl", "0101860801234567", ALLOW),))
    good = Observation("0312345678", "open", legs=(ObservedLeg("dom", "0312345678", ALLOW),))
    tally = verdict.Tally()
    failures = verdict.verdict([bad, good], TARGET, JP, select(strict=True),
                               replay=Counting(TARGET.path, "sip"), tally=tally)
    assert len(expects) == 2 and len(reads) == 2  # once per call and per leg, not per check
    assert {f.check for f in failures} == {"no_unintended_international", "barring_holds",
                                           "domestic_reaches_domestic"}
    assert lines == [("18608012345678", "barred")]  # one line per failing call
    assert all(f.replay == failures[0].replay for f in failures)
    assert "--driver sip" in failures[0].replay and "18608012345678" in failures[0].replay
    assert tally.judged["barring_holds"] == 1  # the open subscriber is not judged by it
    assert tally.failed["domestic_reaches_domestic"] == 1
    assert tally.judged["domestic_reaches_domestic"] == 2
    assert set(tally.seconds) == set(CHECKS)


def test_replay_line_quotes_and_names_driver_and_backend() -> None:
    line = verdict.Replay(Path("/x/my target.yaml"), "ami", "external").line("#31#", "a b")
    assert line == ("dialharness explain '/x/my target.yaml' '#31#' --subscriber 'a b' "
                    "--backend external")
    assert "--driver" not in line


def test_an_unknown_subscriber_is_an_input_error() -> None:
    from harness.errors import DialharnessError
    with pytest.raises(DialharnessError):
        verdict.judgement(Observation("110", "nobody"), TARGET, JP)


def test_one_reading_of_which_endpoints_the_target_maps() -> None:
    """channels.check_observations refuses exactly the legs read_leg reads as unmapped."""
    for endpoint, mapped in (("dom", True), ("201", True), ("2011", False), ("nowhere", False),
                             ("DAHDI/g0", False)):
        assert verdict.is_mapped(endpoint, TARGET) is mapped, endpoint
        assert (read(endpoint, "0312345678").route is not Route.UNMAPPED) is mapped, endpoint
    assert verdict.is_internal("201", TARGET) and not verdict.is_internal("dom", TARGET)
