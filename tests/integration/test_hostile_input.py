"""Hostile input cannot steer the harness's AMI session (issue 7, point 1).

Arbitrary text, used as a dial string or as a field of the target file (subscriber
caller ID, channel variables, names), either is refused before a byte reaches AMI with
the harness's own error (DialStringError / ConfigError / InputError), or reaches the
dialplan unchanged: the call enters exactly ``Local/<dial>@<subscriber's context>/n``,
the dialplan sees the value as written, and what went over the socket
(``record_wire()``) is one Originate frame per call with exactly the expected headers.

The dialplan under test echoes what it received (``NoOp(VAR=${HOSTILE})``, caller ID
name and number), so "unchanged" is checked where it matters: inside Asterisk.

Which protection each test guards is said in its docstring ("GUARDS:"); each claim was
checked once by disabling that protection locally and watching the test fail.
"""
from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.ami.client import Message
from harness.dialstring import is_dial
from harness.errors import ConfigError, DialStringError, InputError
from harness.model import Outcome
from harness.session import Session, open_session
from harness.target import Subscriber, Target, load_target

# -- the dialplan: two contexts that echo what a call brought into them ------------------

_ECHO = """ same => n,NoOp(CIDNAME=${{CALLERID(name)}})
 same => n,NoOp(CIDNUM=${{CALLERID(num)}})
 same => n,Hangup(21)
"""
DIALPLAN = "".join(
    f"[{ctx}]\n"
    f"exten => _[0-9*#+].,1,NoOp(VAR=${{HOSTILE}})\n{_ECHO.format()}"
    f"exten => _[0-9*#+],1,NoOp(VAR=${{HOSTILE}})\n{_ECHO.format()}\n"
    for ctx in ("from-internal", "from-other"))

TRUNKS = {"jp-domestic": {"route": "domestic", "number_format": "national"}}
BASE_SUBSCRIBERS = {"open": {"context": "from-internal"},
                    "other": {"context": "from-other"}}

ORIGINATE_HEADERS = ["Action", "Channel", "Application", "Data", "Async", "Timeout",
                     "ChannelId", "OtherChannelId", "CallerID", "ActionID"]

EXAMPLES = 200


