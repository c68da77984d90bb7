"""What every PBX backend offers the drivers."""
from __future__ import annotations

import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from ..ami import AmiClient, AmiCredentials, Message
from ..errors import DialplanError, PbxDied, PbxError
from ..target import Target
from .carrier import CarrierSink
from .config import RunConfig

# "No '=' (equal sign) in line 7 of /run/dialharness/etc/extensions.conf"
_CONFIG_LINE = re.compile(r"(?:line|at line) (\d+) of (\S+?extensions\.conf)")


class Pbx(ABC):
    """A running Asterisk the harness may place calls on."""

    run: RunConfig
    target: Target | None = None
    #: the PBX renders one SIP phone endpoint per subscriber on every install (the SIP
    #: driver's callers); ``enable_sip_phones`` turns it on
    sip_phones: bool = False
    #: who holds the phone endpoints (``claim_phones``), None: nobody
    _phones_owner: object | None = None
    _phones_lock = threading.Lock()

    @property
    @abstractmethod
    def credentials(self) -> AmiCredentials: ...

    @property
    @abstractmethod
    def carrier(self) -> CarrierSink | None:
        """The SIP listener behind every trunk, when the harness rendered the trunks."""

    @property
    def sip_port(self) -> int:
        """The UDP port of Asterisk's PJSIP transport on 127.0.0.1 (where the SIP
        driver's phones send their INVITEs)."""
        return self.run.sip_port

    def enable_sip_phones(self) -> None:
        """Render the SIP driver's phone endpoints (one per subscriber) from now on and
        make them live. Raises PbxError when this backend cannot."""
        raise PbxError(f"{self.describe()} has no phone endpoints for the SIP driver")

    def claim_phones(self, owner: object) -> None:
        """Take the phone endpoints for ``owner`` (a SIP driver) until ``release_phones``.
        Raises PbxError while someone else holds them: two drivers would place calls
        from the same endpoints and take each other's calls."""
        with self._phones_lock:
            if self._phones_owner is not None and self._phones_owner is not owner:
                raise PbxError("another SIP driver is open on this PBX; close it first "
                               "(both would place calls from the same phone endpoints)")
            self._phones_owner = owner

    def release_phones(self, owner: object) -> None:
        """Give the phone endpoints back (nothing happens unless ``owner`` holds them)."""
        with self._phones_lock:
            if self._phones_owner is owner:
                self._phones_owner = None

    @abstractmethod
    def install(self, target: Target) -> None:
        """Make ``target``'s dialplan and trunks live (no restart). Raises DialplanError."""

    @abstractmethod
    def close(self) -> None: ...

    def alive(self) -> bool:
        return True

    def describe(self) -> str:
        c = self.credentials
        return f"Asterisk AMI {c.host}:{c.port}"

    #: why ``runtime_log`` returns None (printed once, in a warning)
    runtime_log_unavailable = "this PBX backend gives the harness no Asterisk log"

    def runtime_log(self) -> str | None:
        """What Asterisk logged since the last call of this (or since the dialplan was
        installed), up to and including every line of the calls placed so far; None when
        this backend has no log to read (then runtime errors only the log shows are not
        checked, and ``runtime_errors.raise_runtime_errors`` says so)."""
        return None

    def __enter__(self) -> Pbx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- shared helpers --------------------------------------------------------------
    def connect(self, **kwargs: object) -> AmiClient:
        client = AmiClient(self.credentials, **kwargs)  # type: ignore[arg-type]
        client.connect()
        return client

    def verify_contexts(self, target: Target,
                        read_log: Callable[[], str] | None = None) -> None:
        """Every subscriber's context must exist after loading, or the dialplan was rejected.

        Asterisk says what it did not understand only in its log: ``read_log`` (what it
        logged during the load) names the line. A line Asterisk skipped means the
        dialplan under test is not the one the user wrote, so it is an error even when
        the contexts exist (Asterisk may also drop the whole file).
        """
        where = _config_error_line(read_log() if read_log else "")
        if where is not None:
            line, detail = where
            detail = detail.replace("extensions.conf", target.dialplan.name)
            raise DialplanError(f"Asterisk rejected the dialplan: {detail}",
                                path=str(target.dialplan), line=line)
        missing = []
        with _Session(self) as ami:
            for sub in target.subscribers.values():
                reply = ami.request("ShowDialPlan", {"Context": sub.context}, timeout=10)
                if reply.name.lower() == "error":
                    missing.append((sub.name, sub.context))
        if not missing:
            return
        names = ", ".join(f"{c!r} (subscriber {s})" for s, c in missing)
        raise DialplanError(f"context {names} does not exist after loading the dialplan",
                            path=str(target.dialplan))


class _Session:
    """A short-lived AMI session for administrative actions."""

    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx

    def __enter__(self) -> AmiClient:
        self.client = self.pbx.connect()
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()


