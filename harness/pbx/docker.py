"""The PBX in a container: build the image, start Asterisk with host networking, stop it.

One container serves a whole session; a new target is installed with a reload, not a
new container. The run directory (rendered configs, Asterisk's log) lives on the host
under a private temp dir and is mounted at ``/run/dialharness``. The harness reads that
log after every batch (``runtime_log``, behind a barrier) for runtime dialplan errors.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..ami import AmiCredentials
from ..errors import PbxDied, PbxStartError
from ..target import Target
from . import config
from .base import LogReader, Pbx, read_new, reload_modules, wait_for_ami
from .carrier import CarrierSink
from .config import RUN_MOUNT, RunConfig

IMAGE_REPO = "dialharness-asterisk"
BASE_IMAGE = "debian:sid-slim"
LABEL = "dialharness"
#: the pid of the harness process that owns a PBX container
OWNER_LABEL = "dialharness.owner-pid"


def docker_dir() -> Path:
    """The project's docker/ directory (Dockerfile and helper scripts)."""
    env = os.environ.get("DIALHARNESS_DOCKER_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "docker"


def image_tag() -> str:
    digest = hashlib.sha256((docker_dir() / "Dockerfile").read_bytes()).hexdigest()[:12]
    return f"{IMAGE_REPO}:{digest}"


def docker_client():  # -> docker.DockerClient
    """A client for the engine the user has; start Debian's dockerd only if none answers."""
    import docker  # only this module imports the SDK

    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except Exception:
        pass
    script = docker_dir() / "start-engine.sh"
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise PbxStartError("no Docker engine could be reached or started: "
                            + (proc.stderr.strip().splitlines() or ["(no output)"])[-1])
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except Exception as exc:
        raise PbxStartError(f"Docker engine started but does not answer: {exc}") from None


def ensure_image(client) -> str:  # type: ignore[no-untyped-def]
    """Build the PBX image if this Dockerfile's tag is not there yet; return the tag."""
    import docker

    tag = image_tag()
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.get(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        proc = subprocess.run(["bash", str(docker_dir() / "make-base-image.sh"), BASE_IMAGE],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise PbxStartError(f"cannot get base image {BASE_IMAGE}: "
                                + (proc.stderr.strip().splitlines() or ["(no output)"])[-1])
    try:
        client.images.build(path=str(docker_dir()), tag=tag, network_mode="host", rm=True,
                            labels={LABEL: "image"})
    except docker.errors.BuildError as exc:
        tail = [str(x.get("stream", x.get("error", ""))).strip() for x in exc.build_log][-5:]
        raise PbxStartError(f"building {tag} failed: {exc}; " + " | ".join(t for t in tail if t)) from None
    return tag


def reap_orphans(client) -> None:  # type: ignore[no-untyped-def]
    """Remove PBX containers whose harness process is gone (killed before it could clean up).

    Only containers this project labelled are touched, and only when their owner pid no
    longer exists on this host, so a parallel run's PBX is never removed.
    """
    try:
        containers = client.containers.list(all=True, filters={"label": f"{LABEL}=pbx"})
    except Exception:
        return
    for c in containers:
        try:
            pid = int(c.labels.get(OWNER_LABEL, "0"))
        except ValueError:
            continue
        if pid <= 0 or _pid_alive(pid):
            continue
        try:
            c.remove(force=True)
        except Exception:
            pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DockerPbx(Pbx):
    def __init__(self, client, container, run: RunConfig, run_dir: Path,  # type: ignore[no-untyped-def]
                 carrier: CarrierSink) -> None:
        self._client = client
        self._container = container
        self.run = run
        self.run_dir = run_dir
        self._carrier = carrier
        self._log_offset = 0
        self._log_reader: LogReader | None = None
        #: seconds from ``docker run`` to an AMI session that saw FullyBooted
        self.cold_start = 0.0
        #: render a phone endpoint per subscriber (SIP driver) on every install
        self.sip_phones = bool(run.phones)

    # -- construction ----------------------------------------------------------------
    @classmethod
    def start(cls, target: Target, *, run: RunConfig | None = None,
              start_timeout: float = 30.0, carrier_status: int | None = None,
              sip_phones: bool = False) -> DockerPbx:
        client = docker_client()
        tag = ensure_image(client)
        reap_orphans(client)
        run = run or RunConfig.fresh()
        if sip_phones:
            run.phones = config.phones_for(target)
        run_dir = Path(tempfile.mkdtemp(prefix="dialharness-run-"))
        os.chmod(run_dir, 0o700)
        config.render(target, run, run_dir / "etc", run_dir / "log")
        carrier = CarrierSink(run.sink_port, final_status=carrier_status)
        t_run = time.monotonic()
        try:
            container = client.containers.run(
                tag, detach=True, network_mode="host",
                labels={LABEL: "pbx", OWNER_LABEL: str(os.getpid())},
                name=f"dialharness-{os.getpid()}-{run.ami_port}",
                volumes={str(run_dir): {"bind": RUN_MOUNT, "mode": "rw"}},
                mem_limit="2g", stop_signal="SIGKILL")
        except Exception as exc:
            carrier.close()
            shutil.rmtree(run_dir, ignore_errors=True)
            raise PbxStartError(f"cannot start the PBX container: {exc}") from None
        pbx = cls(client, container, run, run_dir, carrier)
        try:
            wait_for_ami(pbx, time.monotonic() + start_timeout, pbx.alive).close()
            pbx.cold_start = time.monotonic() - t_run
            pbx.target = target
            pbx.verify_contexts(target, pbx._log_since_load)
        except BaseException as exc:
            logs = pbx.container_logs()
            pbx.close()
            if isinstance(exc, PbxDied):
                raise PbxStartError(f"{exc}; last lines: {logs}") from None
            raise
        return pbx

    # -- Pbx -------------------------------------------------------------------------
    @property
    def credentials(self) -> AmiCredentials:
        return AmiCredentials("127.0.0.1", self.run.ami_port, config.AMI_USER, self.run.ami_secret)

    @property
    def carrier(self) -> CarrierSink:
        return self._carrier

    @property
    def log_path(self) -> Path:
        return self.run_dir / "log" / "messages.log"

    def install(self, target: Target) -> None:
        if self.target is not None and target.path == self.target.path \
                and target.dialplan.read_bytes() == (self.run_dir / "etc" / "extensions.conf").read_bytes():
            return
        etc = self.run_dir / "etc"
        if self.sip_phones:
            self.run.phones = config.phones_for(target)
        (etc / "pjsip.conf").write_text(config.pjsip_conf(target, self.run))
        config.install_dialplan(target.dialplan, etc)
        _, self._log_offset = read_new(self.log_path, self._log_offset)
        ami = self.connect()
        try:
            reload_modules(ami, "res_pjsip.so", "pbx_config.so")
        finally:
            ami.close()
        self.target = target
        self.verify_contexts(target, self._log_since_load)

    def runtime_log(self) -> str:
        """Asterisk's log since the last read, through every line of the calls so far."""
        if self._log_reader is None:
            self._log_reader = LogReader(self, self.log_path)
        self._log_reader.offset = max(self._log_reader.offset, self._log_offset)
        text = self._log_reader.read()
        self._log_offset = self._log_reader.offset
        return text

    def enable_sip_phones(self) -> None:
        """Render the SIP driver's phone endpoints (one per subscriber) and reload PJSIP."""
        if self.sip_phones:
            return
        self.sip_phones = True
        if self.target is None:
            return
        self.run.phones = config.phones_for(self.target)
        (self.run_dir / "etc" / "pjsip.conf").write_text(config.pjsip_conf(self.target, self.run))
        ami = self.connect()
        try:
            reload_modules(ami, "res_pjsip.so")
        finally:
            ami.close()

    def alive(self) -> bool:
        try:
            self._container.reload()
        except Exception:
            return False
        return self._container.status in ("running", "created")

    def memory_bytes(self) -> int:
        """Current memory use of the container (Asterisk), from the engine's stats."""
        try:
            mem = self._container.stats(stream=False).get("memory_stats", {})
            # usage counts the page cache too; what Asterisk itself holds is without it
            cache = mem.get("stats", {}).get("inactive_file", mem.get("stats", {}).get("cache", 0))
            return max(0, int(mem.get("usage", 0)) - int(cache))
        except Exception:
            return 0

    def kill(self) -> None:
        """Kill Asterisk abruptly (tests of the failure paths)."""
        self._container.kill()

    def container_logs(self, lines: int = 5) -> str:
        try:
            raw = self._container.logs(tail=lines).decode("utf-8", "replace")
        except Exception:
            return "(no logs)"
        return " | ".join(l.strip() for l in raw.splitlines() if l.strip()) or "(empty)"

    def close(self) -> None:
        if self._log_reader is not None:
            self._log_reader.close()
        try:
            self._container.remove(force=True)
        except Exception:
            pass
        self._carrier.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def describe(self) -> str:
        return f"Asterisk in container {self._container.name} (AMI 127.0.0.1:{self.run.ami_port})"

    def _log_since_load(self) -> str:
        # Asterisk's logger thread writes asynchronously: read until the file has stopped
        # growing for a moment, so a complaint about the dialplan is not missed.
        text, self._log_offset = read_new(self.log_path, self._log_offset)
        quiet_since = time.monotonic()
        deadline = quiet_since + 1.0
        while time.monotonic() < deadline and time.monotonic() - quiet_since < 0.15:
            time.sleep(0.03)
            more, self._log_offset = read_new(self.log_path, self._log_offset)
            if more:
                text += more
                quiet_since = time.monotonic()
        return text
