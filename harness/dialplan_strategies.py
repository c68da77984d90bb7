"""Dial strings drawn from the dialplan under test (public Hypothesis strategies).

:mod:`harness.strategies` draws from the numbering plan: what a phone *should* be able to
dial. This module draws from the dialplan: what the PBX was *written* to tell apart. A bug
that lives in one narrow rule (one area-code pattern, one country code, one length, one
carrier code in one class of service) needs strings aimed at that rule; a grammar-wide
draw reaches it only by luck. So:

- **Patterns, uniformly.** :func:`harness.dialplan.reachable` lists every extension a dial
  string entering the subscriber's context can land on, with the chains of jumps that
  lead there. :func:`dialplan_dial_strings` first picks one reachable pattern uniformly,
  then one of its chains: a pattern that matches a single carrier code gets the same share
  as the catch-all that matches almost everything.
- **Through the chain.** A chain says which slice of the dialed string each pattern sees
  (``Goto(open-dial,${EXTEN:3},1)``: the next one sees ``dial[3:]``). The string is built
  back to front: a string for the last pattern that still sees dialed characters, put at
  its slice, and before it what each calling pattern accepts at those positions (the
  ``184`` of ``_184.``, the ``003768`` of ``_003768.``). Where a calling pattern strips
  characters, a caller-ID prefix or carrier code of the profile that the pattern accepts
  may stand in for them, whatever its length: that is how a ``_00XX.`` strip of 4 meets
  the 6-digit ``003768``, or a strip of 4 meets ``184``.
- **Matching: plain, and real numbers.** For the pattern, a string it matches
  (:func:`pattern_strings`): its own characters with a tail whose length favours the
  profile's number lengths (``profile.nsn_ranges``, with and without the pattern's fixed
  part), or a real number of the profile that the pattern matches (``_+Z.`` becomes
  ``+81`` + an NSN or ``+`` + a country code and subscriber number, ``_0ZXXXXXXXX`` also
  ``010`` + 7 digits), lengths at and one past the profile's limits, or the pattern's fixed
  part followed by a real number (``_0033.`` + a national number).
- **Nearly matching.** Strings at its edges (:func:`boundary_strings`): one short, one
  long, one character outside a range at one position, and real numbers of the profile
  that the pattern does *not* match though they start like it (``070...`` next to
  ``_0[89]0XXXXXXXX``): that is where a neighbouring rule, or no rule, takes over.
- **Both sides of every condition.** The literals, regexes and lengths that ``GotoIf``,
  ``ExecIf`` and ``$[...]`` compare the dialed string with are spliced in at the slice they
  apply to, as is (true) or changed at one character (false). A test is picked first and
  then one of the slices it may apply to, so a test read at many offsets gets no more turns
  than another. A test that guards the characters before that slice (``REGEX("^003768"
  ...)`` before ``${NUM:6}``) may be put in front.
- **Behind the profile's prefixes.** One string in three may go behind a caller-ID prefix
  and a carrier code of the profile (``profile.cid_codes``, ``profile.cic_codes``) and a
  target's ``access_code``: rules that forget one of them are common.

Everything is 1-32 characters of ``[0-9+*#]``. The dialplan is walked once, and every
pattern, regex and table of numbers prepared once, when the strategy is built; each choice
puts its simplest option first, so failures shrink to short strings of the first pattern
that still fails.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .dialplan import (MAX_DIAL, Comparison, Dialplan, Landing, Reach, Shape, Slice,
                       pattern_shape, reachable)
from .oracle import DIAL_ALPHABET, PLUS, is_dialable
from .profile import NsnRange, Profile

__all__ = ["DialplanStrings", "boundary_strings", "dialplan_dial_strings",
           "dialplan_strings_for", "pattern_strings"]

_DIGITS = "".join(c for c in DIAL_ALPHABET if c.isdigit())
#: what a phone sends that is not a digit; ``+`` first (the one dialplans mistake most)
_SIGNS = PLUS + "".join(c for c in DIAL_ALPHABET if not c.isdigit() and c != PLUS)


# --- small strategies, made once -------------------------------------------------------------
# Strategies used inside draws are made once per argument: building one costs more than
# drawing from it, and these are pure.

@functools.lru_cache(maxsize=None)
def _between(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


@functools.lru_cache(maxsize=None)
def _char(chars: str) -> st.SearchStrategy[str]:
    return st.just(chars) if len(chars) == 1 else st.sampled_from(chars)


@functools.lru_cache(maxsize=None)
def _digit_run(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_DIGITS, min_size=length, max_size=length)


def _index(draw: st.DrawFn, items: Sequence[object]) -> int:
    return draw(_between(0, len(items) - 1)) if len(items) > 1 else 0


_BOOLEANS = st.booleans()


# --- argument checks -------------------------------------------------------------------------

def _check_pattern(pattern: object, where: str) -> Shape:
    if not isinstance(pattern, str) or not pattern or pattern == "_":
        raise InvalidArgument(f"{where}: pattern must be an extension name such as '_0X.' or "
                              f"'110', got {pattern!r}")
    return pattern_shape(pattern)


def _check_length(max_length: object, shape: Shape, where: str) -> int:
    if isinstance(max_length, bool) or not isinstance(max_length, int) \
            or not 1 <= max_length <= MAX_DIAL:
        raise InvalidArgument(f"{where}: max_length must be an int in 1..{MAX_DIAL}, "
                              f"got {max_length!r}")
    if shape.min_length > max_length:
        raise InvalidArgument(f"{where}: pattern {shape.name!r} needs at least "
                              f"{shape.min_length} characters, more than max_length "
                              f"{max_length}")
    return max_length


def _check_profile(profile: object, where: str) -> Profile | None:
    if profile is not None and not isinstance(profile, Profile):
        raise InvalidArgument(f"{where}: profile must be a harness.profile.Profile or None, "
                              f"got {profile!r}")
    return profile


# --- the profile's numbers -------------------------------------------------------------------

@dataclass(frozen=True)
class _Stem:
    """How a real number of the profile begins, and how long it is overall."""

    text: str
    lo: int
    hi: int


@dataclass(frozen=True, eq=False)  # one per profile read: compared and hashed by identity
class _Book:
    """The profile's numbers as stems, per form (national, +home, international via the
    prefix, +CC, emergency), and the lengths of whole numbers."""

    forms: tuple[tuple[_Stem, ...], ...]
    lengths: tuple[int, ...]


def _cover(prefix: str, exclude: tuple[str, ...], length: int) -> list[str]:
    """Prefixes that together start exactly the numbers of ``prefix`` not excluded."""
    if prefix.startswith(exclude):
        return []
    if len(prefix) >= length or not any(e.startswith(prefix) for e in exclude):
        return [prefix]
    return [q for d in _DIGITS for q in _cover(prefix + d, exclude, length)]


def _nsn_stems(ranges: Sequence[NsnRange], before: str) -> tuple[_Stem, ...]:
    out: dict[_Stem, None] = {}
    for r in ranges:
        for p in r.prefixes:
            for q in _cover(p, r.exclude, r.length):
                n = len(before) + r.length
                out[_Stem(before + q, n, n)] = None
    return tuple(out)


def _book(profile: Profile | None) -> _Book:
    if profile is None:
        return _Book((), ())
    ccs = sorted(profile.intl_country_codes, key=lambda c: (len(c), c))
    lo, hi = profile.intl_min_length, profile.intl_max_length
    intl = profile.international_prefix
    forms = [
        _nsn_stems(profile.nsn_ranges, profile.trunk_prefix),
        _nsn_stems(profile.nsn_ranges, PLUS + profile.home_country_code),
        tuple(_Stem(intl + cc, len(intl) + lo, len(intl) + hi) for cc in ccs),
        tuple(_Stem(PLUS + cc, 1 + lo, 1 + hi) for cc in ccs),
        tuple(_Stem(e, len(e), len(e)) for e in profile.emergency_numbers),
    ]
    nsn = {r.length for r in profile.nsn_ranges}
    lengths = nsn | {len(profile.trunk_prefix) + n for n in nsn} | {lo, hi}
    return _Book(tuple(f for f in forms if f), tuple(sorted(lengths)))


def _fits(stem: _Stem, shape: Shape, room: int) -> bool:
    """Whether some number of ``stem`` is matched by ``shape`` (wildcards only last)."""
    fixed = shape.fixed
    for i, c in enumerate(stem.text):
        if i < len(fixed):
            if c not in (fixed[i] or ""):
                return False
        elif shape.max_length is not None:
            return False
    if any(not set(chars or "") & set(_DIGITS) for chars in fixed[len(stem.text):]):
        return False
    if shape.max_length is not None:
        return stem.lo <= shape.max_length <= stem.hi
    return stem.hi >= shape.min_length and stem.lo <= room


def _wild_last(shape: Shape) -> bool:
    wild = [i for i, p in enumerate(shape.positions) if p.repeat]
    return not wild or wild == [len(shape.positions) - 1]


def _starts_like(stem: _Stem, shape: Shape) -> bool:
    """Whether numbers of ``stem`` begin like ``shape`` (and, for a fixed-length pattern,
    can have its length)."""
    fixed = shape.fixed
    if shape.max_length is not None and not stem.lo <= shape.max_length <= stem.hi:
        return False
    return bool(fixed) and stem.text[:1] in (fixed[0] or "")


# Per pattern and profile, which of its numbers fit: the same few dozen patterns are asked
# about once per chain that reaches them.
@functools.lru_cache(maxsize=1024)
def _real_forms(name: str, book: _Book) -> tuple[tuple[_Stem, ...], ...]:
    """The profile's numbers the pattern matches, per form."""
    shape = pattern_shape(name)
    return tuple(f for f in (tuple(s for s in form if _fits(s, shape, MAX_DIAL))
                             for form in book.forms) if f)


