"""Every PJSIP dial form Asterisk 22 accepts, on the real Asterisk (issue 12 item 2).

One PBX for the module. A small dialplan dials each form from its own context (one
subscriber per form); each leg's trunk, outbound number and destination are read with the
AMI driver and checked against what the carrier sink received: the Request-URI user of
the INVITE is the number the leg reports. Whatever host a dial names (a carrier's name,
an IP address, sips:), no request leaves the machine and no DNS query is made for it
(contract 1b). The URI form also works over the SIP driver, and ``dialharness check``
passes a correct URI-form dialplan and fails one with a wrong number in the URI.
"""
from __future__ import annotations

import collections
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.model import Outcome
from harness.pbx.carrier import Invite
from harness.session import Session, open_session
from harness.target import load_target

from .conftest import DIALPLANS, run_cli

FORMS_CONF = r"""
[uri]
; PJSIP/endpoint/sip:number@host: the endpoint alone, the number in the URI
exten => _0X.,1,Dial(PJSIP/out-dom/sip:${EXTEN}@carrier.example.jp)
 same => n,Hangup()
[uri-params]
; with port and ;params (escaped: ';' starts a comment in extensions.conf)
exten => _0X.,1,Dial(PJSIP/out-dom/sip:${EXTEN}@carrier.example.jp:5070\;transport=udp\;user=phone,30)
 same => n,Hangup()
[sips]
exten => _0X.,1,Dial(PJSIP/out-dom/sips:${EXTEN}@carrier.example.jp:5061)
 same => n,Hangup()
[at]
exten => _0X.,1,Dial(PJSIP/${EXTEN}@out-dom)
 same => n,Hangup()
[at-uri]
; number@endpoint/URI: the request user replaces the URI's user
exten => _0X.,1,Dial(PJSIP/${EXTEN}@out-dom/sip:0999999999@carrier2.example.jp)
 same => n,Hangup()
[alone]
exten => _0X.,1,Dial(PJSIP/out-dom)
 same => n,Hangup()
[aor]
exten => _0X.,1,Dial(PJSIP/out-dom/out-dom)
 same => n,Hangup()
[parallel]
; two trunks at once, the first by URI to a carrier's IP address
exten => _0X.,1,Dial(PJSIP/out-dom/sip:${EXTEN}@203.0.113.7:5060&PJSIP/${EXTEN}@jp-backup,30,t)
 same => n,Hangup()
"""

FORMS_YAML = """dialplan: forms.conf
profile: jp
subscribers:
  uri: {context: uri}
  uri_params: {context: uri-params}
  sips: {context: sips}
  at: {context: at}
  at_uri: {context: at-uri}
  alone: {context: alone}
  aor: {context: aor}
  parallel: {context: parallel}
trunks:
  out-dom: {route: domestic, number_format: national}
  jp-backup: {route: domestic, number_format: national}
"""

SINK = "127.0.0.1:{port}"
# subscriber: dial, legs (trunk, outbound, destination), Request-URIs the sink receives
FORMS: dict[str, tuple[str, list[tuple[str, str, str | None]], list[str]]] = {
    "uri": ("0312345671", [("out-dom", "0312345671", "+81312345671")],
            ["sip:0312345671@carrier.example.jp"]),
    "uri_params": ("0312345672", [("out-dom", "0312345672", "+81312345672")],
                   ["sip:0312345672@carrier.example.jp:5070;user=phone;transport=udp"]),
    # sips: needs TLS, which the PBX has not: the leg is read, nothing is sent at all
    "sips": ("0312345673", [("out-dom", "0312345673", "+81312345673")], []),
    "at": ("0312345674", [("out-dom", "0312345674", "+81312345674")],
           ["sip:0312345674@" + SINK]),
    "at_uri": ("0312345675", [("out-dom", "0312345675", "+81312345675")],
               ["sip:0312345675@carrier2.example.jp"]),
    # no number in the dial string, none in the rendered contact: the carrier gets none
    "alone": ("0312345676", [("out-dom", "", None)], ["sip:" + SINK]),
    "aor": ("0312345677", [("out-dom", "", None)], ["sip:" + SINK]),
    "parallel": ("0312345678", [("out-dom", "0312345678", "+81312345678"),
                                ("jp-backup", "0312345678", "+81312345678")],
                 ["sip:0312345678@203.0.113.7:5060", "sip:0312345678@" + SINK]),
}


@pytest.fixture(scope="module")
def target_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dial-forms")
    (d / "forms.conf").write_text(FORMS_CONF)
    (d / "forms.yaml").write_text(FORMS_YAML)
    return d


@pytest.fixture(scope="module")
def sip(target_dir: Path) -> Iterator[Session]:
    """The module's one PBX (with phone endpoints, for the SIP driver)."""
    with open_session(target_dir / "forms.yaml", driver="sip") as s:
        yield s


@pytest.fixture(scope="module")
def ami(sip: Session) -> Iterator[Session]:
    with open_session(sip.target, driver="ami", pbx=sip.pbx) as s:
        yield s


