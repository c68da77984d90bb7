"""Dialplan coverage: which priorities of the user's extensions.conf ran, which never did.

The PBX reports every executed priority as a Newexten event: (context, extension,
priority, application), where *extension* is the number dialed, not the pattern that
matched it, and *context* is the channel's context, not the included context the
extension was found in. This module parses the dialplan file into its priorities
(context, pattern, priority -> source line) and resolves each executed step the way
Asterisk searched for it: the context's own extensions first, most specific pattern
first, then its ``include =>`` contexts in order, depth first. The application the event
names must agree with the line's, which settles the rare ambiguous case.

Pure: no PBX, no I/O beyond reading the dialplan file. The supported syntax is what a
hand-written extensions.conf uses: ``[context]`` (templates ``[name](...)`` too),
``exten => name,prio,App(args)``, ``same => n,...``, priorities ``1``, ``n``, ``n+K``,
``hint``, labels ``n(label)``, ``include => ctx``, ``;`` comments and ``;-- --;`` blocks.
``#include``/``#exec``, ``switch =>`` and ``ignorepat =>`` are ignored.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .patterns import body_regex

__all__ = ["ContextCoverage", "Coverage", "Dialplan", "Priority", "StepKey", "parse_dialplan",
           "pattern_matches", "step_key"]

#: what coverage needs of one executed step: (context, extension, priority, application)
StepKey = tuple[str, str, int, str]

#: sections of extensions.conf that hold settings, not dialplan
_SETTINGS_SECTIONS = frozenset({"general", "globals"})


@dataclass(frozen=True)
class Priority:
    """One priority of the dialplan file: a statement, for coverage."""

    context: str
    exten: str        # as written: "_0X.", "110", "s"
    priority: int
    app: str          # "Goto", "" for a line without an application
    line: int         # 1-based line in the file
    text: str         # the source line, without its comment
    label: str | None = None
    #: the #include'd file the line is in; None for the dialplan file itself
    file: Path | None = None
    #: the application's arguments as written (variables unexpanded)
    args: str = ""

    @property
    def where(self) -> str:
        return f"{self.context},{self.exten},{self.priority}"


@dataclass
class _Context:
    name: str
    line: int
    #: pattern -> priority number -> Priority, in file order
    extensions: dict[str, dict[int, Priority]] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)
    _ordered: list[str] | None = None

    def ordered(self) -> list[str]:
        """Extension names in Asterisk's search order: literal names first, then patterns
        from the most to the least specific (ext_cmp in pbx.c)."""
        if self._ordered is None:
            names = list(self.extensions)
            self._ordered = sorted(names, key=lambda n: (_specificity(n), names.index(n)))
        return self._ordered


@dataclass
class Dialplan:
    path: Path
    lines: list[str]
    contexts: dict[str, _Context]
    #: every statement, in file order
    priorities: list[Priority]
    #: [globals] of the file: name -> value as written
    globals: dict[str, str] = field(default_factory=dict)
    #: (file, line, name) of every #include that names no readable file
    missing_includes: list[tuple[Path, int, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def resolve(self, context: str, exten: str, priority: int,
                app: str | None = None) -> Priority | None:
        """The dialplan line a Newexten step ran, or None when no line explains it."""
        first = None
        for cand in self._candidates(context, exten, priority):
            if app is None or cand.app.lower() == app.lower():
                return cand
            if first is None:
                first = cand
        return first if app is None else None

    def _candidates(self, context: str, exten: str, priority: int) -> Iterator[Priority]:
        seen: set[str] = set()

        # depth-first, includes in order: a context, then each include's whole subtree
        def walk(name: str) -> Iterator[Priority]:
            if name in seen or name not in self.contexts:
                return
            seen.add(name)
            ctx = self.contexts[name]
            for pattern in ctx.ordered():
                prios = ctx.extensions[pattern]
                if priority in prios and pattern_matches(pattern, exten):
                    yield prios[priority]
            for inc in ctx.includes:
                yield from walk(inc)
        yield from walk(context)


# -- parsing ------------------------------------------------------------------------------

_SECTION = re.compile(r"^\[([^\]]+)\]")
_KEYVAL = re.compile(r"^(exten|same|include)\s*=>?\s*(.*)$", re.IGNORECASE)
_INCLUDE = re.compile(r"^#\s*(include|tryinclude)\s+(.+)$", re.IGNORECASE)
_MAX_INCLUDE_DEPTH = 10
_PRIO = re.compile(r"^\s*(\d+|n(?:\s*\+\s*\d+)?|hint)\s*(?:\(([^)]*)\))?\s*$", re.IGNORECASE)


def _strip_comment(line: str) -> str:
    out = []
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            out.append(line[i:i + 2])  # an escaped "\;" is text, kept as written
            i += 2
            continue
        if c == ";":
            break
        out.append(c)
        i += 1
    return "".join(out).rstrip()


def _app_name(rest: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9_]+)", rest)
    return m.group(1) if m else ""


def parse_dialplan(path: str | Path, text: str | None = None, *,
                   follow_includes: bool = False) -> Dialplan:
    """Parse an extensions.conf into its contexts, includes and priorities.

    ``text`` overrides reading ``path`` (for tests). Lines it cannot read are skipped:
    Asterisk is the judge of the file's validity, this is only a map of it.
    ``follow_includes`` reads ``#include``d files in place, as Asterisk does (relative
    to the dialplan's folder, where the PBX finds them too); each Priority then names
    its own file. Coverage keeps to the main file (its hits are keyed by line).
    """
    path = Path(path)
    if text is None:
        text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    contexts: dict[str, _Context] = {}
    priorities: list[Priority] = []
    global_vars: dict[str, str] = {}
    missing: list[tuple[Path, int, str]] = []
    state: dict[str, object] = {"current": None, "last_exten": None, "last_prio": 0,
                                "section": None}

    def parse_file(file: Path, file_lines: list[str], depth: int) -> None:
        in_block = False
        for number, raw in enumerate(file_lines, 1):
            line = raw
            if in_block:
                end = line.find("--;")
                if end < 0:
                    continue
                line = line[end + 3:]
                in_block = False
            start = line.find(";--")
            if start >= 0:
                end = line.find("--;", start + 3)
                if end < 0:
                    line, in_block = line[:start], True
                else:
                    line = line[:start] + line[end + 3:]
            code = _strip_comment(line).strip()
            if not code:
                continue
            if code.startswith("#"):
                m = _INCLUDE.match(code)
                if m and follow_includes:
                    name = m.group(2).strip().strip('"<>')
                    inc = Path(name) if name.startswith("/") else path.parent / name
                    if depth >= _MAX_INCLUDE_DEPTH or not inc.is_file():
                        if m.group(1).lower() == "include":
                            missing.append((file, number, name))
                    else:
                        parse_file(inc, inc.read_text(encoding="utf-8", errors="replace")
                                   .splitlines(), depth + 1)
                continue
            _parse_line(file, number, code)

    def _parse_line(file: Path, number: int, code: str) -> None:
        m = _SECTION.match(code)
        if m:
            name = m.group(1).strip()
            state["section"] = name.lower()
            if name.lower() in _SETTINGS_SECTIONS:
                state["current"] = None
            else:
                state["current"] = contexts.setdefault(name, _Context(name, number))
            state["last_exten"], state["last_prio"] = None, 0
            return
        current = state["current"]
        if current is None:
            if state["section"] == "globals" and "=" in code:
                key, _, value = code.partition("=")
                global_vars[key.strip()] = value.lstrip(">").strip()
            return
        assert isinstance(current, _Context)
        m = _KEYVAL.match(code)
        if not m:
            return
        kind, rest = m.group(1).lower(), m.group(2).strip()
        if kind == "include":
            current.includes.append(rest.split(",")[0].strip())
            return
        if kind == "exten":
            parts = rest.split(",", 2)
            if len(parts) < 2:
                return
            exten = parts[0].strip()
            prio_text, app_text = parts[1], (parts[2] if len(parts) > 2 else "")
            if exten != state["last_exten"]:
                state["last_prio"] = 0
            state["last_exten"] = exten
        else:  # same
            if state["last_exten"] is None:
                return
            exten = str(state["last_exten"])
            parts = rest.split(",", 1)
            prio_text, app_text = parts[0], (parts[1] if len(parts) > 1 else "")
        pm = _PRIO.match(prio_text)
        if not pm:
            return
        word, label = pm.group(1).lower().replace(" ", ""), pm.group(2)
        if word == "hint":
            return  # a hint is not code that runs
        last_prio = int(state["last_prio"])  # type: ignore[arg-type]
        if word.startswith("n"):
            prio = last_prio + (int(word[2:]) if "+" in word else 1)
        else:
            prio = int(word)
        state["last_prio"] = prio
        exts = current.extensions.setdefault(exten, {})
        if prio in exts:
            return  # Asterisk keeps the first and warns about the duplicate
        p = Priority(context=current.name, exten=exten, priority=prio,
                     app=_app_name(app_text), line=number, text=code, label=label or None,
                     file=None if file == path else file, args=_app_args(app_text))
        exts[prio] = p
        priorities.append(p)

    parse_file(path, lines, 0)
    return Dialplan(path=path, lines=lines, contexts=contexts, priorities=priorities,
                    globals=global_vars, missing_includes=missing)


def _app_args(rest: str) -> str:
    """``Dial(PJSIP/x@t,30)`` -> ``PJSIP/x@t,30``; ``Hangup`` -> ``""``."""
    text = rest.strip()
    start = text.find("(")
    if start < 0:
        return ""
    end = text.rfind(")")
    return text[start + 1:end if end > start else len(text)]


# -- patterns -------------------------------------------------------------------------------

def _pattern_regex(pattern: str) -> re.Pattern[str] | None:
    name = pattern.split("/", 1)[0]  # "/callerid" matching is not modelled
    return body_regex(name[1:]) if name.startswith("_") else None


def pattern_matches(pattern: str, exten: str) -> bool:
    """Whether the extension name ``pattern`` (``_0X.``, ``110``) matches the dialed ``exten``."""
    rx = _pattern_regex(pattern)
    if rx is None:
        return pattern.split("/", 1)[0].replace("-", "") == exten.replace("-", "")
    return bool(rx.match(exten))


def _specificity(pattern: str) -> tuple[int, ...]:
    """Sort key after Asterisk's ext_cmp: literal names first; patterns position by
    position, a position matching fewer characters first, '.' and '!' last."""
    name = pattern.split("/", 1)[0]
    if not name.startswith("_"):
        return (0,)
    key = [1]
    body = name[1:]
    i = 0
    while i < len(body):
        c = body[i]
        u = c.upper()
        if c == "-":
            i += 1
            continue
        if u == "N":
            key.append(0x0800)
        elif u == "X":
            key.append(0x0A00)
        elif u == "Z":
            key.append(0x0900)
        elif c == ".":
            key.append(0x18000)
        elif c == "!":
            key.append(0x28000)
        elif c == "[":
            j = body.find("]", i + 1)
            j = len(body) if j < 0 else j
            chars = body[i + 1:j]
            count = 0
            k = 0
            while k < len(chars):
                if k + 2 < len(chars) and chars[k + 1] == "-":
                    count += max(1, ord(chars[k + 2]) - ord(chars[k]) + 1)
                    k += 3
                else:
                    count += 1
                    k += 1
            key.append(count << 8)
            i = j
        else:
            key.append(0x0100)
        i += 1
    key.append(0x30000)
    return tuple(key)


# -- coverage ------------------------------------------------------------------------------

def step_key(step: object) -> StepKey:
    """(context, exten, priority, app) of a :class:`harness.model.Step`."""
    return (step.context, step.exten, step.priority, step.app)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ContextCoverage:
    context: str
    line: int
    statements: int
    executed: int

    @property
    def percent(self) -> float:
        return 100.0 * self.executed / self.statements if self.statements else 100.0


@dataclass
class Coverage:
    """Executed steps folded onto the lines of one dialplan file."""

    dialplan: Dialplan
    #: line -> how many executed steps ran it
    hits: Counter[int] = field(default_factory=Counter)
    #: steps no line explains (a context not in this file, an application mismatch)
    unresolved: Counter[StepKey] = field(default_factory=Counter)

    def add(self, steps: Iterable[object]) -> None:
        """Fold in executed steps (:class:`harness.model.Step` or StepKey tuples)."""
        self.add_counts(Counter(s if isinstance(s, tuple) else step_key(s) for s in steps))

    def add_counts(self, counts: "dict[StepKey, int] | Counter[StepKey]") -> None:
        for (context, exten, priority, app), n in counts.items():
            p = self.dialplan.resolve(context, exten, priority, app)
            if p is None:
                self.unresolved[(context, exten, priority, app)] += n
            else:
                self.hits[p.line] += n

    def executed(self, p: Priority) -> bool:
        return self.hits.get(p.line, 0) > 0

    def per_context(self) -> list[ContextCoverage]:
        out = []
        for ctx in self.dialplan.contexts.values():
            prios = [p for exts in ctx.extensions.values() for p in exts.values()]
            if not prios:
                continue
            out.append(ContextCoverage(ctx.name, ctx.line, len(prios),
                                       sum(1 for p in prios if self.executed(p))))
        return out

    @property
    def statements(self) -> int:
        return len(self.dialplan.priorities)

    @property
    def executed_count(self) -> int:
        return sum(1 for p in self.dialplan.priorities if self.executed(p))

    @property
    def percent(self) -> float:
        return 100.0 * self.executed_count / self.statements if self.statements else 100.0

    def never_run(self) -> list[Priority]:
        return [p for p in self.dialplan.priorities if not self.executed(p)]

    # -- text renderings ------------------------------------------------------------------
    def annotate(self) -> str:
        """The file annotated like coverage.py's annotate: '>' ran, '!' never ran, ' ' not code."""
        code = {p.line for p in self.dialplan.priorities}
        out = []
        for number, line in enumerate(self.dialplan.lines, 1):
            mark = " " if number not in code else (">" if self.hits.get(number) else "!")
            out.append(f"{mark} {line}".rstrip())
        return "\n".join(out)

    def format_table(self) -> str:
        from .report.text import format_table

        rows = [[c.context, f"{self.dialplan.name}:{c.line}", c.statements, c.executed,
                 c.statements - c.executed, f"{c.percent:.0f}%"] for c in self.per_context()]
        rows.append(["TOTAL", "", self.statements, self.executed_count,
                     self.statements - self.executed_count, f"{self.percent:.0f}%"])
        return format_table(rows, ["context", "defined at", "priorities", "ran", "never ran",
                                   "cover"])

    def format_never_run(self) -> str:
        missing = self.never_run()
        if not missing:
            return "every priority ran"
        lines = [f"never ran ({len(missing)} priorit{'y' if len(missing) == 1 else 'ies'}):"]
        lines += [f"  {self.dialplan.name}:{p.line}  [{p.context}]  {p.text}" for p in missing]
        return "\n".join(lines)

    def format_report(self) -> str:
        head = f"dialplan coverage of {self.dialplan.name}"
        parts = [head, self.format_table(), "", self.format_never_run()]
        if self.unresolved:
            n = sum(self.unresolved.values())
            parts.append(f"({n} executed step{'s' if n != 1 else ''} matched no line of "
                         f"{self.dialplan.name}, e.g. "
                         + ", ".join(f"{c},{e},{p} {a}" for (c, e, p, a)
                                     in list(self.unresolved)[:3]) + ")")
        return "\n".join(parts)


def coverage_of(dialplan: str | Path | Dialplan, steps: "dict[StepKey, int] | Counter[StepKey]"
                ) -> Coverage:
    dp = dialplan if isinstance(dialplan, Dialplan) else parse_dialplan(dialplan)
    cov = Coverage(dp)
    cov.add_counts(steps)
    return cov
