"""The public strategies: what they generate, that the oracle agrees, how they shrink."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness import strategies as ds
from harness.model import Branch
from harness.oracle import (expect, international_digits, is_abroad, parse,
                            read_destination)
from harness.profile import Profile, load_profile
from harness.target import Subscriber

JP = load_profile("jp")
OPEN = Subscriber(name="open", context="c")
BARRED = Subscriber(name="barred", context="c", barred=frozenset({"international"}))
DIALABLE = re.compile(r"^[0-9+*#]{1,32}$")
VALID = [b for b in Branch if b is not Branch.INVALID]
QUIET = settings(database=None, max_examples=2000, deadline=None,
                 suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


class _Found(Exception):
    pass


def reachable(strategy: st.SearchStrategy[str], predicate: Callable[[str], bool]) -> str:
    """A value of ``strategy`` matching ``predicate``, without find()'s costly shrinking."""
    @settings(database=None, max_examples=3000, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def probe(value: str) -> None:
        if predicate(value):
            raise _Found(value)

    try:
        probe()
    except _Found as found:
        return str(found.args[0])
    raise AssertionError("no generated value matched")


def zz_profile(tmp_path: Path) -> Profile:
    """A made-up country: other codes, other prefixes, so nothing jp leaks in."""
    path = tmp_path / "zz.yaml"
    path.write_text(
        "home_country_code: '99'\ntrunk_prefix: '0'\ninternational_prefix: '00'\n"
        "caller_id_prefixes: [{code: '31', presentation: prohibited},"
        " {code: '67', presentation: allowed}]\n"
        "carrier_codes: [{code: '1010'}, {code: '1012'}]\n"
        "emergency_codes: [{code: '112'}, {code: '911'}]\n"
        "nsn_ranges: [{prefixes: ['1', '2'], length: 6, exclude: ['12']},"
        " {prefixes: ['7'], length: 9}]\n"
        "international: {min_length: 4, max_length: 12}\n"
        "country_codes: ['1', '44', '99', '420']\n", encoding="utf-8")
    return load_profile(str(path))


# --- valid strings parse to the branch they were drawn for --------------------------------

@pytest.mark.parametrize("branch", VALID, ids=str)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_valid_strings_parse_to_their_branch(branch: Branch, data: st.DataObject) -> None:
    dial = data.draw(ds.valid_dial_strings(JP, branch=branch))
    assert DIALABLE.match(dial)
    parsed = parse(dial, JP)
    assert parsed.branch is branch, dial
    assert parsed.destination is not None
    assert expect(dial, OPEN, JP).in_grammar


@settings(max_examples=500, deadline=None)
@given(ds.valid_dial_strings(JP))
def test_valid_strings_of_any_branch_are_in_the_grammar(dial: str) -> None:
    assert DIALABLE.match(dial)
    assert parse(dial, JP).branch is not Branch.INVALID, dial


@pytest.mark.parametrize("branch", VALID, ids=str)
def test_valid_strings_parse_under_a_user_profile(branch: Branch, tmp_path: Path) -> None:
    zz = zz_profile(tmp_path)

    @settings(max_examples=200, database=None)
    @given(ds.valid_dial_strings(zz, branch=branch))
    def check(dial: str) -> None:
        assert parse(dial, zz).branch is branch, dial

    check()


@pytest.mark.parametrize("branch, with_cid, with_cic", [
    (b, cid, cic) for b in VALID for cid in (False, True) for cic in (False, True)
    if not cic or b in (Branch.DOMESTIC, Branch.INTL)])
def test_every_cid_cic_body_combination_is_reachable(branch: Branch, with_cid: bool,
                                                     with_cic: bool) -> None:
    def shape(dial: str) -> bool:
        parsed = parse(dial, JP)
        return (parsed.cid is not None) is with_cid and (parsed.cic is not None) is with_cic

    found = reachable(ds.valid_dial_strings(JP, branch=branch), shape)
    assert parse(found, JP).branch is branch


@pytest.mark.parametrize("cid, cic", [(cid, cic) for cid in JP.cid_codes
                                      for cic in JP.cic_codes])
def test_each_cid_with_each_carrier_code(cid: str, cic: str) -> None:
    found = reachable(ds.valid_dial_strings(JP, branch=Branch.DOMESTIC),
                      lambda s: s.startswith(cid + cic))
    assert parse(found, JP).cic == cic


# --- nothing crashes the oracle -----------------------------------------------------------

def _oracle_total(dial: str, profile: Profile) -> None:
    for who in (OPEN, BARRED):
        got = expect(dial, who, profile)
        assert (got.destination is None) is (got.branch is Branch.INVALID)
    international_digits(dial, profile)
    for fmt in ("national", "e164"):
        read = read_destination(dial, fmt, profile)
        assert read is None or isinstance(read, str)
        is_abroad(read, profile)


@settings(max_examples=500, deadline=None)
@given(ds.near_misses(JP))
def test_near_misses_never_crash_the_oracle(dial: str) -> None:
    assert DIALABLE.match(dial)
    _oracle_total(dial, JP)


@settings(max_examples=500, deadline=None)
@given(ds.arbitrary_dial_text())
def test_arbitrary_text_never_crashes_the_oracle(text: str) -> None:
    assert DIALABLE.match(text) or text in ds.RAW_TEXT_CASES
    _oracle_total(text, JP)


@settings(max_examples=300, deadline=None)
@given(ds.arbitrary_dial_text(include_raw=False, max_size=5))
def test_arbitrary_text_without_raw_is_dialable(text: str) -> None:
    assert re.match(r"^[0-9+*#]{1,5}$", text)


def test_raw_cases_are_all_outside_the_grammar() -> None:
    for text in ds.RAW_TEXT_CASES:
        assert parse(text, JP).branch is Branch.INVALID
        assert not DIALABLE.match(text), repr(text)


@settings(max_examples=500, deadline=None)
@given(ds.dial_strings(JP))
def test_dial_strings_are_dialable(dial: str) -> None:
    assert DIALABLE.match(dial)
    _oracle_total(dial, JP)


def test_near_misses_are_mostly_outside_the_grammar() -> None:
    invalid = 0

    @settings(max_examples=300, database=None)
    @given(ds.near_misses(JP))
    def count(dial: str) -> None:
        nonlocal invalid
        invalid += parse(dial, JP).branch is Branch.INVALID

    count()
    assert invalid >= 150


@pytest.mark.parametrize("what", [
    lambda s: s.startswith("184186"),
    lambda s: s.startswith("+186"),
    lambda s: s.startswith("186+0"),
    lambda s: s.startswith(("0033110", "003768119")),
    lambda s: s.startswith("0033186"),
    lambda s: s.startswith("00330033"),
    lambda s: s.startswith("01081"),
    lambda s: s.startswith("+810"),
    lambda s: s.startswith("010010"),
    lambda s: "+" in s[1:] and not s.startswith(("184+", "186+")),
    lambda s: "#" in s or "*" in s,
    lambda s: s.startswith("0033+"),
], ids=["184186", "+186", "186+0", "cic-emergency", "cid-after-cic", "cic-doubled", "01081",
        "+810", "010010", "plus-inside", "star-hash", "cic-plus"])
def test_near_misses_include(what: Callable[[str], bool]) -> None:
    reachable(ds.near_misses(JP), what)


# --- the special table --------------------------------------------------------------------

def test_special_table_holds_the_field_report() -> None:
    table = set(ds.special_dial_table(JP))
    must = {"18608012345678", "1860037680312345678", "+18608012345678", "+1860312345678",
            "+81312345678", "186+818012345678", "01081312345678", "186+08012345678"}
    must |= {cid + e for cid in JP.cid_codes for e in JP.emergency_numbers}
    must |= {c + "0312345678" for c in JP.cic_codes}
    must |= {c + "010" + "12125551234" for c in JP.cic_codes}
    must |= {c + e for c in JP.cic_codes for e in JP.emergency_numbers}
    assert must <= table, must - table
    assert all(DIALABLE.match(s) for s in table)


def test_special_table_branches() -> None:
    for dial in ds.special_dial_table(JP):
        branch = parse(dial, JP).branch
        if dial.startswith(tuple(JP.cid_codes)) and dial[3:] in JP.emergency_numbers:
            assert branch is Branch.EMERGENCY
        if dial.startswith("+186"):
            assert branch is Branch.PLUS     # +1 860...: a real call to Connecticut
    assert parse("18608012345678", JP).branch is Branch.DOMESTIC


@settings(max_examples=100, deadline=None)
@given(ds.special_dial_strings(JP))
def test_special_strings_come_from_the_table(dial: str) -> None:
    assert dial in ds.special_dial_table(JP)


def test_special_table_under_a_user_profile(tmp_path: Path) -> None:
    zz = zz_profile(tmp_path)
    table = ds.special_dial_table(zz)
    assert "31112" in table and "1010112" in table
    assert all(DIALABLE.match(s) for s in table)


# --- shrinking ----------------------------------------------------------------------------

@pytest.mark.parametrize("strategy, target", [
    (ds.valid_dial_strings(JP), "110"),
    (ds.valid_dial_strings(JP, branch=Branch.DOMESTIC), "0300000000"),
    (ds.valid_dial_strings(JP, branch="intl"), "0101000000"),
    (ds.plus_numbers(JP), "+1000000"),
    (ds.plus_numbers(JP, home=True), "+81300000000"),
    (ds.domestic_numbers(JP, ranges=["mobile"]), "07000000000"),
    (ds.cid_prefixes(JP), "184"),
    (ds.carrier_codes(JP), "001"),
    (ds.emergency_codes(JP), "110"),
    (ds.arbitrary_dial_text(), "0"),
    (ds.special_dial_strings(JP), "110"),
])
def test_shrinks_towards(strategy: st.SearchStrategy[str], target: str) -> None:
    assert find(strategy, lambda s: True, settings=settings(database=None)) == target


def test_shrinks_a_realistic_failure_to_a_readable_string() -> None:
    # "186 before a domestic 080 number" shrinks to 186 + the simplest such number.
    found = find(ds.dial_strings(JP),
                 lambda s: s.startswith("186") and parse(s, JP).branch is Branch.DOMESTIC
                 and (parse(s, JP).nsn or "").startswith("80"), settings=QUIET)
    # The shrinker ends either at the simplest generated string or, when the failure was
    # first met in the special table, at that table's own readable entry.
    assert found == "18608000000000" or found in ds.special_dial_table(JP), found


# --- argument validation ------------------------------------------------------------------

@pytest.mark.parametrize("build", [
    lambda: ds.valid_dial_strings(None),  # type: ignore[arg-type]
    lambda: ds.valid_dial_strings("jp"),  # type: ignore[arg-type]
    lambda: ds.valid_dial_strings(JP, branch="bogus"),
    lambda: ds.valid_dial_strings(JP, branch=Branch.INVALID),
    lambda: ds.domestic_numbers(JP, ranges=["nope"]),
    lambda: ds.domestic_numbers(JP, ranges="mobile"),  # type: ignore[arg-type]
    lambda: ds.domestic_numbers(JP, ranges=[]),
    lambda: ds.intl_numbers(JP, country_codes=["81"]),
    lambda: ds.intl_numbers(JP, country_codes=["999"]),
    lambda: ds.plus_numbers(JP, home="yes"),  # type: ignore[arg-type]
    lambda: ds.arbitrary_dial_text(max_size=0),
    lambda: ds.arbitrary_dial_text(max_size=33),
    lambda: ds.arbitrary_dial_text(max_size=True),
    lambda: ds.arbitrary_dial_text(include_raw=1),  # type: ignore[arg-type]
    lambda: ds.near_misses(object()),  # type: ignore[arg-type]
    lambda: ds.special_dial_strings(None),  # type: ignore[arg-type]
    lambda: ds.dial_strings(None),  # type: ignore[arg-type]
], ids=lambda _: "")
def test_bad_arguments_fail_when_built(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument):
        build()


def test_options_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        ds.valid_dial_strings(JP, Branch.DOMESTIC)  # type: ignore[misc]


def test_profile_without_carrier_codes(tmp_path: Path) -> None:
    path = tmp_path / "nocic.yaml"
    path.write_text(
        "home_country_code: '99'\ntrunk_prefix: '0'\ninternational_prefix: '00'\n"
        "nsn_ranges: [{prefixes: ['1'], length: 6}]\n"
        "international: {min_length: 4, max_length: 12}\ncountry_codes: ['1', '99']\n",
        encoding="utf-8")
    bare = load_profile(str(path))
    with pytest.raises(InvalidArgument, match="lists no carrier codes"):
        ds.carrier_codes(bare)

    @settings(max_examples=100, database=None)
    @given(ds.dial_strings(bare))
    def check(dial: str) -> None:
        assert DIALABLE.match(dial)
        _oracle_total(dial, bare)

    check()
    # no emergency codes: the emergency branch is left out, and asking for it is an error
    with pytest.raises(InvalidArgument, match="lists no emergency codes"):
        ds.valid_dial_strings(bare, branch=Branch.EMERGENCY)
