"""YAML loading that remembers where every value came from.

Config errors must point at file, line and column (and the key path), so files are
composed into PyYAML nodes and turned into plain Python values alongside a map from key
path to source position.

Only plain data is read. Anchors (``&a``), aliases (``*a``), merge keys (``<<:``), tags
other than the core scalar/sequence/mapping ones and nesting deeper than ``MAX_DEPTH``
are refused while the file is composed, at the node that uses them and before it costs
anything: a recursive alias or a "billion laughs" file is refused in milliseconds with a
``file:line:col`` ConfigError, never a RecursionError or minutes of expansion. Every error
raised here is a one-line ConfigError.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

KeyPath = tuple[Any, ...]

#: deepest nesting of sequences and mappings read; real files need a handful of levels
MAX_DEPTH = 100


class _KeyMark:
    """Ends a key path whose position is that of the key itself, not of its value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<key>"


# Kept in ``Document.positions`` (not a dict of its own) so that a Document built from
# another one's positions (a scenario's inline target) knows where its keys are too.
_KEY = _KeyMark()


@dataclass(frozen=True)
class Position:
    line: int    # 1-based
    column: int  # 1-based


@dataclass
class Document:
    """A loaded YAML file: its data and where each key path sits in the file."""

    path: Path
    data: Any
    positions: dict[KeyPath, Position] = field(default_factory=dict)
    #: the source text of every scalar, so a dial string written unquoted (``0312``, YAML's
    #: octal 202; ``+81``, YAML's 81) can still be read exactly as the user typed it
    raw: dict[KeyPath, str] = field(default_factory=dict)

    def text(self, keypath: KeyPath) -> str | None:
        """The scalar at ``keypath`` exactly as written, or None if it is not a scalar."""
        return self.raw.get(tuple(keypath))

    def where(self, keypath: KeyPath) -> Position | None:
        # Fall back to the nearest enclosing node that has a position.
        kp = tuple(keypath)
        while kp:
            if kp in self.positions:
                return self.positions[kp]
            kp = kp[:-1]
        return self.positions.get(())

    def key_where(self, keypath: KeyPath) -> Position | None:
        """Where the last key of ``keypath`` is written (its value may be lines away)."""
        return self.positions.get(tuple(keypath) + (_KEY,)) or self.where(keypath)

    def only_keys(self, keypath: KeyPath, mapping: dict[Any, Any],
                  allowed: tuple[str, ...]) -> None:
        """Refuse any key of ``mapping`` not in ``allowed``, suggesting the nearest one."""
        for key in mapping:
            if key not in allowed:
                raise self.key_error(tuple(keypath) + (key,),
                                     f"unknown key {key!r}; allowed: {', '.join(allowed)}"
                                     + suggest(str(key), allowed))

    def error(self, keypath: KeyPath, message: str) -> ConfigError:
        """An error about the value at ``keypath``, pointing at that value."""
        return self._error(keypath, message, self.where(keypath))

    def key_error(self, keypath: KeyPath, message: str) -> ConfigError:
        """An error about the key ending ``keypath`` (unknown, misplaced), pointing at the key."""
        return self._error(keypath, message, self.key_where(keypath))

    def _error(self, keypath: KeyPath, message: str, pos: Position | None) -> ConfigError:
        return ConfigError(
            message, path=str(self.path), line=pos.line if pos else None,
            column=pos.column if pos else None, key=format_keypath(keypath) or None)


def format_keypath(keypath: Iterable[Any]) -> str:
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # a key is user text: one with a line break or control character is shown
            # quoted and escaped, so an error stays the one line the contract promises
            text = str(part)
            out += ("." if out else "") + (text if text.isprintable() else repr(text))
    return out


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load(path: str | Path) -> Document:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", path=str(path)) from None
    return loads(text, path)


