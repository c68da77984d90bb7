"""YAML loading (issue 12, item 7): only plain data is read, every error is one line.

Target, scenario and profile files all load through ``harness.yamlsource``. A hostile or
unusual file (recursive alias, "billion laughs", merge keys, Python tags, thousands of
nested brackets, a value PyYAML's resolver cannot build) is refused with a ConfigError
``file:line:col: message`` pointing at the construct, quickly and never as a traceback;
unknown keys are reported at the key, not at its value.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness import yamlsource
from harness.errors import ConfigError
from harness.profile import load_profile
from harness.scenario import load_scenario
from harness.target import load_target

REPO = Path(__file__).resolve().parents[2]

TARGET = """\
dialplan: office.conf
profile: jp
subscribers:
  open:
    context: from-internal
trunks:
  jp-domestic: {route: domestic, number_format: national}
"""


def write(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    (tmp_path / "office.conf").write_text("", encoding="utf-8")
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def refused(load, path: Path, *words: str, line: int, column: int) -> ConfigError:
    """``load(path)`` raises a one-line ConfigError at ``path:line:column`` naming ``words``."""
    with pytest.raises(ConfigError) as info:
        load(path)
    exc = info.value
    text = str(exc)
    assert "\n" not in text, text
    assert (exc.path, exc.line, exc.column) == (str(path), line, column), text
    assert text.startswith(f"{path}:{line}:{column}: "), text
    for word in words:
        assert word in text, text
    return exc


# -- anchors, aliases, merge keys --------------------------------------------------------

def test_recursive_alias_is_refused_at_its_anchor(tmp_path: Path) -> None:
    # was: internal error: RecursionError
    path = write(tmp_path, TARGET + "x: &a [*a]\n")
    refused(load_target, path, "anchors (&a) are not supported", line=8, column=4)


def test_billion_laughs_is_refused_before_any_expansion(tmp_path: Path) -> None:
    # each level multiplies by ten: expanded, level g is a million strings (seconds before)
    levels = "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
                     for a, b in zip("abcdef", "bcdefg"))
    path = write(tmp_path, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                 + levels)
    start = time.perf_counter()
    refused(yamlsource.load, path, "anchors (&a)", line=1, column=4)
    assert time.perf_counter() - start < 0.5


def test_anchor_without_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, TARGET.replace("context: from-internal",
                                          "context: &ctx from-internal"))
    refused(load_target, path, "anchors (&ctx) are not supported", line=5, column=14)


def test_alias_is_refused_where_it_is_written() -> None:
    # an alias whose anchor the file never defines: refused as an alias, not a YAML error
    with pytest.raises(ConfigError) as info:
        yamlsource.loads("a: 1\nb: [1, *nowhere]\n", "f.yaml")
    assert str(info.value) == ("f.yaml:2:8: YAML aliases (*nowhere) are not supported: "
                               "write the value out in full")


def test_merge_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, TARGET.replace("  open:\n",
                                          "  open:\n    <<: {barred: [international]}\n"))
    refused(load_target, path, "merge keys (<<) are not supported", line=5, column=5)
    # quoted, "<<" is only text
    assert yamlsource.loads('x: "<<"\n').data == {"x": "<<"}


# -- other YAML that used to give a traceback -------------------------------------------

def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    # was: RecursionError in PyYAML's composer
    path = write(tmp_path, "x: " + "[" * 5000 + "]" * 5000 + "\n")
    start = time.perf_counter()
    exc = refused(yamlsource.load, path, "nested deeper than 100 levels", line=1, column=104)
    assert time.perf_counter() - start < 0.5, exc
    # block style counts too, and the limit itself is still read
    block = "".join(" " * i + f"k{i}:\n" for i in range(150))
    refused(yamlsource.load, write(tmp_path, block, "b.yaml"), "nested deeper",
            line=101, column=101)
    ok = yamlsource.loads("x: " + "[" * 99 + "1" + "]" * 99).data
    assert isinstance(ok["x"], list)


@pytest.mark.parametrize("text, column, words", [
    ("x: !!python/object/apply:os.system [echo hi]\n", 4, "tag !!python/object/apply:os.system"),
    ("x: !!python/object:os.system hi\n", 4, "tag !!python/object:os.system"),
    ("x: !!set {a, b}\n", 4, "tag !!set"),
    ("x: !local 1\n", 4, "tag !local"),
    ("? !!python/tuple [a, b]\n: 1\n", 3, "a key must be a plain value"),
], ids=["python-apply", "python-object", "set", "local-tag", "python-tuple-key"])
def test_tags_other_than_plain_data_are_refused(tmp_path: Path, text: str, column: int,
                                                words: str) -> None:
    # was: a silently ignored tag, a multi-line message or a ConstructorError traceback
    refused(yamlsource.load, write(tmp_path, text), words, line=1, column=column)


@pytest.mark.parametrize("text, words", [
    ("x: 0b_\n", "bad value '0b_': not a valid int; quote it"),          # int('', 2)
    ("x: 2024-13-45\n", "bad value '2024-13-45': not a valid timestamp"),  # month 13
    ("x: !!int abc\n", "bad value 'abc': not a valid int"),
    ("x: !!bool maybe\n", "bad value 'maybe': not a valid bool"),
    ("x: " + "1" * 5000 + "\n", "not a valid int"),                     # int digit limit
], ids=["0b_", "month-13", "int-tag", "bool-tag", "5000-digits"])
def test_scalars_yaml_cannot_build_are_config_errors(tmp_path: Path, text: str,
                                                     words: str) -> None:
    # was: ValueError / KeyError traceback ("internal error")
    refused(yamlsource.load, write(tmp_path, text), words, line=1, column=4)


def test_control_character_error_is_one_line_with_its_position(tmp_path: Path) -> None:
    # was: "... in "<unicode string>", position 11" on a second line, no line:col
    refused(yamlsource.load, write(tmp_path, "a: 1\nb: x\x07y\n"),
            "character U+0007 is not allowed", line=2, column=5)


# -- unknown keys point at the key -------------------------------------------------------

def test_unknown_key_in_target_file_points_at_the_key(tmp_path: Path) -> None:
    # was: the column of the value (8 and 39)
    path = write(tmp_path, TARGET + "bogus:  1\n")
    refused(load_target, path, "unknown key 'bogus'", line=8, column=1)
    path = write(tmp_path, TARGET.replace("national}", "national, colour:   red}"), "c.yaml")
    refused(load_target, path, "unknown key 'colour'", line=7, column=59)


def test_unknown_key_in_scenario_file_points_at_the_key(tmp_path: Path) -> None:
    write(tmp_path, TARGET, "office.yaml")
    path = write(tmp_path, """\
        title: a call
        target: office.yaml
        calls:
          - subscribers: [open]
            dial: "0312345678"
            expect: {route: domestic, trunkk:   jp-domestic}
        """, "s.yaml")
    refused(load_scenario, path, "unknown key 'trunkk'", line=6, column=31)
    # in a scenario's inline target too (its positions come from the scenario document)
    path = write(tmp_path, """\
        title: a call
        dialplan: office.conf
        subscribers:
          open: {context: from-internal,  colour:  red}
        trunks:
          jp-domestic: {route: domestic}
        calls:
          - {subscribers: [open], dial: "0312345678", expect: {route: domestic}}
        """, "inline.yaml")
    refused(load_scenario, path, "unknown key 'colour'", line=4, column=35)


def test_unknown_key_in_profile_points_at_the_key(tmp_path: Path) -> None:
    jp = (REPO / "harness" / "profile" / "jp.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(jp + "colour:   red\n", encoding="utf-8")
    refused(lambda p: load_profile(str(p)), path, "unknown key 'colour'",
            line=len(jp.splitlines()) + 1, column=1)


# -- through the command line ------------------------------------------------------------

def test_cli_refuses_a_hostile_target_with_one_line(tmp_path: Path) -> None:
    # loading fails before any PBX is started, so this needs no Docker
    path = write(tmp_path, TARGET + "x: &a [*a]\n", "bad.yaml")
    env = {k: v for k, v in os.environ.items() if k != "DIALHARNESS_DEBUG"}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "check", str(path)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0] == (f"dialharness: error: {path}:8:4: YAML anchors (&a) are not "
                        "supported: write each value out in full")
