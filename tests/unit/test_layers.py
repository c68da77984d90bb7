"""The layer rules of ARCHITECTURE.md, checked on the source."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "harness"
PURE = ["model.py", "oracle.py", "properties.py", "strategies.py", "scenario/load.py",
        "target.py", "yamlsource.py", "dialstring.py", "patterns.py", "scenario/judge.py",
        "scenario/__init__.py", "scenario/write.py", "profile/__init__.py", "verdict.py",
        "dialapp.py", "channels.py", "defaults.py", "coverage.py", "dialplan_strategies.py", "guidance.py",
        "dialplan/reach.py"]
FORBIDDEN_IN_PURE = ("harness.pbx", "harness.drivers", "harness.ami", "harness.cli", "docker",
                     "pjsua2", "asterisk")


def imports(path: Path, *, typing_only: bool = True) -> set[str]:
    """Every module ``path`` imports; ``typing_only=False`` leaves out those under
    ``if TYPE_CHECKING:`` (types of plain data, never imported at run time)."""
    tree = ast.parse(path.read_text())
    skip = set() if typing_only else {
        id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
        and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for stmt in block.body for n in ast.walk(stmt)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
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


# -- the dialplan model: the ground floor, and the only reader of extensions.conf ----------

REPO = PKG.parent
DIALPLAN = PKG / "dialplan"
#: all of the harness the dialplan model may stand on
DIALPLAN_MAY_IMPORT = ("harness.patterns", "harness.errors")
#: the model's names: imported from harness.dialplan, never through another module
DIALPLAN_NAMES = {"Context", "Dialplan", "Priority", "parse_dialplan", "pattern_matches",
                  "specificity"}


def imported_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every ``from module import name`` of ``path``."""
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = path.relative_to(REPO).with_suffix("").parts[:-node.level]
                mod = ".".join(base + ((mod,) if mod else ()))
            out |= {(mod, a.name) for a in node.names}
    return out


def _sources() -> list[Path]:
    return [p for d in ("harness", "tests", "scripts", "benchmarks") if (REPO / d).is_dir()
            for p in (REPO / d).rglob("*.py")]


def _is_dialplan(module: str) -> bool:
    return module == "harness.dialplan" or module.startswith("harness.dialplan.")


@pytest.mark.parametrize("name", ["coverage.py"] + sorted(
    p.relative_to(PKG).as_posix() for p in DIALPLAN.glob("*.py")))
def test_dialplan_model_and_coverage_are_pure(name: str) -> None:
    test_pure_modules_do_not_import_io_layers(name)


def test_dialplan_model_imports_only_the_ground_floor() -> None:
    for path in DIALPLAN.rglob("*.py"):
        bad = {m for m in imports(path) if (m == "harness" or m.startswith("harness."))
               and not _is_dialplan(m) and m not in DIALPLAN_MAY_IMPORT}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_dialplan_is_read_through_harness_dialplan_only() -> None:
    """Outside the package, ``harness.dialplan`` itself, never its modules."""
    for path in _sources():
        if DIALPLAN in path.parents:
            continue
        bad = {m for m in imports(path) if _is_dialplan(m) and m != "harness.dialplan"}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}: use harness.dialplan"


def test_only_the_dialplan_package_defines_a_dialplan_parser() -> None:
    for path in PKG.rglob("*.py"):
        defs = {n.name for n in ast.walk(ast.parse(path.read_text()))
                if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        if DIALPLAN not in path.parents:
            assert not defs & {"parse_dialplan", "Dialplan", "Priority"}, path


def test_dialplan_names_come_from_harness_dialplan() -> None:
    for path in _sources():
        rel = path.relative_to(REPO).as_posix()
        bad = {(m, n) for m, n in imported_names(path) if n in DIALPLAN_NAMES
               and m.startswith("harness") and not _is_dialplan(m)}
        assert not bad, f"{rel} imports {bad}: use harness.dialplan"


def test_coverage_imports_no_report() -> None:
    bad = {m for m in imports(PKG / "coverage.py")
           if m == "harness.report" or m.startswith("harness.report.")}
    assert not bad, f"coverage.py imports {bad}: rendering coverage is harness/report's"


# -- one place each: AMI, the route and the expected answer, Hypothesis internals ----------

def _harness_imports(path: Path) -> set[str]:
    return {m for m in imports(path) if m == "harness" or m.startswith("harness.")}


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_only_the_ami_client_speaks_ami() -> None:
    """Everything else reaches Asterisk through ``harness.ami.AmiClient``."""
    for path in PKG.rglob("*.py"):
        if "asterisk" in {m.split(".")[0] for m in imports(path)}:
            assert path == PKG / "ami" / "client.py", path


def test_only_the_verdict_core_asks_the_oracle_for_answers() -> None:
    """``oracle.expect`` and ``oracle.read_destination`` are called in verdict.py only:
    one Expected and one reading of each leg per call."""
    for path in PKG.rglob("*.py"):
        if path in (PKG / "verdict.py", PKG / "oracle.py"):
            continue
        called = {n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
                  for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)}
        assert not called & {"expect", "read_destination"}, path


def test_drivers_know_no_numbering_plan() -> None:
    """Drivers return raw observations: no oracle, profile, properties or verdict."""
    for path in (PKG / "drivers").rglob("*.py"):
        bad = {m for m in _harness_imports(path) if _under(
            m, "harness.oracle", "harness.profile", "harness.properties", "harness.verdict",
            "harness.session", "harness.explore", "harness.report")}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_drivers_do_not_import_each_other() -> None:
    """The shared loop and event reader are in base.py/events.py; no driver imports a
    sibling driver (the factory in __init__ imports each one lazily)."""
    drivers = {"harness.drivers.ami", "harness.drivers.sip"}
    for path in (PKG / "drivers").glob("*.py"):
        if path.name == "__init__.py":
            continue
        own = f"harness.drivers.{path.stem}"
        bad = (_harness_imports(path) & drivers) - {own}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_report_writers_take_plain_data() -> None:
    """A report writer places no call: it imports (at run time) no session, driver, PBX
    or explorer; an ExploreResult reaches it as data."""
    for path in (PKG / "report").rglob("*.py"):
        bad = {m for m in imports(path, typing_only=False) if _under(
            m, "harness.session", "harness.drivers", "harness.pbx", "harness.ami",
            "harness.explore", "harness.commands")}
        assert not bad, f"{path.relative_to(REPO)} imports {bad}"


def test_only_the_adapter_touches_hypothesis_internals() -> None:
    for path in PKG.rglob("*.py"):
        src = path.read_text()
        uses = {m for m in imports(path) if m.startswith("hypothesis.internal")}
        if path != PKG / "hypothesis_internals.py":
            assert not uses, f"{path.relative_to(REPO)} imports {uses}"
            assert "_hypothesis_internal" not in src, path
            assert "MAX_SHRINKING_SECONDS" not in src, path
