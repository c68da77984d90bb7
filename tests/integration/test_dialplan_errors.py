"""Runtime dialplan errors and loops on the real Asterisk: exit 2 naming file:line, never a
routing result, and the PBX still there for the next call (issue 12, items 5 and 6)."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import DialplanRuntimeError
from harness.model import Route

from .conftest import DIALPLANS, run_cli

TARGET = """dialplan: plan.conf
profile: jp
subscribers:
  open: {context: from-internal}
trunks:
  jp-domestic: {route: domestic, number_format: national}
  jp-intl: {route: international, number_format: national}
  jp-emergency: {route: emergency, number_format: national}
"""

#: every domestic call runs line 3; emergency and the rest are routed correctly
HEAD = """[from-internal]
exten => _0X.,1,NoOp(domestic)
{line3}
 same => n,Dial(PJSIP/${{EXTEN}}@jp-domestic)
exten => _010.,1,Dial(PJSIP/${{EXTEN}}@jp-intl)
exten => _+.,1,Hangup(21)
exten => 110,1,Dial(PJSIP/110@jp-emergency)
exten => 118,1,Dial(PJSIP/118@jp-emergency)
exten => 119,1,Dial(PJSIP/119@jp-emergency)
exten => _X.,1,Hangup(21)

[sub-dial]
exten => s,1,NoOp(sub)
 same => n(done),Return()
"""

CASES = {
    "macro": (" same => n,Macro(dialout,${EXTEN})",
              ["Macro(dialout,", "Asterisk 21", "GoSub replaces it"]),
    "missing_app": (" same => n,Foo(${EXTEN})", ["Foo(", "no application 'Foo'"]),
    "goto_missing_context": (" same => n,Goto(no-such-context,${EXTEN},1)",
                             ["Goto(no-such-context,", "context 'no-such-context' does not exist"]),
    "gosub_missing_label": (" same => n,Gosub(sub-dial,s,nolabel(${EXTEN}))",
                            ["Gosub(sub-dial,s,nolabel", "no label 'nolabel'"]),
    "gosub_missing_priority": (" same => n,Gosub(sub-dial,s,7)",
                               ["Gosub(sub-dial,s,7)", "no priority 7"]),
    "goto_missing_priority": (" same => n,Goto(${EXTEN},9)",
                              ["Goto(0", "no priority 9"]),
    "agi_missing": (" same => n,AGI(route-lookup.agi,${EXTEN})",
                    ["AGI(route-lookup.agi", "cannot run"]),
}

LOOP = """[from-internal]
exten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)
exten => _010.,1,Dial(PJSIP/${EXTEN}@jp-intl)
exten => 110,1,Dial(PJSIP/110@jp-emergency)
exten => 118,1,Goto(emergency,118,1)
exten => 119,1,Dial(PJSIP/119@jp-emergency)
exten => _X.,1,Hangup(21)
exten => _+.,1,Hangup(21)

[emergency]
exten => 118,1,Goto(emergency,118,1)
"""


def write(tmp_path: Path, dialplan: str) -> Path:
    (tmp_path / "plan.conf").write_text(dialplan)
    target = tmp_path / "plan.yaml"
    target.write_text(TARGET)
    return target


def check(target: Path, *extra: str):  # -> CompletedProcess
    return run_cli("check", str(target), "--examples", "5", "--seed", "1", "--database",
                   "none", *extra, timeout=120)


def one_error_line(res, path: Path, line: int) -> str:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert lines[0].startswith(f"dialharness: error: {path}:{line}: "), lines[0]
    assert "blocked" not in lines[0] and "lost the PBX" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_runtime_error_is_exit_2_naming_file_and_line(tmp_path: Path, case: str) -> None:
    line3, words = CASES[case]
    target = write(tmp_path, HEAD.format(line3=line3))
    msg = one_error_line(check(target), tmp_path / "plan.conf", 3)
    for w in words:
        assert w in msg, msg


def test_self_goto_loop_is_exit_2_naming_call_and_lines(tmp_path: Path) -> None:
    target = write(tmp_path, LOOP)
    msg = one_error_line(check(target), tmp_path / "plan.conf", 11)
    assert "'118' as open" in msg
    assert "plan.conf:11 Goto(emergency,118,1)" in msg and "loops forever" in msg


def test_after_a_loop_the_pbx_takes_the_next_call(tmp_path: Path, session_for) -> None:
    target = write(tmp_path, LOOP.replace("118,1,Goto(emergency,118,1)\nexten => 119",
                                          "118,1,Goto(emergency,118,1)\n"
                                          "exten => 117,1,NoOp(a)\n same => n,Goto(117,1)\n"
                                          "exten => 119", 1))
    session = session_for(target)
    with pytest.raises(DialplanRuntimeError) as err:
        session.place([("118", "open"), ("184118", "open"), ("0312345678", "open")])
    assert "plan.conf:11" in str(err.value) or "plan.conf:13" in str(err.value)
    # a loop of two priorities, caught by the step limit
    with pytest.raises(DialplanRuntimeError) as err:
        session.place([("117", "open")])
    text = str(err.value)
    assert "more than 1000 dialplan steps" in text and "'117' as open" in text
    assert "plan.conf:6 NoOp(a), plan.conf:7 Goto(117,1)" in text
    assert session.pbx.alive()
    out = session.place([("0312345678", "open"), ("119", "open")])
    assert [o.route for o in out] == [Route.DOMESTIC, Route.EMERGENCY]


def test_max_steps_option(tmp_path: Path) -> None:
    target = write(tmp_path, LOOP.replace("exten => 118,1,Goto(emergency,118,1)\nexten",
                                          "exten => 118,1,NoOp(a)\n same => n,Goto(118,1)\n"
                                          "exten", 1))
    res = run_cli("explain", str(target), "118", "--max-steps", "30", timeout=120)
    msg = one_error_line(res, tmp_path / "plan.conf", 5)
    assert "more than 30 dialplan steps" in msg and "'118' as open" in msg


def test_sip_driver_honours_the_limit(tmp_path: Path) -> None:
    target = write(tmp_path, LOOP)
    res = run_cli("explain", str(target), "118", "--driver", "sip", timeout=120)
    msg = one_error_line(res, tmp_path / "plan.conf", 11)
    assert "loops forever" in msg and "'118' as open" in msg


def test_correct_dialplan_with_fallthrough_still_passes(tmp_path: Path) -> None:
    # no Hangup after the reject NoOp, none after Dial: Asterisk's "Auto fallthrough" is
    # normal, not an error
    text = (DIALPLANS / "jp-office.conf").read_text()
    text = text.replace(" same => n,Hangup(21)\nexten => _[0-9*#+],1,Hangup(21)",
                        "exten => _[0-9*#+],1,NoOp(fall through)")
    text = text.replace("exten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)\n same => n,Hangup()",
                        "exten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)")
    assert "NoOp(fall through)" in text
    (tmp_path / "plan.conf").write_text(text)
    target = tmp_path / "plan.yaml"
    target.write_text((DIALPLANS / "jp-office.yaml").read_text().replace("jp-office.conf",
                                                                         "plan.conf"))
    res = check(target)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "all properties hold" in res.stdout
