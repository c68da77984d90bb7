"""Dialplan parser, Asterisk-style step resolution and coverage (no PBX)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.coverage import Coverage, coverage_of, parse_dialplan, pattern_matches
from harness.model import Step

ROOT = Path(__file__).resolve().parents[2]
JP_OFFICE = ROOT / "dialplans" / "jp-office.conf"

SMALL = """\
[general]
static=yes
[globals]
FOO=bar ; not dialplan

[entry]                         ; a comment
exten => _9.,1,NoOp(outside)   ; strip 9
 same => n,Goto(out,${EXTEN:1},1)
exten => 100,1,Answer()
same => n(loop),Playback(hello\\;world)
 same => n+2,Hangup()
exten => 100,hint,PJSIP/100
include => blocks
include => rest,08:00-17:00,*,*,*

[blocks](+)
exten => _0X.,1,Goto(out,${EXTEN},1)
exten => _0[34]0XX,1,NoOp(more specific)
 same => n,Hangup()
;-- a block comment
exten => _X.,1,NoOp(never parsed)
--;
[rest]
exten => _X.,1,Hangup(21)
exten => _[*#+]!,1,Hangup(1)

[out]
exten => _X.,1,Dial(PJSIP/${EXTEN}@trunk)
"""


@pytest.fixture
def small(tmp_path: Path):
    path = tmp_path / "small.conf"
    path.write_text(SMALL)
    return parse_dialplan(path)


def test_parse_contexts_includes_priorities(small) -> None:
    assert list(small.contexts) == ["entry", "blocks", "rest", "out"]  # no general/globals
    assert small.contexts["entry"].includes == ["blocks", "rest"]
    got = [(p.context, p.exten, p.priority, p.app, p.label) for p in small.priorities]
    assert got == [
        ("entry", "_9.", 1, "NoOp", None), ("entry", "_9.", 2, "Goto", None),
        ("entry", "100", 1, "Answer", None), ("entry", "100", 2, "Playback", "loop"),
        ("entry", "100", 4, "Hangup", None),        # n+2 after 2; the hint is not code
        ("blocks", "_0X.", 1, "Goto", None), ("blocks", "_0[34]0XX", 1, "NoOp", None),
        ("blocks", "_0[34]0XX", 2, "Hangup", None),  # the block comment hid _X.
        ("rest", "_X.", 1, "Hangup", None), ("rest", "_[*#+]!", 1, "Hangup", None),
        ("out", "_X.", 1, "Dial", None)]
    lines = small.lines
    for p in small.priorities:
        assert lines[p.line - 1].strip().startswith(p.text)
    assert small.priorities[3].text == "same => n(loop),Playback(hello\\;world)"


@pytest.mark.parametrize("pattern, exten, match", [
    ("_X.", "1", False), ("_X.", "12", True), ("_X!", "1", True),
    ("_0[34]0XX", "03012", True), ("_0[34]0XX", "05012", False),
    ("_0[1-9][1-9]", "012", True), ("_0[1-9][1-9]", "002", False),
    ("_NXX", "199", False), ("_NXX", "299", True), ("_ZX", "09", False),
    ("_+81Z.", "+8131", True), ("_[0-9*#+].", "*1", True), ("_[0-9*#+]", "#", True),
    ("_1XXX.", "186+8", False),                      # X is a digit, '+' is not
    ("100", "100", True), ("555-1212", "5551212", True), ("100", "1000", False),
])
def test_pattern_matches(pattern: str, exten: str, match: bool) -> None:
    assert pattern_matches(pattern, exten) is match


def test_most_specific_pattern_wins_within_a_context(small) -> None:
    assert small.resolve("blocks", "03012", 1, "NoOp").exten == "_0[34]0XX"
    assert small.resolve("blocks", "0312", 1, "Goto").exten == "_0X."


def test_own_extensions_then_includes_in_order(small) -> None:
    # "9123" is an own extension of entry; "0312" only in the include "blocks"; "5" in "rest"
    assert small.resolve("entry", "9123", 2, "Goto").line == 8
    p = small.resolve("entry", "0312", 1, "Goto")
    assert (p.context, p.exten) == ("blocks", "_0X.")
    p = small.resolve("entry", "55", 1, "Hangup")
    assert (p.context, p.exten) == ("rest", "_X.")
    # the first include with a match wins over a later, more specific one
    p = small.resolve("entry", "0312", 1)
    assert p.context == "blocks"


def test_application_must_agree(small) -> None:
    assert small.resolve("entry", "0312", 1, "Dial") is None
    assert small.resolve("nowhere", "1", 1, "NoOp") is None


def test_jp_office_steps_resolve_to_their_lines() -> None:
    dp = parse_dialplan(JP_OFFICE)
    steps = [  # as the PBX reported them for 184 0033 010 1 212 555 1234, open class
        ("from-internal", "184003301012125551234", 1, "NoOp", "_184."),
        ("open-dial", "003301012125551234", 1, "Goto", "_0033."),
        ("open-after-cic", "01012125551234", 2, "GotoIf", "_010Z."),
        ("open-after-cic", "01012125551234", 4, "Goto", "_010Z."),
        ("trunk-intl", "01012125551234", 1, "Dial", "_010X."),
        ("barred-dial", "0301234567", 1, "Goto", "_0[34]0XXXXXXX"),
        ("barred-dial", "0312345678", 1, "Goto", "_0[1-9][1-9]XXXXXXX"),
        ("domestic-only", "08012345678", 1, "Goto", "_0[789]0XXXXXXXX"),
        ("from-internal-barred", "+12125551234", 1, "NoOp", "_+."),
    ]
    for context, exten, prio, app, pattern in steps:
        p = dp.resolve(context, exten, prio, app)
        assert p is not None and p.exten == pattern, (context, exten, p)
    assert dp.resolve("open-after-cic", "01012125551234", 4, "Goto").label == "ok"


def test_coverage_marks_lines_and_counts_per_context(small) -> None:
    cov = Coverage(small)
    cov.add([Step("entry", "0312", 1, "Goto", "out,0312,1"), Step("out", "0312", 1, "Dial", "x"),
             Step("elsewhere", "1", 1, "NoOp")])
    cov.add_counts(Counter({("entry", "9123", 1, "NoOp"): 3}))
    assert cov.hits[8 - 1] == 3 and cov.hits[17] == 1
    per = {c.context: (c.statements, c.executed) for c in cov.per_context()}
    assert per == {"entry": (5, 1), "blocks": (3, 1), "rest": (2, 0), "out": (1, 1)}
    assert cov.executed_count == 3 and cov.statements == 11
    assert round(cov.percent) == 27
    assert cov.unresolved == Counter({("elsewhere", "1", 1, "NoOp"): 1})
    never = [p.line for p in cov.never_run()]
    assert 8 in never and 7 not in never
    marks = {n: line[:1] for n, line in enumerate(cov.annotate().splitlines(), 1)}
    assert marks[7] == ">" and marks[8] == "!" and marks[1] == " " and marks[6] == " "
    assert marks[12] == " "  # the hint
    text = cov.format_report()
    assert "entry" in text and "TOTAL" in text and "27%" in text
    assert "small.conf:8" in text and "never ran (8 priorities)" in text
    assert "matched no line" in text


def test_coverage_of_jp_office_full_when_every_line_listed() -> None:
    dp = parse_dialplan(JP_OFFICE)
    assert len(dp.priorities) == 62
    cov = coverage_of(dp, Counter())
    assert cov.executed_count == 0 and len(cov.never_run()) == 62