@functools.lru_cache(maxsize=1024)
def _near_forms(name: str, book: _Book) -> tuple[tuple[_Stem, ...], ...]:
    """The profile's numbers that start like the pattern but that it does not match."""
    shape = pattern_shape(name)
    return tuple(f for f in (tuple(s for s in form if _starts_like(s, shape)
                                   and not _fits(s, shape, MAX_DIAL))
                             for form in book.forms) if f)


@st.composite
def _numbers(draw: st.DrawFn, forms: tuple[tuple[_Stem, ...], ...], shape: Shape | None,
             max_length: int) -> str:
    """A real number from one of ``forms`` (a form first, then a stem: a form with 240
    country codes gets no more turns than the three emergency codes). Its characters
    after the stem fit ``shape``'s positions where they can; lengths favour the stem's
    limits and one past them."""
    stems = forms[_index(draw, forms)]
    stem = stems[_index(draw, stems)]
    lo, hi = stem.lo, stem.hi
    if shape is not None and shape.max_length is not None:
        length = shape.max_length
    elif lo == hi:
        length = lo
    else:
        # the limits, one past each, or anything between
        pick = draw(_between(0, 5))
        length = (lo, hi, lo - 1, hi + 1)[pick] if pick < 4 else draw(_between(lo, hi))
        if shape is not None:
            length = max(length, shape.min_length)
    length = max(len(stem.text), min(length, max_length))
    fixed = shape.fixed if shape is not None else ()
    # A digit drawn for every position, the stem's too: Hypothesis orders examples by
    # how many choices they took, and a real number must not look simpler than the
    # pattern's own plain string, or failures would shrink to a real number of 12 digits.
    digits = draw(_digit_run(length))
    out = [stem.text]
    for i in range(len(stem.text), length):
        allowed = "".join(c for c in _DIGITS if i >= len(fixed) or c in (fixed[i] or ""))
        allowed = allowed or _DIGITS
        out.append(allowed[_DIGITS.index(digits[i]) % len(allowed)])
    return "".join(out)[:max_length]


