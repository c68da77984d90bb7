"""Dialplan coverage: executed steps folded onto the model's lines, and its text (no PBX)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.coverage import Coverage, coverage_of
from harness.dialplan import parse_dialplan
from harness.model import Step
from harness.report.text import annotate_coverage, format_coverage

from .test_dialplan_parse import JP_OFFICE, SMALL


@pytest.fixture
def small(tmp_path: Path):
    path = tmp_path / "small.conf"
    path.write_text(SMALL)
    return parse_dialplan(path)


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
    marks = {n: line[:1] for n, line in enumerate(annotate_coverage(cov).splitlines(), 1)}
    assert marks[7] == ">" and marks[8] == "!" and marks[1] == " " and marks[6] == " "
    assert marks[12] == " "  # the hint
    text = format_coverage(cov)
    assert "entry" in text and "TOTAL" in text and "27%" in text
    assert "small.conf:8" in text and "never ran (8 priorities)" in text
    assert "matched no line" in text


def test_coverage_of_jp_office_full_when_every_line_listed() -> None:
    dp = parse_dialplan(JP_OFFICE)
    assert len(dp.priorities) == 62
    cov = coverage_of(dp, Counter())
    assert cov.executed_count == 0 and len(cov.never_run()) == 62
