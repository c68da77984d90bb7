"""Every error path of the core, against the real Asterisk: exit 2, a clear line, no pass."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from harness.errors import DialplanError, DialStringError, NoOutcome, PbxDied
from harness.session import open_session

from .conftest import JP_OFFICE, run_cli

TRUNKS = """trunks:
  jp-domestic: {route: domestic, number_format: national}
  jp-intl: {route: international, number_format: national}
  jp-emergency: {route: emergency, number_format: national}
"""


def write_target(tmp_path: Path, dialplan: str, name: str = "plan") -> Path:
    (tmp_path / f"{name}.conf").write_text(dialplan)
    target = tmp_path / f"{name}.yaml"
    target.write_text(f"dialplan: {name}.conf\nprofile: jp\nsubscribers:\n"
                      f"  open: {{context: from-internal}}\n{TRUNKS}")
    return target


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    target = write_target(tmp_path, "[from-internal]\nexten => _0X.,1,NoOp(x)\n"
                          " same => n,Dial(PJSIP/${EXTEN}@jp-domestic)\n"
                          "this line has no equal sign\nexten => 110,1,Hangup(21)\n")
    res = run_cli("explain", str(target), "0312345678")
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"{tmp_path / 'plan.conf'}:4:" in res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_unclosed_context_bracket(tmp_path: Path) -> None:
    target = write_target(tmp_path, "[from-internal\nexten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)\n")
    with pytest.raises(DialplanError) as err:
        open_session(target)
    assert "plan.conf" in str(err.value)


def test_missing_context_is_an_error(tmp_path: Path) -> None:
    target = write_target(tmp_path, "[some-other-context]\nexten => 110,1,Hangup()\n")
    res = run_cli("explain", str(target), "110")
    assert res.returncode == 2
    assert "from-internal" in res.stderr and "does not exist" in res.stderr


def test_unknown_subscriber_exit_2() -> None:
    res = run_cli("explain", str(JP_OFFICE), "110", "--subscriber", "nobody")
    assert res.returncode == 2
    assert "unknown subscriber 'nobody'" in res.stderr
    assert "open" in res.stderr and "intl_barred" in res.stderr


@pytest.mark.parametrize("dial", ["0312345678\r\nAction: Hangup", "03\n", "０３１２３４５６７８",
                                  "03@other-context", "03/n", "", "1" * 33])
def test_bad_dial_string_cli(dial: str) -> None:
    res = run_cli("explain", str(JP_OFFICE), dial)
    assert res.returncode == 2
    assert "dial string" in res.stderr
    assert "Traceback" not in res.stderr


def test_crlf_never_reaches_the_socket(jp_office) -> None:
    wire = jp_office.driver.ami.record_wire()
    try:
        with pytest.raises(DialStringError):
            jp_office.place([("0312345678\r\nAction: Originate", "open")])
        with pytest.raises(DialStringError):
            jp_office.place([("110", "open"), ("03\n", "open")])  # the whole batch is refused
        assert wire == []
        jp_office.place([("110", "open")])
        assert wire and all(b"\r\nAction: Originate\r\n" not in w[20:] for w in wire)
    finally:
        jp_office.driver.ami._transport.wire_log = None


def test_pbx_dies_mid_run_names_calls_in_flight(tmp_path: Path) -> None:
    # a dialplan that keeps calls in flight long enough to kill the PBX under them
    target = write_target(tmp_path, "[from-internal]\nexten => _X.,1,Wait(20)\n same => n,Hangup()\n")
    session = open_session(target, timeout=30)
    try:
        killer = threading.Timer(1.0, session.pbx.kill)  # type: ignore[attr-defined]
        killer.start()
        t0 = time.monotonic()
        with pytest.raises(PbxDied) as err:
            session.place([("0312345678", "open"), ("0612345678", "open")])
        assert time.monotonic() - t0 < 15
        assert "0312345678" in str(err.value) and "0612345678" in str(err.value)
        assert set(err.value.in_flight) == {"0312345678", "0612345678"}
    finally:
        session.close()


def test_call_that_never_ends_is_no_outcome(tmp_path: Path) -> None:
    target = write_target(tmp_path, "[from-internal]\nexten => _X.,1,Wait(600)\n")
    with open_session(target, timeout=2) as session:
        with pytest.raises(NoOutcome) as err:
            session.place([("0312345678", "open"), ("110", "open")])
        assert set(err.value.calls) == {"0312345678", "110"}
        assert "Wait" in str(err.value)
        # the abandoned calls were hung up: nothing is left behind in Asterisk
        deadline = time.monotonic() + 5
        while session.driver.live_channels() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session.driver.live_channels() == []
