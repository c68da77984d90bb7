"""Dial strings drawn from the dialplan under test (harness.dialplan_strategies): every
string matches what it was drawn for, edges are edges, every reachable pattern and both
sides of every condition are hit on purpose, and a naive generator would not pass."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.dialplan import Comparison, Dialplan, Reach, parse_dialplan, pattern_matches
from harness.dialplan_strategies import (boundary_strings, dialplan_dial_strings,
                                         dialplan_strings_for, pattern_strings)
from harness.profile import Profile, load_profile

ROOT = Path(__file__).resolve().parents[2]
JP = load_profile("jp")
DIALABLE = re.compile(r"^[0-9+*#]{1,32}$")
SHIPPED = [ROOT / "dialplans" / "jp-office.yaml",
           *sorted((ROOT / "dialplans" / "styles").glob("*.yaml"))]
#: draws allowed to hit every reachable pattern (measured: 100-900 on the shipped ones)
BUDGET = 2500


def subscriber_contexts(target: Path) -> list[str]:
    subs = yaml.safe_load(target.read_text())["subscribers"]
    return list(dict.fromkeys(s["context"] for s in subs.values()))


def load(target: Path) -> Dialplan:
    conf = yaml.safe_load(target.read_text())["dialplan"]
    return parse_dialplan(target.parent / conf, follow_includes=True)


SHIPPED_CONTEXTS = [(t, c) for t in SHIPPED for c in subscriber_contexts(t)]
IDS = [f"{t.stem}-{c}" for t, c in SHIPPED_CONTEXTS]


@pytest.fixture(scope="module")
def zz(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    """A made-up country: other codes, other lengths, so nothing jp leaks in."""
    path = tmp_path_factory.mktemp("zz") / "zz.yaml"
    path.write_text(
        "home_country_code: '99'\ntrunk_prefix: '0'\ninternational_prefix: '00'\n"
        "caller_id_prefixes: [{code: '31', presentation: prohibited},"
        " {code: '67', presentation: allowed}]\n"
        "carrier_codes: [{code: '1010'}, {code: '1012'}]\n"
        "emergency_codes: [{code: '112'}, {code: '911'}]\n"
        "nsn_ranges: [{prefixes: ['1', '2'], length: 6, exclude: ['12']},"
        " {prefixes: ['7'], length: 9}]\n"
        "international: {min_length: 4, max_length: 12}\n"
        "country_codes: ['1', '44', '99']\n")
    return load_profile(str(path))


@pytest.fixture(scope="module")
def yy(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    """Long numbers: 13-digit NSNs, 20-22 digits abroad."""
    path = tmp_path_factory.mktemp("yy") / "yy.yaml"
    path.write_text(
        "home_country_code: '98'\ntrunk_prefix: '0'\ninternational_prefix: '00'\n"
        "nsn_ranges: [{prefixes: ['5'], length: 13}]\n"
        "international: {min_length: 20, max_length: 22}\n"
        "country_codes: ['1', '98']\n")
    return load_profile(str(path))


class _Done(Exception):
    pass


def draws(strategy: st.SearchStrategy[str], n: int, seed_: int = 0) -> list[str]:
    out: list[str] = []

    @seed(seed_)
    @settings(database=None, max_examples=n, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def probe(value: str) -> None:
        out.append(value)

    probe()
    return out


def draws_until(strategy: st.SearchStrategy[str], done: Callable[[str], bool],
                budget: int = BUDGET, seed_: int = 0) -> int | None:
    """How many draws until ``done`` says so (it sees every draw), or None."""
    count = [0]

    @seed(seed_)
    @settings(database=None, max_examples=budget, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def probe(value: str) -> None:
        count[0] += 1
        if done(value):
            raise _Done

    try:
        probe()
    except _Done:
        return count[0]
    return None


def landing_tracker(reach: Reach) -> tuple[Callable[[str], bool], set[tuple[str, str]]]:
    """A ``done`` for draws_until: true once every reachable pattern was landed on."""
    missing = set(reach.patterns)

    def done(dial: str) -> bool:
        missing.difference_update(landing.key for landing in reach.lands(dial))
        return not missing
    return done, missing


_LEN_OPS: dict[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def holds(c: Comparison, dial: str) -> bool:
    text = c.at.apply(dial)
    if c.kind == "literal":
        return (text == c.value) == (c.op == "=")
    if c.kind == "regex":
        return re.search(c.value, text) is not None
    return _LEN_OPS[c.op](len(text), int(c.value))


def possible(c: Comparison, side: bool) -> bool:
    # an empty string never starts the dial string: '"${NUM}" = ""' at dial[0:]
    return not (c.kind == "literal" and c.value == "" and c.at.start == 0
                and not c.at.prefix and side == (c.op == "="))


def condition_tracker(reach: Reach) -> tuple[Callable[[str], bool], set[tuple[object, ...]]]:
    """True once each test (line, kind, op, value) was seen true and false somewhere."""
    tests: dict[tuple[object, ...], list[Comparison]] = {}
    for c in reach.comparisons:
        tests.setdefault((c.priority.line, c.kind, c.op, c.value), []).append(c)
    missing = {(k, side) for k, cs in tests.items() for side in (True, False)
               if any(possible(c, side) for c in cs)}

    def done(dial: str) -> bool:
        for k, cs in tests.items():
            for c in cs:
                missing.discard((k, holds(c, dial)))
        return not missing
    return done, missing


# --- pattern_strings ----------------------------------------------------------------------------

PATTERNS = ["_0X.", "_0[1-9]XXXXXXXX", "_00[2-9]X.", "_+X.", "_[+]81X.", "_!", "!", "110",
            "_X!", "_NXX", "_Z[1-5]x", "555-1212", "_0[34]0XX", "_[0-9*#+].", "_+81Z.",
            "_003768.", "_010Z.", "_11X", "_[0-9*#+]"]


def shipped_patterns() -> list[str]:
    names: set[str] = set()
    for target in SHIPPED:
        for ctx in load(target).contexts.values():
            names |= {e for e in ctx.extensions if e.startswith("_") or e.isdigit()}
    return sorted(names)


@pytest.mark.parametrize("pattern", PATTERNS + shipped_patterns())
@pytest.mark.parametrize("profile", ["none", "jp", "zz"])
def test_every_drawn_string_matches(pattern: str, profile: str, zz: Profile) -> None:
    prof = {"none": None, "jp": JP, "zz": zz}[profile]
    for s in draws(pattern_strings(pattern, profile=prof), 60):
        assert pattern_matches(pattern, s), (pattern, s)
        assert len(s) <= 32


def test_tails_span_from_short_to_the_limit() -> None:
    assert find(pattern_strings("_X."), lambda s: True) == "00"
    assert len(find(pattern_strings("_X.", profile=JP), lambda s: len(s) == 32)) == 32
    assert find(pattern_strings("_!"), lambda s: True) == ""
    assert find(pattern_strings("!"), lambda s: True) == "!"   # no "_": a literal name
    assert find(pattern_strings("_0X.", max_length=5), lambda s: len(s) >= 5) == "00000"


@pytest.mark.parametrize("pattern, simplest", [
    ("_0X.", "000"), ("_X.", "00"), ("_0[1-9]XXXXXXXX", "0100000000"), ("110", "110"), ("_NXX", "200"),
    ("_+X.", "+00"), ("_[+]81X.", "+8100"), ("555-1212", "5551212")])
def test_shrinks_to_the_simplest_match(pattern: str, simplest: str) -> None:
    assert find(pattern_strings(pattern, profile=JP), lambda s: True) == simplest


def _share(strings: list[str], lengths: set[int]) -> float:
    return sum(len(s) in lengths for s in strings) / len(strings)


def test_number_lengths_come_from_the_profile(yy: Profile) -> None:
    # jp: 0 + 9 or 10 digits; yy: 0 + 13 digits. Uniform tails would give ~3% a length.
    plain = draws(pattern_strings("_0X."), 400)
    jp = draws(pattern_strings("_0X.", profile=JP), 400)
    other = draws(pattern_strings("_0X.", profile=yy), 400)
    assert _share(jp, {10, 11}) > max(0.15, 2 * _share(plain, {10, 11}))
    assert _share(other, {13, 14, 15}) > max(0.15, 2 * _share(plain, {13, 14, 15}))
    assert _share(other, {10, 11}) < _share(jp, {10, 11}) / 2
    # and the tail of a carrier code is a whole number: 0033 + 0 + 9 or 10 digits
    after = draws(pattern_strings("_0033.", profile=JP), 400)
    assert _share(after, {14, 15}) > 0.15


def test_real_numbers_that_fit_the_pattern(zz: Profile) -> None:
    got = draws(pattern_strings("_+Z.", profile=zz), 300)
    assert any(s.startswith("+99") and zz.is_nsn(s[3:]) for s in got)   # +home NSN
    assert any(s.startswith("+44") for s in got)
    got = draws(pattern_strings("_0ZXXXXXXXX", profile=JP), 300)
    assert any(s.startswith("010") for s in got)   # 010 + 7 digits: international


@pytest.mark.parametrize("bad", ["", 7, None, "_"])
def test_bad_patterns_are_refused(bad: object) -> None:
    with pytest.raises(InvalidArgument):
        pattern_strings(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        boundary_strings(bad)  # type: ignore[arg-type]


def test_bad_lengths_and_profiles_are_refused() -> None:
    for bad in (0, 33, True, "32"):
        with pytest.raises(InvalidArgument):
            pattern_strings("_X.", max_length=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="needs at least 10"):
        pattern_strings("_0[1-9]XXXXXXXX", max_length=9)
    with pytest.raises(InvalidArgument):
        pattern_strings("_X.", profile="jp")  # type: ignore[arg-type]


# --- boundary_strings ---------------------------------------------------------------------------

def test_boundaries_of_a_fixed_length_pattern() -> None:
    got = draws(boundary_strings("_0[1-5]XX"), 800)
    off = [s for s in got if not pattern_matches("_0[1-5]XX", s)]
    assert any(len(s) == 3 for s in off)                      # one shorter
    assert any(len(s) == 4 and pattern_matches("_0[1-5]XX", s) for s in got)
    assert any(len(s) == 5 for s in off)                      # one longer
    second = {s[1] for s in off if len(s) == 4 and s[0] == "0" and s[2:].isdigit()}
    assert {"0", "6"} <= second and not second & set("12345")  # just outside [1-5]
    assert any(len(s) == 4 and s[0] != "0" for s in off)       # another digit than 0
    assert "" not in got


def test_boundaries_of_wildcard_and_literal_patterns() -> None:
    got = set(draws(boundary_strings("_0033."), 300))
    assert "0033" in got                                     # the fixed part alone
    assert any(len(s) == 32 and pattern_matches("_0033.", s) for s in got)
    assert any(len(s) == 5 and s[:4] != "0033" and s[:2] == "00" for s in got)
    lit = set(draws(boundary_strings("110"), 200))
    assert {"11", "110"} <= lit
    assert any(len(s) == 4 and s.startswith("110") for s in lit)
    assert any(len(s) == 3 and s != "110" for s in lit)
    n = set(draws(boundary_strings("_NXX"), 200))
    assert {s[0] for s in n if len(s) == 3 and not pattern_matches("_NXX", s)} >= {"0", "1"}


def test_real_numbers_next_to_a_pattern() -> None:
    # a mobile pattern without 070: 070 + 8 digits is a real number it does not match
    got = draws(boundary_strings("_0[89]0XXXXXXXX", profile=JP), 400)
    assert any(s.startswith("070") and len(s) == 11 and JP.is_nsn(s[1:]) for s in got)


# --- dialplan_dial_strings on small dialplans -----------------------------------------------------

STRIP = """\
[from-internal]
exten => _184.,1,Set(CALLERID(pres)=prohib)
 same => n,Goto(dial,${EXTEN:3},1)