# --- one pattern -------------------------------------------------------------------------------

def _favoured_tails(shape: Shape, numbers: Sequence[int], lo: int, hi: int) -> tuple[int, ...]:
    # The tail of "_0033." is a national number; the tail of "_0X." completes one. Both
    # readings, and one either side, since off-by-one lengths are the classic bug.
    fixed = sum(1 for p in shape.positions if not p.repeat)
    out = {m + d for m in numbers for d in (-1, 0, 1)} \
        | {m - fixed + d for m in numbers for d in (-1, 0, 1)}
    return tuple(sorted(t for t in out if lo <= t <= hi))


#: Tail characters are drawn from 240 symbols, 237 read as digits and 3 as the signs:
#: one choice for the whole tail (see _fill), a sign in about one tail of eight.
_TAIL_SYMBOLS = "".join(chr(0x100 + i) for i in range(240))
_TAIL_DIGITS = 237


def _draw_tail(draw: st.DrawFn, length: int) -> str:
    """``length`` characters for a ``.``/``!``: digits, now and then a sign (``.`` matches
    any character, and dialplans that forget it let ``#`` through)."""
    symbols = draw(_run(_TAIL_SYMBOLS, length))
    out = []
    for c in symbols:
        i = ord(c) - 0x100
        out.append(_DIGITS[i % 10] if i < _TAIL_DIGITS else _SIGNS[i - _TAIL_DIGITS])
    return "".join(out)


@st.composite
def _tail_length(draw: st.DrawFn, lo: int, hi: int, favoured: tuple[int, ...]) -> int:
    """Half uniform in lo..hi, half one of ``favoured``, in one choice that shrinks to
    ``lo``."""
    if not favoured:
        return draw(_between(lo, hi))
    k = draw(_between(0, 2 * (hi - lo) + 1))
    return lo + k // 2 if k % 2 == 0 else favoured[(k // 2) % len(favoured)]


@functools.lru_cache(maxsize=None)
def _run(alphabet: str, length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=length, max_size=length)


def _fill(draw: st.DrawFn, sets: Sequence[str]) -> str:
    """One character of each of ``sets``, drawn as one run of text: Hypothesis counts a
    run as one choice, so the pattern's own strings stay the simplest examples (it orders
    examples by how many choices they took) and shrink to the first character of each."""
    if not sets:
        return ""
    alphabet = _DIGITS if all(set(c) <= set(_DIGITS) for c in sets) else DIAL_ALPHABET
    text = draw(_run(alphabet, len(sets)))
    return "".join(chars[alphabet.index(c) % len(chars)] for c, chars in zip(text, sets))


@st.composite
def _shaped(draw: st.DrawFn, shape: Shape, tail_length: st.SearchStrategy[int]) -> str:
    """Strings ``shape`` matches; the first wildcard's length comes from ``tail_length``,
    any later one takes its minimum."""
    fixed = [p.chars or _DIGITS for p in shape.positions if not p.repeat]
    chars = iter(_fill(draw, fixed))
    out: list[str] = []
    first = True
    for pos in shape.positions:
        if not pos.repeat:
            out.append(next(chars))
            continue
        n = draw(tail_length) if first else (1 if pos.repeat == "+" else 0)
        first = False
        out.append(_draw_tail(draw, n))
    return "".join(out)


@st.composite
def _carried(draw: st.DrawFn, shape: Shape, numbers: st.SearchStrategy[str],
             max_length: int) -> str:
    """The fixed part of ``shape`` followed by a real number (``_0033.`` + 0312345678)."""
    head = _fill(draw, [chars or _DIGITS for chars in shape.fixed])
    tail = draw(numbers)[:max_length - len(head)]
    return head + (tail or "0")


def _tail_bounds(shape: Shape, max_length: int) -> tuple[int, int]:
    wild = [p for p in shape.positions if p.repeat]
    lo = 1 if wild and wild[0].repeat == "+" else 0
    return lo, lo + max(0, max_length - shape.min_length)


def _matching(shape: Shape, book: _Book, max_length: int) -> st.SearchStrategy[str]:
    if shape.literal:
        return st.just("".join(p.chars or "" for p in shape.positions))
    if shape.max_length is not None:
        plain = _shaped(shape, st.just(0))
    else:
        lo, hi = _tail_bounds(shape, max_length)
        favoured = _favoured_tails(shape, book.lengths, lo, hi)
        # shrinks to the shortest tail; the profile's lengths half the time
        plain = _shaped(shape, _tail_length(lo, hi, favoured))
    if not book.forms or not _wild_last(shape):
        return plain
    pieces = [plain]
    real = _real_forms(shape.name, book)
    if real:
        pieces.append(_numbers(real, shape, max_length))
    if shape.max_length is None and shape.fixed:
        room = max_length - len(shape.fixed)
        if room >= 1:
            pieces.append(_carried(shape, _numbers(book.forms, None, room), max_length))
    return _or_else(pieces[0], tuple(pieces[1:]))


@st.composite
def _or_else(draw: st.DrawFn, first: st.SearchStrategy[str],
             others: tuple[st.SearchStrategy[str], ...]) -> str:
    """``first``'s string, or (as likely each) one of ``others``'. ``first`` is always
    drawn, so any other string took more choices and failures shrink back to ``first``'s
    (a plain match is simpler than a real number of twelve digits)."""
    text = draw(first)
    k = draw(_between(0, len(others))) if others else 0
    return text if k == 0 else draw(others[k - 1])


