"""Runtime dialplan errors and loops, read without a PBX (log lines as Asterisk 22 wrote them)."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.dialplan import parse_dialplan
from harness.drivers import steps as steps_mod
from harness.drivers.steps import StepWatch, loop_priorities
from harness.errors import DialplanRuntimeError, InputError
from harness.model import Outcome, Route, Step
from harness.pbx.runtime_errors import (condition_true, describe_missing, jump_target,
                                        parse_log, problems_from_log, raise_runtime_errors,
                                        no_log_warning)

PLAN = """[from-internal]
exten => 1001,1,NoOp(macro)
 same => n,Macro(foo,1)
 same => n,Hangup(21)
exten => 1002,1,Foo(bar)
exten => 1003,1,Goto(nowhere-ctx,s,1)
exten => 1004,1,Gosub(sub-x,s,9)
exten => 1005,1,Gosub(sub-x,s,nolabel)
exten => 1006,1,AGI(nonexistent.agi)
exten => 1011,1,Goto(1011,5)
exten => 118,1,Goto(emergency,118,1)
exten => 119,1,NoOp(a)
 same => n,Goto(119,1)
exten => 120,1,GotoIf($[0]?done)
exten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)

[emergency]
exten => 118,1,Goto(emergency,118,1)

[sub-x]
exten => s,1,NoOp(sub)
 same => n(back),Return()