def write_target(directory: Path, subscribers: dict[str, object]) -> Path:
    (directory / "echo.conf").write_text(DIALPLAN)
    path = directory / "hostile.yaml"
    # safe_dump writes any text as a YAML scalar that loads back to the same string
    path.write_text(yaml.safe_dump({"dialplan": "echo.conf", "profile": "jp",
                                    "subscribers": subscribers, "trunks": TRUNKS},
                                   allow_unicode=False, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dh-hostile-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def echo(workdir: Path) -> Iterator[Session]:
    """Our own PBX with the echo dialplan (not the shared pool: its targets switch)."""
    session = open_session(write_target(workdir, BASE_SUBSCRIBERS), timeout=10)
    try:
        yield session
    finally:
        session.close()


# -- reading what crossed the socket -----------------------------------------------------

def frames(wire: Sequence[bytes]) -> list[list[tuple[str, str]]]:
    """Each write of the client as its header lines; asserts each is ONE well-formed action."""
    out = []
    for data in wire:
        text = data.decode("utf-8")
        assert text.endswith("\r\n\r\n"), text
        body = text[:-4]
        assert "\r\n\r\n" not in body, f"a second action in one write: {text!r}"
        lines = body.split("\r\n")
        headers = []
        for line in lines:
            assert not any(c in line for c in "\r\n\x00"), f"stray CR/LF/NUL: {text!r}"
            name, sep, value = line.partition(": ")
            assert sep and re.fullmatch(r"[A-Za-z]+", name), f"not a header line: {line!r}"
            headers.append((name, value))
        assert [n for n, _ in headers].count("Action") == 1 and headers[0][0] == "Action"
        out.append(headers)
    return out


def originates(wire: Sequence[bytes]) -> list[list[tuple[str, str]]]:
    return [f for f in frames(wire) if f[0] == ("Action", "Originate")]


def check_originate(frame: list[tuple[str, str]], dial: str, sub: Subscriber) -> None:
    """Exactly the expected header names, one Channel into the subscriber's context."""
    names = [n for n, _ in frame]
    assert names == ORIGINATE_HEADERS + ["Variable"] * len(sub.variables), frame
    fields = dict(frame)
    assert fields["Channel"] == f"Local/{dial}@{sub.context}/n"
    assert fields["CallerID"] == sub.effective_callerid
    assert fields["Application"] == "Wait"


def check_entered(out: Outcome, dial: str, sub: Subscriber) -> None:
    """The call ran the echo extension of the subscriber's context, with the dial as exten."""
    assert out.dial == dial and out.subscriber == sub.name
    assert [s.app for s in out.steps] == ["NoOp", "NoOp", "NoOp", "Hangup"], out.steps
    assert all(s.context == sub.context and s.exten == dial for s in out.steps), out.steps
    assert [s.priority for s in out.steps] == [1, 2, 3, 4]
    assert out.steps[1].appdata.startswith("CIDNAME=")
    assert out.steps[2].appdata.startswith("CIDNUM=")


def place_recorded(session: Session, pairs: list[tuple[str, str]]) -> tuple[list[Outcome], list[bytes]]:
    wire = session.driver.ami.record_wire()  # type: ignore[attr-defined]
    try:
        return session.place(pairs), wire
    finally:
        session.driver.ami._transport.wire_log = None  # type: ignore[attr-defined]


# -- strategies --------------------------------------------------------------------------

#: characters that matter to AMI, to Asterisk's Local channel / argument syntax, to
#: str.splitlines() (which also breaks at \v \f \x1c-\x1e \x85 U+2028 U+2029), and
#: look-alike digits
SPECIAL = ("\r\n\x00:,&@/;|$(){}[]\"'\\ \t=-_.!?%^~`<>"
           "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
           "0123456789+*#０１２３４５６７８９＋＊＃日本é")
FRAGMENTS = ["\r\nAction: Command\r\nCommand: core show version\r\n\r\n",
             "\r\n\r\nAction: Originate\r\nChannel: Local/110@from-other/n\r\n",
             "\nChannel: Local/119@from-other/n", "@from-other", "/n", "Local/", "&Local/110",
             "\u2028Linkedid: nobody", "\u2029Context: from-other", "\x85Application: Dial",
             "\x0bExtension: 119", "\x1cAppData: x", "\r", "\n", "\x00", "${EXTEN}",
             "0312345678", "+81", "186", "\\", '"', ",", "(", ")"]

any_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=SPECIAL, max_size=40),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=SPECIAL, max_size=4)),
             max_size=6).map("".join),
)
dial_strings = st.one_of(
    any_text,
    st.from_regex(r"[0-9+*#]{1,32}", fullmatch=True),                  # legal: placed
    st.text(alphabet="0123456789+*#", min_size=33, max_size=3000),     # too long
    st.text(alphabet="０１２３４５６７８９＋＊＃", min_size=1, max_size=12),  # full-width
)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# -- 1. dial strings ---------------------------------------------------------------------

@SETTINGS
@given(dial=dial_strings)
def test_any_text_as_dial_string(echo: Session, dial: str) -> None:
    """GUARDS: harness/dialstring.py check_dial, as called by AmiDriver.place before
    any Originate (without it "03@from-other" enters another context, "03/n" another
    channel, and CR/LF would at best be caught one layer down as a different error)."""
    pairs = [(dial, "open"), (dial, "other")]
    if not is_dial(dial):
        wire = echo.driver.ami.record_wire()  # type: ignore[attr-defined]
        try:
            with pytest.raises(DialStringError) as err:
                echo.place(pairs)
        finally:
            echo.driver.ami._transport.wire_log = None  # type: ignore[attr-defined]
        assert wire == [], "a refused dial string still reached the socket"
        assert "dial string" in str(err.value) and str(err.value).isprintable()
        return
    outcomes, wire = place_recorded(echo, pairs)
    sent = originates(wire)
    assert len(sent) == 2
    for out, frame, (_, sub_name) in zip(outcomes, sent, pairs):
        sub = echo.target.subscriber(sub_name)
        check_originate(frame, dial, sub)
        check_entered(out, dial, sub)


