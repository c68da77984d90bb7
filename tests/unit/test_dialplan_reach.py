"""What a subscriber's dial string can reach, read from the dialplan (harness.dialplan.reach):
hops and the slices of the dialed string they see, conditions on it, unresolved jumps."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.dialplan import (Dialplan, Slice, parse_dialplan, pattern_matches,
                              pattern_shape, reachable)
from harness.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "dialplans" / "jp-office.yaml",
           *sorted((ROOT / "dialplans" / "styles").glob("*.yaml"))]


def plan(tmp_path: Path, text: str) -> Dialplan:
    path = tmp_path / "extensions.conf"
    path.write_text(text)
    return parse_dialplan(path)


def subscriber_contexts(target: Path) -> list[str]:
    subs = yaml.safe_load(target.read_text())["subscribers"]
    return list(dict.fromkeys(s["context"] for s in subs.values()))


SHIPPED_CONTEXTS = [(t, c) for t in SHIPPED for c in subscriber_contexts(t)]


def load(target: Path) -> Dialplan:
    conf = yaml.safe_load(target.read_text())["dialplan"]
    return parse_dialplan(target.parent / conf, follow_includes=True)


# --- plain patterns and includes -------------------------------------------------------------

PLAIN = """\
[phones]
exten => 110,1,Goto(emergency,${EXTEN},1)
exten => _0X.,1,NoOp(own extension, searched before any include)
include => blocks
include => last

[blocks]
include => inner
exten => _00X.,1,Hangup(21)

[inner]
exten => _0[1-5]XX,1,Dial(PJSIP/${EXTEN}@trunk)

