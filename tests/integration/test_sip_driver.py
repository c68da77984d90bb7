"""The SIP driver against the real Asterisk: same outcomes as the AMI driver, caller-ID
privacy read off the wire, blocked calls with their SIP response, correlation of many
calls in flight, and the failure paths (no channel, dead phone worker) as clear errors."""
from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.errors import NoOutcome, PbxError
from harness.model import CallRequest, Presentation, Route
from harness.pbx.carrier import Invite
from harness.session import Session, open_session

from .conftest import JP_OFFICE, run_cli

TABLE = ("0312345678", "09012345678", "1840312345678", "1860312345678", "18608012345678",
         "18600376808012345678", "003301012125551234", "010441234567890", "+12125551234",
         "+81312345678", "110", "184110", "186119", "118", "999", "0101", "184186110")
SUBSCRIBERS = ("open", "intl_barred")


def _view(o):  # type: ignore[no-untyped-def]
    return (o.route, o.trunk, o.outbound, o.destination, o.presentation)


@pytest.fixture(scope="module")
def sip() -> Iterator[Session]:
    with open_session(JP_OFFICE, driver="sip", in_flight=24) as s:
        yield s


@pytest.fixture(scope="module")
def ami(sip: Session) -> Iterator[Session]:
    # the same PBX, driven over AMI
    with open_session(sip.target, driver="ami", pbx=sip.pbx) as s:
        yield s


@pytest.fixture
def carrier_log(sip: Session) -> Iterator[list[Invite]]:
    got: list[Invite] = []
    lock = threading.Lock()

    def listen(inv: Invite) -> None:
        with lock:
            got.append(inv)

    sip.pbx.carrier.add_listener(listen)
    yield got
    sip.pbx.carrier.remove_listener(listen)


# (a) ------------------------------------------------------------------------------------
def test_table_same_outcomes_as_ami_driver(sip: Session, ami: Session) -> None:
    pairs = [(d, s) for s in SUBSCRIBERS for d in TABLE]
    over_sip = sip.place(pairs)
    over_ami = ami.place(pairs)
    assert len(over_sip) == len(over_ami) == len(pairs)
    diffs = [(p, _view(a), _view(b)) for p, a, b in zip(pairs, over_sip, over_ami)
             if _view(a) != _view(b)]
    assert not diffs, diffs
    for (dial, sub), o in zip(pairs, over_sip):
        assert (o.dial, o.subscriber) == (dial, sub)
        assert o.sip_status is not None
        assert o.steps, f"{dial} as {sub}: no dialplan steps"
        for leg in o.legs:
            assert dict(leg.wire)["call-id"], "a leg comes from an INVITE the carrier got"
    # and the table says what the contract says, so the comparison is not vacuous
    by = {(o.dial, o.subscriber): o for o in over_sip}
    assert by["+12125551234", "open"].route is Route.INTERNATIONAL
    assert by["+12125551234", "intl_barred"].route is Route.BLOCKED
    assert by["18608012345678", "open"].destination == "+818012345678"
    assert by["184186110", "open"].route is Route.BLOCKED
    assert by["186119", "intl_barred"].route is Route.EMERGENCY


# (b) ------------------------------------------------------------------------------------
def test_184_withholds_and_186_shows_caller_id_on_the_wire(sip: Session) -> None:
    withheld, shown = sip.place([("1840312345678", "open"), ("1860312345678", "open")])
    for o in (withheld, shown):
        assert o.route is Route.DOMESTIC and o.outbound == "0312345678"
    w = dict(withheld.legs[0].wire)
    s = dict(shown.legs[0].wire)
    assert "id" in w["privacy"].lower() or "anonymous" in w["from"].lower(), w
    assert withheld.presentation is Presentation.PROHIBITED
    assert "id" not in s["privacy"].lower() and "anonymous" not in s["from"].lower(), s
    assert "<sip:100@" in s["from"] or "<sip:100@" in s["p-asserted-identity"], s
    assert shown.presentation is Presentation.ALLOWED
    assert w["ruri"].startswith("sip:0312345678@") and s["ruri"].startswith("sip:0312345678@")