# -- 2. fields of the target file ---------------------------------------------------------

@SETTINGS
@given(callerid=st.one_of(st.none(), any_text, st.text(min_size=150, max_size=260)),
       value=st.one_of(any_text, st.text(min_size=150, max_size=260)),
       extra_name=st.one_of(st.none(), any_text),
       sub_name=st.one_of(st.just("caller"), any_text),
       dial=st.sampled_from(["0312345678", "110", "#", "+81312345678"]))
def test_any_text_in_target_fields(echo: Session, workdir: Path, callerid: str | None,
                                   value: str, extra_name: str | None, sub_name: str,
                                   dial: str) -> None:
    """GUARDS: the target loader's one-line rule (harness/target.py, refuses CR/LF/NUL
    before anything runs); Variable-value escaping in AmiClient.send (Asterisk's
    Originate strips '"' and '\\' from a Variable header, so the dialplan saw another
    value); CRLF-only frame parsing in harness/ami/client.py (asterisk-ami's
    str.splitlines() let a U+2028/\\x85/\\v in an echoed value forge a later key of
    the event: Linkedid, Context, Application)."""
    spec: dict[str, object] = {"context": "from-internal", "variables": {"HOSTILE": value}}
    if callerid is not None:
        spec["callerid"] = callerid
    if extra_name is not None:
        spec["variables"] = {"HOSTILE": value, extra_name: "1"}  # type: ignore[dict-item]
    path = write_target(workdir, {sub_name: spec, **BASE_SUBSCRIBERS})
    try:
        target = load_target(path)
    except ConfigError as err:
        assert str(err).startswith(str(path)) and str(err).isprintable(), str(err)
        return
    sub = target.subscriber(sub_name)
    # what was accepted is exactly what was written
    assert sub.callerid == callerid
    assert dict(sub.variables)["HOSTILE"] == value
    session = open_session(target, pbx=echo.pbx, timeout=10)  # same dialplan: no reload
    try:
        outcomes, wire = place_recorded(session, [(dial, sub_name)])
    finally:
        session.close()
    (frame,) = originates(wire)
    check_originate(frame, dial, sub)
    check_entered(outcomes[0], dial, sub)
    assert outcomes[0].steps[0].appdata == f"VAR={value}"


def test_echo_dialplan_sees_values_exactly(echo: Session, workdir: Path) -> None:
    """Curated values that must be ACCEPTED and arrive unchanged (the Hypothesis test
    may refuse much; this one cannot pass by refusing).

    GUARDS: Variable-value escaping (AmiClient.send) and CRLF-only parsing of frames
    (_Transport.fire_recv_pack), both in harness/ami/client.py."""
    values = {
        "quotes": 'say "hi" \\ back\\slash \\" (open [bracket {brace',
        "linkedid": "x\u2028Linkedid: nobody",
        "context": "x\u2029Context: from-other\x85Extension: 119",
        "app": "x\x0bApplication: Dial\x0cAppData: PJSIP/01012125551234@jp-intl",
        "separators": "a\x1cb\x1dc\x1ed;e&f@g/h|i: j=k ${EXTEN} ｘ ",
    }
    for label, value in values.items():
        subs = {"caller": {"context": "from-internal",
                           "callerid": f"{value[:40]} <0312345678>",
                           "variables": {"HOSTILE": value}}, **BASE_SUBSCRIBERS}
        target = load_target(write_target(workdir, subs))
        session = open_session(target, pbx=echo.pbx, timeout=10)
        try:
            outcomes, wire = place_recorded(session, [("0312345678", "caller"), ("1", "caller")])
        finally:
            session.close()
        sub = target.subscriber("caller")
        for out, frame, dial in zip(outcomes, originates(wire), ["0312345678", "1"]):
            check_originate(frame, dial, sub)
            check_entered(out, dial, sub)
            assert out.steps[0].appdata == f"VAR={value}", label
            assert out.steps[2].appdata == "CIDNUM=0312345678", label
            assert out.route.value == "blocked" and not out.legs, label


