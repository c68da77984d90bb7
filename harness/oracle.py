"""The oracle: what the numbering plan says a dial string should do (contract section 3).

Pure functions of (dial string, subscriber, profile); no I/O beyond the profile, which the
caller loads. Every country-specific table comes from the profile; the only things written
here are the contract's own: the dial alphabet, the 32-character limit and ``+``.

Grammar (``?`` optional)::

    dial  = cid? body
    body  = emergency | cic? domestic | cic? intl | plus
    domestic = trunk_prefix NSN              ; jp: "0" NSN
    intl     = international_prefix CC SUB   ; jp: "010" CC SUB, CC != home
    plus     = "+" CC SUB | "+" home NSN     ; "+81" NSN is a domestic call

How ambiguity is resolved (deterministic, so a failure replays the same way): the splits
``cid? cic? body`` are tried with the longest matching cid first, then no cid; within
each, the longest matching cic first, then no cic; the first split whose body is valid
wins. The body is tried as emergency, domestic, intl, plus in that order. With profile
``jp`` no dial string has two valid splits (NSNs never start with 0, the carrier codes are
prefix-free, the country codes are the ITU's prefix-free set), so the rule only matters for
user profiles.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# the dial-string rule lives in dialstring.py; re-exported under the oracle's names
from .dialstring import DIAL_ALPHABET, is_dial
from .dialstring import MAX_LEN as MAX_DIAL_LENGTH
from .model import Branch, Expected, Presentation, Route
from .profile import Profile
from .target import Subscriber

__all__ = [
    "DIAL_ALPHABET", "MAX_DIAL_LENGTH", "NUMBER_FORMATS", "Parsed", "expect",
    "international_digits", "is_abroad", "is_dialable", "parse", "read_destination",
]

NUMBER_FORMATS = ("national", "e164")
PLUS = "+"

_DIGITS = re.compile(r"^[0-9]+$")


def _digits(text: str) -> bool:
    # Not str.isdigit(): it accepts "٣" and "³", which no phone sends.
    return bool(_DIGITS.fullmatch(text))


def is_dialable(dial: str) -> bool:
    """Whether ``dial`` is something a phone can send: 1-32 characters of [0-9+*#]."""
    return is_dial(dial)


@dataclass(frozen=True)
class Parsed:
    """A dial string taken apart. Fields not relevant to ``branch`` are None; an INVALID
    parse has every field None, because no split of it is in the grammar."""

    dial: str
    branch: Branch
    cid: str | None = None
    cic: str | None = None
    #: the emergency short code (EMERGENCY)
    emergency: str | None = None
    #: national significant number (DOMESTIC, PLUS_JAPAN)
    nsn: str | None = None
    #: country code and subscriber number (INTL, PLUS; PLUS_JAPAN has cc = home)
    cc: str | None = None
    sub: str | None = None
    #: the digits after the international prefix (INTL, PLUS): CC + SUB
    intl_digits: str | None = None
    #: "+E164" for domestic and international, the short code for emergency
    destination: str | None = None


def parse(dial: str, profile: Profile) -> Parsed:
    """Take ``dial`` apart per the grammar; never raises for any ``str``."""
    if not is_dialable(dial):
        return Parsed(dial, Branch.INVALID)
    for cid, rest in _splits(dial, profile.cid_codes):
        for cic, body in _splits(rest, profile.cic_codes):
            parsed = _body(dial, body, cid, cic, profile)
            if parsed is not None:
                return parsed
    return Parsed(dial, Branch.INVALID)


def _splits(text: str, codes: tuple[str, ...]) -> Iterator[tuple[str | None, str]]:
    """(code, rest) for each code ``text`` starts with, longest first, then (None, text)."""
    for code in sorted((c for c in codes if text.startswith(c)), key=len, reverse=True):
        yield code, text[len(code):]
    yield None, text


def _body(dial: str, body: str, cid: str | None, cic: str | None,
          profile: Profile) -> Parsed | None:
    home = profile.home_country_code
    if cic is None and body in profile.emergency_numbers:
        return Parsed(dial, Branch.EMERGENCY, cid=cid, emergency=body, destination=body)
    trunk, intl = profile.trunk_prefix, profile.international_prefix
    if body.startswith(trunk) and profile.is_nsn(body[len(trunk):]):
        nsn = body[len(trunk):]
        return Parsed(dial, Branch.DOMESTIC, cid=cid, cic=cic, nsn=nsn,
                      destination=f"+{home}{nsn}")
    if body.startswith(intl):
        split = _cc_sub(body[len(intl):], profile)
        if split is not None:
            cc, sub = split
            return Parsed(dial, Branch.INTL, cid=cid, cic=cic, cc=cc, sub=sub,
                          intl_digits=cc + sub, destination=f"+{cc}{sub}")
    if cic is None and body.startswith(PLUS):
        digits = body[len(PLUS):]
        if digits.startswith(home) and profile.is_nsn(digits[len(home):]):
            nsn = digits[len(home):]
            return Parsed(dial, Branch.PLUS_JAPAN, cid=cid, cc=home, nsn=nsn,
                          destination=f"+{home}{nsn}")
        split = _cc_sub(digits, profile)
        if split is not None:
            cc, sub = split
            return Parsed(dial, Branch.PLUS, cid=cid, cc=cc, sub=sub, intl_digits=cc + sub,
                          destination=f"+{cc}{sub}")
    return None


def _cc_sub(digits: str, profile: Profile) -> tuple[str, str] | None:
    """CC + SUB from the digits after the international prefix, or None.

    The country-code set is prefix-free (the ITU's is; the profile loader enforces it for
    a user's list), so at most one code can start ``digits``. The home code is not in the
    set: ``010 81 ...`` is outside the grammar, the domestic form is ``0 NSN``.
    """
    if not _digits(digits):
        return None
    if not profile.intl_min_length <= len(digits) <= profile.intl_max_length:
        return None
    codes = profile.intl_country_codes
    for n in range(1, 4):
        if digits[:n] in codes and len(digits) > n:
            return digits[:n], digits[n:]
    return None


def expect(dial: str, subscriber: Subscriber, profile: Profile) -> Expected:
    """The intended outcome of ``dial`` placed by ``subscriber`` (contract section 3).

    Emergency reaches EMERGENCY for every subscriber, barred ones included; domestic and
    ``+home`` reach DOMESTIC; intl and plus reach INTERNATIONAL unless the subscriber is
    barred from it (then BLOCKED, with the intended destination kept for the report);
    anything outside the grammar is INVALID and BLOCKED with no destination.
    Presentation is the cid's, or None for "the subscriber's default".
    """
    parsed = parse(dial, profile)
    route = {
        Branch.EMERGENCY: Route.EMERGENCY,
        Branch.DOMESTIC: Route.DOMESTIC,
        Branch.PLUS_JAPAN: Route.DOMESTIC,
        Branch.INTL: Route.INTERNATIONAL,
        Branch.PLUS: Route.INTERNATIONAL,
        Branch.INVALID: Route.BLOCKED,
    }[parsed.branch]
    if route is Route.INTERNATIONAL and subscriber.intl_barred:
        route = Route.BLOCKED
    presentation: Presentation | None = profile.presentation_for(parsed.cid)
    return Expected(dial=dial, subscriber=subscriber.name, branch=parsed.branch, route=route,
                    destination=parsed.destination, presentation=presentation,
                    cid=parsed.cid, cic=parsed.cic,
                    intl_digits=_international_digits(parsed, profile))


def international_digits(dial: str, profile: Profile) -> str | None:
    """The digits dialed after the international prefix, for no_unintended_international.

    The contract allows a call abroad only if the dial string starts, after an optional
    cid and cic, with the international prefix (``010``) or with ``+`` other than
    ``+home``, and only to exactly the digits dialed after that prefix. This is that
    reading, deliberately looser than the grammar: it accepts ``0033+1212...`` (cic before
    ``+``) and ``01081...``, since those do say "international"; whether they should be
    blocked is the strict property's business. Returns None when the string has no such
    prefix or what follows it is not all digits (no destination can equal it then).
    For a string in the grammar it agrees with ``parse``.
    """
    return _international_digits(parse(dial, profile), profile)


def _international_digits(parsed: Parsed, profile: Profile) -> str | None:
    if parsed.branch in (Branch.INTL, Branch.PLUS):
        return parsed.intl_digits
    if parsed.branch is not Branch.INVALID:
        return None
    dial = parsed.dial
    home_plus = PLUS + profile.home_country_code
    for _cid, rest in _splits(dial, profile.cid_codes):
        for _cic, body in _splits(rest, profile.cic_codes):
            if body.startswith(profile.international_prefix):
                digits = body[len(profile.international_prefix):]
            elif body.startswith(PLUS) and not body.startswith(home_plus):
                digits = body[len(PLUS):]
            else:
                continue
            if _digits(digits):
                return digits
    return None


def read_destination(outbound: str, number_format: str, profile: Profile) -> str | None:
    """How a trunk reads the number it was sent (contract section 2, ``number_format``).

    ``national``: an optional leading carrier code is ignored; then an emergency code is
    itself, international prefix + digits is ``+digits``, trunk prefix + digits is
    ``+home digits``. ``e164``: ``+digits`` is itself, an emergency code is itself.
    Anything else is None: the trunk cannot read it, and the properties count that as
    abroad, because an unreadable number is one the carrier may complete anywhere
    (``186080...`` read as E.164 is Connecticut).

    A carrier code is stripped whenever the number starts with one (longest first) and is
    then required: ``0012125551234`` reads as nothing, not as the domestic ``0 012...``,
    since no national number starts with the trunk prefix twice and the safe reading of
    an odd number is "unreadable".
    """
    if number_format == "e164":
        if outbound in profile.emergency_numbers:
            return outbound
        if outbound.startswith(PLUS) and _digits(outbound[len(PLUS):]):
            return outbound
        return None
    if number_format != "national":
        raise ValueError(f"unknown number_format {number_format!r}; known: "
                         f"{', '.join(NUMBER_FORMATS)}")
    cics = [c for c in profile.cic_codes if outbound.startswith(c)]
    if not cics:
        return _read_national(outbound, profile)
    for cic in sorted(cics, key=len, reverse=True):
        read = _read_national(outbound[len(cic):], profile)
        if read is not None:
            return read
    return None


def _read_national(number: str, profile: Profile) -> str | None:
    if number in profile.emergency_numbers:
        return number
    intl, trunk = profile.international_prefix, profile.trunk_prefix
    if number.startswith(intl):
        # Never fall back to trunk prefix + rest: "010" alone is an unfinished
        # international number, not the national "+8110".
        return PLUS + number[len(intl):] if _digits(number[len(intl):]) else None
    if number.startswith(trunk) and _digits(number[len(trunk):]):
        return f"+{profile.home_country_code}{number[len(trunk):]}"
    return None


def is_abroad(destination: str | None, profile: Profile) -> bool:
    """Whether a trunk's destination counts as abroad (contract section 4).

    An E.164 number outside ``+home`` is abroad, and so is None (unreadable); an emergency
    short code is not. Any other text is treated as abroad: for a safety property, a
    destination we cannot place is a destination we cannot vouch for.
    """
    if destination is None:
        return True
    if destination in profile.emergency_numbers:
        return False
    home_plus = PLUS + profile.home_country_code
    return not (destination.startswith(home_plus) and _digits(destination[1:]))