def pattern_strings(pattern: str, *, profile: Profile | None = None,
                    max_length: int = MAX_DIAL) -> st.SearchStrategy[str]:
    """Strings the extension pattern ``pattern`` matches (``pattern_matches`` agrees).

    ``_0[1-9]XXXXXXXX``, ``_00[2-9]X.``, ``_+X.``, ``_[+]81X.``, ``!``, literal names such
    as ``110``. A ``.``/``!`` tail spans 0/1 to ``max_length`` characters overall, mostly
    digits. With a ``profile``, tail lengths around its national and international number
    lengths (``nsn_ranges``, with and without the pattern's fixed part) are favoured, and
    two more kinds are mixed in: real numbers of the profile the pattern matches, and for
    ``.``/``!`` patterns the fixed part followed by a real number.
    Example: ``pattern_strings("_0X.", profile=jp)`` -> ``'0312345678'``. Shrinks towards
    the shortest match with the first character of each position (``'00'``).
    """
    shape = _check_pattern(pattern, "pattern_strings")
    book = _book(_check_profile(profile, "pattern_strings"))
    max_length = _check_length(max_length, shape, "pattern_strings")
    return _matching(shape, book, max_length)


def _outside(chars: str | None) -> str:
    """Dial characters a position does not accept, nearest first: for ``[1-5]`` the
    digits 0 and 6-9 before the signs."""
    if chars is None:
        return ""
    return "".join(c for c in _DIGITS + _SIGNS if c not in chars)


@st.composite
def _outside_at(draw: st.DrawFn, shortest: st.SearchStrategy[str],
                positions: tuple[tuple[int, str], ...]) -> str:
    i, chars = positions[_index(draw, positions)]
    text = draw(shortest)
    return text[:i] + draw(_char(chars)) + text[i + 1:]


def _boundaries(shape: Shape, book: _Book, max_length: int) -> st.SearchStrategy[str]:
    lo, hi = _tail_bounds(shape, max_length)
    shortest = _shaped(shape, st.just(lo))
    pieces: list[st.SearchStrategy[str]] = []
    if shape.min_length > 1:
        pieces.append(shortest.map(lambda s: s[:-1]))
    pieces.append(shortest)
    if shape.max_length is None:
        pieces.append(_shaped(shape, st.just(hi)))
    elif shape.max_length < max_length:
        pieces.append(st.tuples(shortest, _char(_DIGITS)).map("".join))
    # only positions before any wildcard sit at a known index of the string
    positions = [(i, _outside(chars)) for i, chars in enumerate(shape.fixed)]
    positions = [(i, out) for i, out in positions if out]
    if positions:
        pieces.append(_outside_at(shortest, tuple(positions)))
    if book.forms:
        # real numbers that start like the pattern but that it does not match
        near = _near_forms(shape.name, book)
        if near:
            numbers = _numbers(near, shape if shape.max_length is not None else None,
                               max_length)
            # as likely as all the others together: a real number no rule covers is the
            # near miss that a missing rule lets through (or drops)
            return _or_else(st.one_of(pieces), (numbers,)).filter(bool)
    return st.one_of(pieces).filter(bool)


def boundary_strings(pattern: str, *, profile: Profile | None = None,
                     max_length: int = MAX_DIAL) -> st.SearchStrategy[str]:
    """Strings at the edges of ``pattern``, most of which it does not match.

    One character shorter than the shortest match, the shortest match, the longest
    (its fixed length, or ``max_length`` for ``.``/``!``), one longer than a fixed-length
    pattern, and a match with one position changed to a character just outside it (for
    ``[1-5]`` 0 or 6-9, for ``N`` 0 or 1, for a literal digit another digit). With a
    ``profile``, also real numbers of the profile that start like the pattern but that it
    does not match (of its length, for a fixed-length pattern): ``07012345678`` next to
    ``_0[89]0XXXXXXXX``. Empty strings are left out.
    Example: ``boundary_strings("_0[34]0XXXXXXX")`` -> ``'0500000000'``. Shrinks towards
    the shortest match cut by one character.
    """
    shape = _check_pattern(pattern, "boundary_strings")
    book = _book(_check_profile(profile, "boundary_strings"))
    max_length = _check_length(max_length, shape, "boundary_strings")
    return _boundaries(shape, book, max_length)


# --- regexes -----------------------------------------------------------------------------------