# -- 3. one layer down: the AMI client refuses on its own ----------------------------------

@SETTINGS
@given(bad=st.tuples(st.text(max_size=10), st.sampled_from("\r\n\x00"), st.text(max_size=10))
       .map("".join),
       where=st.sampled_from(["callerid", "value", "name"]))
def test_client_refuses_crlf_nul_even_past_the_loader(echo: Session, bad: str, where: str) -> None:
    """A Target built in code (no loader) with CR/LF/NUL in a field: the AMI client
    refuses it with InputError and no byte of it reaches the socket.

    GUARDS: _check_field in harness/ami/client.py (defence in depth below the loader)."""
    sub = Subscriber(name="raw", context="from-internal",
                     callerid=bad if where == "callerid" else None,
                     variables=((bad if where == "name" else "HOSTILE",
                                 bad if where == "value" else "1"),))
    target = Target(path=echo.target.path, dialplan=echo.target.dialplan, profile="jp",
                    subscribers={"raw": sub, **echo.target.subscribers},
                    trunks=echo.target.trunks)
    session = open_session(target, pbx=echo.pbx, timeout=10)
    try:
        wire = session.driver.ami.record_wire()  # type: ignore[attr-defined]
        with pytest.raises(InputError) as err:
            session.place([("0312345678", "raw")])
        assert "CR, LF or NUL" in str(err.value)
        assert wire == []
        # and the session still works afterwards, with nothing injected
        outcomes = session.place([("110", "open")])
        check_entered(outcomes[0], "110", target.subscriber("open"))
        (frame,) = originates(wire)
        check_originate(frame, "110", target.subscriber("open"))
    finally:
        session.close()


@pytest.mark.parametrize("fields", [
    {"Channel": "Local/110@from-internal/n\r\nAction: Command\r\nCommand: core show version"},
    {"Channel\r\nAction: Command": "x"},
    {"Channel": "Local/110@from-internal/n\x00"},
    {"Data": "\n"},
])
def test_client_send_refuses_raw_headers(echo: Session, fields: dict[str, str]) -> None:
    """GUARDS: _check_field on header names and values of any action (AmiClient.send)."""
    ami = echo.driver.ami  # type: ignore[attr-defined]
    wire = ami.record_wire()
    try:
        with pytest.raises(InputError):
            ami.send("Originate", fields)
        with pytest.raises(InputError):
            ami.send("Originate\r\nAction: Command", {})
        assert wire == []
    finally:
        ami._transport.wire_log = None


def test_frame_parser_splits_on_crlf_only(echo: Session) -> None:
    """The parser itself, fed a frame Asterisk could send: only CRLF ends a line.

    GUARDS: _Transport.fire_recv_pack in harness/ami/client.py."""
    got: list[Message] = []
    ami = echo.driver.ami  # type: ignore[attr-defined]
    transport = ami._transport
    saved = ami._on_event
    ami._on_event = got.append
    try:
        transport.fire_recv_pack(
            "Event: Newexten\r\nLinkedid: real-1\r\nContext: from-internal\r\n"
            "Application: NoOp\r\nAppData: VAR=x\u2028Linkedid: forged\x85Context: evil"
            "\x0bApplication: Dial\r\nExtra:  two  spaces ")
    finally:
        ami._on_event = saved
    (msg,) = got
    assert msg.name == "Newexten"
    assert msg.get("Linkedid") == "real-1"
    assert msg.get("Context") == "from-internal"
    assert msg.get("Application") == "NoOp"
    assert msg.get("AppData") == "VAR=x\u2028Linkedid: forged\x85Context: evil\x0bApplication: Dial"
    assert msg.get("Extra") == " two  spaces "
