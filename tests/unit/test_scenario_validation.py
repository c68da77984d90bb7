"""Scenario files: loading, validation errors (file + line), table expansion, writing."""
from __future__ import annotations

import shutil
import sys
import textwrap
import types
from pathlib import Path

import pytest

from harness.errors import ConfigError, DialStringError
from harness.model import Presentation, Route
from harness.scenario import (Expectation, known_properties, load_scenario, load_scenarios,
                              write_counterexample)

REPO = Path(__file__).resolve().parents[2]

TARGET = """\
dialplan: office.conf
profile: jp
subscribers:
  open:
    context: from-internal
  intl_barred:
    context: from-internal-barred
    barred: [international]
trunks:
  jp-domestic:  {route: domestic,      number_format: national}
  jp-intl:      {route: international, number_format: national}
  jp-emergency: {route: emergency,     number_format: national}
"""

# The subscribers and trunks below are inlined into scenarios, so a test can point at
# lines inside the scenario file itself.
INLINE_TARGET = """\
dialplan: office.conf
subscribers:
  open: {context: from-internal}
  intl_barred: {context: from-internal-barred, barred: [international]}
trunks:
  jp-domestic: {route: domestic}
  jp-intl: {route: international}
"""


@pytest.fixture
def target(tmp_path: Path) -> Path:
    (tmp_path / "office.conf").write_text("", encoding="utf-8")
    path = tmp_path / "office.yaml"
    path.write_text(TARGET, encoding="utf-8")
    return path


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def scenario(tmp_path: Path, calls: str, head: str = "title: t\ntarget: office.yaml\n") -> Path:
    """A scenario whose ``calls:`` block is ``calls`` (dedented, indented under it)."""
    body = textwrap.indent(textwrap.dedent(calls).strip("\n"), "  ")
    return write(tmp_path, head + "calls:\n" + body + "\n")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if needle in line]
    return hits[nth - 1]