def _regex_width(rx: str) -> tuple[int, int | None] | None:
    """(shortest, longest) text ``rx`` fully matches (None: unbounded); None when the
    regex uses something this small reader does not know."""
    pos = 0
    n = len(rx)

    def alternation() -> tuple[int, int | None]:
        nonlocal pos
        lo, hi = sequence()
        while pos < n and rx[pos] == "|":
            pos += 1
            lo2, hi2 = sequence()
            lo = min(lo, lo2)
            hi = None if hi is None or hi2 is None else max(hi, hi2)
        return lo, hi

    def sequence() -> tuple[int, int | None]:
        nonlocal pos
        lo, hi = 0, 0
        while pos < n and rx[pos] not in "|)":
            a_lo, a_hi = atom()
            q_lo, q_hi = quantifier()
            lo += a_lo * q_lo
            hi = None if hi is None or a_hi is None or q_hi is None else hi + a_hi * q_hi
        return lo, hi

    def atom() -> tuple[int, int | None]:
        nonlocal pos
        c = rx[pos]
        if c in "^$":
            pos += 1
            return 0, 0
        if c == "(":
            pos += 1
            if rx.startswith("?:", pos):
                pos += 2
            elif rx.startswith("?", pos):
                raise ValueError("group extension")
            width = alternation()
            if pos >= n or rx[pos] != ")":
                raise ValueError("unclosed group")
            pos += 1
            return width
        if c == "[":
            j = pos + 1
            if j < n and rx[j] == "^":
                j += 1
            if j < n and rx[j] == "]":
                j += 1
            while j < n and rx[j] != "]":
                j += 2 if rx[j] == "\\" else 1
            pos = j + 1
            return 1, 1
        if c == "\\":
            pos += 2
            return 1, 1
        if c in "*+?{":
            raise ValueError("quantifier without atom")
        pos += 1
        return 1, 1

    def quantifier() -> tuple[int, int | None]:
        nonlocal pos
        if pos >= n:
            return 1, 1
        c = rx[pos]
        out: tuple[int, int | None]
        if c == "?":
            out = (0, 1)
        elif c == "*":
            out = (0, None)
        elif c == "+":
            out = (1, None)
        elif c == "{":
            end = rx.find("}", pos)
            lo_s, _, hi_s = rx[pos + 1:end].partition(",")
            if end < 0 or not lo_s.isdigit() or (hi_s and not hi_s.isdigit()):
                raise ValueError("bad repeat")
            lo = int(lo_s)
            hi = lo if "," not in rx[pos + 1:end] else (int(hi_s) if hi_s else None)
            pos = end + 1
            if pos < n and rx[pos] == "?":
                pos += 1
            return lo, hi
        else:
            return 1, 1
        pos += 1
        if pos < n and rx[pos] == "?":
            pos += 1
        return out

    try:
        width = alternation()
    except (ValueError, IndexError):
        return None
    return width if pos == n else None


def _ends_anchored(rx: str) -> bool:
    return rx.endswith("$") and not rx.endswith("\\$")


# --- the dialplan ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Condition:
    """One comparison, ready to splice: what makes it true, how wide that is."""

    comparison: Comparison
    value: st.SearchStrategy[str]
    #: the comparison's text runs to the end of the dialed string (``$``, ``=`` on all of it)
    to_end: bool
    #: (shortest, longest) of a true value; None: not known
    width: tuple[int, int | None] | None

    @property
    def at(self) -> Slice:
        return self.comparison.at


@dataclass(frozen=True)
class _Cut:
    """Characters ``start:end`` of the dialed string that a calling pattern strips, and
    the profile's codes that pattern accepts there (whatever their length)."""

    start: int
    end: int
    codes: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    """One chain to one pattern, compiled."""

    landing: Landing
    #: the slice of the dialed string the deepest hop still seeing dialed characters sees
    seen: Slice
    core: st.SearchStrategy[str]
    near: st.SearchStrategy[str]
    #: characters each position of the dialed string may take for the calling patterns
    chars: tuple[str, ...]
    #: the shortest dial string every calling pattern can match
    need: int
    #: the stripped spans along the chain, the last first
    cuts: tuple[_Cut, ...]
    #: the conditions along the chain, one tuple per test (a line's literal, regex or
    #: bound), each entry one slice of the dialed string it may apply to
    conditions: tuple[tuple[_Condition, ...], ...]
    #: end position -> conditions whose true value can fill the text just before it
    heads: Mapping[int, tuple[_Condition, ...]]
    #: compared text -> the length tests on it
    lengths: Mapping[Slice, tuple[_Condition, ...]]


@dataclass(frozen=True)
class DialplanStrings:
    """What :func:`dialplan_dial_strings` draws from, for a look inside (tests, reports)."""

    reach: Reach
    #: (context, pattern) -> its compiled chains, shortest strings first
    groups: tuple[tuple[tuple[str, str], tuple[_Plan, ...]], ...]
    #: access codes, caller-ID prefixes, carrier codes a string may go behind
    prefixes: tuple[tuple[str, ...], ...]
    strategy: st.SearchStrategy[str]


def _falsify(draw: st.DrawFn, text: str) -> str:
    """``text`` with one character changed, or cut by one: the other side of a test."""
    if not text:
        return draw(_char(_DIGITS))
    if len(text) > 1 and draw(_between(0, 3)) == 3:
        return text[:-1]
    at = draw(_between(0, len(text) - 1))
    others = "".join(c for c in _DIGITS + _SIGNS if c != text[at])
    return text[:at] + draw(_char(others)) + text[at + 1:]


def _search_names(reach: Reach, entry: str) -> list[str]:
    """Extension names of ``entry``'s search, own extensions then includes."""
    dp = reach.dialplan
    out: list[str] = []
    seen: set[str] = set()

    def walk(name: str) -> None:
        if name in seen or name not in dp.contexts:
            return
        seen.add(name)
        ctx = dp.contexts[name]
        out.extend(ctx.search_order)
        for inc in ctx.includes:
            walk(inc)
    walk(entry)
    return out


def _dialable_shape(shape: Shape, seen: Slice) -> bool:
    """Whether the dialed part of a string ``shape`` matches can be typed on a phone."""
    return all(chars is None or any(c in DIAL_ALPHABET for c in chars)
               for chars in shape.fixed[len(seen.prefix):])


def _accepts(shape: Shape, index: int, code: str) -> bool:
    """Whether ``shape`` accepts ``code`` from its position ``index`` on."""
    fixed = shape.fixed
    for i, c in enumerate(code, index):
        if i >= len(fixed):
            return shape.max_length is None
        if c not in (fixed[i] or ""):
            return False
    return True


def _by_test(conditions: Sequence[_Condition]) -> tuple[tuple[_Condition, ...], ...]:
    tests: dict[tuple[object, ...], dict[_Condition, None]] = {}
    for cond in conditions:
        c = cond.comparison
        tests.setdefault((c.priority, c.kind, c.op, c.value), {})[cond] = None
    return tuple(tuple(v) for v in tests.values())


