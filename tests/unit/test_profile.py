"""The numbering profile: jp holds exactly the contract's tables; user files are validated."""
from __future__ import annotations

import ast
import dataclasses
import re
import textwrap
from pathlib import Path

import phonenumbers
import pytest

from harness import profile as profile_mod
from harness.errors import ConfigError
from harness.model import Presentation
from harness.profile import Profile, builtin_profiles, load_profile

JP_YAML = Path(profile_mod.__file__).with_name("jp.yaml")


@pytest.fixture(scope="module")
def jp() -> Profile:
    return load_profile("jp")


def test_builtin_profiles_lists_jp() -> None:
    assert "jp" in builtin_profiles()


def test_jp_prefixes_and_codes_are_the_contracts(jp: Profile) -> None:
    assert jp.name == "jp"
    assert jp.home_country_code == "81"
    assert jp.trunk_prefix == "0"
    assert jp.international_prefix == "010"
    assert {c.code: c.presentation for c in jp.caller_id_prefixes} == {
        "184": Presentation.PROHIBITED, "186": Presentation.ALLOWED}
    # Contract section 3: exactly these carrier codes, with their carriers.
    assert {c.code: c.carrier for c in jp.carrier_codes} == {
        "001": "KDDI", "0033": "NTT Communications", "0038": "Fusion", "0041": "SoftBank",
        "0061": "SoftBank", "0077": "KDDI", "0088": "SoftBank",
        "003768": "discount call service (field report)"}
    assert jp.emergency_numbers == ("110", "118", "119")
    assert (jp.intl_min_length, jp.intl_max_length) == (7, 15)


def test_jp_nsn_ranges_are_the_contracts(jp: Profile) -> None:
    table = {r.name: (r.prefixes, r.length, r.exclude) for r in jp.nsn_ranges}
    assert table == {
        "fixed line": (tuple("123456789"), 9,
                       ("10", "20", "50", "60", "70", "80", "90", "120", "180", "570", "800",
                        "990")),
        "mobile": (("70", "80", "90"), 10, ()),
        "IP phone": (("50",), 10, ()),
        "M2M": (("20",), 10, ()),
        "060": (("60",), 10, ()),
        "free dial 0120": (("120",), 9, ()),
        "free dial 0800": (("800",), 10, ()),
        "navi dial": (("570",), 9, ()),
        "0180": (("180",), 9, ()),
        "premium": (("990",), 9, ()),
    }


@pytest.mark.parametrize("nsn, valid", [
    ("312345678", True), ("112345678", True), ("999999999", True),
    ("012345678", False),      # [1-9] first
    ("102345678", False),      # 10: 010 is the international prefix
    ("120123456", True), ("1201234567", False), ("121234567", True),
    ("8012345678", True), ("801234567", False), ("80123456789", False),
    ("180123456", True), ("181234567", True), ("990123456", True), ("991234567", True),
    ("5701234567", False), ("8001234567", True), ("800123456", False),
    ("31234567a", False), ("", False),
])
def test_jp_is_nsn(jp: Profile, nsn: str, valid: bool) -> None:
    assert jp.is_nsn(nsn) is valid