def _config_error_line(log_text: str) -> tuple[int, str] | None:
    for line in log_text.splitlines():
        if "extensions.conf" in line and ("WARNING" in line or "ERROR" in line):
            m = _CONFIG_LINE.search(line)
            if m:
                detail = line.split(": ", 2)[-1].strip() if ": " in line else line
                detail = re.sub(r"\S*/etc/extensions\.conf", "extensions.conf", detail)
                return int(m.group(1)), detail
    return None


def wait_for_ami(pbx: Pbx, deadline: float, alive: Callable[[], bool]) -> AmiClient:
    """Log in as soon as Asterisk accepts it and wait for FullyBooted.

    AMI listens before the modules (the dialplan among them) are loaded; Asterisk sends
    FullyBooted to a session at login once booted, or when boot completes.
    """
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not alive():
            raise PbxDied("Asterisk exited while starting")
        booted = threading.Event()
        try:
            client = pbx.connect(timeout=2.0, on_event=lambda m: m.name == "FullyBooted"
                                 and booted.set())
        except Exception as exc:  # not listening yet
            last = exc
            time.sleep(0.05)
            continue
        while not booted.wait(0.1):
            if time.monotonic() > deadline or not alive():
                client.close()
                raise PbxDied("Asterisk accepted AMI but never finished booting")
        return client
    raise PbxDied(f"Asterisk did not accept an AMI login in time: {last}")


def reload_modules(ami: AmiClient, *modules: str) -> list[Message]:
    return [ami.request("Reload", {"Module": m}, timeout=30) for m in modules]


#: context of the log barrier: no dialplan has it, so Asterisk logs the NOTICE
#: "No such extension/context <marker>@dialharness-log-barrier while calling Local channel"
BARRIER_CONTEXT = "dialharness-log-barrier"


class LogReader:
    """Reads an Asterisk log file up to a barrier: everything the calls so far logged.

    Asterisk's logger thread writes asynchronously, so a read right after a batch may miss
    its last lines. A barrier proves they are in: the harness Originates a Local channel to
    ``<marker>@dialharness-log-barrier``, a context nobody has, and Asterisk logs a NOTICE
    naming the marker while it refuses the call (``core_local.c``). The logger writes in
    the order lines were logged, and every line of a finished call was logged before its
    channels' Hangup events reached the driver, so once the marker is in the file, so is
    every line of the batch. No dialplan of the harness, no ``command`` privilege: only
    ``originate``. The file must log NOTICE (the harness's own logger.conf does).
    """

    def __init__(self, pbx: Pbx, path: Path, offset: int = 0, timeout: float = 5.0) -> None:
        self.pbx = pbx
        self.path = path
        self.offset = offset
        self.timeout = timeout
        self._client: AmiClient | None = None
        self._token = secrets.token_hex(4)
        self._n = 0

    def skip(self) -> None:
        """Forget what is in the file now (e.g. the lines of a reload)."""
        _, self.offset = read_new(self.path, self.offset)

    def read(self) -> str:
        self._n += 1
        marker = f"dhbarrier-{self._token}-{self._n}"
        try:
            if self._client is None:
                self._client = self.pbx.connect()
                # an administrative session: no events (the driver's session has them)
                self._client.request("Events", {"EventMask": "off"}, timeout=5)
            self._client.request("Originate", {
                "Channel": f"Local/{marker}@{BARRIER_CONTEXT}", "Application": "Wait",
                "Data": "1", "Async": "false", "Timeout": "2000"}, timeout=10)
        except Exception as exc:
            self.close()
            raise PbxError(f"cannot place the log barrier on {self.pbx.describe()} to read "
                           f"Asterisk's log for runtime dialplan errors: {exc}") from None
        data = b""
        deadline = time.monotonic() + self.timeout
        needle = f"{marker}@{BARRIER_CONTEXT}".encode()
        while True:
            try:
                with self.path.open("rb") as f:
                    f.seek(self.offset + len(data))
                    data += f.read()
            except FileNotFoundError:
                pass
            at = data.find(needle)
            if at >= 0:
                end = data.find(b"\n", at)
                end = len(data) if end < 0 else end + 1
                # lines after the barrier's are read next time
                self.offset += end
                return data[:end].decode("utf-8", "replace")
            if time.monotonic() > deadline:
                raise PbxError(f"Asterisk's log {self.path} did not show the harness's "
                               f"marker within {self.timeout:g} s: runtime dialplan errors "
                               "(missing applications, Goto nowhere) cannot be checked "
                               "(the log must record NOTICE)")
            time.sleep(0.005)

    def close(self) -> None:
        # in the background: closing waits for the listener thread, which a frozen PBX
        # never wakes (the driver's own session already bounds that wait once)
        client, self._client = self._client, None
        if client is not None:
            threading.Thread(target=_quiet_close, args=(client,), daemon=True,
                             name="dialharness-log-barrier-close").start()


def _quiet_close(client: AmiClient) -> None:
    try:
        client.close()
    except Exception:
        pass


def read_new(path: Path, offset: int) -> tuple[str, int]:
    try:
        with path.open("rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return "", offset
    return data.decode("utf-8", "replace"), offset + len(data)
