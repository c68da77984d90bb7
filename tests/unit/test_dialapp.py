from harness.drivers.dialapp import dial_targets, failed_dials
from harness.drivers.ami import parse_presentation
from harness.drivers.events import endpoint_of
from harness.model import Presentation, Step


def test_dial_targets() -> None:
    ts = dial_targets("PJSIP/0312345678@jp-domestic&SIP/carrier/0312,30,tT")
    assert [(t.tech, t.endpoint, t.number) for t in ts] == [
        ("PJSIP", "jp-domestic", "0312345678"), ("SIP", "SIP/carrier", "0312")]
    assert dial_targets("Local/0312@ctx/n") == []
    assert [(t.endpoint, t.number) for t in dial_targets("PJSIP/trunk/sip:0312@1.2.3.4")] == [
        ("trunk", "sip:0312@1.2.3.4")]


def test_failed_dials_only_unknown() -> None:
    steps = [Step("c", "x", 1, "Dial", "PJSIP/03@known"), Step("c", "x", 2, "Dial", "PJSIP/03@typo-trunk")]
    assert [t.endpoint for t in failed_dials(steps, {"known"})] == ["typo-trunk"]


def test_endpoint_and_presentation() -> None:
    assert endpoint_of("PJSIP/jp-intl-0000002a") == "jp-intl"
    assert endpoint_of("PJSIP/a-b-c-00000001") == "a-b-c"
    assert parse_presentation("prohib") is Presentation.PROHIBITED
    assert parse_presentation("allowed_not_screened") is Presentation.ALLOWED
    assert parse_presentation("") is None