def test_jp_country_codes_come_from_phonenumbers(jp: Profile) -> None:
    assert jp.country_codes == {str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    assert "81" in jp.country_codes and "81" not in jp.intl_country_codes


def test_profile_is_frozen_and_hashable(jp: Profile) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        jp.name = "x"  # type: ignore[misc]
    assert hash(jp) == hash(load_profile("jp"))


def test_load_by_path_equals_builtin(jp: Profile, tmp_path: Path) -> None:
    copy = tmp_path / "mine.yaml"
    copy.write_text(JP_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    mine = load_profile(str(copy))
    assert dataclasses.replace(mine, source=jp.source) == jp


def test_unknown_builtin_name_suggests() -> None:
    with pytest.raises(ConfigError, match=r"unknown profile 'jpn'.*did you mean 'jp'"):
        load_profile("jpn")


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_profile("/nonexistent/profile.yaml")


MINIMAL = """\
name: zz
home_country_code: "99"
trunk_prefix: "0"
international_prefix: "00"
caller_id_prefixes:
  - {code: "31", presentation: prohibited}
carrier_codes: []
emergency_codes:
  - {code: "112", service: all}
nsn_ranges:
  - {name: all, prefixes: ["1", "2"], length: 6}
international: {min_length: 4, max_length: 12}
country_codes: ["1", "44", "99"]
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def test_user_profile_minimal(tmp_path: Path) -> None:
    p = load_profile(_write(tmp_path, MINIMAL))
    assert p.name == "zz" and p.cic_codes == () and p.intl_country_codes == {"1", "44"}
    assert p.intl_sample() == "1000"    # no example given: smallest code padded
    assert p.nsn_ranges[0].sample() == "112345"


def test_unquoted_codes_are_read_as_typed(tmp_path: Path) -> None:
    # YAML reads 0033 as octal 27 and 010 as 8; the profile must keep the digits.
    text = MINIMAL.replace('international_prefix: "00"', "international_prefix: 00") \
        .replace("carrier_codes: []", "carrier_codes:\n  - {code: 0033, carrier: X}")
    p = load_profile(_write(tmp_path, text))
    assert p.international_prefix == "00" and p.cic_codes == ("0033",)


@pytest.mark.parametrize("old, new, line, message", [
    ("name: zz", "name: zz\ncolour: red", 2, r"unknown key 'colour'"),
    ('trunk_prefix: "0"', 'trunk_prefix: "0A"', 3, r"digits 0-9, got '0A'"),
    ('{code: "31", presentation: prohibited}', '{code: "3-1", presentation: prohibited}', 6,
     r"caller_id_prefixes\[0\]\.code: a code is a string of digits"),
    ("presentation: prohibited", "presentation: prohibit", 6,
     r"presentation must be one of allowed, prohibited \(did you mean 'prohibited'\?\)"),
    ('{code: "112", service: all}', '{code: "112", servce: all}', 9,
     r"unknown key 'servce'.*did you mean 'service'"),
    ("length: 6", "length: six", 11, r"nsn_ranges\[0\]\.length: must be a whole number"),
    ("length: 6", "length: true", 11, r"must be a whole number"),
    ('prefixes: ["1", "2"]', 'prefixes: "1"', 11, r"non-empty list"),
    ("max_length: 12", "max_length: 3", 12, r"max_length 3 is below min_length 4"),
    ('country_codes: ["1", "44", "99"]', 'country_codes: ["1", "44", "4"]', 13,
     r"one is a prefix of the other"),
    ('country_codes: ["1", "44", "99"]', 'country_codes: ["1", "44", "990"]', 2,
     r"home country code 99 overlaps"),
    ('- {code: "112", service: all}', '- {code: "112", service: all}\n  - {code: 112}', 10,
     r"code 112 is listed twice"),
    ("international: {min_length: 4, max_length: 12}", "international: 7", 12,
     r"must be a mapping"),
])
def test_bad_user_profile_points_at_line(tmp_path: Path, old: str, new: str, line: int,
                                         message: str) -> None:
    assert old in MINIMAL
    path = _write(tmp_path, MINIMAL.replace(old, new))
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    err = info.value
    assert err.path == path
    assert re.search(message, str(err)), str(err)
    assert err.line == line, str(err)


def test_range_that_swallows_the_international_prefix_is_refused(tmp_path: Path) -> None:
    # jp's "010": with trunk 0 and international 00, a national number starting with 0
    # would make "00..." ambiguous.
    text = MINIMAL.replace('prefixes: ["1", "2"]', 'prefixes: ["0", "1"]')
    with pytest.raises(ConfigError, match=r"starting with 0, so 00 could be either"):
        load_profile(_write(tmp_path, text))


def test_excluding_the_clash_makes_the_range_acceptable(tmp_path: Path) -> None:
    text = MINIMAL.replace('prefixes: ["1", "2"], length: 6',
                           'prefixes: ["0", "1"], length: 6, exclude: ["0"]')
    assert load_profile(_write(tmp_path, text)).is_nsn("123456")


def test_example_outside_its_range_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("length: 6}", 'length: 6, example: "312345"}')
    with pytest.raises(ConfigError, match="example 312345 is not in this range") as info:
        load_profile(_write(tmp_path, text))
    assert info.value.line == 11


def test_missing_required_key(tmp_path: Path) -> None:
    text = MINIMAL.replace('trunk_prefix: "0"\n', "")
    with pytest.raises(ConfigError, match="missing required key 'trunk_prefix'"):
        load_profile(_write(tmp_path, text))


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a profile is a mapping"):
        load_profile(_write(tmp_path, "- 1\n- 2\n"))


def test_code_does_not_hard_wire_the_jp_tables(jp: Profile) -> None:
    """The oracle and the strategies take every code from the profile (contract section 3).

    String constants in their code (docstrings aside) must not be jp codes.
    """
    jp_codes = set(jp.cid_codes) | set(jp.cic_codes) | set(jp.emergency_numbers) | {
        jp.international_prefix, jp.home_country_code, "+81"}
    jp_codes |= {p for r in jp.nsn_ranges for p in r.prefixes + r.exclude if len(p) > 1}
    root = Path(profile_mod.__file__).parent.parent
    for module in ("oracle.py", "strategies.py", "profile/__init__.py"):
        tree = ast.parse((root / module).read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        constants = {node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str)
                     and id(node) not in docstrings}
        assert not constants & jp_codes, (module, constants & jp_codes)
