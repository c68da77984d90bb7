"""Where a subscriber's dial string can go, read from the dialplan alone (no PBX).

:func:`reachable` walks the dialplan the way Asterisk would route a call that enters a
subscriber's context, without knowing the dialed string: every extension the string could
match there (own extensions first, then ``include =>`` contexts depth first, in file
order), and from each of those every jump whose target can be read statically
(``Goto``/``GotoIf``/``Gosub``/``GosubIf``, the applications inside ``ExecIf``). It
answers three questions a generator of dial strings needs answered:

- *Which patterns can a call land on, and through which hops?* A :class:`Landing` is one
  chain of :class:`Hop` from the subscriber's context to one extension. Each hop says
  which part of the dialed string its pattern sees, as a :class:`Slice` of the string the
  phone sent: ``Goto(open-dial,${EXTEN:3},1)`` makes the next pattern see ``dial[3:]``,
  ``Goto(domestic-only,0${EXTEN:3},1)`` makes it see ``"0" + dial[3:]`` (the hop before
  it saw ``dial[0:]``). A generator builds the whole dial string from that: characters for
  the calling patterns' positions, then a string the landing pattern matches.
- *What do conditions compare the string with?* Every ``$[...]`` comparison, ``REGEX()``
  call and ``LEN()`` test whose operand is (a slice of) the dialed string, through
  ``${EXTEN:n:m}``, ``Set()`` variables, ``Gosub`` arguments and ``Return`` values,
  becomes a :class:`Comparison`: the literal, regex (``[globals]`` expanded) or length, and
  the :class:`Slice` of the dialed string it is compared with, per reachable extension and
  chain. Splicing the literal in at that slice makes the condition true; changing it makes
  it false.
- *What could not be read?* Jumps to targets built from other variables are listed in
  :attr:`Reach.unresolved` with file and line; nothing is guessed.

How values are followed: within one extension, a small data-flow pass over its priorities
(``n``, labels, ``Goto(label)``, both sides of every ``GotoIf``) keeps, per variable, the
slices of the dialed string it may hold. Variables outlive a ``Goto`` (they are channel
variables); ``ARGn`` belong to one ``Gosub`` frame, and the caller gets the callee's
``Return()`` values as ``GOSUB_RETVAL``. Conditions are not evaluated: both sides of every
``GotoIf`` are followed, so reach is an over-approximation of what a call can do.

Pure: only the dialplan model and the pattern characters.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..patterns import set_ranges
from .match import pattern_matches
from .model import Dialplan, Priority

__all__ = ["Comparison", "Hop", "Landing", "Position", "Reach", "Shape", "Slice",
           "Unresolved", "pattern_shape", "reachable"]

#: what a phone can send (contract section 3); the dialplan model may not import
#: harness.dialstring, so the alphabet and the length limit are repeated here
DIAL_CHARS = "0123456789+*#"
MAX_DIAL = 32
_DIGITS = "0123456789"

#: Bounds of the walk. A dialplan that jumps in a circle with a growing ${EXTEN:n} would
#: otherwise never end; real ones need a handful of hops.
_MAX_HOPS = 12
_MAX_LANDINGS = 20000
#: slices a variable may hold before it counts as unknown
_MAX_VALUES = 64

_SPECIAL = frozenset({"i", "s", "h", "t", "T", "e", "o", "a"})


# --- slices of the dialed string -------------------------------------------------------------

@dataclass(frozen=True)
class Slice:
    """Text made from the dialed string ``d``: ``prefix + d[start:start + length]``
    (``length`` None: to the end). ``length == 0`` is a literal: the text is ``prefix``
    whatever was dialed (``Goto(world,s,1)`` lands on ``"s"``)."""

    start: int = 0
    length: int | None = None
    prefix: str = ""

    @property
    def literal(self) -> bool:
        return self.length == 0

    def apply(self, dial: str) -> str:
        if self.literal:
            return self.prefix
        end = None if self.length is None else self.start + self.length
        return self.prefix + dial[self.start:end]

    def sub(self, start: int, length: int | None = None) -> Slice | None:
        """``${VAR:start:length}`` of this slice's text, as a slice of the dialed string;
        None when it would start past the longest dial string."""
        p = self.prefix
        if start < len(p):
            head = p[start:] if length is None else p[start:start + length]
            if self.literal or (length is not None and start + length <= len(p)):
                return Slice(0, 0, head)
            rest = None if length is None else length - (len(p) - start)
            return Slice(self.start, _shorter(rest, self.length), head)
        if self.literal:
            return Slice(0, 0, "")
        k = start - len(p)
        if self.start + k > MAX_DIAL:
            return None
        if self.length is None:
            return Slice(self.start + k, length, "")
        remain = max(0, self.length - k)
        kept = remain if length is None else min(length, remain)
        return Slice(self.start + k, kept, "") if kept else Slice(0, 0, "")

    def behind(self, text: str) -> Slice | None:
        """``text`` followed by this slice's text; None when the text that comes before
        the dialed part would be longer than any dial string (a runaway loop)."""
        if self.literal:
            return Slice(0, 0, text + self.prefix)
        if len(text) + len(self.prefix) > MAX_DIAL:
            return None
        return Slice(self.start, self.length, text + self.prefix)

    def __str__(self) -> str:
        if self.literal:
            return repr(self.prefix)
        end = "" if self.length is None else str(self.start + self.length)
        return f"{self.prefix!r}+dial[{self.start}:{end}]" if self.prefix \
            else f"dial[{self.start}:{end}]"


def _shorter(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


WHOLE = Slice()


# --- the shape of an extension pattern ---------------------------------------------------------

@dataclass(frozen=True)
class Position:
    """One position of a pattern: the characters it accepts, simplest first (None: any
    character), and how often: ``""`` once, ``"+"`` one or more (``.``), ``"*"`` zero or
    more (``!``)."""

    chars: str | None
    repeat: str = ""


@dataclass(frozen=True)
class Shape:
    """An extension name read position by position, as :mod:`harness.patterns` reads it."""

    name: str
    positions: tuple[Position, ...]

    @property
    def literal(self) -> bool:
        return not self.name.startswith("_")

    @functools.cached_property
    def min_length(self) -> int:
        return sum(1 for p in self.positions if p.repeat != "*")

    @functools.cached_property
    def max_length(self) -> int | None:
        """None when a ``.`` or ``!`` makes it unbounded."""
        return None if any(p.repeat for p in self.positions) else len(self.positions)

    @functools.cached_property
    def fixed(self) -> tuple[str | None, ...]:
        """The characters of each position before the first ``.``/``!``."""
        out = []
        for p in self.positions:
            if p.repeat:
                break
            out.append(p.chars)
        return tuple(out)

    def chars_at(self, index: int) -> str | None:
        """What position ``index`` of a matching string may be; None: anything (a
        wildcard came before it, or it is past a fixed-length pattern)."""
        fixed = self.fixed
        return fixed[index] if 0 <= index < len(fixed) else None


def _simplest_first(chars: str) -> str:
    def key(c: str) -> tuple[int, int]:
        return (DIAL_CHARS.index(c), 0) if c in DIAL_CHARS else (len(DIAL_CHARS), ord(c))
    return "".join(sorted(set(chars), key=key))


@functools.lru_cache(maxsize=4096)
def pattern_shape(name: str) -> Shape:
    """The shape of extension name ``name`` (``_0[1-9]X.``, ``110``): the same reading as
    :func:`harness.patterns.body_regex` (``X`` ``Z`` ``N`` sets ranges ``.`` ``!``, ``-``
    skipped), so a string built position by position matches ``pattern_matches``."""
    text = name.split("/", 1)[0]
    positions: list[Position] = []
    if not text.startswith("_"):
        positions = [Position(c) for c in text.replace("-", "")]
    else:
        body = text[1:]
        i = 0
        while i < len(body):
            c = body[i]
            u = c.upper()
            if u == "X":
                positions.append(Position(_DIGITS))
            elif u == "Z":
                positions.append(Position(_DIGITS[1:]))
            elif u == "N":
                positions.append(Position(_DIGITS[2:]))
            elif c == ".":
                positions.append(Position(None, "+"))
            elif c == "!":
                positions.append(Position(None, "*"))
            elif c == "-":
                pass
            elif c == "[" and body.find("]", i + 1) > i:
                j = body.find("]", i + 1)
                members = "".join(chr(o) for lo, hi, _single in set_ranges(body[i + 1:j])
                                  for o in range(ord(lo), ord(hi) + 1))
                positions.append(Position(_simplest_first(members)))
                i = j
            else:
                positions.append(Position(c))
            i += 1
    return Shape(name, tuple(positions))


def _may_see(shape: Shape, seen: Slice) -> bool:
    """Whether some dial string makes ``seen`` a string ``shape`` matches."""
    if seen.literal:
        return pattern_matches(shape.name, seen.prefix)
    prefix = seen.prefix
    fixed = shape.fixed
    for i, c in enumerate(prefix):
        if i < len(fixed):
            if c not in (fixed[i] or c):
                return False
        elif shape.max_length is not None:
            return False
    for chars in fixed[len(prefix):]:
        if chars is not None and not set(chars) & set(DIAL_CHARS):
            return False
    if seen.length is not None and shape.min_length > len(prefix) + seen.length:
        return False
    return True


# --- the answer -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hop:
    """One extension on the way: the string ``seen`` (a slice of the dialed string)
    matched ``pattern``, written in ``context``, when ``entry`` was searched (the entry is
    the context jumped to; ``context`` differs when the pattern is in an include).
    ``via`` is the priority whose jump led here (None: the subscriber's own context)."""

    context: str
    pattern: str
    entry: str
    seen: Slice = WHOLE
    via: Priority | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.pattern)


