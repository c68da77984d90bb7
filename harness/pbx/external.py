"""An Asterisk that already runs elsewhere, reached by AMI only.

The harness cannot copy files into it: the user loads the dialplan and defines the trunk
endpoints (pointing at a lab carrier, never a real one). Credentials come from the
environment or a file, never from the command line, and are never printed.

    DIALHARNESS_AMI_HOST, DIALHARNESS_AMI_PORT, DIALHARNESS_AMI_USER, DIALHARNESS_AMI_SECRET
    or DIALHARNESS_AMI_FILE=path to a YAML file with host, port, username, secret

Asterisk's log. Some runtime dialplan errors show only in Asterisk's log: an application
Asterisk does not have (``Macro``, removed in Asterisk 21), an AGI that cannot run. This
backend has no log of its own: unless ``DIALHARNESS_ASTERISK_LOG`` names that Asterisk's
log file, readable on this machine and recording NOTICE (e.g. ``/var/log/asterisk/messages``
on the same host), those errors are NOT checked, and every run says so in a warning on
stderr. Jumps to nowhere and loops are checked either way (they show in AMI events).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..ami import AmiCredentials
from ..errors import ConfigError, InputError, PbxError
from ..target import Target
from .base import LogReader, Pbx
from .carrier import CarrierSink
from .config import RunConfig


class ExternalPbx(Pbx):
    def __init__(self, creds: AmiCredentials, target: Target | None = None) -> None:
        self._creds = creds
        self.run = RunConfig(ami_port=creds.port, ami_secret="", sip_port=5060, sink_port=0,
                             rtp_start=0, rtp_end=0)
        self.target = target
        self._log_reader: LogReader | None = None
        log = os.environ.get("DIALHARNESS_ASTERISK_LOG")
        if log:
            path = Path(log)
            if not path.is_file():
                raise InputError(f"DIALHARNESS_ASTERISK_LOG={log}: no such file")
            self._log_reader = LogReader(self, path, offset=path.stat().st_size)
            self.runtime_log_unavailable = ""
        else:
            self.runtime_log_unavailable = (
                "backend external: no Asterisk log to read (set DIALHARNESS_ASTERISK_LOG "
                "to that Asterisk's log file, recording NOTICE, to have it read)")

    @classmethod
    def from_environment(cls, target: Target | None = None, **_: object) -> ExternalPbx:
        env = os.environ
        path = env.get("DIALHARNESS_AMI_FILE")
        if path:
            creds = _from_file(Path(path))
        else:
            missing = [k for k in ("DIALHARNESS_AMI_HOST", "DIALHARNESS_AMI_USER",
                                   "DIALHARNESS_AMI_SECRET") if not env.get(k)]
            if missing:
                raise InputError("backend external needs " + ", ".join(missing)
                                 + " (or DIALHARNESS_AMI_FILE) in the environment")
            try:
                port = int(env.get("DIALHARNESS_AMI_PORT", "5038"))
            except ValueError:
                raise InputError("DIALHARNESS_AMI_PORT must be a number") from None
            creds = AmiCredentials(env["DIALHARNESS_AMI_HOST"], port,
                                   env["DIALHARNESS_AMI_USER"], env["DIALHARNESS_AMI_SECRET"])
        pbx = cls(creds, target)
        if target is not None:
            pbx.install(target)
        return pbx

    @property
    def credentials(self) -> AmiCredentials:
        return self._creds

    @property
    def carrier(self) -> CarrierSink | None:
        return None

    def enable_sip_phones(self) -> None:
        raise PbxError(f"{self.describe()}: the harness cannot add the SIP driver's phone "
                       "endpoints to an Asterisk it does not configure (use --backend docker)")

    def install(self, target: Target) -> None:
        # Nothing to copy: only check that the subscriber contexts are there.
        self.verify_contexts(target)
        if self._log_reader is not None:
            self._log_reader.skip()
        self.target = target

    def runtime_log(self) -> str | None:
        """The external Asterisk's log since the last read (DIALHARNESS_ASTERISK_LOG), or
        None: then runtime errors only the log shows are not checked (a warning says so)."""
        if self._log_reader is None:
            return None
        return self._log_reader.read()

    def close(self) -> None:
        if self._log_reader is not None:
            self._log_reader.close()


def _from_file(path: Path) -> AmiCredentials:
    from .. import yamlsource

    doc = yamlsource.load(path)
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with host, port, username, secret", path=str(path))
    for key in ("host", "username", "secret"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise doc.error((key,), "required")
    port = data.get("port", 5038)
    if not isinstance(port, int):
        raise doc.error(("port",), "must be a number")
    return AmiCredentials(data["host"], port, data["username"], data["secret"])
