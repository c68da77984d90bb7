"""YAML loading that remembers where every value came from.

Config errors must point at file, line and column (and the key path), so files are
composed into PyYAML nodes and turned into plain Python values alongside a map from key
path to source position.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

KeyPath = tuple[Any, ...]


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

    def only_keys(self, keypath: KeyPath, mapping: dict[Any, Any],
                  allowed: tuple[str, ...]) -> None:
        """Refuse any key of ``mapping`` not in ``allowed``, suggesting the nearest one."""
        for key in mapping:
            if key not in allowed:
                raise self.error(tuple(keypath) + (key,),
                                 f"unknown key {key!r}; allowed: {', '.join(allowed)}"
                                 + suggest(str(key), allowed))

    def error(self, keypath: KeyPath, message: str) -> ConfigError:
        pos = self.where(keypath)
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
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            f"not valid YAML: {exc.problem or exc.context}", path=str(path),
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=str(path)) from None
    doc = Document(path=path, data=None)
    if node is None:
        doc.data = None
        doc.positions[()] = Position(1, 1)
        return doc
    doc.data = _construct(node, (), doc, path)
    return doc


def _construct(node: yaml.Node, keypath: KeyPath, doc: Document, path: Path) -> Any:
    positions = doc.positions
    positions[keypath] = Position(node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(" ").construct_object(key_node) if not isinstance(
                key_node, yaml.ScalarNode) else _scalar(key_node, path)
            if isinstance(key, (dict, list)):
                raise ConfigError("a key must be a plain value", path=str(path),
                                  line=key_node.start_mark.line + 1,
                                  column=key_node.start_mark.column + 1)
            if key in out:
                raise ConfigError(f"duplicate key {key!r}", path=str(path),
                                  line=key_node.start_mark.line + 1,
                                  column=key_node.start_mark.column + 1)
            out[key] = _construct(value_node, keypath + (key,), doc, path)
            # Point key errors at the key itself, value errors at the value.
            positions[keypath + (key,)] = Position(
                key_node.start_mark.line + 1, key_node.start_mark.column + 1) \
                if isinstance(value_node, (yaml.MappingNode, yaml.SequenceNode)) \
                else Position(value_node.start_mark.line + 1, value_node.start_mark.column + 1)
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
    except yaml.YAMLError as exc:
        raise ConfigError(f"bad value: {exc}", path=str(path),
                          line=node.start_mark.line + 1,
                          column=node.start_mark.column + 1) from None