exten => _186.,1,Set(CALLERID(pres)=allowed)
 same => n,Goto(dial,${EXTEN:3},1)
include => dial

[dial]
include => emergency
include => domestic
include => reject

[emergency]
exten => 110,1,Dial(PJSIP/${EXTEN}@emergency)

[domestic]
exten => _0[1-9]XXXXXXXX,1,Dial(PJSIP/${EXTEN}@domestic)
exten => _0061.,1,Goto(domestic,${EXTEN:4},1)

[reject]
exten => _[0-9*#+].,1,Hangup(21)
"""

COS = """\
[phones]
exten => _X.,1,Gosub(cos,s,1(${EXTEN}))
 same => n,GotoIf($["${EXTEN:0:3}" = "010"]?intl)
 same => n,ExecIf($["${EXTEN:0:6}" = "003768"]?Set(CIC=discount))
 same => n,GotoIf($["${GOSUB_RETVAL:0:4}" = "0061"]?cic)
 same => n,Goto(national,${GOSUB_RETVAL},1)
 same => n(cic),Goto(national,${GOSUB_RETVAL:4},1)
 same => n(intl),GotoIf($[${LEN(${EXTEN})} > 15]?bad:world,${EXTEN:3},1)
 same => n(bad),Hangup(21)

[cos]
exten => s,1,GotoIf($["${ARG1:0:3}" = "184"]?strip)
 same => n,Return(${ARG1})
 same => n(strip),Return(${ARG1:3})

[national]
exten => _0[1-9]XXXXXXXX,1,Dial(PJSIP/${EXTEN}@national)
exten => i,1,Hangup(21)

[world]
exten => _Z.,1,Dial(PJSIP/010${EXTEN}@world)
"""

REGEX = """\
[globals]
CC=(1|44|49)

[phones]
exten => _[0+].,1,Set(NUM=${EXTEN})
 same => n,GotoIf($[${REGEX("^0(20|70|80|90)[0-9]{8}$" ${NUM})}]?mobile)
 same => n,GotoIf($[${REGEX("^[+]" ${NUM})}]?plus)
 same => n,Hangup(21)
 same => n(mobile),Dial(PJSIP/${NUM}@mobile)
 same => n(plus),Set(CCSUB=${NUM:1})
 same => n,GotoIf($[${REGEX("^${CC}[0-9]+$" ${CCSUB})} & ${LEN(${CCSUB})} >= 7]?ok)
 same => n,Hangup(21)
 same => n(ok),Dial(PJSIP/010${CCSUB}@world)
"""

SMALL = {"strip": (STRIP, "from-internal"), "cos": (COS, "phones"), "regex": (REGEX, "phones")}


def small(tmp_path: Path, name: str) -> tuple[Dialplan, str]:
    text, context = SMALL[name]
    path = tmp_path / f"{name}.conf"
    path.write_text(text)
    return parse_dialplan(path), context


@pytest.mark.parametrize("name", SMALL)
def test_small_dialplans_every_pattern_and_condition(tmp_path: Path, name: str) -> None:
    dp, context = small(tmp_path, name)
    built = dialplan_strings_for(dp, context, JP)
    strings = draws(built.strategy, 300)
    assert all(DIALABLE.match(s) for s in strings)
    lands, missing = landing_tracker(built.reach)
    assert draws_until(built.strategy, lands, 1500) is not None, missing
    tests, sides = condition_tracker(built.reach)
    assert draws_until(built.strategy, tests, 1500) is not None, sides


def test_the_strip_chain_builds_whole_dial_strings(tmp_path: Path) -> None:
    dp, context = small(tmp_path, "strip")
    got = draws(dialplan_dial_strings(dp, context, JP), 600)
    assert any(re.fullmatch(r"1840061(0[1-9]\d{8})", s) for s in got)   # 184, 0061, number
    assert any(re.fullmatch(r"186110", s) for s in got)
    # jp's 6-digit carrier code where the dialplan strips 4 after _0061.: not in this
    # dialplan, but a profile code the calling pattern accepts at its strip
    built = dialplan_strings_for(dp, context, JP)
    assert any(s.startswith(("001", "0033", "003768")) for s in got)
    assert built.prefixes[1] == JP.cid_codes and built.prefixes[2] == JP.cic_codes


def test_conditions_spliced_at_their_slices(tmp_path: Path) -> None:
    dp, context = small(tmp_path, "cos")
    got = draws(dialplan_dial_strings(dp, context, JP), 800)
    assert any(s.startswith("1840061") for s in got)          # "184" then "0061"
    assert any(s.startswith("010") for s in got)              # ${EXTEN:0:3} = "010"
    assert {15, 16} <= {len(s) for s in got}                  # LEN > 15: both sides


def test_the_false_side_is_a_near_miss(tmp_path: Path) -> None:
    # "003768" changed at one character: no draw of random digits gets there by chance
    dp, context = small(tmp_path, "cos")
    got = draws(dialplan_dial_strings(dp, context, JP), 800)

    def one_off(text: str) -> bool:
        return len(text) == 6 and sum(a != b for a, b in zip(text, "003768")) == 1
    assert any(s.startswith("003768") for s in got)
    assert any(one_off(s[:6]) for s in got)


def test_every_chain_is_followed(tmp_path: Path) -> None:
    """Not only every pattern: every way to it (direct, after 184/186, after the carrier
    code, after both; _0061. jumps into its own context, so 0061 0061 ... chains go on
    to the hop limit: those of up to three hops)."""
    dp, context = small(tmp_path, "strip")
    built = dialplan_strings_for(dp, context, JP)
    missing = {landing for landing in built.reach.landings if len(landing.hops) <= 3}
    assert len(missing) > 20

    def done(dial: str) -> bool:
        missing.difference_update(built.reach.lands(dial))
        return not missing
    assert draws_until(built.strategy, done, 1500) is not None, [str(l) for l in missing]


def test_jp_office_every_way_to_a_domestic_number() -> None:
    """From the open class: each carrier code, 184/186, +81 and their combinations lead
    to jp-domestic; each of those 30 ways is taken by some draw."""
    built = dialplan_strings_for(load(SHIPPED[0]), "from-internal", JP)
    ways = {l.hops[:-1] for l in built.reach.landings if l.key[0] == "jp-domestic"}
    ways = {tuple((h.key, h.seen) for h in w) for w in ways}
    assert len(ways) == 30
    missing = set(ways)

    def done(dial: str) -> bool:
        missing.difference_update(tuple((h.key, h.seen) for h in l.hops[:-1])
                                  for l in built.reach.lands(dial)
                                  if l.key[0] == "jp-domestic")
        return not missing
    assert draws_until(built.strategy, done) is not None, missing


def test_patterns_are_drawn_uniformly_not_by_size(tmp_path: Path) -> None:
    path = tmp_path / "two.conf"
    path.write_text("[a]\nexten => _X.,1,Hangup()\nexten => _[+*#].,1,Hangup()\n"
                    "exten => _0061XXXX,1,Hangup()\n")
    built = dialplan_strings_for(parse_dialplan(path), "a", JP)
    counts = Counter(l.key[1] for s in draws(built.strategy, 600)
                     for l in built.reach.lands(s))
    # _0061XXXX matches one string in ten thousand of its length; it gets its share
    assert counts["_0061XXXX"] > 600 * 0.05, counts
    digits = st.text("0123456789", min_size=2, max_size=12)
    naive = Counter(l.key[1] for s in draws(digits, 600) for l in built.reach.lands(s))
    assert naive["_0061XXXX"] < counts["_0061XXXX"] / 10


def test_behind_the_profiles_codes_and_the_access_code(tmp_path: Path, zz: Profile) -> None:
    dp, context = small(tmp_path, "strip")

    class Target:
        access_code = "*7"

    got = draws(dialplan_dial_strings(dp, context, zz, Target()), 600)
    assert sum(s.startswith("*7") for s in got) >= 5
    for code in ("31", "67", "1010", "1012"):
        assert sum(code in s for s in got) >= 3, code
    plain = draws(dialplan_dial_strings(dp, context, zz), 600)
    assert not any(s.startswith("*7") for s in plain)


def test_shrinks_to_short_strings(tmp_path: Path) -> None:
    dp, context = small(tmp_path, "strip")
    strategy = dialplan_dial_strings(dp, context, JP)
    assert len(find(strategy, lambda s: True)) <= 3
    found = find(strategy, lambda s: s.startswith("184") and len(s) > 4)
    assert len(found) <= 6, found


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    dp, context = small(tmp_path, "strip")
    with pytest.raises(InvalidArgument, match="no context 'nope'"):
        dialplan_dial_strings(dp, "nope", JP)
    with pytest.raises(InvalidArgument):
        dialplan_dial_strings(dp, context, "jp")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        dialplan_dial_strings(str(dp.path), context, JP)  # type: ignore[arg-type]


# --- the shipped dialplans ----------------------------------------------------------------------

@pytest.mark.parametrize("target, context", SHIPPED_CONTEXTS, ids=IDS)
def test_every_reachable_pattern_is_hit(target: Path, context: str) -> None:
    built = dialplan_strings_for(load(target), context, JP)
    lands, missing = landing_tracker(built.reach)
    n = draws_until(built.strategy, lands)
    assert n is not None, f"never landed on {sorted(missing)} in {BUDGET} draws"


@pytest.mark.parametrize("target, context", SHIPPED_CONTEXTS, ids=IDS)
def test_both_sides_of_every_condition(target: Path, context: str) -> None:
    built = dialplan_strings_for(load(target), context, JP)
    tests, missing = condition_tracker(built.reach)
    if not missing:
        pytest.skip("no condition on the dialed string")
    n = draws_until(built.strategy, tests)
    assert n is not None, f"never made these true/false: {sorted(missing, key=str)}"


@pytest.mark.parametrize("target, context", SHIPPED_CONTEXTS, ids=IDS)
def test_shipped_strings_are_dialable(target: Path, context: str) -> None:
    strategy = dialplan_dial_strings(load(target), context, JP)
    assert all(DIALABLE.match(s) for s in draws(strategy, 200))


def test_the_checks_catch_a_naive_generator() -> None:
    """The same checks on digits drawn without the dialplan: they miss patterns (the
    carrier codes, +81, the exact domestic lengths) and conditions within the budget."""
    built = dialplan_strings_for(load(SHIPPED[0]), "from-internal", JP)
    naive = st.text(alphabet="0123456789+", min_size=1, max_size=18)
    lands, missing = landing_tracker(built.reach)
    assert draws_until(naive, lands, 600) is None and missing
    tests, sides = condition_tracker(built.reach)
    assert draws_until(naive, tests, 600) is None and sides