@dataclass(frozen=True)
class Landing:
    """A chain of hops from the subscriber's context to the last one's extension."""

    hops: tuple[Hop, ...]

    @property
    def last(self) -> Hop:
        return self.hops[-1]

    @property
    def key(self) -> tuple[str, str]:
        """(context, pattern) of the extension landed on."""
        return self.last.key

    @property
    def seen(self) -> Slice:
        return self.last.seen

    def strips(self) -> tuple[tuple[str, int | None], ...]:
        """(pattern, n) per hop: the jump out of ``pattern`` dropped ``n`` characters of
        the dialed string (None: the next pattern sees a literal such as ``s``); the
        landing pattern itself comes last with 0."""
        out: list[tuple[str, int | None]] = []
        for here, there in zip(self.hops, self.hops[1:]):
            n = None if there.seen.literal or here.seen.literal \
                else there.seen.start - here.seen.start
            out.append((here.pattern, n))
        out.append((self.last.pattern, 0))
        return tuple(out)

    def __str__(self) -> str:
        return " -> ".join(f"{h.context},{h.pattern}[{h.seen}]" for h in self.hops)


@dataclass(frozen=True)
class Comparison:
    """A condition of a reachable extension on the dialed string.

    ``kind`` is ``"literal"`` (``value`` a string, ``op`` ``=`` or ``!=``), ``"regex"``
    (``value`` a Python-compatible regex, ``[globals]`` expanded, matched with
    ``re.search`` as Asterisk's ``REGEX()`` does; ``op`` ``"~"``) or ``"length"`` (``value``
    a number, ``op`` one of ``= != < <= > >=``, the subject's length on the left). ``at``
    is what is compared, as a slice of the dialed string along ``hops``.
    """

    kind: str
    op: str
    value: str
    at: Slice
    hops: tuple[Hop, ...]
    priority: Priority

    @property
    def key(self) -> tuple[str, str]:
        return self.hops[-1].key


