"""The dialplan model: an extensions.conf as contexts, extensions and priorities, each
priority with the file and line it was written at.

Frozen values built once by :func:`harness.dialplan.parse_dialplan`; coverage, explain,
the runtime-error mapping and the channel check read them. ``resolve`` finds the line a
PBX step ran the way Asterisk searched for it: the context's own extensions first, most
specific pattern first, then its ``include =>`` contexts in order, depth first.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .match import pattern_matches, specificity

__all__ = ["Context", "Dialplan", "Priority"]


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


@dataclass(frozen=True)
class Context:
    """One ``[context]`` (all its sections, when the file reopens it)."""

    name: str
    #: line of its first ``[name]`` header
    line: int
    #: extension name as written -> priority number -> Priority, in file order
    extensions: Mapping[str, Mapping[int, Priority]] = field(default_factory=dict)
    #: ``include =>`` contexts, in file order
    includes: tuple[str, ...] = ()
    #: extension names in Asterisk's search order (see :meth:`ordered`)
    search_order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = list(self.extensions)
        order = sorted(names, key=lambda n: (specificity(n), names.index(n)))
        object.__setattr__(self, "search_order", tuple(order))

    def ordered(self) -> list[str]:
        """Extension names in Asterisk's search order: literal names first, then patterns
        from the most to the least specific (ext_cmp in pbx.c)."""
        return list(self.search_order)


@dataclass(frozen=True)
class Dialplan:
    path: Path
    #: the dialplan file's lines (not its #include'd files')
    lines: tuple[str, ...]
    contexts: Mapping[str, Context]
    #: every statement, in file order
    priorities: tuple[Priority, ...]
    #: [globals] of the file: name -> value as written
    globals: Mapping[str, str] = field(default_factory=dict)
    #: (file, line, name) of every #include that names no readable file
    missing_includes: tuple[tuple[Path, int, str], ...] = ()

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
            for pattern in ctx.search_order:
                prios = ctx.extensions[pattern]
                if priority in prios and pattern_matches(pattern, exten):
                    yield prios[priority]
            for inc in ctx.includes:
                yield from walk(inc)
        yield from walk(context)
