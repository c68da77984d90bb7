"""The oracle against the contract (section 3), row by row, profile jp."""
from __future__ import annotations

import pytest

from harness.model import Branch, Expected, Presentation, Route
from harness.oracle import (expect, international_digits, is_abroad, is_dialable, parse,
                            read_destination)
from harness.profile import Profile, load_profile
from harness.target import Subscriber

JP = load_profile("jp")
OPEN = Subscriber(name="open", context="from-internal")
BARRED = Subscriber(name="barred", context="from-internal-barred",
                    barred=frozenset({"international"}))

E, D, J, I, P, X = (Branch.EMERGENCY, Branch.DOMESTIC, Branch.PLUS_JAPAN, Branch.INTL,
                    Branch.PLUS, Branch.INVALID)
EM, DOM, INTL, BLK = Route.EMERGENCY, Route.DOMESTIC, Route.INTERNATIONAL, Route.BLOCKED
ALLOW, PROHIB = Presentation.ALLOWED, Presentation.PROHIBITED
US = "12125551234"          # +1 212 555 1234, New York
UK = "442071234567"         # +44 20 7123 4567, London

# (dial, subscriber, branch, route, destination, presentation, cic)
ROWS: list[tuple[str, Subscriber, Branch, Route, str | None, Presentation | None,
                 str | None]] = [
    # emergency: every subscriber, with or without cid; never after a carrier code
    ("110", OPEN, E, EM, "110", None, None),
    ("118", BARRED, E, EM, "118", None, None),
    ("119", BARRED, E, EM, "119", None, None),
    ("184110", BARRED, E, EM, "110", PROHIB, None),
    ("186119", OPEN, E, EM, "119", ALLOW, None),
    ("184118", BARRED, E, EM, "118", PROHIB, None),
    ("0033110", OPEN, X, BLK, None, None, None),
    ("184186110", OPEN, X, BLK, None, None, None),
    ("1100", OPEN, X, BLK, None, None, None),
    ("11", OPEN, X, BLK, None, None, None),
    # domestic, every range, barred or not
    ("0312345678", OPEN, D, DOM, "+81312345678", None, None),
    ("0312345678", BARRED, D, DOM, "+81312345678", None, None),
    ("0112345678", OPEN, D, DOM, "+81112345678", None, None),
    ("08012345678", OPEN, D, DOM, "+818012345678", None, None),
    ("07012345678", BARRED, D, DOM, "+817012345678", None, None),
    ("09012345678", OPEN, D, DOM, "+819012345678", None, None),
    ("05012345678", OPEN, D, DOM, "+815012345678", None, None),
    ("02012345678", OPEN, D, DOM, "+812012345678", None, None),
    ("06012345678", OPEN, D, DOM, "+816012345678", None, None),
    ("0120123456", OPEN, D, DOM, "+81120123456", None, None),
    ("08001234567", OPEN, D, DOM, "+818001234567", None, None),
    ("0570123456", OPEN, D, DOM, "+81570123456", None, None),
    ("0180123456", OPEN, D, DOM, "+81180123456", None, None),
    ("0990123456", OPEN, D, DOM, "+81990123456", None, None),
    # the field report: 186 before a mobile is a domestic call with caller ID shown
    ("18608012345678", BARRED, D, DOM, "+818012345678", ALLOW, None),
    ("18408012345678", OPEN, D, DOM, "+818012345678", PROHIB, None),
    ("1860037680312345678", BARRED, D, DOM, "+81312345678", ALLOW, "003768"),
    ("18400330312345678", OPEN, D, DOM, "+81312345678", PROHIB, "0033"),
    # each carrier code before a domestic number
    ("0010312345678", OPEN, D, DOM, "+81312345678", None, "001"),
    ("00330312345678", OPEN, D, DOM, "+81312345678", None, "0033"),
    ("00380312345678", OPEN, D, DOM, "+81312345678", None, "0038"),
    ("00410312345678", OPEN, D, DOM, "+81312345678", None, "0041"),
    ("00610312345678", OPEN, D, DOM, "+81312345678", None, "0061"),
    ("00770312345678", BARRED, D, DOM, "+81312345678", None, "0077"),
    ("00880312345678", OPEN, D, DOM, "+81312345678", None, "0088"),
    ("0037680312345678", OPEN, D, DOM, "+81312345678", None, "003768"),
    # domestic near misses
    ("031234567", OPEN, X, BLK, None, None, None),          # one short
    ("03123456789", OPEN, X, BLK, None, None, None),        # one long
    ("01201234567", OPEN, X, BLK, None, None, None),        # 0120 + 7
    ("0800123456", OPEN, X, BLK, None, None, None),         # 0800 + 6
    ("0601234567", OPEN, X, BLK, None, None, None),         # 060 + 7
    ("0012345678", OPEN, X, BLK, None, None, None),         # 001 + 7 digits, or 0 + 0...
    ("003303312345678", OPEN, X, BLK, None, None, None),    # 0033 then 0 0...
    ("00330033031234567", OPEN, X, BLK, None, None, None),  # carrier code doubled
    ("00331860312345678", OPEN, X, BLK, None, None, None),  # cid after cic
    ("1841840312345678", OPEN, X, BLK, None, None, None),   # cid doubled
    ("186+08012345678", OPEN, X, BLK, None, None, None),    # + before the trunk prefix
    ("0312345678#", OPEN, X, BLK, None, None, None),
    # +81: a domestic call in E.164 form, even for a barred subscriber
    ("+81312345678", OPEN, J, DOM, "+81312345678", None, None),
    ("+818012345678", BARRED, J, DOM, "+818012345678", None, None),
    ("186+818012345678", BARRED, J, DOM, "+818012345678", ALLOW, None),
    ("184+81120123456", OPEN, J, DOM, "+81120123456", PROHIB, None),
    ("+810312345678", OPEN, X, BLK, None, None, None),      # trunk 0 kept after +81
    ("+8131234567", OPEN, X, BLK, None, None, None),        # +81 and a short NSN
    ("0033+81312345678", OPEN, X, BLK, None, None, None),   # cic before +
    # international, 010 form
    ("010" + US, OPEN, I, INTL, "+" + US, None, None),
    ("010" + US, BARRED, I, BLK, "+" + US, None, None),
    ("001010" + US, OPEN, I, INTL, "+" + US, None, "001"),
    ("0033010" + UK, OPEN, I, INTL, "+" + UK, None, "0033"),
    ("003768010" + UK, BARRED, I, BLK, "+" + UK, None, "003768"),
    ("1840077010" + UK, OPEN, I, INTL, "+" + UK, PROHIB, "0077"),
    ("186010" + US, BARRED, I, BLK, "+" + US, ALLOW, None),
    ("0108612345678", OPEN, I, INTL, "+8612345678", None, None),  # China
    ("0101234567", OPEN, I, INTL, "+1234567", None, None),         # CC+SUB = 7, shortest
    ("010123456", OPEN, X, BLK, None, None, None),                 # CC+SUB = 6
    ("010" + "1" * 15, OPEN, I, INTL, "+" + "1" * 15, None, None),  # 15, longest
    ("010" + "1" * 16, OPEN, X, BLK, None, None, None),            # 16
    ("01081312345678", OPEN, X, BLK, None, None, None),            # CC 81 via 010
    ("0102812345678", OPEN, X, BLK, None, None, None),             # 28: unassigned
    ("010999123456", OPEN, X, BLK, None, None, None),              # 999: unassigned
    ("010010" + US, OPEN, X, BLK, None, None, None),               # prefix doubled
    # international, + form
    ("+" + US, OPEN, P, INTL, "+" + US, None, None),
    ("+" + US, BARRED, P, BLK, "+" + US, None, None),
    ("+18608012345678", OPEN, P, INTL, "+18608012345678", None, None),   # field report
    ("+18608012345678", BARRED, P, BLK, "+18608012345678", None, None),
    ("+1860312345678", BARRED, P, BLK, "+1860312345678", None, None),
    ("186+" + US, OPEN, P, INTL, "+" + US, ALLOW, None),
    ("184+" + UK, BARRED, P, BLK, "+" + UK, PROHIB, None),
    ("+80012345678", OPEN, P, INTL, "+80012345678", None, None),  # 800: intl freephone
    ("++" + US, OPEN, X, BLK, None, None, None),
    ("+", OPEN, X, BLK, None, None, None),
    ("0033+" + US, OPEN, X, BLK, None, None, None),               # cic before +
    ("1+" + US, OPEN, X, BLK, None, None, None),
    ("+1212555123#", OPEN, X, BLK, None, None, None),
    # junk
    ("", OPEN, X, BLK, None, None, None),
    ("184", OPEN, X, BLK, None, None, None),
    ("186", BARRED, X, BLK, None, None, None),
    ("0033", OPEN, X, BLK, None, None, None),
    ("010", OPEN, X, BLK, None, None, None),
    ("*", OPEN, X, BLK, None, None, None),
    ("#", OPEN, X, BLK, None, None, None),
    ("*31#0312345678", OPEN, X, BLK, None, None, None),
    ("0" * 33, OPEN, X, BLK, None, None, None),
    ("03-1234-5678", OPEN, X, BLK, None, None, None),
    ("\uff10\uff13\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", OPEN, X, BLK, None,
     None, None),                                                  # full-width digits
    ("0312345678\r\nAction: Hangup", BARRED, X, BLK, None, None, None),
]


