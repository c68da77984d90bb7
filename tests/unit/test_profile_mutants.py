"""The profile loader, branch by branch (contract section 3: the profile holds the tables).

Each wrong file is refused with a ConfigError naming the key and its line; each optional key
has its default; the views the oracle reads (cid/cic/emergency codes, samples, ranges) say
what their docstrings say. Written against the mutants scripts/mutation.sh makes of
harness/profile/__init__.py (docs/mutation.md).
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.model import Presentation
from harness.profile import (CallerIdPrefix, NsnRange, Profile, builtin_profiles,
                             load_profile)

BASE = """\
name: zz
home_country_code: "99"
trunk_prefix: "0"
international_prefix: "00"
caller_id_prefixes: [{code: "31", presentation: prohibited}, {code: "32", presentation: allowed}]
carrier_codes: [{code: "1010", carrier: Acme}]
emergency_codes: [{code: "112", service: all}]
nsn_ranges: [{name: all, prefixes: ["1", "2"], length: 6}]
international: {min_length: 4, max_length: 12}
country_codes: ["1", "44", "99"]
"""
LINE = {key: i + 1 for i, key in enumerate(
    ["name", "home_country_code", "trunk_prefix", "international_prefix", "caller_id_prefixes",
     "carrier_codes", "emergency_codes", "nsn_ranges", "international", "country_codes"])}


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def load(tmp_path: Path, old: str | None = None, new: str = "") -> Profile:
    text = BASE
    if old is not None:
        assert old in BASE, old
        text = BASE.replace(old, new)
    return load_profile(write(tmp_path, text))


def refused(tmp_path: Path, old: str, new: str, message: str, line: int | None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, old, new)
    err = info.value
    assert re.search(message, str(err)), str(err)
    if line is not None:
        assert err.line == line, str(err)
    return err


# --- what a valid file gives ------------------------------------------------------------------

def test_every_table_is_read(tmp_path: Path) -> None:
    p = load(tmp_path)
    assert p.name == "zz" and p.description == ""
    assert (p.home_country_code, p.trunk_prefix, p.international_prefix) == ("99", "0", "00")
    assert p.caller_id_prefixes == (CallerIdPrefix("31", Presentation.PROHIBITED),
                                    CallerIdPrefix("32", Presentation.ALLOWED))
    assert p.cid_codes == ("31", "32") and p.cic_codes == ("1010",)
    assert [c.carrier for c in p.carrier_codes] == ["Acme"]
    assert p.emergency_numbers == ("112",) and p.emergency_codes[0].service == "all"
    assert p.nsn_ranges == (NsnRange("all", ("1", "2"), 6),)
    assert p.country_codes == {"1", "44", "99"} and p.intl_country_codes == {"1", "44"}
    assert (p.intl_min_length, p.intl_max_length, p.intl_example) == (4, 12, "")
    assert p.source == str(tmp_path / "p.yaml")


def test_optional_keys_have_their_defaults(tmp_path: Path) -> None:
    text = BASE.replace("name: zz\n", "").replace(", carrier: Acme", "") \
        .replace(", service: all", "").replace("name: all, ", "") \
        .replace("caller_id_prefixes: [{code: \"31\", presentation: prohibited}, "
                 "{code: \"32\", presentation: allowed}]\n", "")
    p = load_profile(write(tmp_path, text, "my-country.yaml"))
    assert p.name == "my-country"                      # the file's stem
    assert p.carrier_codes[0].carrier == "" and p.emergency_codes[0].service == ""
    assert p.nsn_ranges[0].name == "range 0"
    assert p.caller_id_prefixes == () and p.presentation_for("31") is None


def test_text_values_are_read_as_typed(tmp_path: Path) -> None:
    p = load(tmp_path, "name: zz", "name: 0042\ndescription: 12")
    assert p.name == "0042" and p.description == "12"
    p = load(tmp_path, "carrier: Acme", "carrier: 0033")
    assert p.carrier_codes[0].carrier == "0033"


def test_presentation_for_each_cid_and_none(tmp_path: Path) -> None:
    p = load(tmp_path)
    assert p.presentation_for("31") is Presentation.PROHIBITED
    assert p.presentation_for("32") is Presentation.ALLOWED
    assert p.presentation_for(None) is None and p.presentation_for("33") is None


def test_intl_sample_is_the_example_else_the_smallest_code_padded(tmp_path: Path) -> None:
    assert load(tmp_path).intl_sample() == "1000"
    p = load(tmp_path, "max_length: 12}", 'max_length: 12, example: "4412345"}')
    assert p.intl_sample() == "4412345" and p.intl_example == "4412345"
    p = load(tmp_path, 'country_codes: ["1", "44", "99"]', 'country_codes: ["44", "7", "99"]')
    assert p.intl_sample() == "7000"                    # shortest first, then smallest
    p = load(tmp_path, 'country_codes: ["1", "44", "99"]', 'country_codes: ["45", "44", "99"]')
    assert p.intl_sample() == "4400"


def test_nsn_range_lookup(tmp_path: Path) -> None:
    p = load(tmp_path, 'nsn_ranges: [{name: all, prefixes: ["1", "2"], length: 6}]',
             'nsn_ranges: [{name: a, prefixes: ["1"], length: 6}, '
             '{name: b, prefixes: ["2", "3"], length: 7}]')
    assert p.nsn_range("123456").name == "a" and p.nsn_range("3123456").name == "b"
    assert p.nsn_range("1234567") is None and p.nsn_range("") is None
    assert p.is_nsn("2123456") is True and p.is_nsn("212345") is False


# --- NsnRange ---------------------------------------------------------------------------------

@pytest.mark.parametrize("nsn, ok", [
    ("123456", True), ("223456", True), ("323456", False), ("12345", False),
    ("1234567", False), ("15x456", False), ("103456", False), ("1\u0663\u0663456", False),
])
def test_nsn_range_matches(nsn: str, ok: bool) -> None:
    rng = NsnRange("r", ("1", "2"), 6, exclude=("10",))
    assert rng.matches(nsn) is ok


def test_a_trailing_newline_is_not_a_digit() -> None:
    # "[0-9]" only, as the docstring of _is_digits says: "12345\n" is not 6 digits
    assert NsnRange("r", ("1",), 6).matches("12345\n") is False


def test_nsn_range_sample() -> None:
    assert NsnRange("r", ("1",), 6, example="198765").sample() == "198765"
    assert NsnRange("r", ("3",), 4).sample() == "3123"
    # the readable candidate of the first prefix is excluded: the next prefix's is used
    assert NsnRange("r", ("4", "5"), 4, exclude=("41",)).sample() == "5123"
    # every readable candidate excluded: some member, filled with one digit
    assert NsnRange("r", ("7",), 3, exclude=("71",)).sample() == "700"
    assert NsnRange("r", ("7",), 3, exclude=("71", "70")).sample() == "722"
    with pytest.raises(ValueError, match="NSN range 'r' has no members"):
        NsnRange("r", ("7",), 2, exclude=("7",)).sample()


# --- load_profile: names and paths ----------------------------------------------------------

def test_builtin_profiles_are_the_yaml_files_shipped() -> None:
    assert builtin_profiles() == ("jp",)


def test_a_path_is_anything_with_a_slash_or_a_yaml_suffix(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, BASE, "mine.yml")
    write(tmp_path, BASE, "mine.yaml")
    monkeypatch.chdir(tmp_path)
    assert load_profile("mine.yml").name == "zz"
    assert load_profile("mine.yaml").name == "zz"
    assert load_profile("./mine.yaml").name == "zz"
    with pytest.raises(ConfigError, match="file not found"):
        load_profile("jp.yaml")           # a path, not the built-in
    with pytest.raises(ConfigError, match="unknown profile 'mine'"):
        load_profile("mine")              # a name, not the file


@pytest.mark.parametrize("name", ["JP", "", "j p", "..", "-jp", "jp\n"])
def test_an_unknown_or_malformed_name_lists_the_builtins(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_profile(name)
    assert f"unknown profile {name!r}; built-in profiles: jp" in str(info.value)


# --- every refusal names its key and line -----------------------------------------------------

@pytest.mark.parametrize("old, new, message, line", [
    # top level
    ('home_country_code: "99"\n', "", "missing required key 'home_country_code'", None),
    ('international_prefix: "00"\n', "", "missing required key 'international_prefix'", None),
    ("nsn_ranges: [{name: all, prefixes: [\"1\", \"2\"], length: 6}]\n", "",
     "missing required key 'nsn_ranges'", None),
    ("international: {min_length: 4, max_length: 12}\n", "",
     "missing required key 'international'", None),
    ("name: zz", "name: [zz]", r"name: must be a plain text value", LINE["name"]),
    ("name: zz", "name: {a: 1}", r"name: must be a plain text value", LINE["name"]),
    ("name: zz", "name:", r"name: must be a plain text value", LINE["name"]),
    ('home_country_code: "99"', "home_country_code: [99]",
     r"home_country_code: a code is a string of digits 0-9, got a non-scalar",
     LINE["home_country_code"]),
    ('international_prefix: "00"', 'international_prefix: "+"',
     r"international_prefix: a code is a string of digits 0-9, got '\+'",
     LINE["international_prefix"]),
    # lists of codes
    ("carrier_codes: [{code: \"1010\", carrier: Acme}]", "carrier_codes: 1010",
     r"carrier_codes: must be a list", LINE["carrier_codes"]),
    ("carrier_codes: [{code: \"1010\", carrier: Acme}]", "carrier_codes: [\"1010\"]",
     r"carrier_codes\[0\]: each entry is a mapping with keys: code, carrier",
     LINE["carrier_codes"]),
    ("carrier_codes: [{code: \"1010\", carrier: Acme}]", "carrier_codes: [{carrier: Acme}]",
     r"carrier_codes\[0\]: missing required key 'code'", LINE["carrier_codes"]),
    ("carrier: Acme", "carrier: [Acme]", r"carrier_codes\[0\]\.carrier: must be a plain text",
     LINE["carrier_codes"]),
    ("{code: \"112\", service: all}", "{code: \"112\", service: all, police: yes}",
     r"emergency_codes\[0\]\.police: unknown key 'police'; allowed: code, service",
     LINE["emergency_codes"]),
    ('{code: "32", presentation: allowed}', '{code: "32"}',
     r"caller_id_prefixes\[1\]\.presentation: presentation must be one of allowed, "
     r"prohibited$", LINE["caller_id_prefixes"]),
    ('{code: "32", presentation: allowed}', '{code: "31", presentation: allowed}',
     r"caller_id_prefixes\[1\]\.code: code 31 is listed twice", LINE["caller_id_prefixes"]),
    # nsn_ranges
    ("nsn_ranges: [{name: all, prefixes: [\"1\", \"2\"], length: 6}]", "nsn_ranges: []",
     r"nsn_ranges: must list at least one range", LINE["nsn_ranges"]),
    ("nsn_ranges: [{name: all, prefixes: [\"1\", \"2\"], length: 6}]", "nsn_ranges: [6]",
     r"nsn_ranges\[0\]: each range is a mapping with keys: name, prefixes, length, exclude, "
     r"example", LINE["nsn_ranges"]),
    ("length: 6}", "length: 6, size: 6}", r"nsn_ranges\[0\]\.size: unknown key 'size'",
     LINE["nsn_ranges"]),
    ('prefixes: ["1", "2"], ', "", r"nsn_ranges\[0\]: missing required key 'prefixes'",
     LINE["nsn_ranges"]),
    (", length: 6", "", r"nsn_ranges\[0\]: missing required key 'length'", LINE["nsn_ranges"]),
    ('prefixes: ["1", "2"]', "prefixes: []",
     r"nsn_ranges\[0\]\.prefixes: must be a non-empty list of digit strings", LINE["nsn_ranges"]),
    ('prefixes: ["1", "2"]', 'prefixes: ["1", "x"]',
     r"nsn_ranges\[0\]\.prefixes\[1\]: a code is a string of digits 0-9, got 'x'",
     LINE["nsn_ranges"]),
    ("length: 6}", "length: 0}", r"nsn_ranges\[0\]\.length: must be a whole number >= 1, got '0'",
     LINE["nsn_ranges"]),
    ("length: 6}", "length: -3}", r"must be a whole number >= 1, got '-3'", LINE["nsn_ranges"]),
    ("length: 6}", "length: 6.0}", r"must be a whole number >= 1, got '6.0'", LINE["nsn_ranges"]),
    ('prefixes: ["1", "2"], length: 6', 'prefixes: ["1", "2345678"], length: 6',
     r"nsn_ranges\[0\]\.prefixes\[1\]: prefix 2345678 is longer than the range's length 6",
     LINE["nsn_ranges"]),
    ("length: 6}", 'length: 6, exclude: "1"}', r"nsn_ranges\[0\]\.exclude: must be a non-empty",
     LINE["nsn_ranges"]),
    ("length: 6}", 'length: 6, exclude: ["1", "2"]}',
     r"nsn_ranges\[0\]: every number of this range is excluded", LINE["nsn_ranges"]),
    ("length: 6}", 'length: 6, example: "22345"}',
     r"nsn_ranges\[0\]\.example: example 22345 is not in this range", LINE["nsn_ranges"]),
    # international
    ("min_length: 4, ", "", r"international: missing required key 'min_length'",
     LINE["international"]),
    (", max_length: 12", "", r"international: missing required key 'max_length'",
     LINE["international"]),
    ("max_length: 12}", "max_length: 12, max: 3}", r"international\.max: unknown key 'max'",
     LINE["international"]),
    ("min_length: 4", "min_length: 0", r"international\.min_length: must be a whole number",
     LINE["international"]),
    ("max_length: 12", "max_length: false", r"international\.max_length: must be a whole number",
     LINE["international"]),
    ("max_length: 12}", 'max_length: 12, example: "9912345"}',
     r"international\.example: example 9912345 is not a country code \+ number of 4\.\.12 "
     r"digits", LINE["international"]),
    ("max_length: 12}", 'max_length: 12, example: "123"}', r"example 123 is not a country code",
     LINE["international"]),
    ("max_length: 12}", 'max_length: 12, example: "1234567890123"}',
     r"example 1234567890123 is not", LINE["international"]),
    # country codes
    ('country_codes: ["1", "44", "99"]', "country_codes: []",
     r"country_codes: must be a non-empty list", LINE["country_codes"]),
    ('country_codes: ["1", "44", "99"]', 'country_codes: ["1", "044", "99"]',
     r"country_codes\[1\]: country code 044: 1 to 3 digits, not starting with 0",
     LINE["country_codes"]),
    ('country_codes: ["1", "44", "99"]', 'country_codes: ["1", "4444", "99"]',
     r"country code 4444: 1 to 3 digits", LINE["country_codes"]),
    ('country_codes: ["1", "44", "99"]', 'country_codes: ["1", "44", "44", "99"]',
     r"country codes 44 and 44: one is a prefix of the other", LINE["country_codes"]),
    ('country_codes: ["1", "44", "99"]', 'country_codes: ["9", "44"]',
     r"home_country_code: home country code 99 overlaps country code\(s\) \['9'\]",
     LINE["home_country_code"]),
])
def test_refusals(tmp_path: Path, old: str, new: str, message: str, line: int | None) -> None:
    refused(tmp_path, old, new, message, line)


def test_a_prefix_clash_names_the_later_code(tmp_path: Path) -> None:
    # whichever of the two comes second is the one pointed at, shorter or longer
    one = 'country_codes: ["1", "44", "99"]'
    err = refused(tmp_path, one, 'country_codes: ["1", "44", "99", "4"]',
                  "country codes 4 and 44", LINE["country_codes"])
    assert err.key == "country_codes[3]"
    err = refused(tmp_path, one, 'country_codes: ["4", "1", "44", "99"]',
                  "country codes 4 and 44", LINE["country_codes"])
    assert err.key == "country_codes[2]"


def test_min_length_equal_to_max_length_is_allowed(tmp_path: Path) -> None:
    p = load(tmp_path, "max_length: 12", "max_length: 4")
    assert (p.intl_min_length, p.intl_max_length) == (4, 4)


# --- the grammar stays unambiguous ------------------------------------------------------------

def test_a_range_reaching_the_international_prefix_is_refused(tmp_path: Path) -> None:
    # trunk 0, international 00: a national number starting with 0 would clash
    for prefixes in ('["0"]', '["2", "0"]', '["01"]'):
        with pytest.raises(ConfigError, match=r"starting with 0, so 00 could be either") as e:
            load(tmp_path, 'prefixes: ["1", "2"]', f"prefixes: {prefixes}")
        assert e.value.key == "nsn_ranges[0]"


def test_a_range_that_cannot_reach_the_clash_is_accepted(tmp_path: Path) -> None:
    # excluded outright, or excluded on every prefix that could reach it
    p = load(tmp_path, 'prefixes: ["1", "2"], length: 6',
             'prefixes: ["0", "1"], length: 6, exclude: ["0"]')
    assert p.is_nsn("123456") is True and p.is_nsn("023456") is False
    p = load(tmp_path, 'prefixes: ["1", "2"], length: 6',
             'prefixes: ["01", "1"], length: 6, exclude: ["01"]')
    assert p.is_nsn("123456") is True


def test_the_clash_rule_with_a_longer_international_prefix(tmp_path: Path) -> None:
    # jp's shape: trunk 0, international 010, so no national number may start with 10
    def with_ranges(ranges: str) -> Profile:
        return load_profile(write(tmp_path, BASE.replace(
                'international_prefix: "00"', 'international_prefix: "010"').replace(
                'nsn_ranges: [{name: all, prefixes: ["1", "2"], length: 6}]',
                f"nsn_ranges: [{ranges}]")))

    assert with_ranges('{prefixes: ["1"], length: 6, exclude: ["10"]}').is_nsn("112345")
    assert with_ranges('{prefixes: ["11"], length: 6}').is_nsn("112345")
    assert with_ranges('{prefixes: ["2"], length: 1}').is_nsn("2")
    for bad in ('{prefixes: ["1"], length: 6}', '{prefixes: ["10"], length: 6}',
                '{prefixes: ["105"], length: 6}', '{prefixes: ["2", "1"], length: 2}'):
        with pytest.raises(ConfigError, match="starting with 10, so 010 could be either"):
            with_ranges(bad)
    # a range too short to hold "10" cannot clash
    assert with_ranges('{prefixes: ["1"], length: 1}').is_nsn("1")


def test_an_international_prefix_not_starting_with_the_trunk_prefix_never_clashes(
        tmp_path: Path) -> None:
    p = load(tmp_path, 'international_prefix: "00"', 'international_prefix: "900"')
    assert p.international_prefix == "900"


def test_sample_of_long_and_even_length_ranges() -> None:
    # up to E.164's 15 digits the readable candidate is the prefix, then 1234567890 again
    assert NsnRange("r", ("1",), 15).sample() == "112345678901234"
    # the fallback fills the rest of an even length exactly
    assert NsnRange("r", ("7",), 4, exclude=("71",)).sample() == "7000"
    assert NsnRange("r", ("70",), 6, exclude=("701",)).sample() == "700000"


def test_home_is_never_an_international_country_code(tmp_path: Path) -> None:
    # a user's country_codes may leave the home code out: "all but home" still holds
    p = load(tmp_path, 'country_codes: ["1", "44", "99"]', 'country_codes: ["1", "44"]')
    assert p.intl_country_codes == {"1", "44"}
    text = BASE.replace('country_codes: ["1", "44", "99"]', 'country_codes: ["1", "44"]') \
        .replace("max_length: 12}", 'max_length: 12, example: "9912345"}')
    with pytest.raises(ConfigError, match=r"example 9912345 is not a country code"):
        load_profile(write(tmp_path, text))


def test_intl_example_of_exactly_min_or_max_length_is_accepted(tmp_path: Path) -> None:
    assert load(tmp_path, "max_length: 12}", 'max_length: 12, example: "4412"}') \
        .intl_example == "4412"
    assert load(tmp_path, "max_length: 12}", 'max_length: 12, example: "441234567890"}') \
        .intl_example == "441234567890"