"""

LOG = """\
[2026-12-01 20:22:19] NOTICE[1] loader.c: 66 modules will be loaded.
[2026-12-01 20:22:19] WARNING[1] indications.c: Missing default country (for indication tones)
[2026-12-01 20:22:19] WARNING[49][C-00000001] pbx.c: No application 'Macro' for extension (from-internal, 1001, 2)
[2026-12-01 20:22:19] WARNING[52][C-00000002] pbx.c: No application 'Foo' for extension (from-internal, 1002, 1)
[2026-12-01 20:22:20] WARNING[55][C-00000003] pbx.c: Channel 'Local/1003@from-internal-00000002;2' sent to invalid extension but no invalid handler: context,exten,priority=nowhere-ctx,s,1
[2026-12-01 20:22:20] ERROR[58][C-00000004] app_stack.c: Gosub attempted to reach non-existent destination 'sub-x,s,9' from 'from-internal,1004,1'
[2026-12-01 20:22:21] NOTICE[61][C-00000005] pbx.c: No such label 'nolabel' in extension 's' in context 'sub-x'
[2026-12-01 20:22:21] WARNING[61][C-00000005] pbx.c: Priority 'nolabel' must be a number > 0, or valid label
[2026-12-01 20:22:21] ERROR[61][C-00000005] app_stack.c: Gosub address is invalid: 'sub-x,s,nolabel'
[2026-12-01 20:22:21] WARNING[64][C-00000006] pbx.c: No application 'AGI' for extension (from-internal, 1006, 1)
[2026-12-01 20:24:17] NOTICE[48] core_local.c: No such extension/context dhbarrier-abc-1@dialharness-log-barrier while calling Local channel
"""


@pytest.fixture()
def dp(tmp_path: Path):
    path = tmp_path / "plan.conf"
    path.write_text(PLAN)
    return parse_dialplan(path)


def out(dial: str, *steps: Step) -> Outcome:
    return Outcome(dial=dial, subscriber="open", route=Route.BLOCKED, steps=tuple(steps))


def st(ctx: str, exten: str, prio: int, app: str, data: str = "") -> Step:
    return Step(ctx, exten, prio, app, data)


def test_parse_log_kinds() -> None:
    kinds = [p.kind for p in parse_log(LOG)]
    assert kinds == ["no_app", "no_app", "invalid_ext", "gosub_nowhere", "no_label",
                     "gosub_invalid", "no_app"]
    first = parse_log(LOG)[0]
    assert (first.app, first.context, first.exten, first.priority, first.callid) == \
        ("Macro", "from-internal", "1001", 2, "C-00000001")


def test_ordinary_warnings_are_not_errors(dp) -> None:
    quiet = ("[2026-12-01 20:22:19] WARNING[1] indications.c: Missing default country\n"
             "[2026-12-01 20:22:19] NOTICE[1] cdr.c: CDR logging disabled.\n"
             "[2026-12-01 20:24:31] WARNING[51] taskprocessor.c: Taskprocessor 'x' queue "
             "reached 3000 scheduled tasks\n")
    assert problems_from_log(quiet, dp) == []


def test_macro_names_line_and_gosub(dp) -> None:
    calls = [out("1001", st("from-internal", "1001", 1, "NoOp", "macro"))]
    found = problems_from_log(LOG, dp, calls)
    macro = found[0]
    assert macro.line == 3 and macro.path.endswith("plan.conf")
    assert "Macro(foo,1)" in macro.message
    assert "Asterisk 21" in macro.message and "GoSub replaces it" in macro.message
    assert macro.call == "'1001' as open"
    err = macro.error()
    assert isinstance(err, DialplanRuntimeError)
    assert str(err).startswith(f"{dp.path}:3: ")


def test_each_log_line_maps_to_its_line(dp) -> None:
    calls = [out("1002"), out("1003", st("from-internal", "1003", 1, "Goto", "nowhere-ctx,s,1")),
             out("1004", st("from-internal", "1004", 1, "Gosub", "sub-x,s,9")),
             out("1005", st("from-internal", "1005", 1, "Gosub", "sub-x,s,nolabel")),
             out("1006")]
    found = {p.line: p for p in problems_from_log(LOG, dp, calls)}
    assert "no application 'Foo'" in found[5].message and found[5].call == "'1002' as open"
    assert "context 'nowhere-ctx' does not exist" in found[6].message
    assert "has no priority 9" in found[7].message
    assert "no label 'nolabel'" in found[8].message
    assert "AGI" in found[9].message and found[9].call == "'1006' as open"


def test_stale_jump_lines_of_another_batch_are_skipped(dp) -> None:
    # the Goto line belongs to no call of this batch: its own driver raised it already
    found = problems_from_log(LOG, dp, [out("0312345678")])
    assert all("nowhere-ctx" not in p.message for p in found)


def test_condition_and_jump_target() -> None:
    assert condition_true("1") and condition_true("abc") and condition_true(" 2x")
    assert not condition_true("") and not condition_true("0") and not condition_true(" 0 ")
    assert jump_target("Goto", "emergency,118,1", "c", "e") == ("emergency", "118", "1")
    assert jump_target("Goto", "5", "c", "e") == ("c", "e", "5")
    assert jump_target("Goto", "x,lab", "c", "e") == ("c", "x", "lab")
    assert jump_target("GotoIf", "1?a,s,1:b,s,2", "c", "e") == ("a", "s", "1")
    assert jump_target("GotoIf", "0?a,s,1:b,s,2", "c", "e") == ("b", "s", "2")
    assert jump_target("GotoIf", "0?done", "c", "e") is None
    assert jump_target("Gosub", "sub,s,1(a,b)", "c", "e") == ("sub", "s", "1")
    assert jump_target("GosubIf", "1?sub,s,1(x,y):other,s,1", "c", "e") == ("sub", "s", "1")
    assert jump_target("NoOp", "x", "c", "e") is None


def test_describe_missing(dp) -> None:
    assert describe_missing(dp, "nope", "s", "1") == "context 'nope' does not exist"
    assert "no extension matching '9999'" in describe_missing(dp, "from-internal", "9999", "1")
    assert "no priority 5" in describe_missing(dp, "from-internal", "1011", "5")
    assert "no label 'x'" in describe_missing(dp, "sub-x", "s", "x")


def test_self_jump_is_a_loop_at_once(dp) -> None:
    w = StepWatch(1000, dp)
    seq = [st("from-internal", "118", 1, "Goto", "emergency,118,1"),
           st("emergency", "118", 1, "Goto", "emergency,118,1")]
    assert w.add("u2", seq[0], seq[:1]) is False
    assert w.add("u2", seq[1], seq) is True
    p = w.problem("118", "open", dp.path)
    assert p is not None and p.line == 18 and "jumps to itself" in p.message
    assert "plan.conf:18 Goto(emergency,118,1)" in p.message
    assert p.call == "'118' as open"


def test_step_limit_names_the_loop_lines(dp) -> None:
    w = StepWatch(50, dp)
    seq: list[Step] = []
    hung = []
    for i in range(60):
        s = st("from-internal", "119", 1, "NoOp", "a") if i % 2 == 0 else \
            st("from-internal", "119", 2, "Goto", "119,1")
        seq.append(s)
        hung.append(w.add("u2", s, seq))
    assert hung.count(True) == 1 and hung.index(True) == 50
    err = w.error("119", "open", dp.path)
    assert isinstance(err, DialplanRuntimeError)
    text = str(err)
    assert "more than 50 dialplan steps" in text
    assert "plan.conf:12 NoOp(a), plan.conf:13 Goto(119,1)" in text
    assert "'119' as open" in text


def test_jump_to_nowhere_on_hangup(dp) -> None:
    w = StepWatch(1000, dp)
    s = st("from-internal", "1011", 1, "Goto", "1011,5")
    w.add("u2", s, [s])
    w.hung_up("u2")
    p = w.problem("1011", "open", dp.path)
    assert p is not None and p.line == 10 and "has no priority 5" in p.message


def test_jump_failed_into_h(dp) -> None:
    w = StepWatch(1000, dp)
    a = st("from-internal", "1003", 1, "Goto", "nowhere-ctx,s,1")
    b = st("from-internal", "h", 1, "NoOp", "")
    w.add("u2", a, [a])
    w.add("u2", b, [a, b])
    w.hung_up("u2")
    assert "nowhere-ctx" in w.problem("1003", "open", dp.path).message  # type: ignore[union-attr]


def test_no_false_alarm_for_ordinary_ends(dp) -> None:
    w = StepWatch(1000, dp)
    for uid, s in [("a", st("from-internal", "120", 1, "GotoIf", "0?done")),   # not taken
                   ("b", st("from-internal", "1001", 1, "NoOp", "x")),          # fell through
                   ("c", st("from-internal", "0312345678", 1, "Dial", "x"))]:
        w.add(uid, s, [s])
        w.hung_up(uid)
    # a jump that landed: the target ran
    g = st("from-internal", "119", 2, "Goto", "119,1")
    n = st("from-internal", "119", 1, "NoOp", "a")
    w.add("d", g, [g])
    w.add("d", n, [g, n])
    w.hung_up("d")
    assert w.problem("x", "open", dp.path) is None


def test_hung_up_by_the_harness_is_not_nowhere(dp) -> None:
    w = StepWatch(1000, dp)
    s = st("from-internal", "1011", 1, "Goto", "1011,5")
    w.add("u", s, [s])
    w.hung_by_us = True
    w.hung_up("u")
    assert w.problem("1011", "open", dp.path) is None


def test_loop_priorities_repeated_only() -> None:
    a, b, c = (st("x", "1", i, "NoOp") for i in (1, 2, 3))
    assert loop_priorities([a, b, c, b, c, b, c]) == [b, c]


def test_max_steps_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIALHARNESS_MAX_STEPS", raising=False)
    assert steps_mod.default_max_steps() == steps_mod.DEFAULT_MAX_STEPS == 1000
    monkeypatch.setenv("DIALHARNESS_MAX_STEPS", "7")
    assert steps_mod.default_max_steps() == 7
    monkeypatch.setenv("DIALHARNESS_MAX_STEPS", "many")
    with pytest.raises(InputError):
        steps_mod.default_max_steps()


def test_max_steps_below_one_is_refused_by_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main
    assert main(["explain", "no-such.yaml", "110", "--max-steps", "0"]) == 2
    assert "--max-steps must be at least 1" in capsys.readouterr().err


class _Pbx:
    runtime_log_unavailable = "backend test: no log"

    def __init__(self, text: str | None) -> None:
        self.text = text

    def runtime_log(self) -> str | None:
        return self.text


def test_raise_runtime_errors(dp, capsys: pytest.CaptureFixture[str]) -> None:
    calls = [out("1001", st("from-internal", "1001", 1, "NoOp", "macro"))]
    with pytest.raises(DialplanRuntimeError) as err:
        raise_runtime_errors(_Pbx(LOG), dp, calls)
    assert str(err.value).startswith(f"{dp.path}:3: Macro(foo,1)")
    assert "more runtime dialplan error" in str(err.value)
    assert "\n" not in str(err.value)
    assert raise_runtime_errors(_Pbx(""), dp, calls) is True       # nothing logged: fine


def test_no_log_is_said_not_passed(dp, capsys: pytest.CaptureFixture[str]) -> None:
    assert raise_runtime_errors(_Pbx(None), dp, []) is False
    err = no_log_warning(_Pbx(None))  # type: ignore[arg-type]
    assert "backend test: no log" in err and "NOT checked" in err
