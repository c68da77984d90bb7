"""The harness's AMI account is private to one run (issue 7, point 2).

Loopback only, a fresh secret per run that lives in no file outside the run's own
directory and in no output, no shell or CLI through AMI, and for the external backend
credentials from the environment or a file only, never printed.

Each test names the protection it guards ("GUARDS:"); each claim was checked once by
disabling that protection locally and watching the test fail.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import build_parser
from harness.pbx.docker import DockerPbx
from harness.target import load_target

from .conftest import JP_OFFICE, ROOT, run_cli

SECRET_WORDS = re.compile(r"secret|password|passw|credential", re.IGNORECASE)


@pytest.fixture(scope="module")
def pbx() -> Iterator[DockerPbx]:
    p = DockerPbx.start(load_target(JP_OFFICE))
    try:
        yield p
    finally:
        p.close()


def non_loopback_ipv4() -> list[str]:
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    addrs = re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    return [a for a in addrs if not a.startswith("127.")]


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the TCP listeners on ``port`` (IPv4 and IPv6), from /proc."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, _, state = line.split()[1:4]
            addr, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:
                found.append(addr)
    return found


def files_containing(needle: str, root: Path, *, skip: tuple[Path, ...] = ()) -> list[Path]:
    """Every readable regular file under ``root`` whose bytes contain ``needle``."""
    data = needle.encode()
    hits = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: None):
        d = Path(dirpath)
        # the job machinery's own directories and git's object store are not ours to read
        dirnames[:] = [n for n in dirnames if not n.startswith("bash_jobs") and n != ".git"
                       and not any((d / n) == s for s in skip)]
        for name in filenames:
            p = d / name
            try:
                if not p.is_file() or p.is_symlink() or p.stat().st_size > 50 * 2**20:
                    continue
                if data in p.read_bytes():
                    hits.append(p)
            except OSError:
                continue
    return hits


# -- loopback only --------------------------------------------------------------------

def test_ami_listens_on_loopback_only(pbx: DockerPbx) -> None:
    """GUARDS: ``bindaddr = 127.0.0.1`` in manager.conf (harness/pbx/config.py)."""
    port = pbx.run.ami_port
    conf = (pbx.run_dir / "etc" / "manager.conf").read_text()
    assert re.search(r"^bindaddr = 127\.0\.0\.1$", conf, re.M)
    # the listening socket itself (host networking: it is in this namespace)
    assert listening_addresses(port) == ["0100007F"]
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        assert s.recv(64).startswith(b"Asterisk Call Manager")
    others = non_loopback_ipv4()
    for addr in others:  # this machine has e.g. eth0: nothing may answer there
        with pytest.raises(OSError):
            socket.create_connection((addr, port), timeout=3).close()


# -- the secret ---------------------------------------------------------------------------

def test_secret_is_fresh_per_run_and_stays_in_the_run_dir(pbx: DockerPbx) -> None:
    """GUARDS: RunConfig.fresh's per-run random secret (harness/pbx/config.py), that
    render() writes it only into the private run dir (0700, manager.conf 0600), and the
    masked repr of RunConfig / AmiCredentials; the container is created without it."""
    second = DockerPbx.start(load_target(JP_OFFICE))
    try:
        s1, s2 = pbx.run.ami_secret, second.run.ami_secret
        assert s1 != s2 and len(s1) >= 32 and len(s2) >= 32
        for p, secret in ((pbx, s1), (second, s2)):
            assert (p.run_dir.stat().st_mode & 0o777) == 0o700
            assert ((p.run_dir / "etc" / "manager.conf").stat().st_mode & 0o777) == 0o600
            # each secret in its own run dir, once, and nowhere else on this machine's temp
            # dir (the run dir's parent), nor in the repository
            assert files_containing(secret, p.run_dir) == [p.run_dir / "etc" / "manager.conf"]
            assert files_containing(secret, p.run_dir.parent,
                                    skip=(pbx.run_dir, second.run_dir)) == []
            assert files_containing(secret, ROOT) == []
            # what Docker stores about the container (its config lives outside the run dir)
            attrs = json.dumps(p._container.attrs)
            assert secret not in attrs
            assert secret not in p.container_logs(lines=200)
            for shown in (repr(p.run), repr(p.credentials), p.describe()):
                assert secret not in shown
        # one run's secret does not open the other run's AMI
        from harness.ami import AmiClient, AmiCredentials
        from harness.errors import PbxStartError
        crossed = AmiCredentials("127.0.0.1", second.run.ami_port, "dialharness", s1)
        with pytest.raises(PbxStartError):
            AmiClient(crossed).connect()
    finally:
        second.close()


def _run_dir_of(port: int) -> Path | None:
    for d in Path(tempfile.gettempdir()).glob("dialharness-run-*"):
        try:
            if re.search(rf"^port = {port}$", (d / "etc" / "manager.conf").read_text(), re.M):
                return d
        except OSError:
            continue
    return None


def test_cli_run_never_shows_its_secret(tmp_path: Path) -> None:
    """A real ``dialharness check`` run: read its secret from its run dir while it runs;
    afterwards the secret is in neither its output nor any file left anywhere.

    GUARDS: the same as above plus DockerPbx.close() removing the run dir, and no
    printing of credentials on the check path."""
    env = dict(os.environ)
    env.pop("DIALHARNESS_DEBUG", None)
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("w") as o, err.open("w") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "check", str(JP_OFFICE), "--examples", "200",
             "--seed", "7", "--database", "none", "--junit", str(tmp_path / "junit.xml"),
             "--report", str(tmp_path / "report.html")],
            stdout=o, stderr=e, env=env, cwd=ROOT)
        secret = run_dir = None
        deadline = time.monotonic() + 60
        try:
            while secret is None and time.monotonic() < deadline and proc.poll() is None:
                names = subprocess.run(
                    ["docker", "ps", "--filter", f"name=dialharness-{proc.pid}-",
                     "--format", "{{.Names}}"], capture_output=True, text=True).stdout.split()
                if names:
                    run_dir = _run_dir_of(int(names[0].rsplit("-", 1)[1]))
                    if run_dir is not None:
                        m = re.search(r"^secret = (\S+)$",
                                      (run_dir / "etc" / "manager.conf").read_text(), re.M)
                        secret = m.group(1) if m else None
                time.sleep(0.1)
            rc = proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert secret, "could not observe the run's secret while it ran"
    assert rc == 0, out.read_text() + err.read_text()
    text = out.read_text() + err.read_text()
    assert "all properties hold" in text
    assert secret not in text
    assert run_dir is not None and not run_dir.exists()  # the run dir went with the run
    assert files_containing(secret, tmp_path) == []        # junit, report
    assert files_containing(secret, Path(tempfile.gettempdir())) == []
    assert files_containing(secret, ROOT) == []


# -- what the account may do --------------------------------------------------------------

def test_no_command_or_system_class(pbx: DockerPbx) -> None:
    """GUARDS: the ``write =`` classes of manager.conf (no command, no system)."""
    conf = (pbx.run_dir / "etc" / "manager.conf").read_text()
    write = re.search(r"^write = (.*)$", conf, re.M)
    assert write and not {"command", "system", "all"} & {c.strip() for c in write.group(1).split(",")}
    ami = pbx.connect()
    try:
        reply = ami.request("Command", {"Command": "core show version"})
        assert reply.name.lower() == "error" and "permission denied" in reply.get("Message").lower()
        assert not reply.follows
        # the classic ways from originate to a shell are refused without 'system'
        for fields in ({"Application": "System", "Data": "touch /tmp/dialharness-pwned"},
                       {"Application": "Exec", "Data": "System(touch /tmp/dialharness-pwned)"},
                       {"Application": "NoOp", "Data": "${SHELL(touch /tmp/dialharness-pwned)}"}):
            reply = ami.request("Originate", {"Channel": "Local/110@from-internal/n",
                                              "Async": "true", **fields})
            assert reply.name.lower() == "error", fields
            assert "forbidden" in reply.get("Message").lower(), reply
    finally:
        ami.close()


# -- the external backend -----------------------------------------------------------------

def test_no_secret_on_the_command_line() -> None:
    """Credentials cannot be given as options, so they never land in shell history or ps.

    GUARDS: harness/cli.py offers no credential option; external.py reads env/file only."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    for name, sub in [("dialharness", parser), *subparsers.choices.items()]:
        for action in sub._actions:
            for opt in action.option_strings:
                assert not SECRET_WORDS.search(opt) and not re.search(r"user|host|login", opt), \
                    (name, opt)
    for args in (["--help"], *([c, "--help"] for c in subparsers.choices)):
        res = run_cli(*args)
        assert res.returncode == 0, res.stderr
        assert not SECRET_WORDS.search(res.stdout + res.stderr), (args, res.stdout)