@pytest.mark.parametrize("dial, subscriber, branch, route, destination, presentation, cic",
                         ROWS, ids=[f"{r[0]!r}-{r[1].name}" for r in ROWS])
def test_expect(dial: str, subscriber: Subscriber, branch: Branch, route: Route,
                destination: str | None, presentation: Presentation | None,
                cic: str | None) -> None:
    got = expect(dial, subscriber, JP)
    assert (got.branch, got.route, got.destination, got.presentation, got.cic) == (
        branch, route, destination, presentation, cic)
    assert got.dial == dial and got.subscriber == subscriber.name
    assert got.in_grammar is (branch is not Branch.INVALID)
    if branch in (Branch.INTL, Branch.PLUS):
        assert got.destination == "+" + (got.intl_digits or "")
    elif branch is Branch.INVALID:
        # outside the grammar, still read loosely: "0033+1212..." does say "abroad"
        assert got.intl_digits == international_digits(dial, JP)
    else:
        assert got.intl_digits is None


def test_table_covers_every_branch_cid_and_carrier_code() -> None:
    assert len(ROWS) >= 60
    assert {r[2] for r in ROWS} == set(Branch)
    assert {r[6] for r in ROWS} >= set(JP.cic_codes)
    for branch in (E, D, J, I, P):
        assert {r[5] for r in ROWS if r[2] is branch} == {None, ALLOW, PROHIB}, branch
    for route in (EM, DOM, INTL, BLK):
        assert any(r[3] is route for r in ROWS)


