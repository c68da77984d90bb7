"""The parent side of the phone workers: start, feed and watch pjsua2 processes.

Each worker is ``python -m harness.sip.phone_worker`` with its own pjsua2 Endpoint on its
own UDP port. A reader thread per worker turns its output lines into callbacks; when a
worker exits (crash, abort inside pjsua2, kill), ``on_exit`` names it with its exit status
and the tail of its stderr, so the driver can fail the calls it had, never wait on them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import PbxError

#: calls one worker keeps in flight (the wheel's compile-time limit per Endpoint)
CALLS_PER_WORKER = 4
READY_TIMEOUT = 20.0


class PhoneWorker:
    def __init__(self, index: int, on_message: Callable[[PhoneWorker, dict], None],
                 on_exit: Callable[[PhoneWorker, str], None]) -> None:
        self.index = index
        self.port = 0
        self._on_message = on_message
        self._on_exit = on_exit
        self._ready = threading.Event()
        self._send_lock = threading.Lock()
        self._closing = False
        self.dead: str | None = None
        self._errlog = tempfile.TemporaryFile()
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "harness.sip.phone_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self._errlog, env=env, cwd=root,
            start_new_session=True)
        self._reader = threading.Thread(target=self._read, name=f"sip-phone-{index}",
                                        daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, deadline: float) -> None:
        if not self._ready.wait(max(0.0, deadline - time.monotonic())):
            raise PbxError(f"SIP phone worker {self.index} (pid {self.pid}) did not start "
                           f"within {READY_TIMEOUT:g} s: {self.dead or self.stderr_tail()}")
        if self.dead:
            raise PbxError(f"SIP phone worker {self.index} failed to start: {self.dead}")

    def send(self, msg: dict) -> None:
        data = (json.dumps(msg, separators=(",", ":")) + "\n").encode()
        with self._send_lock:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (OSError, ValueError) as exc:
                raise PbxError(f"SIP phone worker {self.index} (pid {self.pid}) is gone: "
                               f"{self.dead or exc}") from None

    def stderr_tail(self, limit: int = 400) -> str:
        try:
            self._errlog.seek(0, os.SEEK_END)
            size = self._errlog.tell()
            self._errlog.seek(max(0, size - limit))
            text = self._errlog.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return "(no stderr)"
        lines = [l.strip() for l in text.splitlines() if l.strip()]
        return " | ".join(lines[-3:]) or "(no stderr)"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if msg.get("ev") == "ready":
                self.port = int(msg.get("port", 0))
                self._ready.set()
                continue
            self._on_message(self, msg)
        try:
            rc = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            rc = None
        if rc is None:
            why = "closed its output but did not exit"
        elif rc < 0:
            why = f"killed by signal {-rc}"
        else:
            why = f"exited with status {rc}"
        self.dead = f"{why}; stderr: {self.stderr_tail()}"
        self._ready.set()
        if not self._closing:
            self._on_exit(self, self.dead)

    def close(self, timeout: float = 3.0) -> None:
        self._closing = True
        try:
            self.send({"op": "stop"})
        except PbxError:
            pass
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        self._reader.join(2)
        try:
            self._errlog.close()
        except OSError:
            pass