# (c) ------------------------------------------------------------------------------------
def test_blocked_call_records_its_final_sip_response(sip: Session,
                                                     carrier_log: list[Invite]) -> None:
    barred, junk, routed = sip.place([("010441234567890", "intl_barred"), ("999", "open"),
                                      ("110", "intl_barred")])
    for o in (barred, junk):
        assert o.route is Route.BLOCKED and not o.legs
        assert o.sip_status == 403  # Hangup(21): call rejected
        assert o.cause == 21
    assert routed.route is Route.EMERGENCY
    # the carrier, not AMI, decides there were legs: only the emergency call reached it
    assert [i.ruri_user for i in carrier_log] == ["110"]
    assert routed.sip_status == 503  # the carrier's leg ended with cause 34 (congestion)


# (d) ------------------------------------------------------------------------------------
def test_concurrent_calls_each_matched_to_its_own_invite(sip: Session,
                                                         carrier_log: list[Invite]) -> None:
    # 48 distinct dial strings whose outbound numbers all differ, so any mix-up shows
    dials = []
    for i in range(16):
        dials += [f"03{i:08d}", f"184090{i:08d}", f"186080{i:08d}"]
    wanted = {d: d[3:] if d.startswith(("184", "186")) else d for d in dials}
    calls = [CallRequest(d, "open" if i % 2 else "intl_barred", timeout=20)
             for i, d in enumerate(dials)]
    t0 = time.monotonic()
    outs = sip.driver.place(calls)
    took = time.monotonic() - t0
    assert len(outs) == len(calls)
    seen_ids = set()
    by_id = {i.call_id: i for i in carrier_log}
    for call, o in zip(calls, outs):
        assert (o.dial, o.subscriber) == (call.dial, call.subscriber)
        # the driver's raw observation: one leg, to the domestic trunk's endpoint
        assert len(o.legs) == 1 and o.legs[0].endpoint == "jp-domestic", o
        leg = o.legs[0]
        wire = dict(leg.wire)
        inv = by_id[wire["call-id"]]  # an INVITE the carrier really received ...
        assert inv.ruri_user == wanted[call.dial] == leg.outbound  # ... for this very call
        want = (Presentation.PROHIBITED if call.dial.startswith("184")
                else Presentation.ALLOWED)
        assert leg.presentation is want and inv.withheld == (want is Presentation.PROHIBITED)
        seen_ids.add(wire["call-id"])
    assert len(seen_ids) == len(calls)
    assert took < 20


def test_repeated_dial_strings_are_not_mixed_up(sip: Session) -> None:
    # the same (subscriber, dial) pair several times in one batch: never two in flight
    pairs = [("0312345678", "open"), ("999", "open"), ("0312345678", "open"),
             ("1840312345678", "open")] * 5
    outs = sip.place(pairs)
    for (dial, sub), o in zip(pairs, outs):
        assert o.dial == dial
        if dial == "999":
            assert o.route is Route.BLOCKED
        else:
            assert o.outbound == "0312345678"
            assert (o.presentation is Presentation.PROHIBITED) == dial.startswith("184")
    call_ids = [dict(o.legs[0].wire)["call-id"] for o in outs if o.legs]
    assert len(call_ids) == len(set(call_ids)) == 15


# caller ID, variables, calls Asterisk answers itself, a dead worker --------------------
CUSTOM = """
[globals]

[cos]
exten => _0X.,1,GotoIf($["${CLASS}" = "gold" & "${CALLERID(num)}" = "0311112222"]?ok)
 same => n,Hangup(21)
 same => n(ok),Dial(PJSIP/${EXTEN}@t-dom)
 same => n,Hangup()
exten => _8X.,1,Hangup(1)
exten => _7X.,1,Wait(30)
exten => _6X.,1,Answer()
 same => n,Wait(5)
"""


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    d = tmp_path_factory.mktemp("sipcustom")
    (d / "plan.conf").write_text(CUSTOM)
    (d / "target.yaml").write_text(
        "dialplan: plan.conf\nprofile: jp\nsubscribers:\n"
        "  boss:\n    context: cos\n    callerid: '\"Boss\" <0311112222>'\n"
        "    variables: {CLASS: gold}\n"
        "  clerk:\n    context: cos\n    variables: {CLASS: tin}\n"
        "trunks:\n  t-dom: {route: domestic, number_format: national}\n")
    with open_session(d / "target.yaml", driver="sip", timeout=6, in_flight=8) as s:
        yield s