def test_expected_is_the_model_dataclass() -> None:
    got = expect("1860033010" + US, OPEN, JP)
    assert got == Expected(dial="1860033010" + US, subscriber="open", branch=I, route=INTL,
                           destination="+" + US, presentation=ALLOW, cid="186", cic="0033",
                           intl_digits=US)


@pytest.mark.parametrize("dial, fields", [
    ("186003768" + "08012345678", dict(cid="186", cic="003768", nsn="8012345678")),
    ("+81312345678", dict(cc="81", nsn="312345678", intl_digits=None)),
    ("010" + US, dict(cc="1", sub="2125551234", intl_digits=US)),
    ("+" + UK, dict(cc="44", sub="2071234567")),
    ("+8008012345", dict(cc="800", sub="8012345")),
    ("184119", dict(cid="184", emergency="119")),
    ("18601", dict(cid=None, cic=None, nsn=None, destination=None)),
])
def test_parse_fields(dial: str, fields: dict[str, object]) -> None:
    parsed = parse(dial, JP)
    for name, value in fields.items():
        assert getattr(parsed, name) == value, name


def test_parse_never_raises_on_any_str() -> None:
    for text in ("", "\x00", "😀", "1" * 1000, "+" * 5, "٠١٠١٢١٢٥٥٥١٢٣٤"):
        assert parse(text, JP).branch is Branch.INVALID


def test_is_dialable() -> None:
    assert is_dialable("0") and is_dialable("*#+0") and is_dialable("1" * 32)
    assert not is_dialable("") and not is_dialable("1" * 33) and not is_dialable("03 1234")