@dataclass(frozen=True)
class Unresolved:
    """A jump whose target is not literal, nor a slice of ``${EXTEN}`` (or of a variable
    holding one): the walk does not follow it."""

    priority: Priority
    target: str
    reason: str

    @property
    def line(self) -> int:
        return self.priority.line

    @property
    def file(self) -> str:
        return str(self.priority.file) if self.priority.file else ""


@dataclass(frozen=True, eq=False)
class Reach:
    """What a dial string entering ``context`` can reach (see :func:`reachable`)."""

    dialplan: Dialplan = field(repr=False)
    context: str
    #: every context searched, in the order the walk met it
    contexts: tuple[str, ...]
    #: every chain, in the order the walk met it
    landings: tuple[Landing, ...]
    #: (context, pattern) -> its chains, in the order met
    patterns: Mapping[tuple[str, str], tuple[Landing, ...]]
    #: every priority of the reachable contexts, in file order
    priorities: tuple[Priority, ...]
    literals: tuple[Comparison, ...]
    regexes: tuple[Comparison, ...]
    lengths: tuple[Comparison, ...]
    unresolved: tuple[Unresolved, ...]
    #: whether a bound of the walk (hops, landings) cut it short
    truncated: bool = False

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return self.literals + self.regexes + self.lengths

    def lands(self, dial: str) -> tuple[Landing, ...]:
        """The chains ``dial`` follows: at each hop, Asterisk's search of the hop's entry
        context picks the hop's extension for the string it sees. Conditions are not
        evaluated (a string follows both sides of a ``GotoIf``)."""
        memo: dict[tuple[str, str, bool], tuple[str, str] | None] = {}

        def pick(entry: str, text: str, first: bool) -> tuple[str, str] | None:
            k = (entry, text, first)
            if k not in memo:
                memo[k] = _pick(self.dialplan, entry, text, invalid=not first)
            return memo[k]

        return tuple(
            landing for landing in self.landings
            if all(pick(h.entry, h.seen.apply(dial), h.via is None) == h.key
                   for h in landing.hops))