class DnsWatch:
    """Every frame on every interface of this network namespace (the PBX runs with host
    networking) that carries a DNS name with a label ``example`` or ``carrier``."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        self._sock.settimeout(0.2)
        self.seen: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(65535)
            except socket.timeout:
                continue
            if b"\x07example" in data or b"\x07carrier" in data or b"\x08carrier2" in data:
                self.seen.append(data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@pytest.fixture(scope="module")
def placed(ami: Session) -> tuple[dict[str, Outcome], list[Invite], list[bytes] | None]:
    """Every form placed once over AMI, with what the carrier sink and the network saw."""
    got: list[Invite] = []
    lock = threading.Lock()

    def listen(inv: Invite) -> None:
        with lock:
            got.append(inv)

    try:
        watch: DnsWatch | None = DnsWatch()
    except (PermissionError, OSError, AttributeError):
        watch = None  # no raw socket here: the DNS assertion is skipped, not passed
    ami.pbx.carrier.add_listener(listen)
    try:
        outs = ami.place([(dial, sub) for sub, (dial, _, _) in FORMS.items()])
        want = sum(len(r) for _, _, r in FORMS.values())
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(got) < want:
            time.sleep(0.05)
        time.sleep(0.5)  # a late extra INVITE (or DNS query) would show too
    finally:
        ami.pbx.carrier.remove_listener(listen)
        if watch is not None:
            watch.close()
    return ({o.subscriber: o for o in outs}, list(got),
            None if watch is None else watch.seen)


@pytest.mark.parametrize("subscriber", list(FORMS))
def test_each_form_read_as_its_trunk_and_number(placed, subscriber: str) -> None:
    outcomes, _, _ = placed
    o = outcomes[subscriber]
    legs = sorted((leg.trunk, leg.outbound, leg.destination) for leg in o.legs)
    assert legs == sorted(FORMS[subscriber][1]), "\n".join(str(s) for s in o.steps)


def test_the_carrier_sink_got_every_request_with_the_number_the_leg_reports(
        placed, ami: Session) -> None:
    _, invites, _ = placed
    want = collections.Counter(r.format(port=ami.pbx.run.sink_port)
                               for _, _, rs in FORMS.values() for r in rs)
    assert collections.Counter(i.ruri for i in invites) == want
    # the Request-URI user is the leg's outbound number, for every form
    by_user = {i.ruri_user for i in invites}
    reported = {leg.outbound for sub, o in placed[0].items() if sub != "sips" for leg in o.legs}
    assert by_user == reported


def test_no_dns_lookup_of_any_host_a_dial_names(placed) -> None:
    _, _, dns = placed
    if dns is None:
        pytest.skip("no raw socket to watch DNS with (needs root)")
    assert dns == [], f"{len(dns)} DNS frames naming carrier(2).example.jp"


def test_uri_form_over_the_sip_driver(sip: Session) -> None:
    got: list[Invite] = []
    sip.pbx.carrier.add_listener(got.append)
    try:
        (o,) = sip.place([("0312345679", "uri_params")])
    finally:
        sip.pbx.carrier.remove_listener(got.append)
    assert [(l.trunk, l.outbound, l.destination) for l in o.legs] == [
        ("out-dom", "0312345679", "+81312345679")]
    wire = dict(o.legs[0].wire)
    assert wire["ruri"].startswith("sip:0312345679@carrier.example.jp:5070;")
    assert [i.call_id for i in got] == [wire["call-id"]]


# -- dialharness check on a URI-form dialplan (the same PBX, as an external backend) --------
URI_TRUNKS = {
    "Dial(PJSIP/${EXTEN}@jp-domestic)":
        r"Dial(PJSIP/jp-domestic/sip:${EXTEN}@carrier.example.jp:5060\;transport=udp)",
    "Dial(PJSIP/${EXTEN}@jp-intl)": "Dial(PJSIP/jp-intl/sip:${EXTEN}@intl.carrier.example.jp)",
    "Dial(PJSIP/${EXTEN}@jp-emergency)": "Dial(PJSIP/jp-emergency/sip:${EXTEN}@203.0.113.9)",
}
#: the bug: the domestic URI drops the trunk prefix 0 (0312345678 -> sip:312345678@...)
WRONG = (r"Dial(PJSIP/jp-domestic/sip:${EXTEN}@carrier",
         r"Dial(PJSIP/jp-domestic/sip:${EXTEN:1}@carrier")


def _uri_office(d: Path, name: str, wrong: bool) -> Path:
    text = (DIALPLANS / "jp-office.conf").read_text()
    for old, new in URI_TRUNKS.items():
        assert old in text
        text = text.replace(old, new)
    if wrong:
        assert WRONG[0] in text
        text = text.replace(*WRONG)
    (d / f"{name}.conf").write_text(text)
    yaml = (DIALPLANS / "jp-office.yaml").read_text().replace("jp-office.conf", f"{name}.conf")
    (d / f"{name}.yaml").write_text(yaml)
    return d / f"{name}.yaml"


@pytest.mark.parametrize("wrong,status", [(False, 0), (True, 1)], ids=["correct", "wrong-number"])
def test_check_on_uri_form_dialplan(sip: Session, target_dir: Path, wrong: bool,
                                    status: int) -> None:
    path = _uri_office(target_dir, "office-wrong" if wrong else "office-uri", wrong)
    creds = sip.pbx.credentials
    env = {"DIALHARNESS_AMI_HOST": creds.host, "DIALHARNESS_AMI_PORT": str(creds.port),
           "DIALHARNESS_AMI_USER": creds.username, "DIALHARNESS_AMI_SECRET": creds.secret,
           "DIALHARNESS_ASTERISK_LOG": str(sip.pbx.log_path)}
    sip.pbx.install(load_target(path))  # the external backend loads nothing itself
    try:
        res = run_cli("check", str(path), "--backend", "external", "--seed", "1",
                      "--database", "none", "--examples", "300", env=env)
    finally:
        sip.pbx.install(sip.target)
    assert res.returncode == status, res.stdout[-4000:] + res.stderr[-2000:]
    if wrong:
        assert "FAILED domestic_reaches_domestic" in res.stdout, res.stdout[-4000:]
    else:
        assert "all properties hold" in res.stdout