# read_destination: (outbound, number_format, destination)
READ_ROWS = [
    ("0312345678", "national", "+81312345678"),
    ("08012345678", "national", "+818012345678"),
    ("00330312345678", "national", "+81312345678"),       # carrier code ignored
    ("0037680312345678", "national", "+81312345678"),
    ("010" + US, "national", "+" + US),
    ("001010" + UK, "national", "+" + UK),
    ("01081312345678", "national", "+81312345678"),
    ("110", "national", "110"),
    ("119", "national", "119"),
    ("0033110", "national", "110"),                       # carrier code ignored here too
    ("18608012345678", "national", None),                 # the field report's string
    ("186080", "national", None),
    ("+8131234", "national", None),
    ("+" + US, "national", None),
    ("0012125551234", "national", None),                  # a cic, then nothing readable
    ("0033", "national", None),
    ("0", "national", None),
    ("010", "national", None),
    ("0312345678#", "national", None),
    ("2125551234", "national", None),
    ("", "national", None),
    ("+81312345678", "e164", "+81312345678"),
    ("+" + US, "e164", "+" + US),
    ("+18608012345678", "e164", "+18608012345678"),
    ("110", "e164", "110"),
    ("118", "e164", "118"),
    ("0312345678", "e164", None),
    ("81312345678", "e164", None),
    ("18608012345678", "e164", None),
    ("+", "e164", None),
    ("+81 3", "e164", None),
    ("+81312345678#", "e164", None),
    ("", "e164", None),
]


@pytest.mark.parametrize("outbound, number_format, destination", READ_ROWS)
def test_read_destination(outbound: str, number_format: str, destination: str | None) -> None:
    assert read_destination(outbound, number_format, JP) == destination


def test_read_destination_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown number_format 'E164'"):
        read_destination("+1", "E164", JP)


@pytest.mark.parametrize("destination, abroad", [
    (None, True), ("110", False), ("119", False), ("+81312345678", False),
    ("+" + US, True), ("+18608012345678", True), ("0312345678", True), ("", True),
    ("111", True),
])
def test_is_abroad(destination: str | None, abroad: bool) -> None:
    assert is_abroad(destination, JP) is abroad


@pytest.mark.parametrize("dial, digits", [
    ("010" + US, US),
    ("186001010" + UK, UK),
    ("+" + US, US),
    ("184+" + US, US),
    ("+18608012345678", "18608012345678"),
    ("+81312345678", None),
    ("0312345678", None),
    ("18608012345678", None),
    ("110", None),
    # looser than the grammar on purpose: these do say "international"
    ("01081312345678", "81312345678"),
    ("0033+" + US, US),
    ("186+1212", "1212"),
    ("010", None),
    ("+1212#", None),
    ("", None),
])
def test_international_digits(dial: str, digits: str | None) -> None:
    assert international_digits(dial, JP) == digits


def test_user_profile_drives_the_oracle(tmp_path: object) -> None:
    """Nothing Japanese is wired in: a made-up country works through its profile alone."""
    from pathlib import Path
    path = Path(str(tmp_path)) / "zz.yaml"
    path.write_text(
        "home_country_code: '99'\ntrunk_prefix: '0'\ninternational_prefix: '00'\n"
        "caller_id_prefixes: [{code: '31', presentation: prohibited}]\n"
        "carrier_codes: [{code: '1010'}]\n"
        "emergency_codes: [{code: '112'}]\n"
        "nsn_ranges: [{prefixes: ['1', '2'], length: 6}]\n"
        "international: {min_length: 4, max_length: 12}\n"
        "country_codes: ['1', '44', '99']\n", encoding="utf-8")
    zz: Profile = load_profile(str(path))
    assert expect("31112", BARRED, zz).route is Route.EMERGENCY
    assert expect("10100123456", BARRED, zz).destination == "+99123456"
    assert expect("00441234", BARRED, zz).route is Route.BLOCKED
    assert expect("00441234", OPEN, zz).destination == "+441234"
    assert expect("+99123456", OPEN, zz).branch is Branch.PLUS_JAPAN
    assert expect("110", OPEN, zz).branch is Branch.INVALID
    assert read_destination("1010" + "00441234", "national", zz) == "+441234"


def test_expected_intl_digits_reads_outside_the_grammar_loosely() -> None:
    """One meaning of intl_digits for every check: a carrier code glued to "+1..." is
    outside the grammar, yet a call completed there goes abroad to +1 212..."""
    assert expect("0033+12125551234", OPEN, JP).intl_digits == "12125551234"
    assert expect("186+08012345678", OPEN, JP).intl_digits == "08012345678"
    assert expect("0312345678", OPEN, JP).intl_digits is None