def _search(dialplan: Dialplan, context: str) -> Iterator[tuple[str, str]]:
    """(context, extension) in Asterisk's search order: own, then includes depth first."""
    seen: set[str] = set()

    def walk(name: str) -> Iterator[tuple[str, str]]:
        if name in seen or name not in dialplan.contexts:
            return
        seen.add(name)
        ctx = dialplan.contexts[name]
        for exten in ctx.search_order:
            yield (name, exten)
        for inc in ctx.includes:
            yield from walk(inc)
    return walk(context)


def _pick(dialplan: Dialplan, entry: str, text: str, *, invalid: bool) -> tuple[str, str] | None:
    """The extension Asterisk runs for ``text`` in ``entry``; after a jump, the ``i``
    extension when none matches."""
    handler = None
    for ctx, exten in _search(dialplan, entry):
        if pattern_matches(exten, text):
            return (ctx, exten)
        if exten == "i" and handler is None:
            handler = (ctx, exten)
    return handler if invalid else None


# --- reading arguments --------------------------------------------------------------------------

def _close(text: str, i: int, open_: str, close: str) -> int:
    """Index after the bracket closing the one at ``text[i]``, nesting and quotes aware."""
    depth = 0
    quoted = False
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == '"':
            quoted = not quoted
        elif not quoted and c == open_:
            depth += 1
        elif not quoted and c == close:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(text)