class _Builder:
    """Compiles a Reach into plans once; the strategy then only draws."""

    def __init__(self, reach: Reach, profile: Profile, codes: Sequence[str]) -> None:
        self.reach = reach
        self.book = _book(profile)
        self.codes = tuple(sorted(set(codes), key=lambda c: (len(c), c)))
        self._core: dict[tuple[str, int], st.SearchStrategy[str]] = {}
        self._near: dict[tuple[str, int], st.SearchStrategy[str]] = {}
        self._regex: dict[str, st.SearchStrategy[str] | None] = {}
        self._conditions: dict[Comparison, _Condition | None] = {}
        self._chars: dict[tuple[tuple[str, Slice], ...], tuple[str, ...]] = {}
        # A comparison belongs to the chain of the extension that makes it; a routine
        # called at "s" (Gosub(cid,s,1(${EXTEN}))) tests the caller's string, so its
        # comparisons also belong to whatever the caller goes on to.
        self._by_chain: dict[tuple[object, ...], list[Comparison]] = {}
        for c in reach.comparisons:
            self._by_chain.setdefault(c.hops, []).append(c)
            if len(c.hops) > 1 and c.hops[-1].seen.literal:
                self._by_chain.setdefault(c.hops[:-1], []).append(c)

    # -- strategies per pattern, shared between chains
    def core(self, name: str, room: int) -> st.SearchStrategy[str]:
        key = (name, room)
        if key not in self._core:
            shape = pattern_shape(name)
            self._core[key] = _matching(shape, self.book, max(room, shape.min_length))
        return self._core[key]

    def near(self, name: str, room: int) -> st.SearchStrategy[str]:
        key = (name, room)
        if key not in self._near:
            shape = pattern_shape(name)
            self._near[key] = _boundaries(shape, self.book, max(room, shape.min_length, 1))
        return self._near[key]

    def unmatched(self, entry: str, room: int) -> st.SearchStrategy[str]:
        """For an ``i`` extension: the edges of the entry context's patterns, where a
        string stops matching any of them."""
        key = ("i:" + entry, room)
        if key not in self._near:
            names = [e for e in _search_names(self.reach, entry)
                     if (e.startswith("_") or e.isdigit())
                     and pattern_shape(e).min_length <= room] or ["_X"]
            self._near[key] = st.one_of([self.near(e, room) for e in names[:40]])
        return self._near[key]

    def regex(self, rx: str) -> st.SearchStrategy[str] | None:
        if rx not in self._regex:
            strategy: st.SearchStrategy[str] | None = st.from_regex(
                rx, fullmatch=True, alphabet=DIAL_ALPHABET)
            # A regex that names a letter may need characters no phone sends; building
            # one to find out is slow, so only those are tried now.
            if re.search(r"[A-Za-z]", re.sub(r"\\.", "", rx)):
                try:
                    assert strategy is not None
                    strategy.validate()
                except InvalidArgument:
                    strategy = None
            self._regex[rx] = strategy
        return self._regex[rx]

    def condition(self, c: Comparison) -> _Condition | None:
        if c not in self._conditions:
            out: _Condition | None = None
            if c.kind == "literal":
                out = _Condition(c, st.just(c.value), c.at.length is None,
                                 (len(c.value), len(c.value)))
            elif c.kind == "regex":
                strategy = self.regex(c.value)
                if strategy is not None:
                    out = _Condition(c, strategy, _ends_anchored(c.value),
                                     _regex_width(c.value))
            elif c.kind == "length":
                out = _Condition(c, st.just(c.value), True, None)
            self._conditions[c] = out
        return self._conditions[c]

    def chars(self, outer: tuple[tuple[str, Slice], ...]) -> tuple[str, ...]:
        """What each position of the dialed string may be for the calling patterns (by
        name), each seeing its slice; digits where none says (a phone dials digits)."""
        if outer not in self._chars:
            out: list[str] = []
            shapes = [(pattern_shape(name), s) for name, s in outer]
            for pos in range(MAX_DIAL):
                allowed = set(DIAL_ALPHABET)
                for shape, s in shapes:
                    if pos < s.start:
                        continue
                    here = shape.chars_at(pos - s.start + len(s.prefix))
                    if here is not None and allowed & set(here):
                        allowed &= set(here)
                out.append("".join(c for c in DIAL_ALPHABET if c in allowed)
                           if allowed != set(DIAL_ALPHABET) else _DIGITS)
            self._chars[outer] = tuple(out)
        return self._chars[outer]

    def cuts(self, landing: Landing, anchor: int) -> tuple[_Cut, ...]:
        out: list[_Cut] = []
        hops = [h for h in landing.hops[:anchor + 1] if not h.seen.literal]
        for here, there in zip(hops, hops[1:]):
            a, b = here.seen.start, there.seen.start
            if b <= a or here.seen.prefix or there.seen.prefix:
                continue
            shape = pattern_shape(here.pattern)
            codes = tuple(c for c in self.codes if _accepts(shape, a - here.seen.start, c))
            out.append(_Cut(a, b, codes))
        return tuple(reversed(out))

    def plan(self, landing: Landing) -> _Plan | None:
        hops = landing.hops
        anchor = max(i for i, h in enumerate(hops) if not h.seen.literal)
        seen = hops[anchor].seen
        room = MAX_DIAL - seen.start + len(seen.prefix)
        if room <= len(seen.prefix):
            return None
        outer = tuple((h.pattern, h.seen) for h in hops[:anchor] if not h.seen.literal)
        need = max([s.start - len(s.prefix) + pattern_shape(name).min_length
                    for name, s in outer] + [0])
        last = hops[anchor]
        if last.pattern == "i":
            core = near = self.unmatched(last.entry, room)
        else:
            shape = pattern_shape(last.pattern)
            if shape.min_length > room or not _dialable_shape(shape, seen):
                return None
            core, near = self.core(last.pattern, room), self.near(last.pattern, room)
        conditions: list[_Condition] = []
        for i in range(1, len(hops) + 1):
            for c in self._by_chain.get(hops[:i], ()):
                cond = self.condition(c)
                if cond is not None:
                    conditions.append(cond)
        heads: dict[int, dict[_Condition, None]] = {}
        lengths: dict[Slice, dict[_Condition, None]] = {}
        for cond in conditions:
            c = cond.comparison
            if c.kind == "length":
                lengths.setdefault(cond.at, {})[cond] = None
                continue
            if cond.to_end or cond.width is None or cond.at.prefix or c.op == "!=":
                continue
            lo, hi = cond.width
            top = cond.at.start + (MAX_DIAL if hi is None else hi)
            for end in range(cond.at.start + max(lo, 1), min(top, MAX_DIAL) + 1):
                if cond.at.length is None or end - cond.at.start <= cond.at.length:
                    heads.setdefault(end, {})[cond] = None
        return _Plan(landing=landing, seen=seen, core=core, near=near,
                     chars=self.chars(outer), need=need, cuts=self.cuts(landing, anchor),
                     conditions=_by_test(conditions),
                     heads={k: tuple(v) for k, v in heads.items()},
                     lengths={k: tuple(v) for k, v in lengths.items()})