def fails(path: Path, *fragments: str, line: int | None = None,
          file: Path | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    err = info.value
    assert err.path == str(file or path), str(err)
    if line is not None:
        assert err.line == line, str(err)
    for fragment in fragments:
        assert fragment in err.message, str(err)
    # The one-line form the CLI prints starts with file:line.
    assert str(err).startswith(f"{err.path}:{err.line}:" if err.line else f"{err.path}:")
    return err


# -- a good file ---------------------------------------------------------------------------

def test_single_call_loads(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscriber: intl_barred
          dial: "+18608012345678"
          expect: {route: blocked, cause: 21, properties: [barring_holds]}
    """)
    s = load_scenario(path)
    assert s.title == "t" and s.path == path.resolve()
    assert s.target.path == target.resolve()
    (call,) = s.calls
    assert call.subscriber == "intl_barred" and call.dial == "+18608012345678"
    assert call.expect == Expectation(route=Route.BLOCKED, cause=21,
                                      properties=("barring_holds",))
    assert call.line == line_of(path, "dial:")
    assert call.name == "t [intl_barred] +18608012345678"


def test_table_form_expands_per_dial_and_subscriber(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscribers: [open, intl_barred]
          dials:
            - "18608012345678"
            - "1860037680312345678"
          expect: {route: domestic, presentation: allowed, trunk: jp-domestic}
    """)
    calls = load_scenario(path).calls
    assert [(c.dial, c.subscriber) for c in calls] == [
        ("18608012345678", "open"), ("18608012345678", "intl_barred"),
        ("1860037680312345678", "open"), ("1860037680312345678", "intl_barred")]
    assert [c.line for c in calls] == [line_of(path, '"186080')] * 2 + \
        [line_of(path, '"1860037')] * 2
    assert {c.expect for c in calls} == {Expectation(route=Route.DOMESTIC, trunk="jp-domestic",
                                                     presentation=Presentation.ALLOWED)}
    assert calls[3].name == "t [intl_barred] 1860037680312345678"


def test_unquoted_dial_strings_are_read_as_typed(tmp_path: Path, target: Path) -> None:
    # YAML would read these as 312345678, octal 0o120123456, +81... as 81..., and 1860... as
    # an int; a dial string must be exactly what was typed.
    path = scenario(tmp_path, """
        - subscriber: open
          dials: [0312345678, 0120123456, +818012345678, 1860037680312345678, 110]
          expect:
            destination: +818012345678
    """)
    assert [c.dial for c in load_scenario(path).calls] == [
        "0312345678", "0120123456", "+818012345678", "1860037680312345678", "110"]
    assert load_scenario(path).calls[0].expect.destination == "+818012345678"


def test_report_and_japanese_text(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, """\
        title: 186 の事故
        report:
          source: ブログ (2022)
          date: 2022-06-01
          saw: |
            知らない人が外国語で出た。
        target: office.yaml
        calls:
          - {subscriber: open, dial: "110", expect: {route: emergency}}
    """)
    s = load_scenario(path)
    assert s.title == "186 の事故"
    assert (s.report.source, s.report.date, s.report.saw) == (
        "ブログ (2022)", "2022-06-01", "知らない人が外国語で出た。")
    assert s.calls[0].name == "186 の事故 [open] 110"


def test_report_as_bare_text(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, """\
        title: t
        report: the bill said international
        target: office.yaml
        calls:
          - {subscriber: open, dial: "110", expect: {route: emergency}}
    """)
    assert load_scenario(path).report.saw == "the bill said international"


def test_inline_target(tmp_path: Path) -> None:
    (tmp_path / "office.conf").write_text("", encoding="utf-8")
    path = write(tmp_path, "title: t\n" + INLINE_TARGET + textwrap.dedent("""\
        calls:
          - {subscriber: intl_barred, dial: "0033010121255512", expect: {route: blocked}}
    """))
    s = load_scenario(path)
    assert s.target.path == path.resolve()
    assert s.target.dialplan == (tmp_path / "office.conf").resolve()
    assert set(s.target.trunks) == {"jp-domestic", "jp-intl"}
    assert s.target.subscribers["intl_barred"].intl_barred


# -- errors: structure ----------------------------------------------------------------------

def test_unknown_top_key_suggests(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, """\
        titel: t
        target: office.yaml
        calls: []
    """)
    fails(path, "unknown key 'titel'", "did you mean 'title'", line=1)


def test_unknown_call_key_suggests(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscriber: open
          dail: "110"
          expect: {route: emergency}
    """)
    fails(path, "unknown key 'dail'", "did you mean 'dial'", line=line_of(path, "dail"))


def test_unknown_expect_key_suggests(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscriber: open
          dial: "110"
          expect:
            route: emergency
            presentaton: allowed
    """)
    err = fails(path, "did you mean 'presentation'", line=line_of(path, "presentaton"))
    assert err.key == "calls[0].expect.presentaton"


def test_unknown_report_key_suggests(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, """\
        title: t
        report:
          sources: blog
        target: office.yaml
        calls:
          - {subscriber: open, dial: "110", expect: {route: emergency}}
    """)
    fails(path, "did you mean 'source'", line=3)


@pytest.mark.parametrize("text, fragment", [
    ("", "a scenario file is a mapping"),
    ("- title: t\n", "a scenario file is a mapping"),
])
def test_not_a_mapping(tmp_path: Path, text: str, fragment: str) -> None:
    fails(write(tmp_path, text), fragment, line=1)


def test_missing_calls_and_target_file_hint(tmp_path: Path, target: Path) -> None:
    fails(target, "missing required key 'title'", "looks like a target file", line=1)


def test_empty_calls_list(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, "title: t\ntarget: office.yaml\ncalls: []\n")
    fails(path, "is empty", line=3)


@pytest.mark.parametrize("calls, fragment, needle", [
    ("calls: {subscriber: open}\n", "must be a list of calls", "calls:"),
    ("calls:\n  - just a string\n", "a call is a mapping", "just a string"),
    ("calls:\n  - {subscriber: open, dial: [\"110\"], expect: {route: emergency}}\n",
     "use 'dials' for a list", "dial:"),
    ("calls:\n  - {subscriber: open, dials: \"110\", expect: {route: emergency}}\n",
     "must be a list", "dials:"),
    ("calls:\n  - {subscriber: open, dials: [], expect: {route: emergency}}\n",
     "is empty", "dials:"),
    ("calls:\n  - {subscriber: [open], dial: \"110\", expect: {route: emergency}}\n",
     "use 'subscribers' for a list", "subscriber:"),
    ("calls:\n  - {subscriber: open, subscribers: [open], dial: \"1\", expect: {route: blocked}}\n",
     "not both", "subscribers:"),
    ("calls:\n  - {dial: \"110\", expect: {route: emergency}}\n",
     "call needs 'subscriber'", "dial:"),
    ("calls:\n  - {subscriber: open, expect: {route: emergency}}\n",
     "call needs 'dial'", "subscriber:"),
    ("calls:\n  - {subscriber: open, dial: \"110\", expect: [emergency]}\n",
     "must be a mapping", "expect:"),
    ("calls:\n  - subscriber: open\n    dial: \"110\"\n    expect:\n"
     "      properties: barring_holds\n",
     "must be a list, e.g. [barring_holds]", "properties:"),
    ("calls:\n  - {subscriber: open, dial: \"110\", expect: {cause: lots}}\n",
     "'lots' is not a hangup cause", "cause:"),
    ("calls:\n  - {subscriber: open, dial: \"110\", expect: {cause: 300}}\n",
     "not a hangup cause", "cause:"),
    ("calls:\n  - {subscriber: open, dial: \"110\", expect: {destination: 03-1234}}\n",
     "neither E.164", "destination:"),
    ("calls:\n  - {subscriber: open, dial: \"110\", expect: {route: [emergency]}}\n",
     "must be one of", "route:"),
])
def test_wrong_types(tmp_path: Path, target: Path, calls: str, fragment: str,
                     needle: str) -> None:
    path = write(tmp_path, "title: t\ntarget: office.yaml\n" + calls)
    fails(path, fragment, line=line_of(path, needle))


def test_multiline_title(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, 'title: "two\\nlines"\ntarget: office.yaml\ncalls: []\n')
    fails(path, "one-line title", line=1)


# -- errors: names from the target -----------------------------------------------------------

def test_unknown_subscriber_names_the_known_ones(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscribers: [open, intl_bared]
          dial: "110"
          expect: {route: emergency}
    """)
    fails(path, "unknown subscriber 'intl_bared'", "open, intl_barred",
          "did you mean 'intl_barred'", line=line_of(path, "intl_bared"))


def test_unknown_trunk_names_the_known_ones(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscriber: open
          dial: "110"
          expect:
            trunk: jp-emergncy
    """)
    fails(path, "unknown trunk 'jp-emergncy'", "jp-domestic, jp-intl, jp-emergency",
          "did you mean 'jp-emergency'", line=line_of(path, "jp-emergncy"))


# -- errors: dial strings ----------------------------------------------------------------------

@pytest.mark.parametrize("dial, fragment", [
    ('"03-1234-5678"', "'-'"),
    ('"0312345678\\r\\n"', "'\\r'"),                 # CR/LF could inject AMI headers
    ('"0312345678\\n"', "'\\n'"),
    ('"031 234 5678"', "' '"),
    ('"０３１２３４５６７８"', "U+FF10"),              # full-width digits
    ('"0312345678@evil"', "'@'"),
    ('"' + "1" * 33 + '"', "longer than 32"),
    ('""', "empty dial string"),
    ("#31#", "quote dial strings that start with #"),  # a YAML comment: the value is null
    ("1_000", "'_'"),                                  # YAML's int 1000
], ids=["hyphen", "crlf", "lf", "space", "fullwidth", "at", "too-long", "empty", "comment",
        "underscore"])
def test_bad_dial_strings(tmp_path: Path, target: Path, dial: str, fragment: str) -> None:
    path = scenario(tmp_path, f"""
        - subscriber: open
          dials:
            - "110"
            - {dial}
          expect: {{route: blocked}}
    """)
    fails(path, fragment, line=line_of(path, "- ", nth=3))


def test_32_characters_is_fine(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, f"""
        - {{subscriber: open, dial: "{'1' * 32}", expect: {{route: blocked}}}}
    """)
    assert load_scenario(path).calls[0].dial == "1" * 32


def test_same_call_listed_twice(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - {subscriber: open, dial: "110", expect: {route: emergency}}
        - {subscribers: [intl_barred, open], dials: ["119", "110"], expect: {route: emergency}}
    """)
    fails(path, "'110' as 'open' is already listed at line 4", line=5)


# -- errors: expectations ----------------------------------------------------------------------

@pytest.mark.parametrize("expect, fragment", [
    ("{route: domestc}", "did you mean 'domestic'"),
    ("{route: no}", "unknown value 'no'"),   # YAML's False, shown as typed
    ("{route: local}", "domestic, international, emergency, blocked, internal"),
    ("{route: unmapped}", "domestic, international, emergency, blocked, internal"),
    ("{presentation: prohib}", "did you mean 'prohibited'"),
    ("{properties: [barring_hold]}", "did you mean 'barring_holds'"),
    ("{properties: [barring_holds, barring_holds]}", "listed twice"),
])
def test_bad_enum_values(tmp_path: Path, target: Path, expect: str, fragment: str) -> None:
    path = scenario(tmp_path, f"""
        - subscriber: open
          dial: "110"
          expect: {expect}
    """)
    fails(path, fragment, line=line_of(path, "expect:"))


def test_unknown_property_lists_the_known_ones(tmp_path: Path, target: Path) -> None:
    path = scenario(tmp_path, """
        - subscriber: open
          dial: "110"
          expect:
            properties:
              - emergency_always
              - be_nice
    """)
    err = fails(path, "unknown property 'be_nice'", line=line_of(path, "be_nice"))
    assert all(name in err.message for name in known_properties())


def test_properties_come_from_the_registry(tmp_path: Path, target: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("harness.properties")
    fake.CHECKS = {"my_own_check": lambda *a: None}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "harness.properties", fake)
    assert known_properties() == ("my_own_check",)
    path = scenario(tmp_path, """
        - {subscriber: open, dial: "110", expect: {properties: [my_own_check]}}
    """)
    assert load_scenario(path).calls[0].expect.properties == ("my_own_check",)


def test_property_names_match_the_contract() -> None:
    assert known_properties() == (
        "no_unintended_international", "barring_holds", "domestic_reaches_domestic",
        "international_when_allowed", "emergency_always", "presentation_follows_prefix",
        "invalid_is_blocked")


@pytest.mark.parametrize("call", [
    '{subscriber: open, dial: "110"}',
    '{subscriber: open, dial: "110", expect: {}}',
    '{subscriber: open, dial: "110", expect: }',
    '{subscriber: open, dial: "110", expect: {properties: []}}',
], ids=["missing", "empty", "null", "no-properties"])
def test_call_without_expectation(tmp_path: Path, target: Path, call: str) -> None:
    path = scenario(tmp_path, f"- {call}\n")
    fails(path, "say what the call must do", line=line_of(path, "subscriber"))


@pytest.mark.parametrize("expect, fragment", [
    ("{route: blocked, trunk: jp-intl}", "a blocked call never reaches a trunk"),
    ("{route: blocked, presentation: allowed}", "contradicts route blocked"),
    ("{route: blocked, destination: '+12125551234'}", "contradicts route blocked"),
    ("{route: internal, trunk: jp-intl}", "not a trunk"),
    ("{route: domestic, trunk: jp-intl}", "trunk 'jp-intl' has route international"),
])
def test_contradictory_expectations(tmp_path: Path, target: Path, expect: str,
                                    fragment: str) -> None:
    path = scenario(tmp_path, f"""
        - subscriber: open
          dial: "110"
          expect: {expect}
    """)
    fails(path, fragment, line=line_of(path, "expect:"))


# -- errors: the target ----------------------------------------------------------------------

def test_target_file_not_found(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        title: t
        target: nowhere.yaml
        calls:
          - {subscriber: open, dial: "110", expect: {route: emergency}}
    """)
    fails(path, "target file not found", str(tmp_path / "nowhere.yaml"), line=2)


def test_error_inside_target_file_names_the_target_file(tmp_path: Path, target: Path) -> None:
    target.write_text(TARGET.replace("route: emergency", "route: emergncy"), encoding="utf-8")
    path = scenario(tmp_path, """
        - {subscriber: open, dial: "110", expect: {route: emergency}}
    """)
    fails(path, "did you mean 'emergency'", file=target, line=line_of(target, "emergncy"))


def test_target_and_inline_target_together(tmp_path: Path, target: Path) -> None:
    path = write(tmp_path, "title: t\ntarget: office.yaml\n" + INLINE_TARGET
                 + "calls:\n  - {subscriber: open, dial: '110', expect: {route: emergency}}\n")
    fails(path, "not both", line=line_of(path, "dialplan:"))


def test_no_target_at_all(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        title: t
        calls:
          - {subscriber: open, dial: "110", expect: {route: emergency}}
    """)
    fails(path, "missing target", line=1)


def test_inline_target_errors_point_into_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "office.conf").write_text("", encoding="utf-8")
    path = write(tmp_path, "title: t\n" + INLINE_TARGET.replace("{route: international}",
                                                                "{route: intl}")
                 + "calls:\n  - {subscriber: open, dial: '110', expect: {route: emergency}}\n")
    err = fails(path, "route must be one of", line=line_of(path, "route: intl"))
    assert err.key == "trunks.jp-intl.route"


def test_inline_target_missing_dialplan_file(tmp_path: Path) -> None:
    path = write(tmp_path, "title: t\n" + INLINE_TARGET
                 + "calls:\n  - {subscriber: open, dial: '110', expect: {route: emergency}}\n")
    fails(path, "dialplan file not found", line=line_of(path, "dialplan:"))


# -- directories -------------------------------------------------------------------------------

def test_directory_sorted_and_recursive(tmp_path: Path, target: Path) -> None:
    good = ("title: {t}\ntarget: {rel}\ncalls:\n"
            "  - {{subscriber: open, dial: '110', expect: {{route: emergency}}}}\n")
    d = tmp_path / "sc"
    (d / "sub").mkdir(parents=True)
    (d / ".hidden").mkdir()
    (d / "b.yaml").write_text(good.format(t="b", rel="../office.yaml"), encoding="utf-8")
    (d / "a.yaml").write_text(good.format(t="a", rel="../office.yaml"), encoding="utf-8")
    (d / "sub" / "c.yaml").write_text(good.format(t="c", rel="../../office.yaml"),
                                      encoding="utf-8")
    (d / ".hidden" / "x.yaml").write_text("not: a scenario\n", encoding="utf-8")
    (d / "notes.txt").write_text("ignored", encoding="utf-8")
    assert [s.title for s in load_scenarios(d)] == ["a", "b", "c"]
    assert [s.title for s in load_scenarios(d / "a.yaml")] == ["a"]


def test_directory_without_scenarios(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no scenario files") as info:
        load_scenarios(tmp_path / "empty")
    assert info.value.path == str(tmp_path / "empty")


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such scenario file"):
        load_scenarios(tmp_path / "nope")


def test_one_bad_file_stops_the_whole_directory(tmp_path: Path, target: Path) -> None:
    d = tmp_path / "sc"
    d.mkdir()
    (d / "a.yaml").write_text("title: a\ntarget: ../office.yaml\ncalls: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenarios(d)
    assert info.value.path == str(d / "a.yaml") and info.value.line == 3


# -- shipped scenarios ---------------------------------------------------------------------------

SHIPPED = sorted((REPO / "scenarios").glob("*.yaml"))


def test_shipped_scenarios_exist() -> None:
    assert {p.name for p in SHIPPED} >= {
        "field-report-186.yaml", "plus81-contact-billed-international.yaml",
        "emergency-after-184.yaml", "carrier-code-then-010-barred.yaml"}


def test_shipped_scenarios_load_against_the_agreed_target(tmp_path: Path) -> None:
    # Against a stand-in with the subscribers and trunks jp-office.yaml promises, so this
    # test does not depend on the reference dialplan's state.
    (tmp_path / "dialplans").mkdir()
    (tmp_path / "dialplans" / "office.conf").write_text("", encoding="utf-8")
    (tmp_path / "dialplans" / "jp-office.yaml").write_text(TARGET, encoding="utf-8")
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    scenarios = load_scenarios(tmp_path / "scenarios")
    assert len(scenarios) == len(SHIPPED)
    calls = {(c.subscriber, c.dial): c.expect for s in scenarios for c in s.calls}
    # The field report itself: 186 + mobile stays domestic; its +1 rewrite is blocked when
    # barred and international when not.
    assert calls[("intl_barred", "18608012345678")].route is Route.DOMESTIC
    assert calls[("intl_barred", "18608012345678")].destination == "+818012345678"
    assert calls[("intl_barred", "+18608012345678")].route is Route.BLOCKED
    assert calls[("open", "+18608012345678")].route is Route.INTERNATIONAL
    assert calls[("intl_barred", "184110")].presentation is Presentation.PROHIBITED
    assert calls[("intl_barred", "003301012125551234")].route is Route.BLOCKED
    assert calls[("open", "+818012345678")].destination == "+818012345678"


@pytest.mark.skipif(not (REPO / "dialplans" / "jp-office.yaml").exists(),
                    reason="dialplans/jp-office.yaml not written yet")
def test_shipped_scenarios_load_against_the_real_target() -> None:
    scenarios = load_scenarios(REPO / "scenarios")
    assert all(s.target.path == (REPO / "dialplans" / "jp-office.yaml").resolve()
               for s in scenarios)


# -- write_counterexample ------------------------------------------------------------------------

def test_counterexample_round_trips(tmp_path: Path, target: Path) -> None:
    out = tmp_path / "failures"
    path = write_counterexample(
        out, target_path=target, subscriber="intl_barred", dial="0312345678",
        expect={"route": Route.DOMESTIC, "destination": "+81312345678",
                "presentation": Presentation.ALLOWED, "trunk": "jp-domestic", "cause": 16},
        property_name="domestic_reaches_domestic", title="fuzz: 0312345678 went abroad",
        report_text="reached jp-intl with 010 1 312 345 678\n二行目 \"quoted\"")
    text = path.read_text(encoding="utf-8")
    assert 'dial: "0312345678"' in text          # quoted: never a YAML number
    assert "target: \"../office.yaml\"" in text  # relative to the scenario
    s = load_scenario(path)
    (call,) = s.calls
    assert (call.subscriber, call.dial) == ("intl_barred", "0312345678")
    assert call.expect == Expectation(
        route=Route.DOMESTIC, destination="+81312345678", presentation=Presentation.ALLOWED,
        trunk="jp-domestic", cause=16, properties=("domestic_reaches_domestic",))
    assert s.title == "fuzz: 0312345678 went abroad"
    assert s.report.saw == "reached jp-intl with 010 1 312 345 678\n二行目 \"quoted\""
    assert s.target.path == target.resolve()


@pytest.mark.parametrize("dial", ["+18608012345678", "*31#0312345678", "#31#110", "010"])
def test_counterexample_dials_with_symbols(tmp_path: Path, target: Path, dial: str) -> None:
    path = write_counterexample(
        tmp_path / "f", target_path=target, subscriber="intl_barred", dial=dial,
        expect={"route": "blocked", "destination": "+1860", "presentation": "allowed"},
        property_name="barring_holds", title="t", report_text="r")
    assert all(c.isascii() and c not in "+*#" for c in path.name)
    (call,) = load_scenario(path).calls
    assert call.dial == dial
    # A blocked call has no leg: the intended destination/presentation are left out.
    assert call.expect == Expectation(route=Route.BLOCKED, properties=("barring_holds",))


def test_counterexample_with_properties_only(tmp_path: Path, target: Path) -> None:
    # What `dialharness fuzz --save-failures` passes: the failing check, nothing literal.
    path = write_counterexample(
        tmp_path / "f", target_path=target, subscriber="intl_barred", dial="18608012345678",
        expect={"properties": ["barring_holds", "no_unintended_international"]},
        property_name="no_unintended_international", title="t", report_text="r")
    (call,) = load_scenario(path).calls
    assert call.expect == Expectation(
        properties=("no_unintended_international", "barring_holds"))


def test_counterexample_saved_twice_is_kept_once(tmp_path: Path, target: Path) -> None:
    kwargs = dict(target_path=target, subscriber="open", dial="110",
                  expect={"route": "emergency"}, property_name="emergency_always",
                  title="t", report_text="r")
    first = write_counterexample(tmp_path / "f", **kwargs)  # type: ignore[arg-type]
    first.write_text(first.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    second = write_counterexample(tmp_path / "f", **kwargs)  # type: ignore[arg-type]
    assert second == first and first.read_text(encoding="utf-8").endswith("# edited\n")
    assert len(list((tmp_path / "f").iterdir())) == 1


def test_counterexample_refuses_bad_input(tmp_path: Path, target: Path) -> None:
    with pytest.raises(DialStringError):
        write_counterexample(tmp_path / "f", target_path=target, subscriber="open",
                             dial="03\r\n1234", expect={"route": "blocked"},
                             property_name="barring_holds", title="t", report_text="r")
    with pytest.raises(ConfigError, match="unknown subscriber"):
        write_counterexample(tmp_path / "f", target_path=target, subscriber="nobody",
                             dial="110", expect={"route": "emergency"},
                             property_name="emergency_always", title="t", report_text="r")
    with pytest.raises(ValueError, match="unknown expect keys"):
        write_counterexample(tmp_path / "f", target_path=target, subscriber="open",
                             dial="110", expect={"rout": "emergency"},
                             property_name="emergency_always", title="t", report_text="r")
    # Nothing half-written is left behind.
    assert not list((tmp_path / "f").glob("*.yaml"))