[last]
exten => _[0-9*#+].,1,Hangup(21)
exten => s,1,NoOp(not dialable: a letter)

[emergency]
exten => _11X,1,Dial(PJSIP/${EXTEN}@emergency)

[unreached]
exten => _X.,1,Dial(PJSIP/${EXTEN}@nowhere)
"""


def test_own_extensions_then_includes_depth_first(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, PLAIN), "phones")
    direct = [landing.key for landing in reach.landings if len(landing.hops) == 1]
    # Asterisk's order: own (literal first, then by specificity), includes depth first
    assert direct == [("phones", "110"), ("phones", "_0X."), ("blocks", "_00X."),
                      ("inner", "_0[1-5]XX"), ("last", "_[0-9*#+].")]
    assert reach.contexts == ("phones", "blocks", "inner", "last", "emergency")
    assert ("emergency", "_11X") in reach.patterns
    assert not any(c == "unreached" for c, _ in reach.patterns)
    assert {p.context for p in reach.priorities} == set(reach.contexts)
    assert not reach.unresolved and not reach.truncated


def test_a_literal_jump_keeps_the_whole_string(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, PLAIN), "phones")
    (landing,) = reach.patterns[("emergency", "_11X")]
    assert [h.key for h in landing.hops] == [("phones", "110"), ("emergency", "_11X")]
    assert landing.seen == Slice(0)
    assert landing.last.via is not None and landing.last.via.line == 2
    assert landing.strips() == (("110", 0), ("_11X", 0))


def test_lands_follows_asterisks_choice(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, PLAIN), "phones")
    assert {l.key for l in reach.lands("0312")} == {("phones", "_0X.")}  # own wins
    assert {l.key for l in reach.lands("110")} == {("phones", "110"), ("emergency", "_11X")}
    assert {l.key for l in reach.lands("5")} == set()
    assert {l.key for l in reach.lands("#1")} == {("last", "_[0-9*#+].")}


def test_unknown_context_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no context 'nope'"):
        reachable(plan(tmp_path, PLAIN), "nope")


# --- prefix stripping: Goto(ctx,${EXTEN:3},1) --------------------------------------------------

STRIP = """\
[from-internal]
exten => _184.,1,Set(CALLERID(pres)=prohib)
 same => n,Goto(dial,${EXTEN:3},1)
exten => _186.,1,Set(CALLERID(pres)=allowed)
 same => n,Goto(dial,${EXTEN:3},1)
include => dial

[dial]
exten => _0X.,1,Goto(trunk,${EXTEN},1)
exten => _+81Z.,1,Goto(dial,0${EXTEN:3},1)
exten => _00XX.,1,Goto(dial,${EXTEN:4:12},1)
exten => _[0-9+].,1,Hangup(21)

[trunk]
exten => _0X.,1,Dial(PJSIP/${EXTEN}@trunk)
"""


def test_strip_chain(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, STRIP), "from-internal")
    chains = {tuple(l.strips()) for l in reach.patterns[("trunk", "_0X.")]}
    assert (("_184.", 3), ("_0X.", 0), ("_0X.", 0)) in chains
    assert (("_0X.", 0), ("_0X.", 0)) in chains
    via_184 = [l for l in reach.patterns[("dial", "_0X.")] if l.hops[0].pattern == "_184."]
    assert {l.seen for l in via_184} >= {Slice(3), Slice(3 + 4, 12), Slice(6, None, "0")}
    # the +81 rewrite: the next pattern sees "0" + what follows +81
    plus = [l for l in reach.patterns[("dial", "_0X.")]
            if [h.pattern for h in l.hops] == ["_+81Z.", "_0X."]]
    assert plus and plus[0].seen == Slice(3, None, "0")
    assert plus[0].seen.apply("+81312345678") == "0312345678"


def test_lands_through_the_chain(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, STRIP), "from-internal")
    got = {tuple(h.pattern for h in l.hops) for l in reach.lands("1840312345678")}
    assert ("_184.", "_0X.", "_0X.") in got
    assert ("_184.", "_[0-9+].") not in got       # "0312..." matches _0X. first
    assert not any(l.hops[0].pattern == "_184." for l in reach.lands("0312345678"))
    got = {tuple(h.pattern for h in l.hops) for l in reach.lands("+81312345678")}
    assert ("_+81Z.", "_0X.", "_0X.") in got


def test_a_jump_loop_ends(tmp_path: Path) -> None:
    text = "[a]\nexten => _X.,1,Goto(a,${EXTEN:1},1)\n"
    reach = reachable(plan(tmp_path, text), "a")
    seen = [l.seen.start for l in reach.patterns[("a", "_X.")]]
    assert seen == sorted(seen) and len(seen) <= 13


# --- class of service by GoSub, GotoIf on ${EXTEN:0:3}, ExecIf ----------------------------------

GOSUB = """\
[phones]
exten => _X.,1,Gosub(cos,s,1(${EXTEN}))
 same => n,GotoIf($["${EXTEN:0:3}" = "010"]?intl)
 same => n,ExecIf($["${EXTEN:3:6}" = "003768"]?Goto(after-cic,${EXTEN:9},1))
 same => n,Set(NUM=${GOSUB_RETVAL})
 same => n,Goto(national,${NUM},1)
 same => n(intl),GotoIf($[${LEN(${EXTEN})} > 15]?too-long:world,${EXTEN:3},1)
 same => n(too-long),Hangup(21)

[cos]
exten => s,1,GotoIf($["${ARG1:0:3}" = "184"]?strip)
 same => n,Return(${ARG1})
 same => n(strip),Return(${ARG1:3})

[national]
exten => _0X.,1,Dial(PJSIP/${EXTEN}@national)

[world]
exten => _Z.,1,Dial(PJSIP/010${EXTEN}@world)

[after-cic]
exten => _0X.,1,Goto(national,${EXTEN},1)
"""


def test_gosub_return_values_and_conditions(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, GOSUB), "phones")
    # Return(${ARG1}) / Return(${ARG1:3}): national sees the string or what follows 184
    assert {l.seen for l in reach.patterns[("national", "_0X.")]} >= {Slice(0), Slice(3)}
    assert {l.seen for l in reach.patterns[("world", "_Z.")]} == {Slice(3)}
    # ExecIf(...?Goto(...)): a jump too
    assert {l.seen for l in reach.patterns[("after-cic", "_0X.")]} == {Slice(9)}
    literals = {(c.value, c.at, c.key) for c in reach.literals}
    assert ("010", Slice(0, 3), ("phones", "_X.")) in literals
    assert ("003768", Slice(3, 6), ("phones", "_X.")) in literals
    assert ("184", Slice(0, 3), ("cos", "s")) in literals          # ARG1 is ${EXTEN}
    lengths = {(c.op, c.value, c.at) for c in reach.lengths}
    assert lengths == {(">", "15", Slice(0))}
    assert not reach.unresolved


def test_a_label_jump_stays_in_the_extension(tmp_path: Path) -> None:
    text = """\
[a]
exten => _X.,1,Goto(later)
 same => n,Goto(never,${EXTEN},1)
 same => n(later),Goto(5)
 same => n,Goto(never,${EXTEN},1)
 same => n,Goto(there,${EXTEN:1},1)
[never]
exten => _X.,1,Hangup()
[there]
exten => _X!,1,Hangup()
"""
    reach = reachable(plan(tmp_path, text), "a")
    assert set(reach.patterns) == {("a", "_X."), ("there", "_X!")}
    assert not reach.unresolved


def test_unresolved_targets_are_listed_not_guessed(tmp_path: Path) -> None:
    text = """\
[a]
exten => _X.,1,GotoIf($[${X}]?${DEST},${EXTEN},1)
 same => n,GotoIf($[${X}]?b,${CALLERID(num)},1)
 same => n,GotoIf($[${X}]?b,${EXTEN:-4},1)
 same => n,GotoIf($[${X}]?nowhere-ctx,${EXTEN},1)
 same => n,Goto(b,s,1)
[b]
exten => s,1,Hangup()
exten => _X.,1,Hangup()
"""
    reach = reachable(plan(tmp_path, text), "a")
    assert [(u.line, u.target) for u in reach.unresolved] == [
        (2, "${DEST},${EXTEN},1"), (3, "b,${CALLERID(num)},1"), (4, "b,${EXTEN:-4},1"),
        (5, "nowhere-ctx,${EXTEN},1")]
    assert set(reach.patterns) == {("a", "_X."), ("b", "s")}   # b,_X. only by guessing


def test_invalid_handler_after_a_jump(tmp_path: Path) -> None:
    text = """\
[a]
exten => _X.,1,Goto(b,${EXTEN},1)
[b]
exten => _0X.,1,Hangup()
exten => i,1,Hangup(21)
"""
    reach = reachable(plan(tmp_path, text), "a")
    assert ("b", "i") in reach.patterns
    assert ("b", "i") in {l.key for l in reach.lands("51")}
    assert ("b", "i") not in {l.key for l in reach.lands("012")}


# --- REGEX and [globals] --------------------------------------------------------------------

REGEX = """\
[globals]
CC=(1|44|49)

[phones]
exten => _[0+].,1,Set(NUM=${EXTEN})
 same => n,GotoIf($[${REGEX("^0(20|70|80|90)" ${NUM})}]?mobile)
 same => n,GotoIf($["${NUM:0:1}" = "+"]?plus)
 same => n,Hangup(21)
 same => n(mobile),Dial(PJSIP/${NUM}@mobile)
 same => n(plus),Set(CCSUB=${NUM:1})
 same => n,GotoIf($[${REGEX("^${CC}[0-9]+$" ${CCSUB})} & ${LEN(${CCSUB})} >= 7]?ok)
 same => n,Hangup(21)
 same => n(ok),Dial(PJSIP/010${CCSUB}@world)
"""


def test_regexes_with_globals_and_variables(tmp_path: Path) -> None:
    reach = reachable(plan(tmp_path, REGEX), "phones")
    regexes = {(c.value, c.at) for c in reach.regexes}
    assert regexes == {("^0(20|70|80|90)", Slice(0)), ("^(1|44|49)[0-9]+$", Slice(1))}
    assert {(c.value, c.at) for c in reach.literals} == {("+", Slice(0, 1))}
    assert {(c.op, c.value, c.at) for c in reach.lengths} == {(">=", "7", Slice(1))}
    for c in reach.regexes:
        assert c.priority.line in (6, 11) and c.key == ("phones", "_[0+].")


# --- slices and shapes ------------------------------------------------------------------------

@pytest.mark.parametrize("outer, start, length, dial, want", [
    (Slice(3), 0, None, "1840312", "0312"),
    (Slice(3), 2, 3, "1840312345", "123"),
    (Slice(3, None, "0"), 0, None, "+81312", "0312"),
    (Slice(3, None, "0"), 1, None, "+81312", "312"),
    (Slice(3, None, "010"), 1, 4, "+81312", "1031"),
    (Slice(0, 0, "s"), 0, None, "123", "s"),
    (Slice(2, 4), 1, None, "0123456", "345"),
    (Slice(2, 4), 5, None, "0123456", ""),
])
def test_slice_of_a_slice(outer: Slice, start: int, length: int | None, dial: str,
                          want: str) -> None:
    inner = outer.sub(start, length)
    assert inner is not None
    text = outer.apply(dial)
    assert text[start:None if length is None else start + length] == want
    assert inner.apply(dial) == want


SHAPES = ["_0X.", "_0[1-9]XXXXXXXX", "_00[2-9]X.", "_+X.", "_[+]81X.", "!", "_X!", "110",
          "_NXX", "_Z[1-5-7]x", "555-1212", "_0[34]0XX", "_[0-9*#+].", "_1-8XX"]


@pytest.mark.parametrize("name", SHAPES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_shape_reads_patterns_as_pattern_matches_does(name: str, data: st.DataObject) -> None:
    shape = pattern_shape(name)
    out = []
    for pos in shape.positions:
        chars = pos.chars or "0123456789+*#"
        n = {"": 1, "+": data.draw(st.integers(1, 3)), "*": data.draw(st.integers(0, 3))}
        out += [data.draw(st.sampled_from(chars)) for _ in range(n[pos.repeat])]
    assert pattern_matches(name, "".join(out))
    assert shape.min_length <= len("".join(out))


# --- the shipped dialplans --------------------------------------------------------------------

@pytest.mark.parametrize("target, context", SHIPPED_CONTEXTS,
                         ids=[f"{t.stem}-{c}" for t, c in SHIPPED_CONTEXTS])
def test_shipped_dialplans_are_read_completely(target: Path, context: str) -> None:
    reach = reachable(load(target), context)
    assert not reach.unresolved, [(u.line, u.target, u.reason) for u in reach.unresolved]
    assert not reach.truncated
    assert len(reach.patterns) >= 3
    # every pattern in a reachable context is reachable, but for the entry contexts of
    # other subscribers and what only they reach
    for key in reach.patterns:
        assert key[0] in reach.contexts or key[1] in ("i", "s")


def test_jp_office_carrier_code_chains() -> None:
    dp = load(ROOT / "dialplans" / "jp-office.yaml")
    reach = reachable(dp, "from-internal")
    after_cic = {l.strips() for l in reach.patterns[("jp-domestic", "_0[789]0XXXXXXXX")]}
    assert (("_003768.", 6), ("_0[789]0XXXXXXXX", 0)) in after_cic
    assert (("_184.", 3), ("_0033.", 4), ("_0[789]0XXXXXXXX", 0)) in after_cic
    # the international blocks: REGEX of the country code after 010, read at its slice
    cc = [c for c in reach.regexes if c.key == ("jp-intl-010", "_010Z.")]
    assert {c.at for c in cc} >= {Slice(3), Slice(6), Slice(9), Slice(12)}
    assert all(re.search(c.value, "12125551234") for c in cc)
    assert not re.search(cc[0].value, "812125551234")        # 81 is not abroad


def test_jp_office_barred_class_reaches_no_international_block() -> None:
    dp = load(ROOT / "dialplans" / "jp-office.yaml")
    barred = reachable(dp, "from-internal-barred")
    assert not {"jp-intl-010", "jp-intl-plus", "trunk-intl"} & set(barred.contexts)
    assert ("jp-reject-intl", "_010.") in barred.patterns


def test_gosub_style_classifies_after_the_cid_routine() -> None:
    dp = load(ROOT / "dialplans" / "styles" / "gosub-cos.yaml")
    reach = reachable(dp, "pbx-users")
    assert {l.seen for l in reach.patterns[("sub-classify", "_003768.")]} == {
        Slice(0), Slice(3)}
    assert {(c.value, c.at) for c in reach.literals} >= {("184", Slice(0, 3)),
                                                        ("186", Slice(0, 3))}


def test_regex_style_conditions_follow_the_number_variable() -> None:
    dp = load(ROOT / "dialplans" / "styles" / "regex-catchall.yaml")
    reach = reachable(dp, "lobby-phones")
    at = {c.at for c in reach.regexes if c.value == "^003768"}
    assert at == {Slice(0), Slice(3)}               # before and after 184/186
    national = {c.at for c in reach.regexes if c.value.startswith("^0(")}
    # after a carrier code of 3, 4 or 6, with or without 184/186, and +81 -> 0
    assert national >= {Slice(0), Slice(3), Slice(4), Slice(6), Slice(7), Slice(9),
                        Slice(3, None, "0")}
