"""Write a fuzz counterexample as a scenario file (``dialharness fuzz --save-failures DIR``).

The file is a normal scenario: ``dialharness run`` replays it, and it can be edited into a
regression test. It is emitted by hand rather than with yaml.dump, because every dial
string must be quoted: PyYAML leaves ``0312345678`` plain, and a YAML 1.2 reader (or a
human editing the file) takes that for the number 312345678.
"""
from __future__ import annotations

import datetime
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..dialstring import check_dial
from ..errors import ConfigError
from .load import load_scenario

_EXPECT_KEYS = ("route", "destination", "presentation", "trunk", "cause")
# A blocked call has no outbound leg, so an oracle's intended destination or presentation
# for it cannot be observed; the scenario loader rejects them next to route: blocked.
_LEG_KEYS = ("destination", "presentation", "trunk")
# Filename-safe spelling of the dial characters that are not digits.
_FILE_CHARS = {"+": "plus", "*": "star", "#": "hash"}


def write_counterexample(dir: str | Path, *, target_path: str | Path, subscriber: str,
                         dial: str, expect: Mapping[str, Any], property_name: str,
                         title: str, report_text: str) -> Path:
    """Write one counterexample scenario into ``dir`` (created if missing); return its path.

    ``expect`` holds any of route, destination, presentation, trunk, cause (enum members
    or their values; with route blocked, the leg fields are left out) and properties;
    ``property_name`` always comes first in ``properties: [...]``. The file is read back with ``load_scenario``
    before this returns, so a file that would not load is never left behind. The name is
    derived from target, property, subscriber and dial: a counterexample already saved (by
    an earlier fuzz run, say) is kept as it is, which also keeps any edits made to it.
    """
    check_dial(dial)  # DialStringError: a scenario cannot hold this call
    unknown = sorted(set(expect) - set(_EXPECT_KEYS) - {"properties"})
    if unknown:
        raise ValueError(f"unknown expect keys {unknown}; allowed: "
                         f"{', '.join(_EXPECT_KEYS)}, properties")
    # The failing property first, then any others the caller wants judged too.
    properties = list(dict.fromkeys([property_name, *expect.get("properties", ())]))
    out_dir = Path(dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = Path(target_path).resolve()
    digits = "".join(_FILE_CHARS.get(c, c) for c in dial)
    stem = "--".join((_slug(target.stem), _slug(property_name), _slug(subscriber), digits))
    path = out_dir / f"{stem}.yaml"
    if path.exists():
        return path

    lines = [
        f"# Counterexample found by dialharness fuzz for property {_one_line(property_name)}.",
        f"# Replay: dialharness explain {_one_line(str(target))} {dial} "
        f"--subscriber {_one_line(subscriber)}",
        f"title: {_q(title)}",
        "report:",
        f"  source: {_q('dialharness fuzz')}",
        f"  date: {_q(datetime.date.today().isoformat())}",
        f"  saw: {_q(report_text)}",
        # Relative, so the saved file keeps working when the repository moves.
        f"target: {_q(os.path.relpath(target, out_dir.resolve()))}",
        "calls:",
        f"  - subscriber: {_q(subscriber)}",
        f"    dial: {_q(dial)}",
        "    expect:",
    ]
    blocked = str(expect.get("route")) == "blocked"
    for key in _EXPECT_KEYS:
        value = expect.get(key)
        if value is None or (blocked and key in _LEG_KEYS):
            continue
        # cause stays a number; everything else is text (an enum member prints its value)
        lines.append(f"      {key}: {value if key == 'cause' else _q(str(value))}")
    lines.append(f"      properties: [{', '.join(_q(p) for p in properties)}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_scenario(path)
    except ConfigError:
        path.unlink()
        raise
    return path


def _q(text: str) -> str:
    """A YAML double-quoted scalar. JSON's string syntax is valid YAML; the three
    characters YAML reads as line breaks but JSON leaves raw are escaped too."""
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\u0085", "\\N").replace("\u2028", "\\L").replace("\u2029", "\\P")


def _one_line(text: str) -> str:
    # Comments end at a line break; keep text that comes from outside on one line.
    return " ".join(text.split())


def _slug(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.-") else "_" for c in text)