def loads(text: str, path: str | Path = "<string>") -> Document:
    path = Path(path)
    try:
        node = yaml.compose(text, Loader=_PlainDataLoader)
    except _Refused as exc:
        raise ConfigError(exc.message, path=str(path), line=exc.mark.line + 1,
                          column=exc.mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            f"not valid YAML: {_one_line(exc.problem or exc.context or 'syntax error')}",
            path=str(path), line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        raise ConfigError(
            f"not valid YAML: character U+{exc.character:04X} is not allowed"
            if isinstance(exc.character, int) else f"not valid YAML: {_one_line(exc.reason)}",
            path=str(path), line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {_one_line(str(exc))}", path=str(path)) from None
    doc = Document(path=path, data=None)
    if node is None:
        doc.data = None
        doc.positions[()] = Position(1, 1)
        return doc
    doc.data = _construct(node, (), doc, path)
    return doc


# -- composing: plain data only -----------------------------------------------------------

_CORE = "tag:yaml.org,2002:"
_MERGE_TAG = _CORE + "merge"
# "!" is YAML's non-specific tag (a quoted scalar): the same as no tag.
_SCALAR_TAGS = frozenset({None, "!"} | {_CORE + t
                                         for t in ("str", "int", "float", "bool", "null")})
_SEQUENCE_TAGS = frozenset({None, "!", _CORE + "seq"})
_MAPPING_TAGS = frozenset({None, "!", _CORE + "map"})
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels of lists and mappings"


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _PlainDataLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses, before composing the node, every construct that
    is not plain data: alias, anchor, merge key, an uncommon tag, a complex key, nesting
    deeper than MAX_DEPTH. Each check looks at the next event only, so the cost of a
    refused file is the few events read before the offending one."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def fetch_flow_collection_start(self, TokenClass: type) -> None:  # noqa: N803
        # The same bound, already in the scanner: there PyYAML looks up to 1024 characters
        # ahead for each open "[" or "{" (a possible key), which would otherwise cost a
        # file of thousands of "[" a few tenths of a second before the composer sees them.
        if self.flow_level >= MAX_DEPTH:
            raise _Refused(self.get_mark(), _TOO_DEEP)
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(mark, f"YAML aliases (*{_name(event.anchor)}) are not supported: "
                                 "write the value out in full")
        if event.anchor is not None:
            raise _Refused(mark, f"YAML anchors (&{_name(event.anchor)}) are not supported: "
                                 "write each value out in full")
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        if isinstance(event, yaml.ScalarEvent):
            if event.tag == _MERGE_TAG or (
                    event.tag is None and event.implicit[0] and event.value == "<<"):
                raise _Refused(mark, "YAML merge keys (<<) are not supported: write the keys "
                                     "out in full (quote it, \"<<\", to mean the text)")
            allowed = _SCALAR_TAGS
        else:
            if is_key:
                raise _Refused(mark, "a key must be a plain value")
            allowed = (_SEQUENCE_TAGS if isinstance(event, yaml.SequenceStartEvent)
                       else _MAPPING_TAGS)
        if event.tag not in allowed:
            shown = "!!" + event.tag[len(_CORE):] if event.tag.startswith(_CORE) else event.tag
            raise _Refused(mark, f"YAML tag {_name(shown)} is not supported here: only plain "
                                 "values, lists and mappings are read")
        if isinstance(event, yaml.ScalarEvent):
            return super().compose_node(parent, index)
        if self._depth >= MAX_DEPTH:
            raise _Refused(mark, _TOO_DEEP)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _name(text: str) -> str:
    return text if text.isprintable() else repr(text)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def _line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of character ``position`` of ``text``."""
    before = text[:position]
    breaks = list(_LINE_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, position - start + 1


# -- constructing: nodes to plain values, remembering positions -----------------------------

def _construct(node: yaml.Node, keypath: KeyPath, doc: Document, path: Path) -> Any:
    positions = doc.positions
    positions[keypath] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_pos = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):  # the loader already refuses these
                raise ConfigError("a key must be a plain value", path=str(path),
                                  line=key_pos.line, column=key_pos.column)
            key = _scalar(key_node, path)
            if key in out:
                raise ConfigError(f"duplicate key {key!r}", path=str(path),
                                  line=key_pos.line, column=key_pos.column)
            out[key] = _construct(value_node, keypath + (key,), doc, path)
            # Point errors about a value at the value (at the key for a list or mapping,
            # whose first line is often the next one), and key errors at the key itself.
            positions[keypath + (key,)] = key_pos \
                if isinstance(value_node, (yaml.MappingNode, yaml.SequenceNode)) \
                else Position(value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            positions[keypath + (key, _KEY)] = key_pos
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, keypath + (i,), doc, path)
                for i, item in enumerate(node.value)]
    doc.raw[keypath] = node.value
    return _scalar(node, path)


def _scalar(node: yaml.ScalarNode, path: Path) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except Exception as exc:  # noqa: BLE001 - every failure here is a bad value in the file
        # PyYAML raises ValueError, KeyError, ... for text its resolver took for a number,
        # boolean or date (0b_, 2024-13-45, !!int abc, an int of 5000 digits)
        kind = node.tag[len(_CORE):] if node.tag.startswith(_CORE) else node.tag
        detail = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else None
        raise ConfigError(
            f"bad value {_shorten(node.value)}: not a valid {kind}"
            + (f" ({_one_line(detail)})" if detail else "")
            + ("; quote it to mean the text" if node.style is None else ""),
            path=str(path), line=node.start_mark.line + 1,
            column=node.start_mark.column + 1) from None


def _shorten(text: str, limit: int = 40) -> str:
    # repr: quoted, and escaped so the error stays one line
    return repr(text if len(text) <= limit else text[:limit] + "...")