def _pad(draw: st.DrawFn, text: str, length: int, chars: tuple[str, ...]) -> str:
    while len(text) < length:
        text += draw(_char(chars[len(text)] if len(text) < len(chars) else _DIGITS))
    return text


def _place(draw: st.DrawFn, plan: _Plan, core: str) -> str:
    """The dialed string that makes the anchor pattern see ``core``."""
    seen = plan.seen
    prefix = seen.prefix
    if prefix and not core.startswith(prefix):
        core = prefix + core[len(prefix):]
    part = core[len(prefix):]
    if seen.length is not None:
        part = part[:seen.length]
    head = _pad(draw, "", seen.start, plan.chars)
    return _pad(draw, head + part, plan.need, plan.chars)


def _fronts(draw: st.DrawFn, plan: _Plan, dial: str) -> str:
    """At each strip of the chain, the last first (so the earlier spans stay where they
    are): leave what the calling patterns gave, or put there the true value of a test
    that guards what follows, or a code of the profile the calling pattern accepts."""
    for cut in plan.cuts:
        how = draw(_between(0, 2))
        if how == 1:
            dial = _heads(draw, plan, dial, cut.end, always=True)
        elif how == 2 and cut.codes:
            code = cut.codes[_index(draw, cut.codes)]
            dial = dial[:cut.start] + code + dial[cut.end:]
    return dial


def _splice(draw: st.DrawFn, dial: str, cond: _Condition, truth: bool,
            chars: tuple[str, ...]) -> str:
    c = cond.comparison
    at = c.at
    if c.kind == "length":
        # the compared text one short, exactly, or one long of the bound
        length = int(c.value) + (0, -1, 1)[draw(_between(0, 2))]
        cut = at.start + max(0, length - len(at.prefix))
        return _pad(draw, dial, cut, chars)[:cut] if at.length is None else dial
    value = draw(cond.value)
    if not truth:
        value = _falsify(draw, value)
    if at.prefix:
        if not value.startswith(at.prefix):
            return dial
        value = value[len(at.prefix):]
    if at.length is not None:
        value = value[:at.length]
    dial = _pad(draw, dial, at.start, chars)
    if cond.to_end:
        return dial[:at.start] + value
    width = len(value) if at.length is None else at.length
    return dial[:at.start] + value + dial[at.start + width:]


def _heads(draw: st.DrawFn, plan: _Plan, dial: str, end: int, depth: int = 0, *,
           always: bool = False) -> str:
    """Maybe put, just before ``end``, the true value of a test that guards it, and so
    on before that."""
    options = plan.heads.get(end)
    if not options or depth > 3 or (not always and draw(_between(0, 2)) == 0):
        return dial
    cond = options[_index(draw, options)]
    dial = _splice(draw, dial, cond, True, plan.chars)
    return _heads(draw, plan, dial, cond.at.start, depth + 1)


def _optional(codes: Sequence[str]) -> st.SearchStrategy[str]:
    if not codes:
        return st.just("")
    return st.one_of(st.just(""), st.sampled_from(sorted(set(codes), key=lambda c: (len(c), c))))


def _wrapping(prefixes: Sequence[Sequence[str]]) -> st.SearchStrategy[str]:
    """Access code, caller-ID prefix, carrier code, each maybe, on one string in three:
    a prefix is one variation among many, and the dialplan's own chains already put its
    own prefixes in front of most patterns."""
    some = st.tuples(*(_optional(codes) for codes in prefixes)).map("".join)
    return st.one_of(st.just(""), st.just(""), some)


def _access_codes(target: object | None) -> tuple[str, ...]:
    code = getattr(target, "access_code", None) if target is not None else None
    if code is None:
        return ()
    codes = (code,) if isinstance(code, str) else tuple(code)
    return tuple(c for c in codes if isinstance(c, str) and is_dialable(c))


def _leading(c: Comparison) -> str:
    """The characters any text the comparison holds true for begins with."""
    if c.kind == "literal":
        return c.value
    m = re.match(r"\^((?:[0-9*#]|\[\+\]|\\\+)*)", c.value) if c.kind == "regex" else None
    return m.group(1).replace("[+]", PLUS).replace("\\+", PLUS) if m else ""


