"""Field reports as tests: `dialharness run` passes on the reference dialplan, fails naming
the call on the field-report mutant; fuzz counterexamples replay as scenarios."""
from __future__ import annotations

import re
from pathlib import Path

from .conftest import DIALPLANS, JP_OFFICE, ROOT, run_cli


def field_report_mutant() -> Path:
    found = sorted(p for p in (DIALPLANS / "mutants").glob("*.yaml")
                   if "field-report" in p.stem or "nanp" in p.stem)
    assert found, "dialplans/mutants/ must hold the field report's mutant"
    return found[0]


def test_shipped_scenarios_pass_on_reference(tmp_path: Path) -> None:
    res = run_cli("run", str(ROOT / "scenarios"), "--junit", str(tmp_path / "j.xml"))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert re.search(r"^(\d+) passed, 0 failed", res.stdout, re.MULTILINE)
    assert "<failure" not in (tmp_path / "j.xml").read_text()


def test_shipped_scenarios_fail_on_field_report_mutant(tmp_path: Path) -> None:
    res = run_cli("run", str(ROOT / "scenarios" / "field-report-186.yaml"),
                  "--target", str(field_report_mutant()), "--junit", str(tmp_path / "j.xml"))
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr
    # the failing call is named: scenario title, subscriber and dial string
    assert re.search(r"^FAIL .*\[(open|intl_barred)\] 186\d+", res.stdout, re.MULTILINE), res.stdout
    assert "replay: dialharness explain" in res.stdout
    assert "<failure" in (tmp_path / "j.xml").read_text()


def test_fuzz_counterexample_replays_as_scenario(tmp_path: Path) -> None:
    mutant = field_report_mutant()
    saved = tmp_path / "found"
    res = run_cli("fuzz", str(mutant), "--examples", "600", "--seed", "7", "--database", "none",
                  "--save-failures", str(saved))
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr
    files = sorted(saved.glob("*.yaml"))
    assert files, res.stdout[-2000:]
    # the counterexample fails on the mutant it was found on ...
    again = run_cli("run", str(saved))
    assert again.returncode == 1, again.stdout + again.stderr
    # ... and passes once the dialplan is fixed (same subscribers and trunks)
    fixed = run_cli("run", str(saved), "--target", str(JP_OFFICE))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