def test_subscriber_callerid_and_variables_reach_the_dialplan(custom: Session) -> None:
    boss, clerk = custom.place([("0312345678", "boss"), ("0312345678", "clerk")])
    assert boss.route is Route.DOMESTIC and boss.outbound == "0312345678"
    assert "0311112222" in dict(boss.legs[0].wire)["p-asserted-identity"]
    assert clerk.route is Route.BLOCKED and clerk.sip_status == 403


def test_no_such_extension_and_hangup_1_are_404_blocked(custom: Session) -> None:
    nothing, unallocated = custom.place([("999", "boss"), ("8123", "boss")])
    assert nothing.route is Route.BLOCKED and nothing.sip_status == 404
    assert nothing.steps == ()  # Asterisk answered 404 without a channel
    assert unallocated.route is Route.BLOCKED and unallocated.sip_status == 404
    assert unallocated.cause == 1 and unallocated.steps


def test_answered_call_is_hung_up_and_reported(custom: Session) -> None:
    (o,) = custom.place([("6123", "boss")])
    assert o.route is Route.BLOCKED and o.sip_status == 200


def test_call_that_never_ends_is_no_outcome(custom: Session) -> None:
    t0 = time.monotonic()
    with pytest.raises(NoOutcome) as info:
        custom.driver.place([CallRequest("7123", "boss", timeout=2)])
    assert "'7123'" in str(info.value)
    assert time.monotonic() - t0 < 10
    # and the driver is still usable afterwards
    (o,) = custom.place([("0312345678", "boss")])
    assert o.route is Route.DOMESTIC


def test_dead_phone_worker_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "hold.conf").write_text("[cos]\nexten => _X.,1,Wait(30)\n")
    (tmp_path / "t.yaml").write_text(
        "dialplan: hold.conf\nsubscribers:\n  open: {context: cos}\n"
        "trunks:\n  t-dom: {route: domestic}\n")
    with open_session(tmp_path / "t.yaml", driver="sip", in_flight=4) as s:
        (pid,) = s.driver.worker_pids  # type: ignore[attr-defined]
        timer = threading.Timer(1.0, os.kill, (pid, signal.SIGKILL))
        timer.start()
        t0 = time.monotonic()
        try:
            with pytest.raises(PbxError) as info:
                s.driver.place([CallRequest("0312345678", "open", timeout=15),
                                CallRequest("0398765432", "open", timeout=15)])
        finally:
            timer.cancel()
        msg = str(info.value)
        assert "worker" in msg and "signal 9" in msg and "'0312345678'" in msg, msg
        assert "'0398765432'" in msg, msg
        assert time.monotonic() - t0 < 10
        # no silent recovery: the next batch fails at once too
        with pytest.raises(PbxError):
            s.driver.place([CallRequest("0312345678", "open", timeout=5)])


# the faces: CLI and pytest plugin --------------------------------------------------------
def test_cli_explain_over_sip() -> None:
    res = run_cli("explain", str(JP_OFFICE), "1840312345678", "--driver", "sip", timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "prohibited" in res.stdout and "jp-domestic" in res.stdout
    assert "503" in res.stdout  # the SIP response the phone got


def test_cli_check_over_sip() -> None:
    res = run_cli("check", str(JP_OFFICE), "--driver", "sip", "--examples", "200",
                  "--seed", "1", "--database", "none", timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert "all properties hold" in res.stdout


def test_cli_run_over_sip() -> None:
    res = run_cli("run", "scenarios", "--driver", "sip", timeout=300)
    assert res.returncode in (0, 1), res.stdout[-3000:] + res.stderr
    assert "error" not in res.stderr.lower(), res.stderr


def test_pytest_plugin_option(tmp_path: Path) -> None:
    import subprocess
    import sys
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--dialharness-driver", "sip", "--dialharness-target", str(JP_OFFICE),
         "--dialharness-examples", "100", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "passed" in res.stdout
