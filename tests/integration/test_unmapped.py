"""Nothing unmapped (contract 1b), on the real Asterisk: a channel the target file does not
map is exit 2 naming the resource, the dialplan line and the key to add; never a pass."""
from __future__ import annotations

from pathlib import Path

from .conftest import JP_OFFICE, run_cli

TRUNKS = """trunks:
  jp-domestic: {route: domestic, number_format: national}
  jp-intl: {route: international, number_format: national}
  jp-emergency: {route: emergency, number_format: national}
"""

#: a correct barred class, except where noted by each test
BARRED = """\
[from-barred]
exten => _0[1-9]X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)
 same => n,Hangup()
exten => _11[089],1,Dial(PJSIP/${EXTEN}@jp-emergency)
 same => n,Hangup()
exten => _010X.,1,Hangup(21)
"""


def write(tmp_path: Path, dialplan: str, extra: str = "") -> Path:
    (tmp_path / "plan.conf").write_text(dialplan)
    target = tmp_path / "plan.yaml"
    target.write_text("dialplan: plan.conf\nprofile: jp\nsubscribers:\n"
                      "  barred: {context: from-barred, barred: [international]}\n"
                      f"{TRUNKS}{extra}")
    return target


def check(target: Path, *more: str):
    return run_cli("check", str(target), "--examples", "60", "--seed", "1",
                   "--database", "none", *more)


def one_error_line(res) -> str:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "all properties hold" not in res.stdout
    return lines[0]


def test_forgotten_second_carrier_on_the_barred_path_is_exit_2(tmp_path: Path) -> None:
    # the reproduction: on main this passed with exit 0
    plan = BARRED.replace("exten => _010X.,1,Hangup(21)",
                          "exten => _010X.,1,Dial(PJSIP/${EXTEN}@backup-intl)")
    target = write(tmp_path, plan)
    line = one_error_line(check(target))
    assert f"{tmp_path / 'plan.conf'}:6:" in line
    assert "PJSIP/backup-intl" in line and "trunks:" in line
    # explain used to say "properties all hold"
    line = one_error_line(run_cli("explain", str(target), "01012125551234"))
    assert "PJSIP/backup-intl" in line


def test_a_trunk_chosen_at_run_time_is_caught_when_a_call_reaches_it(tmp_path: Path) -> None:
    # the static check cannot read ${T}; the run sees the substituted Dial() and refuses it,
    # also when Asterisk dials the mapped half of a parallel dial and skips the other
    plan = BARRED.replace(
        "exten => _010X.,1,Hangup(21)",
        "exten => _010X.,1,Set(T=backup-intl)\n"
        " same => n,Dial(PJSIP/${EXTEN}@jp-domestic&PJSIP/${EXTEN}@${T})")
    line = one_error_line(check(write(tmp_path, plan)))
    assert f"{tmp_path / 'plan.conf'}:7:" in line
    assert "PJSIP/backup-intl" in line and "as barred" in line


def test_internal_endpoints_of_the_target_are_mapped(tmp_path: Path) -> None:
    # the reference plan plus phones on 2XX, reached through a variable the static
    # check cannot read: unmapped, the call to a phone is exit 2; mapped, it passes
    plan = (JP_OFFICE.with_suffix(".conf").read_text()
            + "\n[from-internal]\nexten => _2XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n")
    (tmp_path / "plan.conf").write_text(plan)
    base = JP_OFFICE.read_text().replace("dialplan: jp-office.conf", "dialplan: plan.conf")
    target = tmp_path / "plan.yaml"
    target.write_text(base)
    line = one_error_line(run_cli("explain", str(target), "201", "--subscriber", "open"))
    assert "PJSIP/201" in line and f"{tmp_path / 'plan.conf'}:" in line
    target.write_text(base + 'internal:\n  endpoints: ["PJSIP/2XX"]\n')
    res = run_cli("explain", str(target), "201", "--subscriber", "open")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "internal" in res.stdout
    res = check(target)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "all properties hold" in res.stdout
