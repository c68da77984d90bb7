"""The oracle's rules that profile jp never exercises, on small made-up profiles.

The module docstring of harness/oracle.py promises a deterministic reading for any profile:
cid and cic tried longest first, CC + SUB with a non-empty SUB, ``international_digits``
agreeing with ``parse`` on every string in the grammar. Profile jp has prefix-free codes and
a 7-digit minimum, so these rules only show on user profiles. Written against the mutants
scripts/mutation.sh makes of harness/oracle.py (docs/mutation.md).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.model import Branch, Presentation, Route
from harness.oracle import expect, international_digits, is_abroad, parse, read_destination
from harness.profile import Profile, load_profile
from harness.target import Subscriber

OPEN = Subscriber("open", "from-internal")
BARRED = Subscriber("barred", "from-internal-barred", barred=frozenset({"international"}))


def profile(tmp_path: Path, *, trunk: str = "0", intl: str = "00", cids: str = "[]",
            cics: str = "[]", ranges: str = '[{prefixes: ["1", "2"], length: 6}]',
            min_length: int = 4, country_codes: str = '["1", "44", "99"]') -> Profile:
    path = tmp_path / "zz.yaml"
    path.write_text(
        f'home_country_code: "99"\ntrunk_prefix: "{trunk}"\ninternational_prefix: "{intl}"\n'
        f"caller_id_prefixes: {cids}\ncarrier_codes: {cics}\n"
        "emergency_codes: [{code: '112'}]\n"
        f"nsn_ranges: {ranges}\n"
        f"international: {{min_length: {min_length}, max_length: 12}}\n"
        f"country_codes: {country_codes}\n", encoding="utf-8")
    return load_profile(str(path))


# Trunk prefix 3; NSNs of 6 and of 8 digits starting with 1. "3131 3 112345" is both
# code 3131 + "3 112345" and code 31 + "3 13112345": the longer code must win.
OVERLAP = dict(trunk="3", ranges='[{prefixes: ["1"], length: 6}, {prefixes: ["1"], length: 8}]')


def test_the_longest_caller_id_code_is_tried_first(tmp_path: Path) -> None:
    zz = profile(tmp_path, cids='[{code: "31", presentation: allowed}, '
                                '{code: "3131", presentation: prohibited}]', **OVERLAP)
    got = parse("3131" + "3112345", zz)
    assert (got.branch, got.cid, got.nsn) == (Branch.DOMESTIC, "3131", "112345")
    assert expect("3131" + "3112345", OPEN, zz).presentation is Presentation.PROHIBITED
    # where only the shorter code leaves a valid body, the shorter one is used
    got = parse("31" + "3112345", zz)
    assert (got.branch, got.cid, got.nsn) == (Branch.DOMESTIC, "31", "112345")


def test_the_longest_carrier_code_is_tried_first(tmp_path: Path) -> None:
    zz = profile(tmp_path, cics='[{code: "31"}, {code: "3131"}]', **OVERLAP)
    got = parse("3131" + "3112345", zz)
    assert (got.branch, got.cic, got.nsn, got.destination) == (
        Branch.DOMESTIC, "3131", "112345", "+99112345")


def test_a_trunk_strips_the_longest_carrier_code_first(tmp_path: Path) -> None:
    zz = profile(tmp_path, cics='[{code: "31"}, {code: "3131"}]', **OVERLAP)
    assert read_destination("3131" + "3112345", "national", zz) == "+99112345"
    assert read_destination("31" + "3112345", "national", zz) == "+99112345"


def test_cc_sub_needs_a_subscriber_number(tmp_path: Path) -> None:
    # minimum length 2: "44" alone is a country code with no number behind it
    zz = profile(tmp_path, min_length=2)
    for dial in ("0044", "+44", "001"):
        assert parse(dial, zz).branch is Branch.INVALID, dial
        assert expect(dial, OPEN, zz).route is Route.BLOCKED
    got = parse("00441", zz)
    assert (got.branch, got.cc, got.sub, got.destination) == (Branch.INTL, "44", "1", "+441")
    got = parse("+12", zz)
    assert (got.branch, got.cc, got.sub, got.intl_digits) == (Branch.PLUS, "1", "2", "12")


def test_international_digits_is_none_for_every_other_branch_of_the_grammar(
        tmp_path: Path) -> None:
    # Carrier code 00 equals the international prefix: "00 0 123456" is a domestic call
    # (parse's reading), though "000123456" also starts with 00.
    zz = profile(tmp_path, cics='[{code: "00"}]')
    assert parse("000123456", zz).branch is Branch.DOMESTIC
    assert international_digits("000123456", zz) is None
    # the emergency branch too, whatever an alternative split would say
    zz = profile(tmp_path, cids='[{code: "00", presentation: allowed}]', intl="0011",
                 country_codes='["1", "2", "99"]')
    assert parse("00112", zz).branch is Branch.EMERGENCY
    assert international_digits("00112", zz) is None
    # for the intl branch it is the digits parse found
    assert international_digits("0011" + "2123", zz) == "2123"


@pytest.mark.parametrize("destination, abroad", [
    ("+99123456", False), ("+9912a456", True), ("99123456", True),
    ("112", False), ("+112", True), ("+441234", True),
])
def test_is_abroad_on_a_user_profile(tmp_path: Path, destination: str, abroad: bool) -> None:
    assert is_abroad(destination, profile(tmp_path)) is abroad


def test_international_digits_tries_every_split(tmp_path: Path) -> None:
    # "0011 9": after carrier code 0011 nothing international follows, but without a
    # carrier code it starts with the prefix 00 and "119" is dialed after it
    zz = profile(tmp_path, cics='[{code: "0011"}]')
    assert parse("00119", zz).branch is Branch.INVALID
    assert international_digits("00119", zz) == "119"


def test_parsed_is_a_value() -> None:
    from dataclasses import FrozenInstanceError

    from harness.profile import load_profile as load
    got = parse("0312345678", load("jp"))
    with pytest.raises(FrozenInstanceError):
        got.nsn = "1"  # type: ignore[misc]
    assert hash(got) == hash(parse("0312345678", load("jp")))


def test_number_format_read_from_a_file_is_compared_by_value() -> None:
    # a target file's number_format is a str built at run time, not the literal
    from harness.profile import load_profile as load
    jp = load("jp")
    e164, national = "".join(["e", "164"]), "".join(["nat", "ional"])
    assert read_destination("+12125551234", e164, jp) == "+12125551234"
    assert read_destination("0312345678", e164, jp) is None
    assert read_destination("0312345678", national, jp) == "+81312345678"


@pytest.mark.parametrize("number_format", ["E164", "zzz", "nationa", "national ", ""])
def test_an_unknown_number_format_is_refused(number_format: str) -> None:
    from harness.profile import load_profile as load
    with pytest.raises(ValueError, match="unknown number_format"):
        read_destination("0312345678", number_format, load("jp"))


def test_a_trunk_cannot_read_a_number_with_a_trailing_newline() -> None:
    # read_destination: anything but digits after the prefix is unreadable (None), and
    # is_abroad counts text that is not "+home digits" as abroad
    from harness.profile import load_profile as load
    jp = load("jp")
    assert read_destination("0312345678\n", "national", jp) is None
    assert is_abroad("+81312345678\n", jp) is True
