"""What a dial string may be (contract section 3: ``[0-9+*#]``, at most 32 characters)."""
from __future__ import annotations

import pytest

from harness.dialstring import DIAL_ALPHABET, MAX_LEN, check_dial, is_dial
from harness.errors import DialStringError, InputError


def test_the_contracts_alphabet_and_length() -> None:
    assert set(DIAL_ALPHABET) == set("0123456789+*#") and len(DIAL_ALPHABET) == 13
    assert MAX_LEN == 32


@pytest.mark.parametrize("dial", [
    "0", "1", "9", "+", "*", "#", "0123456789+*#", "*31#0312345678", "1" * 32, "+" * 32,
    "#" * 31 + "0",
])
def test_a_phones_dial_string_is_returned_unchanged(dial: str) -> None:
    assert is_dial(dial) is True
    assert check_dial(dial) is dial


@pytest.mark.parametrize("value, type_name", [
    (None, "NoneType"), (312345678, "int"), (b"0312345678", "bytes"), (["0"], "list"),
])
def test_anything_but_text_is_refused(value: object, type_name: str) -> None:
    assert is_dial(value) is False
    with pytest.raises(DialStringError) as info:
        check_dial(value)
    assert str(info.value) == f"a dial string must be text, not {type_name}"


def test_empty_is_refused() -> None:
    assert is_dial("") is False
    with pytest.raises(DialStringError) as info:
        check_dial("")
    assert str(info.value) == "empty dial string"


@pytest.mark.parametrize("dial", ["1" * 33, "0" * 100, "1" * 33 + "\n", "x" * 40])
def test_longer_than_32_is_refused_before_its_characters_are_looked_at(dial: str) -> None:
    assert is_dial(dial) is False
    with pytest.raises(DialStringError) as info:
        check_dial(dial)
    message = str(info.value)
    assert message.startswith("dial string longer than 32 characters: ")
    # one line, whatever was sent: a long or multi-line string is shown cut and escaped
    assert "\n" not in message and len(message) < 100


@pytest.mark.parametrize("dial, bad", [
    ("03\n", "\n"),                    # a line break could inject AMI headers
    ("0312345678\r\nAction: Hangup", "\r"),
    ("03-1234-5678", "-"),
    ("201@from-internal", "@"),
    ("PJSIP/201", "P"),
    ("0312 345678", " "),
    ("\uff10\uff13", "\uff10"),        # full-width digits
    ("\u0663", "\u0663"),              # a digit to str.isdigit(), not to a phone
    ("1" * 31 + "a", "a"),             # 32 characters: the length is fine, the 'a' is not
    ("\x00", "\x00"),
])
def test_a_character_outside_the_alphabet_is_named(dial: str, bad: str) -> None:
    assert is_dial(dial) is False
    with pytest.raises(DialStringError) as info:
        check_dial(dial)
    assert str(info.value) == (
        f"dial string {dial!r} has {bad!r} (U+{ord(bad):04X}); allowed: 0-9 + * #")


def test_dial_string_errors_are_input_errors() -> None:
    # contract section 5: unusable input is exit 2 with a one-line reason, never a finding
    assert issubclass(DialStringError, InputError)
