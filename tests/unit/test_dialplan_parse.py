"""The dialplan parser and Asterisk-style step resolution on the model (no PBX)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.dialplan import Dialplan, parse_dialplan, pattern_matches

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
    assert small.contexts["entry"].includes == ("blocks", "rest")
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


def test_jp_office_priorities() -> None:
    assert len(parse_dialplan(JP_OFFICE).priorities) == 62


def test_model_is_frozen(small: Dialplan) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.path = Path("other.conf")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.contexts["entry"].includes = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.priorities[0].line = 1  # type: ignore[misc]
    assert isinstance(small.priorities, tuple) and isinstance(small.lines, tuple)


def test_search_order_literal_first_then_most_specific(small: Dialplan) -> None:
    assert small.contexts["blocks"].ordered() == ["_0[34]0XX", "_0X."]
    assert small.contexts["rest"].ordered() == ["_[*#+]!", "_X."]  # 3 characters before 10
    assert small.contexts["entry"].ordered() == ["100", "_9."]


def test_text_overrides_the_file_and_includes_are_followed(tmp_path: Path) -> None:
    (tmp_path / "more.conf").write_text("[more]\nexten => 1,1,NoOp(in more)\n")
    main = tmp_path / "main.conf"
    text = "[entry]\ninclude => more\n#include more.conf\n#include absent.conf\n"
    dp = parse_dialplan(main, text, follow_includes=True)
    (p,) = dp.priorities
    assert (p.context, p.file, p.line, p.args) == ("more", tmp_path / "more.conf", 2, "in more")
    assert dp.missing_includes == ((main, 4, "absent.conf"),)
    assert dp.resolve("entry", "1", 1, "NoOp") == p
    assert parse_dialplan(main, text).priorities == ()  # not followed unless asked
