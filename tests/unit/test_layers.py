"""The layer rules of ARCHITECTURE.md, checked on the source."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "harness"
PURE = ["model.py", "oracle.py", "properties.py", "strategies.py", "scenario/load.py",
        "target.py", "yamlsource.py", "dialstring.py", "patterns.py", "scenario/judge.py",
        "scenario/__init__.py", "scenario/write.py", "profile/__init__.py"]
FORBIDDEN_IN_PURE = ("harness.pbx", "harness.drivers", "harness.ami", "harness.cli", "docker",
                     "pjsua2", "asterisk")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = path.relative_to(PKG.parent).with_suffix("").parts[:-node.level]
                mod = ".".join(base + ((mod,) if mod else ()))
            out.add(mod)
    return out


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_do_not_import_io_layers(name: str) -> None:
    bad = {m for m in imports(PKG / name) for f in FORBIDDEN_IN_PURE
           if m == f or m.startswith(f + ".")}
    assert not bad, f"{name} imports {bad}"


def test_only_pbx_imports_docker() -> None:
    for path in PKG.rglob("*.py"):
        if "docker" in {m.split(".")[0] for m in imports(path)}:
            assert path.parent.name == "pbx", path


def test_only_sip_code_imports_pjsua2() -> None:
    for path in PKG.rglob("*.py"):
        if "pjsua2" in {m.split(".")[0] for m in imports(path)}:
            assert path.name == "sip.py" or "sip" in path.parts, path