def _split(text: str, sep: str, maxsplit: int = -1) -> list[str]:
    """Split at ``sep`` outside ``${...}``, ``$[...]``, parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif not quoted:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif c == sep and depth == 0 and (maxsplit < 0 or len(parts) < maxsplit):
                parts.append(text[start:i])
                start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def _refs(text: str) -> list[str | tuple[str]]:
    """``text`` as literal pieces and ``${...}`` references (a 1-tuple of the inside)."""
    out: list[str | tuple[str]] = []
    lit: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("${", i):
            end = _close(text, i + 1, "{", "}")
            if lit:
                out.append("".join(lit))
                lit = []
            out.append((text[i + 2:end - 1],))
            i = end
        elif text.startswith("$[", i):
            return [("$[",)]  # an expression: not a value the walk follows
        else:
            lit.append(text[i])
            i += 1
    if lit:
        out.append("".join(lit))
    return out


_VAR_REF = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)(?::(-?\d+))?(?::(-?\d+))?\s*$")

Env = dict[str, "tuple[Slice, ...] | None"]


def _union(a: tuple[Slice, ...], b: tuple[Slice, ...]) -> tuple[Slice, ...] | None:
    out = tuple(dict.fromkeys(a + b))
    return None if len(out) > _MAX_VALUES else out


def _join(a: Env, b: Env) -> Env:
    out = dict(a)
    for k, v in b.items():
        if k not in out:
            out[k] = v
        elif out[k] is None or v is None:
            out[k] = None
        else:
            out[k] = _union(out[k], v)  # type: ignore[arg-type]
    return out


@dataclass
class _Frame:
    """What a value can be read from at one priority."""

    subject: Slice
    env: Env
    globals: Mapping[str, str]

    def var(self, name: str) -> tuple[Slice, ...] | None:
        if name == "EXTEN":
            return (self.subject,)
        if name in self.env:
            return self.env[name]
        if name in self.globals:
            return (Slice(0, 0, self.globals[name]),)
        return None

    def value(self, text: str) -> tuple[Slice, ...] | None:
        """The slices ``text`` (``${EXTEN:3}``, ``0${NUM}``, ``s``) may be; None: not
        known statically (another variable, a function, an expression)."""
        acc: tuple[Slice, ...] = (Slice(0, 0, ""),)
        for part in _refs(text):
            if isinstance(part, str):
                if any(not a.literal for a in acc):
                    return None  # text after a slice of the dial string: not modelled
                acc = tuple(Slice(0, 0, a.prefix + part) for a in acc)
                continue
            m = _VAR_REF.match(part[0])
            if not m:
                return None
            vals = self.var(m.group(1))
            if vals is None:
                return None
            a_, b_ = m.group(2), m.group(3)
            start, length = int(a_ or 0), (int(b_) if b_ is not None else None)
            if start < 0 or (length is not None and length < 0):
                return None  # counted from the end: depends on a length we do not know
            if a_ is not None or b_ is not None:
                vals = tuple(s for s in (v.sub(start, length) for v in vals) if s)
            nxt: list[Slice] = []
            for a in acc:
                if not a.literal:
                    if any(not v.literal or v.prefix for v in vals):
                        return None  # two slices of the dial string in a row
                    nxt.append(a)
                    continue
                nxt += [s for s in (v.behind(a.prefix) for v in vals) if s]
            acc = tuple(dict.fromkeys(nxt))
        return acc if len(acc) <= _MAX_VALUES else None

    def literal(self, text: str) -> str | None:
        vals = self.value(text)
        if vals and len(vals) == 1 and vals[0].literal:
            return vals[0].prefix
        return None


# --- conditions ---------------------------------------------------------------------------------

_OPS = ("=~", "!=", "<=", ">=", "==", "=", "<", ">", "&", "|", "!", "?", ":", "+", "-", "*",
        "/", "%", "(", ")")
_RELATIONS = {"=", "==", "!=", "<", "<=", ">", ">=", "=~", ":"}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_POSIX = {"[:digit:]": "0-9", "[:alpha:]": "A-Za-z", "[:alnum:]": "0-9A-Za-z",
          "[:space:]": " \\t", "[:upper:]": "A-Z", "[:lower:]": "a-z", "[:xdigit:]": "0-9A-Fa-f"}


def _tokens(expr: str) -> list[tuple[str, str]]:
    """An Asterisk ``$[...]`` body as (kind, text): ``str`` (quoted), ``op``, ``word``."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(expr):
        c = expr[i]
        if c.isspace():
            i += 1
            continue
        if c == '"':
            j = i + 1
            while j < len(expr) and expr[j] != '"':
                j += 2 if expr[j] == "\\" else 1
            out.append(("str", expr[i + 1:j]))
            i = j + 1
            continue
        op = next((o for o in _OPS if expr.startswith(o, i)), None)
        if op is not None and not expr.startswith("$", i):
            out.append(("op", op))
            i += len(op)
            continue
        j = i
        while j < len(expr) and not expr[j].isspace() and expr[j] != '"':
            if expr.startswith("${", j):
                j = _close(expr, j + 1, "{", "}")
            elif expr.startswith("$[", j):
                j = _close(expr, j + 1, "[", "]")
            elif any(expr.startswith(o, j) for o in _OPS):
                break
            else:
                j += 1
        out.append(("word", expr[i:j]))
        i = max(j, i + 1)
    return out


def _expressions(text: str) -> Iterator[str]:
    """The body of every ``$[...]`` in ``text``, nested ones too."""
    i = text.find("$[")
    while i >= 0:
        end = _close(text, i + 1, "[", "]")
        yield text[i + 2:end - 1]
        i = text.find("$[", i + 2)


_REGEX_CALL = re.compile(r"\$\{REGEX\(\s*\"", re.IGNORECASE)
_LEN_CALL = re.compile(r"^\$\{LEN\((.*)\)\}$", re.IGNORECASE | re.DOTALL)


def _regex_calls(text: str) -> Iterator[tuple[str, str]]:
    """(regex, subject) of every ``${REGEX("regex" subject)}``."""
    for m in _REGEX_CALL.finditer(text):
        j = m.end()
        k = j
        while k < len(text) and text[k] != '"':
            k += 2 if text[k] == "\\" else 1
        end = _close(text, m.start() + 1, "{", "}")
        inner = text[k + 1:end - 1].rstrip()
        if inner.endswith(")"):
            inner = inner[:-1]
        yield text[j:k], inner.strip()


def _python_regex(regex: str) -> str | None:
    for posix, chars in _POSIX.items():
        regex = regex.replace(posix, chars)
    try:
        re.compile(regex)
    except re.error:
        return None
    return regex


# --- the walk -------------------------------------------------------------------------------------

@dataclass
class _Visit:
    env: Env
    returns: list[tuple[tuple[Slice, ...] | None, Env]]