def external_env(pbx: DockerPbx, secret: str | None = None) -> dict[str, str]:
    c = pbx.credentials
    return {"DIALHARNESS_AMI_HOST": c.host, "DIALHARNESS_AMI_PORT": str(c.port),
            "DIALHARNESS_AMI_USER": c.username,
            "DIALHARNESS_AMI_SECRET": c.secret if secret is None else secret}


def test_external_backend_never_prints_the_secret(pbx: DockerPbx, tmp_path: Path) -> None:
    """GUARDS: nothing on the explain/check path prints AmiCredentials or RunConfig
    (their repr masks the secret)."""
    secret = pbx.credentials.secret
    res = run_cli("explain", str(JP_OFFICE), "18608012345678", "--backend", "external",
                  env=external_env(pbx))
    assert res.returncode == 0, res.stderr
    assert "jp-domestic" in res.stdout and "properties    all hold" in res.stdout
    assert secret not in res.stdout + res.stderr
    # the same from a credentials file
    creds = tmp_path / "ami.yaml"
    c = pbx.credentials
    creds.write_text(f"host: {c.host}\nport: {c.port}\nusername: {c.username}\nsecret: {secret}\n")
    res = run_cli("check", str(JP_OFFICE), "--examples", "20", "--seed", "1", "--database",
                  "none", "--backend", "external", env={"DIALHARNESS_AMI_FILE": str(creds)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert secret not in res.stdout + res.stderr


def test_external_backend_wrong_secret(pbx: DockerPbx, tmp_path: Path) -> None:
    """Exit 2, one clear line, and neither the wrong nor the right secret in it.

    GUARDS: AmiClient.connect's login error (harness/ami/client.py) names host:port and
    Asterisk's reason, never the credentials."""
    wrong = "wrong-" + pbx.credentials.secret[::-1]
    res = run_cli("explain", str(JP_OFFICE), "110", "--backend", "external",
                  env=external_env(pbx, wrong))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "refused" in lines[0] and f"127.0.0.1:{pbx.run.ami_port}" in lines[0]
    assert "Traceback" not in res.stderr
    for s in (wrong, pbx.credentials.secret):
        assert s not in res.stdout + res.stderr
    creds = tmp_path / "ami.yaml"
    creds.write_text(f"host: 127.0.0.1\nport: {pbx.run.ami_port}\nusername: dialharness\n"
                     f"secret: {wrong}\n")
    res = run_cli("explain", str(JP_OFFICE), "110", "--backend", "external",
                  env={"DIALHARNESS_AMI_FILE": str(creds)})
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert wrong not in res.stdout + res.stderr
    # and without any credentials: exit 2 naming what is missing
    res = run_cli("explain", str(JP_OFFICE), "110", "--backend", "external",
                  env={k: "" for k in external_env(pbx)})
    assert res.returncode == 2 and "DIALHARNESS_AMI_SECRET" in res.stderr
