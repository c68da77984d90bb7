"""The PBX dies or hangs under a running ``dialharness`` (issue 7, point 3): CLI level.

test_errors.py covers the session level (PbxDied, NoOutcome). Here the real command runs
in a subprocess and the PBX it started is killed, frozen, or keeps every call forever:
exit 2, a line naming the calls that had no outcome, never "all properties hold"; the
per-call timeout is the one given with ``--timeout``; and the next run, on a fresh
PBX, passes. Only containers started by the subprocess these tests launch are touched
(found by the subprocess's pid in the container name).

Each test names the protection it guards ("GUARDS:"); each claim was checked once by
disabling that protection locally and watching the test fail.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import JP_OFFICE, ROOT, run_cli

TRUNKS = """trunks:
  jp-domestic: {route: domestic, number_format: national}
  jp-intl: {route: international, number_format: national}
  jp-emergency: {route: emergency, number_format: national}
"""


def write_target(tmp_path: Path, dialplan: str) -> Path:
    (tmp_path / "plan.conf").write_text(dialplan)
    target = tmp_path / "plan.yaml"
    target.write_text("dialplan: plan.conf\nprofile: jp\nsubscribers:\n"
                      "  open: {context: from-internal}\n" + TRUNKS)
    return target


def wait_forever(seconds: int) -> str:
    return ("[from-internal]\n"
            f"exten => _[0-9*#+].,1,Wait({seconds})\n same => n,Hangup()\n"
            f"exten => _[0-9*#+],1,Wait({seconds})\n same => n,Hangup()\n")


def start_cli(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("DIALHARNESS_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "harness.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def containers_of(pid: int, *, all_states: bool = False) -> list[str]:
    cmd = ["docker", "ps", "--filter", f"name=dialharness-{pid}-", "--format", "{{.Names}}"]
    if all_states:
        cmd.insert(2, "-a")
    return subprocess.run(cmd, capture_output=True, text=True).stdout.split()


def live_calls(container: str) -> int:
    res = subprocess.run(["docker", "exec", container, "asterisk", "-rx",
                          "core show channels count"], capture_output=True, text=True)
    for line in res.stdout.splitlines():
        if "active call" in line:
            return int(line.split()[0])
    return 0


def container_with_calls(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """The container this subprocess started, once calls are in flight on it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        names = containers_of(proc.pid)
        if names and live_calls(names[0]) > 0:
            return names[0]
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the run never had calls in flight")


def error_line(stderr: str) -> str:
    lines = [l for l in stderr.splitlines() if l.startswith("dialharness: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_container_killed_during_check(tmp_path: Path) -> None:
    """GUARDS: AmiDriver's on_disconnect -> PbxDied naming the calls in flight, and
    explore's _Abort carrying it past Hypothesis (never shrunk, never a verdict)."""
    target = write_target(tmp_path, wait_forever(30))
    proc = start_cli("check", str(target), "--examples", "100", "--seed", "3",
                     "--database", "none", "--timeout", "60")
    try:
        container = container_with_calls(proc)
        t0 = time.monotonic()
        subprocess.run(["docker", "kill", container], capture_output=True, check=True)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert time.monotonic() - t0 < 20  # noticed at once, not after the 60 s timeout
    assert proc.returncode == 2, out + err
    line = error_line(err)
    assert "lost the PBX" in line and "calls in flight with no outcome:" in line
    assert "'" in line.split("no outcome:", 1)[1]  # names them
    assert "all properties hold" not in out + err
    assert "Traceback" not in err
    # the harness cleaned up after itself: container and run dir gone
    assert containers_of(proc.pid, all_states=True) == []


def test_frozen_pbx_is_no_outcome_not_a_hang(tmp_path: Path) -> None:
    """A PBX that stops answering (container paused: the TCP connection stays open,
    nothing comes back) ends the run at the per-call timeout, exit 2.

    GUARDS: the per-call timeout in AmiDriver.place (without it this run hangs until
    the test's own 90 s limit), and AmiClient's timeouts on the way out (close)."""
    proc = start_cli("check", str(JP_OFFICE), "--examples", "3000", "--seed", "4",
                     "--database", "none", "--timeout", "3")
    paused = None
    try:
        paused = container_with_calls(proc)
        subprocess.run(["docker", "pause", paused], capture_output=True, check=True)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
        if paused:
            subprocess.run(["docker", "unpause", paused], capture_output=True)
            subprocess.run(["docker", "rm", "-f", paused], capture_output=True)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 2, out + err
    line = error_line(err)
    assert "no outcome observed within 3 s" in line, line
    assert "all properties hold" not in out + err
    assert elapsed < 45, elapsed


@pytest.mark.parametrize("timeout", [2, 5])
def test_calls_that_never_end_use_the_given_timeout(tmp_path: Path, timeout: int) -> None:
    """Every call Waits for 10 minutes: the run ends after about --timeout, exit 2, and
    names the calls.

    GUARDS: --timeout reaching the driver (cli -> open_session -> CallRequest.timeout)
    and the per-call timeout in AmiDriver.place."""
    target = write_target(tmp_path, wait_forever(600))
    t0 = time.monotonic()
    res = run_cli("check", str(target), "--examples", "5", "--seed", "5", "--database", "none",
                  "--timeout", str(timeout), timeout=120)
    elapsed = time.monotonic() - t0
    assert res.returncode == 2, res.stdout + res.stderr
    line = error_line(res.stderr)
    assert f"no outcome observed within {timeout} s for " in line
    assert "'" in line and "Wait" in line
    assert "all properties hold" not in res.stdout + res.stderr
    assert timeout <= elapsed < timeout + 60  # startup and teardown on a busy machine; the Wait is 600 s
    # explain too
    res = run_cli("explain", str(target), "0312345678", "--timeout", str(timeout), timeout=120)
    assert res.returncode == 2
    assert f"within {timeout} s for 1 call(s): '0312345678'" in error_line(res.stderr)


def test_next_run_after_a_dead_pbx_passes(tmp_path: Path) -> None:
    """After a run whose PBX was killed, a new run (a fresh PBX) passes as usual.

    GUARDS: no state surviving a run (DockerPbx.start renders a fresh RunConfig and run
    dir; nothing reuses the dead container)."""
    target = write_target(tmp_path, wait_forever(30))
    proc = start_cli("explain", str(target), "0312345678", "--timeout", "60")
    try:
        container = container_with_calls(proc)
        subprocess.run(["docker", "kill", container], capture_output=True, check=True)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2 and "'0312345678'" in error_line(err)
    res = run_cli("check", str(JP_OFFICE), "--examples", "40", "--seed", "6",
                  "--database", "none")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "all properties hold" in res.stdout