class _Walk:
    def __init__(self, dialplan: Dialplan, context: str) -> None:
        self.dp = dialplan
        self.context = context
        self.contexts: dict[str, None] = {}
        self.landings: dict[tuple[Hop, ...], None] = {}
        self.visits: dict[tuple[Hop, ...], _Visit] = {}
        self.comparisons: dict[Comparison, None] = {}
        self.unresolved: dict[tuple[Priority, str], Unresolved] = {}
        self.truncated = False
        self._searches: dict[str, tuple[tuple[str, str], ...]] = {}

    # -- searching
    def search(self, entry: str) -> tuple[tuple[str, str], ...]:
        if entry not in self._searches:
            found = tuple(_search(self.dp, entry))
            self._searches[entry] = found
            for ctx in [entry] + [c for c, _ in found]:
                if ctx in self.dp.contexts:
                    self.contexts.setdefault(ctx, None)
        return self._searches[entry]

    def candidates(self, entry: str, seen: Slice, *, first: bool) -> list[tuple[str, str]]:
        """Extensions of ``entry``'s search that a string ``seen`` may land on."""
        found = self.search(entry)
        if seen.literal:
            hit = _pick(self.dp, entry, seen.prefix, invalid=not first)
            return [hit] if hit else []
        out = [(c, e) for c, e in found
               if e not in _SPECIAL and _may_see(pattern_shape(e), seen)]
        if not first:
            # after a jump, a string no pattern matches runs the "i" extension
            out += [(c, e) for c, e in found if e == "i"][:1]
        return out

    # -- recording
    def unresolvable(self, pr: Priority, target: str, reason: str) -> None:
        self.unresolved.setdefault((pr, target), Unresolved(pr, target, reason))

    def run(self) -> None:
        for ctx, exten in self.candidates(self.context, WHOLE, first=True):
            self.visit((Hop(ctx, exten, self.context),), {}, None)

    def visit(self, chain: tuple[Hop, ...], env: Env, start: str | None
              ) -> list[tuple[tuple[Slice, ...] | None, Env]]:
        """Walk the extension of ``chain[-1]`` from priority ``start``; its Return()s."""
        done = self.visits.get(chain)
        if done is not None:
            joined = _join(done.env, env)
            if joined == done.env:
                return done.returns
            env = joined
        if chain not in self.landings:
            if len(self.landings) >= _MAX_LANDINGS:
                self.truncated = True
                return []
            self.landings[chain] = None
        hop = chain[-1]
        prios = self.dp.contexts[hop.context].extensions.get(hop.pattern, {})
        record = _Visit(env, [])
        self.visits[chain] = record
        if not prios:
            return record.returns
        first = self.label(prios, start) if start is not None else None
        first = first if first is not None else min(prios)
        states: dict[int, Env] = {first: env}
        work = [first]
        while work:
            number = work.pop()
            if number not in prios:
                continue
            for nxt, out in self.step(chain, prios, prios[number], states[number],
                                      record.returns):
                if nxt not in prios:
                    continue
                old = states.get(nxt)
                new = out if old is None else _join(old, out)
                if old is None or new != old:
                    states[nxt] = new
                    work.append(nxt)
        return record.returns

    @staticmethod
    def label(prios: Mapping[int, Priority], text: str) -> int | None:
        text = text.strip()
        if text.isdigit():
            return int(text) if int(text) in prios else None
        return next((n for n, p in prios.items() if p.label == text), None)

    # -- one priority
    def step(self, chain: tuple[Hop, ...], prios: Mapping[int, Priority], pr: Priority,
             env: Env, returns: list[tuple[tuple[Slice, ...] | None, Env]]
             ) -> list[tuple[int, Env]]:
        frame = _Frame(chain[-1].seen, env, self.dp.globals)
        self.compare(chain, pr, frame)
        return self.run_app(chain, prios, pr, pr.app.lower(), pr.args, frame, returns)

    def run_app(self, chain: tuple[Hop, ...], prios: Mapping[int, Priority], pr: Priority,
                app: str, args: str, frame: _Frame,
                returns: list[tuple[tuple[Slice, ...] | None, Env]]) -> list[tuple[int, Env]]:
        env = frame.env
        nxt = pr.priority + 1
        if app == "set":
            name, eq, value = args.partition("=")
            name = name.strip().lstrip("_")
            if not eq or "(" in name:
                return [(nxt, env)]  # a function such as CALLERID(pres): not a variable
            return [(nxt, {**env, name: frame.value(value.strip())})]
        if app == "mset":
            out = dict(env)
            for item in _split(args, ","):
                name, eq, value = item.partition("=")
                if eq:
                    out[name.strip().lstrip("_")] = frame.value(value.strip())
            return [(nxt, out)]
        if app in ("goto", "gosub"):
            return self.jump(chain, prios, pr, args, frame, returns, gosub=app == "gosub")
        if app in ("gotoif", "gosubif"):
            parts = _split(args, "?", 1)
            if len(parts) < 2:
                return [(nxt, env)]
            sides = _split(parts[1], ":", 1)
            out: list[tuple[int, Env]] = []
            for side in sides + ([""] if len(sides) == 1 else []):
                if not side.strip():
                    out.append((nxt, env))
                else:
                    out += self.jump(chain, prios, pr, side, frame, returns,
                                     gosub=app == "gosubif")
            return out
        if app == "execif":
            parts = _split(args, "?", 1)
            out = [(nxt, env)]
            if len(parts) == 2:
                for side in _split(parts[1], ":", 1):
                    m = re.match(r"\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$", side, re.DOTALL)
                    if m:
                        out += self.run_app(chain, prios, pr, m.group(1).lower(),
                                            m.group(2) or "", frame, returns)
            return out
        if app == "return":
            returns.append((frame.value(args.strip()), env))
            return []
        if app in ("hangup", "busy", "congestion"):
            return []
        return [(nxt, env)]

    def jump(self, chain: tuple[Hop, ...], prios: Mapping[int, Priority], pr: Priority,
             spec: str, frame: _Frame, returns: list[tuple[tuple[Slice, ...] | None, Env]],
             *, gosub: bool) -> list[tuple[int, Env]]:
        """``[[context,]exten,]priority`` of a Goto/Gosub; local jumps come back as
        successors, jumps elsewhere are walked."""
        env = frame.env
        hop = chain[-1]
        parts = [p.strip() for p in _split(spec, ",")]
        if not parts or len(parts) > 3:
            self.unresolvable(pr, spec, "not a [[context,]extension,]priority target")
            return []
        prio, _, arglist = parts[-1].partition("(")
        if arglist.endswith(")"):
            arglist = arglist[:-1]
        args = [frame.value(a.strip()) for a in _split(arglist, ",")] if arglist else []
        if len(parts) == 1:
            number = self.label(prios, prio)
            if number is None:
                self.unresolvable(pr, spec, "no such priority or label in this extension")
                return []
            if not gosub:
                return [(number, env)]
            # a Gosub within the extension: its Return()s are not told apart from this
            # frame's; the caller goes on with an unknown GOSUB_RETVAL
            return [(number, env), (pr.priority + 1, {**env, "GOSUB_RETVAL": None})]
        if len(parts) == 3:
            name = frame.literal(parts[0])
            if name is None:
                self.unresolvable(pr, spec, f"context {parts[0]!r} is not literal")
                return []
            contexts = [name]
        else:
            contexts = [hop.entry]  # the channel's context: the one searched
        extens_or_none = frame.value(parts[-2])
        if extens_or_none is None:
            self.unresolvable(pr, spec, f"extension {parts[-2]!r} is not literal nor "
                                        f"a slice of ${{EXTEN}}")
            return []
        extens = extens_or_none
        callee_env = env
        if gosub:
            callee_env = {k: v for k, v in env.items() if not re.fullmatch(r"ARG\d+", k)}
            for i, value in enumerate(args, 1):
                callee_env[f"ARG{i}"] = value
        got: list[tuple[tuple[Slice, ...] | None, Env]] = []
        local: list[tuple[int, Env]] = []
        for ctx in contexts:
            if ctx not in self.dp.contexts:
                self.unresolvable(pr, spec, f"no context {ctx!r}")
                continue
            for seen in extens:
                for c, e in self.candidates(ctx, seen, first=False):
                    nhop = Hop(c, e, ctx, seen, pr)
                    if (nhop.key, nhop.entry, seen) == (hop.key, hop.entry, hop.seen) \
                            and not gosub:
                        number = self.label(prios, prio)  # Goto(${EXTEN},label): stays here
                        if number is not None:
                            local.append((number, env))
                        continue
                    if any(h.key == nhop.key and h.seen == seen for h in chain):
                        continue  # a loop back to where this chain has been
                    if len(chain) >= _MAX_HOPS:
                        self.truncated = True
                        continue
                    got += self.visit(chain + (nhop,), callee_env, prio)
        if not gosub:
            returns += got  # a Return after the jump returns from this frame
            return local
        after: Env = {k: v for k, v in env.items()}
        if got:
            values: tuple[Slice, ...] | None = ()
            back: Env = {}
            for value, renv in got:
                back = _join(back, renv)
                values = None if value is None or values is None else _union(values, value)
            after = {**{k: v for k, v in back.items() if not re.fullmatch(r"ARG\d+", k)},
                     **{k: v for k, v in env.items() if re.fullmatch(r"ARG\d+", k)}}
            after["GOSUB_RETVAL"] = values
        else:
            after["GOSUB_RETVAL"] = None
        return [(pr.priority + 1, after)]

    # -- conditions
    def compare(self, chain: tuple[Hop, ...], pr: Priority, frame: _Frame) -> None:
        text = pr.args
        if "$[" not in text and "REGEX" not in text.upper():
            return
        for regex, subject in _regex_calls(text):
            self.add_regex(chain, pr, frame, regex, subject, anchored=False)
        for body in _expressions(text):
            toks = _tokens(body)
            for i in range(1, len(toks) - 1):
                kind, op = toks[i]
                if kind != "op" or op not in _RELATIONS:
                    continue
                left, right = toks[i - 1], toks[i + 1]
                if left[0] == "op" or right[0] == "op":
                    continue
                if op in ("=~", ":"):
                    self.add_regex(chain, pr, frame, right[1], left[1], anchored=op == ":")
                    continue
                self.add_relation(chain, pr, frame, left[1], op, right[1])

    def add_regex(self, chain: tuple[Hop, ...], pr: Priority, frame: _Frame, regex: str,
                  subject: str, *, anchored: bool) -> None:
        subjects = frame.value(subject)
        expanded = frame.literal(regex)
        if not subjects or expanded is None:
            return
        rx = _python_regex(("^" if anchored and not expanded.startswith("^") else "")
                           + expanded)
        if rx is None:
            return
        for at in subjects:
            if not at.literal:
                self.comparisons.setdefault(Comparison("regex", "~", rx, at, chain, pr))

    def add_relation(self, chain: tuple[Hop, ...], pr: Priority, frame: _Frame, left: str,
                     op: str, right: str) -> None:
        op = "=" if op == "==" else op
        for a, b, o in ((left, right, op), (right, left, _FLIP.get(op, op))):
            lit = frame.literal(b)
            if lit is None:
                continue
            m = _LEN_CALL.match(a.strip())
            if m:
                if lit.strip().isdigit():
                    for at in frame.value(m.group(1)) or ():
                        if not at.literal:
                            self.comparisons.setdefault(
                                Comparison("length", o, lit.strip(), at, chain, pr))
                continue
            if o not in ("=", "!=") or any(c not in DIAL_CHARS for c in lit):
                continue
            for at in frame.value(a) or ():
                if not at.literal:
                    self.comparisons.setdefault(Comparison("literal", o, lit, at, chain, pr))


