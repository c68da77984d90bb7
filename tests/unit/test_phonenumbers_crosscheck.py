"""Our jp tables against libphonenumber (the `phonenumbers` port).

The contract's NSN ranges are deliberately coarse (a range and a length, as a dialplan
matches them); libphonenumber knows which blocks are actually allocated. Where the two
disagree, the disagreement is listed here on purpose, with the reason, so that a new
`phonenumbers` release that changes it shows up as a failing test rather than silently.
Country codes must agree exactly.
"""
from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from harness import strategies as ds
from harness.model import Branch
from harness.oracle import parse
from harness.profile import load_profile

JP = load_profile("jp")


def pn_valid(nsn: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse("+81" + nsn))


# --- known disagreements, each pinned by a concrete number --------------------------------

# Ours valid, libphonenumber invalid, because the contract range is wider than what is
# allocated today.
WIDER_THAN_ALLOCATED = [
    ("300000000", "fixed line: contract accepts any [1-9] 9-digit NSN outside the "
                  "non-geographic ranges; 03-0xxx-xxxx is not an allocated Tokyo block"),
    ("110000000", "fixed line: 011-0xx is not an allocated Sapporo block"),
    ("7000000000", "mobile 070-0: not allocated in libphonenumber's metadata"),
    ("9000000000", "mobile 090-0: not allocated"),
    ("5000000000", "IP phone 050-0: not allocated"),
    ("6000000000", "060-0: not allocated"),
]

# Ours valid, libphonenumber invalid for the whole range.
WHOLE_RANGE_REJECTED = {
    "0180": "libphonenumber has no 9-digit 0180 numbers (0180-xxx-xxx telephone voting); the "
            "contract lists 0180 + 6",
}

# libphonenumber valid, ours invalid.
NARROWER_THAN_LIBRARY = [
    ("601234567", "060 + 7 digits: libphonenumber's PERSONAL_NUMBER example; the contract "
                  "lists only 060 + 8"),
]


@pytest.mark.parametrize("nsn, why", WIDER_THAN_ALLOCATED)
def test_known_disagreement_ours_wider(nsn: str, why: str) -> None:
    assert JP.is_nsn(nsn), why
    assert not pn_valid(nsn), f"phonenumbers now accepts {nsn}: {why}"


@pytest.mark.parametrize("nsn, why", NARROWER_THAN_LIBRARY)
def test_known_disagreement_library_wider(nsn: str, why: str) -> None:
    assert not JP.is_nsn(nsn), why
    assert pn_valid(nsn), f"phonenumbers now rejects {nsn}: {why}"


def test_0180_is_rejected_by_the_library() -> None:
    rng = next(r for r in JP.nsn_ranges if r.name == "0180")
    assert JP.is_nsn(rng.sample())
    assert not pn_valid(rng.sample()), WHOLE_RANGE_REJECTED["0180"]


# --- agreement ---------------------------------------------------------------------------

def test_every_range_example_agrees_except_0180() -> None:
    for rng in JP.nsn_ranges:
        expected = rng.name != "0180"
        assert pn_valid(rng.sample()) is expected, (rng.name, rng.sample())


def test_library_examples_of_every_type_are_ours() -> None:
    # libphonenumber's example number for each JP type is in our ranges, except the one
    # listed in NARROWER_THAN_LIBRARY.
    narrower = {nsn for nsn, _ in NARROWER_THAN_LIBRARY}
    seen = 0
    for number_type in vars(PhoneNumberType).values():
        if not isinstance(number_type, int):
            continue
        example = phonenumbers.example_number_for_type("JP", number_type)
        if example is None:
            continue
        nsn = phonenumbers.national_significant_number(example)
        assert JP.is_nsn(nsn) is (nsn not in narrower), (number_type, nsn)
        seen += 1
    assert seen >= 8


def _known_wider(nsn: str) -> bool:
    rng = JP.nsn_range(nsn)
    assert rng is not None
    if rng.name in ("0180", "fixed line"):
        return True       # see WHOLE_RANGE_REJECTED, and fixed lines are allocated by block
    # The unallocated "0" blocks of WIDER_THAN_ALLOCATED: 070-0, 090-0, 050-0, 060-0.
    return rng.name in ("mobile", "IP phone", "060") and nsn[2] == "0"


@settings(max_examples=300)
@given(ds.domestic_numbers(JP))
def test_generated_domestic_numbers_agree_with_library(number: str) -> None:
    nsn = parse(number, JP).nsn
    assert nsn is not None
    if not _known_wider(nsn):
        assert pn_valid(nsn), nsn


@settings(max_examples=300)
@given(st.sampled_from(["70", "80", "90", "50", "20", "60", "120", "800", "570", "990",
                        "3", "6", "11", "45", "92"]),
       st.integers(min_value=7, max_value=11), st.data())
def test_library_valid_numbers_are_in_our_ranges(start: str, length: int,
                                                 data: st.DataObject) -> None:
    tail = data.draw(st.text("0123456789", min_size=length - len(start),
                             max_size=length - len(start)))
    nsn = start + tail
    if pn_valid(nsn) and nsn not in {n for n, _ in NARROWER_THAN_LIBRARY}:
        # The only library-valid shape we reject: 060 + 7 (NARROWER_THAN_LIBRARY).
        if not (nsn.startswith("60") and len(nsn) == 9):
            assert JP.is_nsn(nsn), nsn


def test_country_codes_agree() -> None:
    library = {str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    assert JP.country_codes == library
    assert JP.intl_country_codes == library - {"81"}


@settings(max_examples=300)
@given(ds.plus_numbers(JP, home=False))
def test_country_code_split_agrees_with_library(number: str) -> None:
    parsed = parse(number, JP)
    assert parsed.branch is Branch.PLUS
    try:
        library_cc = phonenumbers.parse(number).country_code
    except phonenumbers.NumberParseException:
        return  # too short/long for the library's own rules; the split is still ours
    assert parsed.cc == str(library_cc)


def test_emergency_codes_need_special_casing() -> None:
    # jp-dialing.md: the library does not call 118 an emergency number; ours does.
    assert phonenumbers.is_emergency_number("110", "JP")
    assert phonenumbers.is_emergency_number("119", "JP")
    assert not phonenumbers.is_emergency_number("118", "JP")
    assert "118" in JP.emergency_numbers
