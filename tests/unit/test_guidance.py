"""harness.guidance: lines reached per subscriber context, the novelty score, the
patterns no call matched (pure: a parsed dialplan and raw observations)."""
from __future__ import annotations

from harness.dialplan import parse_dialplan
from harness.guidance import CoverageGuide
from harness.model import Observation, Step

PLAN = """\
[phones]
exten => _0X.,1,NoOp(domestic)
 same => n,Dial(PJSIP/${EXTEN}@dom)
exten => _010X.,1,Goto(intl,${EXTEN:3},1)
exten => 110,1,Dial(PJSIP/110@sos)

[intl]
exten => _X.,1,Dial(PJSIP/${EXTEN}@world)
"""


def guide() -> CoverageGuide:
    dp = parse_dialplan("/fake/extensions.conf", PLAN)
    return CoverageGuide(dp, {"alice": "phones", "bob": "phones"})


def call(dial: str, sub: str, *steps: tuple[str, str, int, str]) -> Observation:
    return Observation(dial=dial, subscriber=sub, steps=tuple(Step(*s) for s in steps))


def test_a_new_line_scores_a_point_a_familiar_one_less() -> None:
    g = guide()
    domestic = call("0312345678", "alice", ("phones", "0312345678", 1, "NoOp"),
                    ("phones", "0312345678", 2, "Dial"))
    assert g.record([domestic]) == 2.0
    again = call("0398765432", "bob", ("phones", "0398765432", 1, "NoOp"),
                 ("phones", "0398765432", 2, "Dial"))
    assert g.record([again]) == 1.0          # each line seen once before: 1/2 + 1/2
    sos = call("110", "alice", ("phones", "110", 1, "Dial"))
    assert g.record([sos]) == 1.0            # never seen: a whole point


def test_summary_counts_reachable_lines_and_unmatched_patterns() -> None:
    g = guide()
    g.record([call("0312345678", "alice", ("phones", "0312345678", 1, "NoOp"),
                   ("phones", "0312345678", 2, "Dial"))])
    (row,) = g.summary()
    assert row.context == "phones" and row.subscribers == ("alice", "bob")
    assert row.reachable == 5                # four lines of [phones], one of [intl]
    assert row.reached == 2
    assert set(row.unmatched) == {("phones", "_010X."), ("phones", "110"), ("intl", "_X.")}


def test_steps_no_line_explains_are_ignored() -> None:
    g = guide()
    assert g.record([call("9", "alice", ("elsewhere", "9", 1, "Hangup"))]) == 0.0
    assert g.summary()[0].reached == 0