def _to_length(draw: st.DrawFn, dial: str, at: Slice, value: str, book: _Book,
               chars: tuple[str, ...]) -> str:
    """``dial`` cut or padded so that the text from ``start`` is as long as a real number
    of the profile that begins with ``value`` (any number length when none does), or one
    off: a test on how a number *begins* (``REGEX("^0990" ${NUM})``) guards a rule that
    then sees a whole number, and the rule after it often checks the length too."""
    spans = sorted({(s.lo, s.hi) for form in book.forms for s in form
                    if s.text.startswith(value) or value.startswith(s.text)})
    if spans:
        lo, hi = spans[_index(draw, spans)]
        length = lo if lo == hi else draw(_between(lo, hi))
    elif book.lengths:
        length = book.lengths[_index(draw, book.lengths)]
    else:
        return dial
    length += (0, 0, -1, 1)[draw(_between(0, 3))]
    end = min(MAX_DIAL, at.start + max(1, length - len(at.prefix)))
    return _pad(draw, dial, end, chars)[:end]


@st.composite
def _drawn(draw: st.DrawFn, groups: tuple[tuple[tuple[str, str], tuple[_Plan, ...]], ...],
           wrap: st.SearchStrategy[str], book: _Book | None = None) -> str:
    plans = groups[_index(draw, groups)][1]
    plan = plans[_index(draw, plans)]
    # Most strings reach the pattern (a splice keeps the pattern's own characters): they
    # exercise it and whatever comes after it. Where conditions decide, half the strings
    # test one of them.
    modes = ("match", "condition", "near", "condition") if plan.conditions \
        else ("match", "near", "match")
    mode = modes[_index(draw, modes)]
    if mode == "condition":
        dial = _place(draw, plan, draw(plan.core))
        # a test first, then where: a test read at many offsets gets no more turns
        tests = plan.conditions
        conds = tests[_index(draw, tests)]
        cond = conds[_index(draw, conds)]
        truth = draw(_BOOLEANS)
        dial = _splice(draw, dial, cond, truth, plan.chars)
        if (truth and book is not None and not cond.to_end and cond.at.length is None
                and cond.comparison.kind != "length" and draw(_between(0, 3))):
            dial = _to_length(draw, dial, cond.at, _leading(cond.comparison), book, plan.chars)
        dial = _heads(draw, plan, dial, cond.at.start)
        # REGEX() and LEN() of one variable, as in "a country code, then 7-15 digits"
        lengths = plan.lengths.get(cond.at, ()) if cond.comparison.kind != "length" else ()
        if lengths and draw(_BOOLEANS):
            dial = _splice(draw, dial, lengths[_index(draw, lengths)], True, plan.chars)
    else:
        dial = _place(draw, plan, draw(plan.core if mode == "match" else plan.near))
        dial = _fronts(draw, plan, dial)
    front = draw(wrap)
    if len(front) + len(dial) <= MAX_DIAL:
        dial = front + dial
    return dial[:MAX_DIAL]


def dialplan_strings_for(dialplan: Dialplan, context: str, profile: Profile,
                         target: object | None = None) -> DialplanStrings:
    """:func:`dialplan_dial_strings` with what it was built from (for tests and reports)."""
    if not isinstance(dialplan, Dialplan):
        raise InvalidArgument(f"dialplan_dial_strings: dialplan must be a parsed Dialplan "
                              f"(harness.dialplan.parse_dialplan), got {dialplan!r}")
    if not isinstance(profile, Profile):
        raise InvalidArgument(f"dialplan_dial_strings: profile must be a Profile, "
                              f"got {profile!r}")
    if not isinstance(context, str) or context not in dialplan.contexts:
        raise InvalidArgument(f"dialplan_dial_strings: dialplan {dialplan.name} has no "
                              f"context {context!r}; it has {', '.join(dialplan.contexts)}")
    reach = reachable(dialplan, context)
    prefixes = (_access_codes(target), tuple(profile.cid_codes), tuple(profile.cic_codes))
    builder = _Builder(reach, profile, [c for codes in prefixes for c in codes])
    groups: list[tuple[tuple[str, str], tuple[_Plan, ...]]] = []
    for key, landings in reach.patterns.items():
        plans = tuple(p for p in (builder.plan(landing) for landing in landings) if p)
        if plans:
            groups.append((key, plans))
    if not groups:
        raise InvalidArgument(f"dialplan_dial_strings: no extension of context {context!r} "
                              f"can be reached by dialing")

    def shortest(group: tuple[tuple[str, str], tuple[_Plan, ...]]) -> int:
        plan = group[1][0]
        return plan.seen.start + max(0, pattern_shape(group[0][1]).min_length
                                     - len(plan.seen.prefix))
    # shortest first: shrinking moves towards the first group
    groups.sort(key=shortest)
    strategy = _drawn(tuple(groups), _wrapping(prefixes),
                      builder.book).filter(is_dialable)
    return DialplanStrings(reach=reach, groups=tuple(groups), prefixes=prefixes,
                           strategy=strategy)


def dialplan_dial_strings(dialplan: Dialplan, context: str, profile: Profile,
                          target: object | None = None) -> st.SearchStrategy[str]:
    """Dial strings aimed at every rule a subscriber of ``context`` can reach.

    Picks a reachable pattern uniformly (:func:`harness.dialplan.reachable`), one of the
    chains of jumps to it, then a string it matches, a string at its edges, or one that
    makes a condition along the chain true or false, built back to the dialed string
    through the chain; maybe behind a caller-ID prefix and a carrier code of ``profile``
    and the ``access_code`` of ``target`` (any object with that attribute). 1-32
    characters of ``[0-9+*#]``. See the module docstring for why.
    Example (jp-office, from-internal): ``'1840033312345678'``. Shrinks towards the
    shortest string of the simplest pattern.
    """
    return dialplan_strings_for(dialplan, context, profile, target).strategy
