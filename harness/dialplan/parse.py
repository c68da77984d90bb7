"""Parsing an extensions.conf into the dialplan model: the one reader of dialplan text.

The supported syntax is what a hand-written extensions.conf uses: ``[context]``
(templates ``[name](...)`` too), ``exten => name,prio,App(args)``, ``same => n,...``,
priorities ``1``, ``n``, ``n+K``, ``hint``, labels ``n(label)``, ``include => ctx``,
``[globals]`` values, ``;`` comments and ``;-- --;`` blocks. ``#include``/``#tryinclude``
are followed on request; ``#exec``, ``switch =>`` and ``ignorepat =>`` are ignored.

Pure apart from reading the dialplan file and its #include'd files.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Context, Dialplan, Priority

__all__ = ["parse_dialplan"]

#: sections of extensions.conf that hold settings, not dialplan
_SETTINGS_SECTIONS = frozenset({"general", "globals"})

_SECTION = re.compile(r"^\[([^\]]+)\]")
_KEYVAL = re.compile(r"^(exten|same|include)\s*=>?\s*(.*)$", re.IGNORECASE)
_INCLUDE = re.compile(r"^#\s*(include|tryinclude)\s+(.+)$", re.IGNORECASE)
_MAX_INCLUDE_DEPTH = 10
_PRIO = re.compile(r"^\s*(\d+|n(?:\s*\+\s*\d+)?|hint)\s*(?:\(([^)]*)\))?\s*$", re.IGNORECASE)


@dataclass
class _ContextDraft:
    """A context while its sections are read; frozen into a Context at the end."""

    name: str
    line: int
    extensions: dict[str, dict[int, Priority]] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)

    def freeze(self) -> Context:
        return Context(self.name, self.line, dict(self.extensions), tuple(self.includes))


@dataclass
class _State:
    current: _ContextDraft | None = None
    last_exten: str | None = None
    last_prio: int = 0
    section: str | None = None


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


def _app_args(rest: str) -> str:
    """``Dial(PJSIP/x@t,30)`` -> ``PJSIP/x@t,30``; ``Hangup`` -> ``""``."""
    text = rest.strip()
    start = text.find("(")
    if start < 0:
        return ""
    end = text.rfind(")")
    return text[start + 1:end if end > start else len(text)]


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
    contexts: dict[str, _ContextDraft] = {}
    priorities: list[Priority] = []
    global_vars: dict[str, str] = {}
    missing: list[tuple[Path, int, str]] = []
    state = _State()

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
            parse_line(file, number, code)

    def parse_line(file: Path, number: int, code: str) -> None:
        m = _SECTION.match(code)
        if m:
            name = m.group(1).strip()
            state.section = name.lower()
            if name.lower() in _SETTINGS_SECTIONS:
                state.current = None
            else:
                state.current = contexts.setdefault(name, _ContextDraft(name, number))
            state.last_exten, state.last_prio = None, 0
            return
        current = state.current
        if current is None:
            if state.section == "globals" and "=" in code:
                key, _, value = code.partition("=")
                global_vars[key.strip()] = value.lstrip(">").strip()
            return
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
            if exten != state.last_exten:
                state.last_prio = 0
            state.last_exten = exten
        else:  # same
            if state.last_exten is None:
                return
            exten = state.last_exten
            parts = rest.split(",", 1)
            prio_text, app_text = parts[0], (parts[1] if len(parts) > 1 else "")
        pm = _PRIO.match(prio_text)
        if not pm:
            return
        word, label = pm.group(1).lower().replace(" ", ""), pm.group(2)
        if word == "hint":
            return  # a hint is not code that runs
        if word.startswith("n"):
            prio = state.last_prio + (int(word[2:]) if "+" in word else 1)
        else:
            prio = int(word)
        state.last_prio = prio
        exts = current.extensions.setdefault(exten, {})
        if prio in exts:
            return  # Asterisk keeps the first and warns about the duplicate
        p = Priority(context=current.name, exten=exten, priority=prio,
                     app=_app_name(app_text), line=number, text=code, label=label or None,
                     file=None if file == path else file, args=_app_args(app_text))
        exts[prio] = p
        priorities.append(p)

    parse_file(path, lines, 0)
    return Dialplan(path=path, lines=tuple(lines),
                    contexts={name: c.freeze() for name, c in contexts.items()},
                    priorities=tuple(priorities), globals=global_vars,
                    missing_includes=tuple(missing))
