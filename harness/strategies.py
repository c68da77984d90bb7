"""Hypothesis strategies for dial strings (public API).

Every strategy takes the numbering :class:`~harness.profile.Profile` it draws from, so
nothing here knows Japanese numbers: the tables come from the profile. Arguments are
checked when the strategy is built and a bad one raises
:class:`hypothesis.errors.InvalidArgument` at once, not deep inside a run.

Strategies are built from small pieces whose simplest choice comes first, so a failing
dial string shrinks to something short and readable (``110``, ``0110000000``) rather
than to noise. Every string they produce is 1-32 characters of ``[0-9+*#]`` (what a phone
can send and what the drivers accept), except the explicit raw-text cases of
:func:`arbitrary_dial_text`, which exist to test that the oracle never crashes.

>>> from harness.profile import load_profile
>>> jp = load_profile("jp")
>>> valid_dial_strings(jp, branch=Branch.DOMESTIC).example()   # doctest: +SKIP
'18600330312345678'
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .model import Branch
from .oracle import DIAL_ALPHABET, PLUS, is_dialable
from .profile import NsnRange, Profile

__all__ = [
    "RAW_TEXT_CASES", "arbitrary_dial_text", "carrier_codes", "cid_prefixes", "dial_strings",
    "domestic_numbers", "emergency_codes", "intl_numbers", "near_misses", "plus_numbers",
    "special_dial_strings", "special_dial_table", "valid_dial_strings",
]

_DIGITS = "0123456789"
_VALID_BRANCHES = (Branch.EMERGENCY, Branch.DOMESTIC, Branch.PLUS_JAPAN, Branch.INTL,
                   Branch.PLUS)

#: Text no phone sends but a config file, a contact list or an attacker might: the oracle
#: must classify each as outside the grammar without crashing. Simplest first.
RAW_TEXT_CASES: tuple[str, ...] = (
    "",
    " ",
    "abc",
    "03-1234-5678",                      # written the way people write it
    "+81 3 1234 5678",
    "\uff10\uff13\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width 0312345678
    "\u0660\u0663\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",  # Arabic-Indic digits
    "110\x00",
    "0312345678&PJSIP/x@jp-intl",        # a second Dial() target
    "0312345678\r\nAction: Hangup",      # AMI header injection
    "0" * 33,                            # one over the length limit
)


# --- argument checks ------------------------------------------------------------------------

def _check_profile(profile: object, where: str) -> Profile:
    if not isinstance(profile, Profile):
        raise InvalidArgument(
            f"{where}: profile must be a harness.profile.Profile (see load_profile), "
            f"got {profile!r}")
    return profile


def _simplest_first(codes: Iterable[str]) -> list[str]:
    # Shortest, then smallest: sampled_from shrinks towards its first element.
    return sorted(set(codes), key=lambda c: (len(c), c))


def _non_empty(codes: Sequence[str], what: str, profile: Profile, where: str) -> list[str]:
    if not codes:
        raise InvalidArgument(f"{where}: profile {profile.name!r} lists no {what}")
    return _simplest_first(codes)


def _optional(strategy: st.SearchStrategy[str] | None) -> st.SearchStrategy[str]:
    """``""`` or a draw; absence first, so it shrinks towards leaving the prefix out."""
    if strategy is None:
        return st.just("")
    return st.one_of(st.just(""), strategy)


def _digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_DIGITS, min_size=min_size, max_size=max_size)


# --- the pieces of the grammar ---------------------------------------------------------------

def cid_prefixes(profile: Profile) -> st.SearchStrategy[str]:
    """A caller-ID prefix of the profile (jp: ``184`` withhold, ``186`` show).

    Example: ``'186'``. Shrinks towards the shortest, smallest code (``'184'``).
    """
    _check_profile(profile, "cid_prefixes")
    return st.sampled_from(_non_empty(profile.cid_codes, "caller-ID prefixes", profile,
                                      "cid_prefixes"))


def carrier_codes(profile: Profile) -> st.SearchStrategy[str]:
    """A carrier identification code of the profile (jp: ``001``, ``0033``, ... ``003768``).

    Example: ``'003768'``. Shrinks towards the shortest, smallest code (``'001'``).
    """
    _check_profile(profile, "carrier_codes")
    return st.sampled_from(_non_empty(profile.cic_codes, "carrier codes", profile,
                                      "carrier_codes"))


def emergency_codes(profile: Profile) -> st.SearchStrategy[str]:
    """An emergency short code of the profile (jp: ``110``, ``118``, ``119``).

    Example: ``'119'``. Shrinks towards the smallest code (``'110'``).
    """
    _check_profile(profile, "emergency_codes")
    return st.sampled_from(_non_empty(profile.emergency_numbers, "emergency codes", profile,
                                      "emergency_codes"))


def _cover(prefix: str, exclude: tuple[str, ...], length: int) -> list[str]:
    """Prefixes that together start exactly the numbers of ``prefix`` not excluded.

    jp fixed lines: ``1`` becomes ``11``, ``121``..``129``, ``13``..``19`` less ``18``, ...
    Drawing from these needs no filter, so shrinking is not fighting rejections.
    """
    if prefix.startswith(exclude):
        return []
    if len(prefix) >= length or not any(e.startswith(prefix) for e in exclude):
        return [prefix]
    return [q for d in _DIGITS for q in _cover(prefix + d, exclude, length)]


def _nsns(ranges: Sequence[NsnRange]) -> st.SearchStrategy[str]:
    def one_range(rng: NsnRange) -> st.SearchStrategy[str]:
        starts = _simplest_first(q for p in rng.prefixes for q in _cover(p, rng.exclude,
                                                                         rng.length))
        # integers() rather than sampled_from(): a one-element sampled_from draws nothing,
        # which would make single-prefix ranges "simpler" to the shrinker than the first.
        return st.integers(0, len(starts) - 1).map(starts.__getitem__).flatmap(
            lambda start: _digits(rng.length - len(start), rng.length - len(start)).map(
                lambda tail: start + tail))
    return st.one_of([one_range(r) for r in ranges])


def _select_ranges(profile: Profile, names: Sequence[str] | None, where: str) -> list[NsnRange]:
    if names is None:
        return list(profile.nsn_ranges)
    if isinstance(names, str) or not isinstance(names, Sequence) or not names:
        raise InvalidArgument(f"{where}: ranges must be a non-empty list of range names, "
                              f"got {names!r}")
    known = {r.name: r for r in profile.nsn_ranges}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidArgument(f"{where}: unknown NSN range(s) {unknown}; profile "
                              f"{profile.name!r} has {sorted(known)}")
    return [known[n] for n in names]


def domestic_numbers(profile: Profile, *,
                     ranges: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """A national number: trunk prefix + a valid NSN (jp: ``0`` + NSN).

    ``ranges`` limits the draw to the named NSN ranges of the profile (jp: ``["mobile"]``).
    Example: ``'08012345678'``. Shrinks towards the first range of the profile with zeros
    after its simplest start (jp: the fixed line ``'0300000000'``).
    """
    _check_profile(profile, "domestic_numbers")
    chosen = _select_ranges(profile, ranges, "domestic_numbers")
    return _nsns(chosen).map(lambda nsn: profile.trunk_prefix + nsn)


def _cc_subs(profile: Profile, codes: Sequence[str] | None, where: str) -> st.SearchStrategy[str]:
    available = profile.intl_country_codes
    if codes is None:
        chosen = _simplest_first(available)
    else:
        if isinstance(codes, str) or not isinstance(codes, Sequence) or not codes:
            raise InvalidArgument(f"{where}: country_codes must be a non-empty list of codes, "
                                  f"got {codes!r}")
        wrong = [c for c in codes if c not in available]
        if wrong:
            raise InvalidArgument(f"{where}: {wrong} are not country codes reachable through "
                                  f"the international prefix in profile {profile.name!r}")
        chosen = _simplest_first(codes)
    lo, hi = profile.intl_min_length, profile.intl_max_length

    @st.composite
    def cc_sub(draw: st.DrawFn) -> str:
        cc = draw(st.sampled_from(chosen))
        return cc + draw(_digits(max(1, lo - len(cc)), hi - len(cc)))

    return cc_sub()


def intl_numbers(profile: Profile, *,
                 country_codes: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """An international call in national form: international prefix + CC + SUB.

    CC is an assigned code other than home (or one of ``country_codes``); CC+SUB has the
    profile's international length (jp: ``010`` + 7..15 digits).
    Example: ``'01012125551234'``. Shrinks towards the smallest code and the shortest
    number (jp: ``'0101000000'``).
    """
    _check_profile(profile, "intl_numbers")
    return _cc_subs(profile, country_codes, "intl_numbers").map(
        lambda digits: profile.international_prefix + digits)


def plus_numbers(profile: Profile, *, home: bool | None = None) -> st.SearchStrategy[str]:
    """A number in E.164 form, ``+`` CC SUB, or ``+`` home NSN (a domestic call).

    ``home=None`` draws both, ``home=True`` only ``+home`` NSN (jp: ``+81...``),
    ``home=False`` only numbers abroad.
    Example: ``'+818012345678'``. Shrinks towards ``'+1000000'`` (``home=True``:
    ``'+81300000000'``).
    """
    _check_profile(profile, "plus_numbers")
    if home not in (None, True, False):
        raise InvalidArgument(f"plus_numbers: home must be None, True or False, got {home!r}")
    abroad = _cc_subs(profile, None, "plus_numbers").map(lambda d: PLUS + d)
    at_home = _nsns(profile.nsn_ranges).map(
        lambda nsn: PLUS + profile.home_country_code + nsn)
    if home is None:
        return st.one_of(abroad, at_home)
    return at_home if home else abroad


def _body(profile: Profile, branch: Branch) -> st.SearchStrategy[str]:
    return {
        Branch.EMERGENCY: lambda: emergency_codes(profile),
        Branch.DOMESTIC: lambda: domestic_numbers(profile),
        Branch.PLUS_JAPAN: lambda: plus_numbers(profile, home=True),
        Branch.INTL: lambda: intl_numbers(profile),
        Branch.PLUS: lambda: plus_numbers(profile, home=False),
    }[branch]()


def _cid_or_none(profile: Profile) -> st.SearchStrategy[str]:
    return _optional(cid_prefixes(profile) if profile.cid_codes else None)


def _cic_or_none(profile: Profile) -> st.SearchStrategy[str]:
    return _optional(carrier_codes(profile) if profile.cic_codes else None)


def _valid_branch(profile: Profile, branch: Branch) -> st.SearchStrategy[str]:
    # The grammar: cid? body, with a carrier code only before domestic and intl.
    cic = _cic_or_none(profile) if branch in (Branch.DOMESTIC, Branch.INTL) else st.just("")
    parts = st.tuples(_cid_or_none(profile), cic, _body(profile, branch))
    # Only a user profile with very long codes can exceed the phone's 32 characters.
    return parts.map("".join).filter(is_dialable)


def valid_dial_strings(profile: Profile, *,
                       branch: Branch | str | None = None) -> st.SearchStrategy[str]:
    """A dial string in the grammar: ``cid? body``, every cid x cic x body combination.

    ``branch`` limits it to one grammar branch (``Branch.DOMESTIC``, ``"intl"``, ...);
    INVALID is refused (use :func:`near_misses` or :func:`arbitrary_dial_text`). With
    profile ``jp`` every string parses (``oracle.parse``) to the branch it was drawn for.
    Example: ``'1860037680312345678'``. Shrinks towards no cid, no cic and the simplest
    body of the first branch (jp: ``'110'``).
    """
    _check_profile(profile, "valid_dial_strings")
    if branch is None:
        branches = [b for b in _VALID_BRANCHES
                    if b is not Branch.EMERGENCY or profile.emergency_codes]
    else:
        try:
            chosen = Branch(branch)
        except ValueError:
            raise InvalidArgument(
                f"valid_dial_strings: unknown branch {branch!r}; one of "
                f"{', '.join(b.value for b in _VALID_BRANCHES)}") from None
        if chosen is Branch.INVALID:
            raise InvalidArgument("valid_dial_strings: branch INVALID is outside the grammar; "
                                  "use near_misses() or arbitrary_dial_text()")
        branches = [chosen]
    return st.one_of([_valid_branch(profile, b) for b in branches])


# --- outside the grammar ----------------------------------------------------------------------

def near_misses(profile: Profile) -> st.SearchStrategy[str]:
    """Dial strings one mistake away from the grammar, where dialplans go wrong.

    One digit short or long; a prefix doubled (``184184``, ``00330033``, ``010010``,
    ``00`` + NSN); ``+`` in the wrong place (``186+080...``, ``+186080...``, inside the
    number); two caller-ID prefixes (``184186``); a carrier code before an emergency code or
    before ``+``; a caller-ID prefix after the carrier code; home reached through the
    international prefix (``01081...``) or written ``+81 0...``; ``*``/``#`` in the number.
    Most are outside the grammar; a few land back in it by design (``+186080...`` is a
    valid call to +1 860, exactly the field report), so always ask the oracle.
    Example: ``'1840033+12125551234'``. Shrinks towards a valid string's first character
    dropped short (jp: ``'11'``).
    """
    _check_profile(profile, "near_misses")
    valid = valid_dial_strings(profile)
    domestic = domestic_numbers(profile)
    trunk, intl, home = profile.trunk_prefix, profile.international_prefix, \
        profile.home_country_code
    # Optional where the mistake is elsewhere, so each mistake also appears bare; required
    # where it is the mistake (two cids).
    some_cid = cid_prefixes(profile) if profile.cid_codes else st.just("")
    cid = _cid_or_none(profile)
    cic = carrier_codes(profile) if profile.cic_codes else st.just("")
    nsn = domestic.map(lambda d: d[len(trunk):])
    digit = st.sampled_from(_DIGITS)
    abroad = plus_numbers(profile, home=False)

    @st.composite
    def plus_inside(draw: st.DrawFn) -> str:
        text = draw(valid)
        at = draw(st.integers(min_value=1, max_value=len(text)))
        return text[:at] + PLUS + text[at:]

    @st.composite
    def star_or_hash(draw: st.DrawFn) -> str:
        text = draw(valid)
        at = draw(st.integers(min_value=0, max_value=len(text) - 1))
        mark = draw(st.sampled_from("#*"))
        how = draw(st.sampled_from(["replace", "append", "insert"]))
        if how == "append":
            return text + mark
        return text[:at] + mark + text[at + (how == "replace"):]

    pieces = [
        valid.map(lambda s: s[:-1]),                                    # one short
        st.tuples(valid, digit).map("".join),                           # one long
        st.tuples(some_cid, some_cid, valid).map("".join),              # two cids: 184186
        st.tuples(cid, cic, cic, domestic).map("".join),                # carrier code doubled
        st.tuples(cid, st.just(trunk), domestic).map("".join),          # trunk prefix doubled
        intl_numbers(profile).map(lambda s: intl + s),                  # 010010...
        st.tuples(cid, st.just(PLUS), domestic).map("".join),           # 186+080...
        st.tuples(st.just(PLUS), cid, domestic).map("".join),           # +186080...
        plus_inside(),
        st.tuples(cic, cid, domestic).map("".join),                     # cid after cic
        st.tuples(cid, cic, abroad).map("".join),                       # cic before +
        st.tuples(cid, st.just(PLUS + home), st.just(trunk), nsn).map("".join),  # +81 0...
        st.tuples(cid, st.just(intl + home), nsn).map("".join),         # 01081...
        star_or_hash(),
    ]
    if profile.emergency_codes:
        pieces.append(st.tuples(cid, cic, emergency_codes(profile)).map("".join))
        pieces.append(st.tuples(cid, emergency_codes(profile), digit).map("".join))
    return st.one_of(pieces).filter(is_dialable)


def arbitrary_dial_text(*, max_size: int = 32,
                        include_raw: bool = True) -> st.SearchStrategy[str]:
    """Any text over ``[0-9+*#]`` of 1 to ``max_size`` characters, grammar or not.

    With ``include_raw`` (the default) the table :data:`RAW_TEXT_CASES` is mixed in: empty,
    too long, spaces and dashes, full-width digits, NUL, CR LF: text for testing the oracle's
    robustness, which a driver must refuse rather than send. Pass ``include_raw=False`` for
    strings that may be dialed.
    Example: ``'#0+*81'``. Shrinks towards ``'0'``.
    """
    if isinstance(max_size, bool) or not isinstance(max_size, int) \
            or not 1 <= max_size <= 32:
        raise InvalidArgument(f"arbitrary_dial_text: max_size must be an int in 1..32, "
                              f"got {max_size!r}")
    if not isinstance(include_raw, bool):
        raise InvalidArgument(f"arbitrary_dial_text: include_raw must be a bool, "
                              f"got {include_raw!r}")
    text = st.text(alphabet=DIAL_ALPHABET, min_size=1, max_size=max_size)
    return st.one_of(text, st.sampled_from(RAW_TEXT_CASES)) if include_raw else text


def special_dial_table(profile: Profile) -> tuple[str, ...]:
    """The dial strings :func:`special_dial_strings` mixes in, shortest first.

    Built from the profile's tables and example numbers: each emergency code bare, after
    each cid and after each carrier code; each cid before a sample of each NSN range (jp:
    ``186 080...``); each carrier code, with and without each cid, before a domestic and
    an international number (jp: ``186 003768 03...``); the field report's rewritten contacts
    ``+`` cid trunk NSN (jp: ``+186080...``, ``+18603...``); ``+home`` numbers with and
    without cid; ``186+080...``; ``01081...``; ``+81 0...``.
    """
    _check_profile(profile, "special_dial_table")
    trunk, intl, home = profile.trunk_prefix, profile.international_prefix, \
        profile.home_country_code
    cids = [""] + _simplest_first(profile.cid_codes)
    cics = _simplest_first(profile.cic_codes)
    samples = [r.sample() for r in profile.nsn_ranges]
    fixed = samples[0]
    intl_digits = profile.intl_sample()
    table: list[str] = []
    for cid in cids:
        table += [cid + e for e in profile.emergency_numbers]
        table += [cid + c + e for c in cics for e in profile.emergency_numbers]
        table += [cid + trunk + s for s in samples]
        table += [cid + PLUS + home + s for s in samples]
        table += [cid + intl + intl_digits, cid + PLUS + intl_digits]
        for c in cics:
            table += [cid + c + trunk + fixed, cid + c + intl + intl_digits]
        if cid:
            table += [PLUS + cid + trunk + s for s in samples]
            table += [cid + PLUS + trunk + s for s in samples]
    table += [intl + home + fixed, PLUS + home + trunk + fixed]
    unique = {s for s in table if is_dialable(s)}
    return tuple(sorted(unique, key=lambda s: (len(s), s)))


def special_dial_strings(profile: Profile) -> st.SearchStrategy[str]:
    """One of :func:`special_dial_table`: the field report's strings and the edge cases
    every dialplan must get right, mixed in on purpose rather than left to chance.

    Example: ``'18608012345678'``. Shrinks towards the shortest entry (jp: ``'110'``).
    """
    _check_profile(profile, "special_dial_strings")
    return st.sampled_from(special_dial_table(profile))


def dial_strings(profile: Profile) -> st.SearchStrategy[str]:
    """Everything a phone might send: valid strings of every branch, the special table,
    near misses and arbitrary ``[0-9+*#]`` text, all 1-32 characters (no raw text).

    Example: ``'1840077010447700900123'``. Shrinks towards ``'110'``.
    """
    _check_profile(profile, "dial_strings")
    return st.one_of(valid_dial_strings(profile), special_dial_strings(profile),
                     near_misses(profile), arbitrary_dial_text(include_raw=False))
