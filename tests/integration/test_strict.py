"""--strict adds invalid_is_blocked (contract section 4): a dial string outside the grammar
is blocked. Against the PBX: a plan that routes out-of-grammar strings to a trunk passes
the default checks and fails --strict naming invalid_is_blocked; the reference passes
--strict."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import DIALPLANS, JP_OFFICE, run_cli

FAST = ("--seed", "3", "--database", "none", "--examples", "1000")


def failed(stdout: str) -> set[str]:
    return set(re.findall(r"^FAILED (\w+)$", stdout, re.MULTILINE))


@pytest.fixture(scope="module")
def lax_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jp-office with one "generous" extra pattern: 0 + any 10 digits goes to the domestic
    trunk. No in-grammar number has that shape (a 10-digit NSN starts 70/80/90/800), and a
    national trunk reads it as a number in Japan, so no default property can object."""
    tmp = tmp_path_factory.mktemp("lax")
    conf = (DIALPLANS / "jp-office.conf").read_text()
    marker = "[jp-domestic]\n"
    assert marker in conf
    conf = conf.replace(marker, marker + "exten => _0ZZXXXXXXXX,1,Goto(trunk-domestic,${EXTEN},1)"
                                         " ; 'lenient': any 0 + 10 digits\n", 1)
    (tmp / "lax.conf").write_text(conf)
    yaml = JP_OFFICE.read_text().replace("dialplan: jp-office.conf", "dialplan: lax.conf")
    assert "lax.conf" in yaml
    (tmp / "lax.yaml").write_text(yaml)
    return tmp / "lax.yaml"


def test_lax_plan_passes_the_default_checks(lax_plan: Path) -> None:
    res = run_cli("check", str(lax_plan), *FAST)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert "all properties hold" in res.stdout
    assert "invalid_is_blocked" not in res.stdout


def test_lax_plan_fails_strict_naming_invalid_is_blocked(lax_plan: Path) -> None:
    res = run_cli("check", str(lax_plan), "--strict", *FAST)
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr
    assert failed(res.stdout) == {"invalid_is_blocked"}, res.stdout[-3000:]
    dial = re.search(r"^FAILED invalid_is_blocked\n  dial string: (\S+)", res.stdout, re.M)
    # 0 + 10 digits, or the same written +81 ... (which the plan rewrites to 0 ...),
    # after an optional cid and carrier code
    assert dial and re.fullmatch(r"(18[46])?(00\d{1,4})?(0|\+81)[1-9]{2}\d{8}", dial.group(1)), \
        dial.group(1) if dial else res.stdout[-2000:]
    assert "replay:      dialharness explain" in res.stdout
    # the other properties still held, each on the whole budget
    for name in ("no_unintended_international", "domestic_reaches_domestic"):
        assert re.search(rf"^{name}\s+[1-9]\d*\s.*\bfull\s+ok$", res.stdout, re.M), res.stdout


def test_reference_passes_strict() -> None:
    res = run_cli("check", str(JP_OFFICE), "--strict", *FAST)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
    assert re.search(r"^invalid_is_blocked\s+[1-9]\d*\s+[1-9]\d*\s+0\s.*\bfull\s+ok$",
                     res.stdout, re.M), res.stdout
