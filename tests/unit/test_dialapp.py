"""Dial() resources read as Asterisk 22 reads them (harness/dialapp.py docstring
names the chan_pjsip / app_dial / res_pjsip rule behind each case), by the three
readers that share the one parser: dial_targets (AppData), parse_resource (one leg) and
dial_attempt (a DialBegin event)."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.ami import Message
from harness.drivers.ami import parse_presentation
from harness.dialapp import DialTarget, dial_targets, failed_dials, parse_resource
from harness.drivers.events import dial_attempt, endpoint_of
from harness.model import Presentation, Step
from harness.pbx.config import RunConfig, pjsip_conf
from harness.target import load_target


def _t(resource: str, **kw: object) -> tuple[str, str, str] | None:
    t = parse_resource(resource, **kw)  # type: ignore[arg-type]
    return None if t is None else (t.tech, t.endpoint, t.number)


# one row per form: resource, (tech, endpoint, number)
FORMS = [
    # PJSIP/number@endpoint: request user before the first '@' (chan_pjsip request())
    ("PJSIP/0312345678@jp-domestic", ("PJSIP", "jp-domestic", "0312345678")),
    # PJSIP/endpoint: no number in the dial string (the AOR contact's user is sent)
    ("PJSIP/jp-domestic", ("PJSIP", "jp-domestic", "")),
    # PJSIP/endpoint/URI: the URI's user is the Request-URI user; the host is no endpoint
    ("PJSIP/out-dom/sip:0120123456@carrier.example.jp", ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/sip:0120123456@carrier.example.jp:5070;transport=udp;user=phone",
     ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/sip:0120123456@203.0.113.7", ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/sip:0120123456@[2001:db8::1]:5060", ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/sips:0120123456@carrier.example.jp:5061",
     ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/SIP:0120123456@carrier.example.jp", ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/<sip:0120123456@carrier.example.jp>", ("PJSIP", "out-dom", "0120123456")),
    # password and %xx escapes are not part of the number
    ("PJSIP/out-dom/sip:0120123456:secret@carrier.example.jp",
     ("PJSIP", "out-dom", "0120123456")),
    ("PJSIP/out-dom/sip:%2B81120123456@carrier.example.jp", ("PJSIP", "out-dom", "+81120123456")),
    # everything after the endpoint's '/' is one URI, further '/' included
    ("PJSIP/out-dom/sip:0120123456@carrier.example.jp;x=a/b", ("PJSIP", "out-dom", "0120123456")),
    # a URI without user part, an AOR name: no number in the dial string
    ("PJSIP/out-dom/sip:carrier.example.jp", ("PJSIP", "out-dom", "")),
    ("PJSIP/out-dom/out-dom", ("PJSIP", "out-dom", "")),
    ("PJSIP/out-dom/", ("PJSIP", "out-dom", "")),
    # number@endpoint/URI: the request user replaces the URI's user (ast_sip_create_dialog_uac)
    ("PJSIP/0312345678@out-dom/sip:999@carrier.example.jp", ("PJSIP", "out-dom", "0312345678")),
    ("PJSIP/0312345678@out-dom/out-dom", ("PJSIP", "out-dom", "0312345678")),
    # an empty request user changes nothing
    ("PJSIP/@out-dom/sip:0120123456@carrier.example.jp", ("PJSIP", "out-dom", "0120123456")),
    # the first '@' (strchr), not the last
    ("PJSIP/0312@jp@domestic", ("PJSIP", "jp@domestic", "0312")),
    # technology is case-insensitive
    ("pjsip/0312345678@jp-domestic", ("PJSIP", "jp-domestic", "0312345678")),
    # other technologies: TECH/resource up to the next '/', then the number
    ("DAHDI/g0/0312345678", ("DAHDI", "DAHDI/g0", "0312345678")),
    ("IAX2/backup", ("IAX2", "IAX2/backup", "backup")),
    ("Local/0312@ctx/n", ("Local", "Local/0312@ctx", "n")),
    # not tech/resource: Dial() refuses it
    ("PJSIP", None), ("PJSIP/", None), ("/x", None), ("", None),
]


@pytest.mark.parametrize("resource,want", FORMS, ids=[r or "empty" for r, _ in FORMS])
def test_parse_resource(resource: str, want: tuple[str, str, str] | None) -> None:
    assert _t(resource) == want


def test_uri_form_is_not_read_as_number_at_host() -> None:
    # issue 12 item 2: the host of the URI was taken for the endpoint
    t = parse_resource("PJSIP/out-dom/sip:0120123456@carrier.example.jp")
    assert t == DialTarget("PJSIP", "out-dom", "0120123456")
    assert t is not None and t.location == "sip:0120123456@carrier.example.jp"


def test_multi_domain_endpoint_matched_exactly_first() -> None:
    # an endpoint named user@domain wins over the user@endpoint cut (multi-domain rule)
    assert _t("PJSIP/alice@example.jp", endpoints={"alice@example.jp"}) == (
        "PJSIP", "alice@example.jp", "")
    assert _t("PJSIP/alice@example.jp", endpoints={"example.jp"}) == (
        "PJSIP", "example.jp", "alice")
    assert _t("PJSIP/alice@example.jp/sip:0312@h", endpoints={"alice@example.jp"}) == (
        "PJSIP", "alice@example.jp", "0312")


def test_unresolved_variables_kept_whole() -> None:
    assert _t("PJSIP/${EXTEN}@jp-domestic") == ("PJSIP", "jp-domestic", "${EXTEN}")
    assert _t("PJSIP/${NUM}@${TRUNK}") == ("PJSIP", "${TRUNK}", "${NUM}")
    assert _t("PJSIP/${TRUNK}/sip:${EXTEN:1}@carrier.example.jp") == (
        "PJSIP", "${TRUNK}", "${EXTEN:1}")
    # no cut inside an expression: '@', '/', ':' and '&' in ${...} or $[...] stay put
    assert _t("PJSIP/${CUT(X,@,1)}@t") == ("PJSIP", "t", "${CUT(X,@,1)}")
    assert _t("PJSIP/$[${A}/2]@t") == ("PJSIP", "t", "$[${A}/2]")
    assert _t("PJSIP/t/sip:${IF($[${X}=1]?a@b:c)}@h") == ("PJSIP", "t", "${IF($[${X}=1]?a@b:c)}")
    # a technology only known at run time: one resource, kept whole
    assert _t("${OUT_1}") == ("${OUT_1}", "${OUT_1}", "")
    assert _t("${OUT_1}/${EXTEN}") == ("${OUT_1}", "${OUT_1}/${EXTEN}", "${EXTEN}")
    # unbalanced text never raises
    for junk in ("PJSIP/${EXTEN@t", "PJSIP/$[", "PJSIP/t/sip:", "PJSIP/t/sip:@", "PJSIP/\\",
                 'PJSIP/"a/b"@t', "PJSIP/(a/b", "${", "$["):
        parse_resource(junk)
        dial_targets(junk)


def test_dial_targets() -> None:
    ts = dial_targets("PJSIP/0312345678@jp-domestic&SIP/carrier/0312,30,tT")
    assert [(t.tech, t.endpoint, t.number) for t in ts] == [
        ("PJSIP", "jp-domestic", "0312345678"), ("SIP", "SIP/carrier", "0312")]
    assert dial_targets("Local/0312@ctx/n") == []
    assert [(t.endpoint, t.number) for t in dial_targets("PJSIP/trunk/sip:0312@1.2.3.4")] == [
        ("trunk", "0312")]


def test_dial_targets_parallel_every_leg() -> None:
    ts = dial_targets("PJSIP/out-dom/sip:0312345678@carrier.example.jp:5060"
                      " & PJSIP/0312345678@jp-backup &&Local/x@ctx&PJSIP/jp-third/sip:0312@h,60,tT")
    assert [(t.endpoint, t.number) for t in ts] == [
        ("out-dom", "0312345678"), ("jp-backup", "0312345678"), ("jp-third", "0312")]


def test_dial_targets_options_are_not_resources() -> None:
    # only Dial's first argument names resources; '&' and '/' in options (M(x^y), U(sub))
    # or a URL argument are not legs
    assert [t.endpoint for t in dial_targets("PJSIP/03@a,30,U(sub^PJSIP/x@b)&PJSIP/y@c")] == ["a"]
    # quotes and backslashes are removed, ',' in quotes/parentheses does not end the argument
    assert [(t.endpoint, t.number) for t in dial_targets('"PJSIP/03@a&PJSIP/04@b",30')] == [
        ("a", "03"), ("b", "04")]
    assert [(t.endpoint, t.number) for t in dial_targets(
        "PJSIP/t/sip:0312@h:5060\\;transport=udp,30")] == [("t", "0312")]
    assert [t.number for t in dial_targets("PJSIP/${CUT(NUM,-,1)}@t,30")] == ["${CUT(NUM,-,1)}"]
    assert dial_targets("") == [] and dial_targets(",30") == [] and dial_targets("PJSIP") == []


def test_failed_dials_only_unknown() -> None:
    steps = [Step("c", "x", 1, "Dial", "PJSIP/03@known"),
             Step("c", "x", 2, "Dial", "PJSIP/03@typo-trunk"),
             Step("c", "x", 3, "Dial", "PJSIP/known/sip:03@carrier.example.jp")]
    assert [t.endpoint for t in failed_dials(steps, {"known"})] == ["typo-trunk"]


def _dial_begin(dial_string: str, dest: str) -> Message:
    return Message("event", "DialBegin", {"Channel": "PJSIP/dialharness-phone-open-00000001",
                                          "DestChannel": dest, "DialString": dial_string,
                                          "Linkedid": "1.1"})


DIAL_BEGINS = [
    # DialString (the resource after PJSIP/), DestChannel, (endpoint, number)
    ("out-dom/sip:0120123456@carrier.example.jp", "PJSIP/out-dom-0000002a",
     ("out-dom", "0120123456")),
    ("out-dom/sip:0120123456@carrier.example.jp:5070;transport=udp", "PJSIP/out-dom-0000002b",
     ("out-dom", "0120123456")),
    ("0312345678@jp-domestic", "PJSIP/jp-domestic-00000001", ("jp-domestic", "0312345678")),
    ("0312345678@jp-domestic/sip:999@carrier.example.jp", "PJSIP/jp-domestic-00000002",
     ("jp-domestic", "0312345678")),
    ("jp-domestic", "PJSIP/jp-domestic-00000003", ("jp-domestic", "")),
    ("jp-domestic/jp-domestic", "PJSIP/jp-domestic-00000004", ("jp-domestic", "")),
    # a multi-domain endpoint named user@domain: the channel says which endpoint it is
    ("alice@example.jp", "PJSIP/alice@example.jp-00000005", ("alice@example.jp", "")),
]


@pytest.mark.parametrize("dial_string,dest,want", DIAL_BEGINS, ids=[d for d, _, _ in DIAL_BEGINS])
def test_dial_attempt(dial_string: str, dest: str, want: tuple[str, str]) -> None:
    a = dial_attempt(_dial_begin(dial_string, dest))
    assert a is not None
    assert (a.endpoint, a.number, a.channel) == (*want, dest)


def test_dial_attempt_skips_local_hops() -> None:
    assert dial_attempt(_dial_begin("0312@ctx", "Local/0312@ctx-00000001;1")) is None


def test_endpoint_and_presentation() -> None:
    assert endpoint_of("PJSIP/jp-intl-0000002a") == "jp-intl"
    assert endpoint_of("PJSIP/a-b-c-00000001") == "a-b-c"
    assert parse_presentation("prohib") is Presentation.PROHIBITED
    assert parse_presentation("allowed_not_screened") is Presentation.ALLOWED
    assert parse_presentation("") is None


def test_every_rendered_trunk_routes_to_the_carrier_sink() -> None:
    # contract 1b: whatever host a dial names, the request goes to the sink on loopback
    target = load_target(Path(__file__).parents[2] / "dialplans" / "jp-office.yaml")
    run = RunConfig.fresh()
    sections = pjsip_conf(target, run).split("\n[")
    for name in target.trunks:
        endpoint = next(s for s in sections if s.startswith(f"{name}]\ntype = endpoint"))
        aor = next(s for s in sections if s.startswith(f"{name}]\ntype = aor"))
        assert f"\noutbound_proxy = sip:127.0.0.1:{run.sink_port}\\;lr\n" in endpoint
        assert f"\ncontact = sip:127.0.0.1:{run.sink_port}\n" in aor