def reachable(dialplan: Dialplan, context: str) -> Reach:
    """Everything a dial string entering ``context`` can reach; see the module docstring.

    Raises ConfigError when the dialplan has no context ``context``.
    """
    if context not in dialplan.contexts:
        known = ", ".join(dialplan.contexts)
        raise ConfigError(f"dialplan {dialplan.name} has no context {context!r} "
                          f"(it has: {known})", path=str(dialplan.path))
    walk = _Walk(dialplan, context)
    walk.search(context)
    walk.run()
    landings = tuple(Landing(chain) for chain in walk.landings)
    patterns: dict[tuple[str, str], list[Landing]] = {}
    for landing in landings:
        patterns.setdefault(landing.key, []).append(landing)
    inside = set(walk.contexts)
    comparisons = tuple(walk.comparisons)
    return Reach(
        dialplan=dialplan, context=context, contexts=tuple(walk.contexts), landings=landings,
        patterns={k: tuple(v) for k, v in patterns.items()},
        priorities=tuple(p for p in dialplan.priorities if p.context in inside),
        literals=tuple(c for c in comparisons if c.kind == "literal"),
        regexes=tuple(c for c in comparisons if c.kind == "regex"),
        lengths=tuple(c for c in comparisons if c.kind == "length"),
        unresolved=tuple(walk.unresolved.values()), truncated=walk.truncated)
