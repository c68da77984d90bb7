"""Exceptions of dialharness.

Findings are not errors: a property that fails is reported as a Failure value (exit 1),
never raised through this tree. Everything here means the tool could not give a verdict
(exit 2), and is never turned into a pass.

    DialharnessError
    ├── InputError            unusable input: exit 2 with a one-line reason
    │   ├── ConfigError       a target, profile or scenario file is wrong (file:line:col)
    │   ├── DialStringError   a dial string outside [0-9+*#] or too long
    │   └── DialplanError     Asterisk rejected the dialplan (file and line when it said so)
    │       ├── DialplanRuntimeError  a call hit a dialplan error (missing app, Goto nowhere,
    │       │                         AGI that cannot run, a loop past the step limit)
    │       └── UnmappedChannel       the dialplan reaches a channel the target does not map
    ├── PbxError              the PBX could not be used
    │   ├── PbxStartError     no PBX could be started or reached
    │   ├── PbxDied           the PBX went away mid-run; names the calls in flight
    │   └── NoOutcome         calls whose outcome was not observed within their timeout
    └── InternalError         an unexpected exception inside the harness (a bug of ours)
"""
from __future__ import annotations

from collections.abc import Sequence


class DialharnessError(Exception):
    """Base of every error the tool raises on purpose."""


class InputError(DialharnessError):
    pass


class ConfigError(InputError):
    """A configuration file is wrong; ``str()`` is ``file:line:col: message``."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None, key: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.key = key
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class DialStringError(InputError):
    pass


class DialplanError(InputError):
    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


class DialplanRuntimeError(DialplanError):
    """A call ran into something the dialplan needs and Asterisk does not have."""


class UnmappedChannel(DialplanError):
    """The dialplan tries to reach a channel that is neither a trunk nor internal."""

    def __init__(self, resource: str, *, path: str | None = None, line: int | None = None,
                 detail: str = "") -> None:
        self.resource = resource
        tech, _, name = resource.partition("/")
        if tech.upper() == "PJSIP":
            hint = (f"add it to the target file as a trunk (trunks: {{{name}: {{route: "
                    f"domestic|international|emergency, number_format: national|e164}}}}) "
                    f"or as an internal endpoint (internal: {{endpoints: [\"{resource}\"]}})")
        else:
            hint = (f"add it to the target file as an internal endpoint (internal: "
                    f"{{endpoints: [\"{resource}\"]}}); trunks are PJSIP endpoints so far")
        super().__init__(f"the dialplan dials {resource}, which the target file does not map"
                         f"{detail}; {hint}", path=path, line=line)


class InternalError(DialharnessError):
    """An exception the harness did not expect: never a pass, never a finding."""


class PbxError(DialharnessError):
    pass


class PbxStartError(PbxError):
    pass


class PbxDied(PbxError):
    def __init__(self, message: str, in_flight: Sequence[str] = ()) -> None:
        self.in_flight = tuple(in_flight)
        if self.in_flight:
            shown = ", ".join(repr(c) for c in self.in_flight[:10])
            more = f" (+{len(self.in_flight) - 10} more)" if len(self.in_flight) > 10 else ""
            message = f"{message}; calls in flight with no outcome: {shown}{more}"
        super().__init__(message)


class NoOutcome(PbxError):
    def __init__(self, calls: Sequence[str], timeout: float, details: Sequence[str] = ()) -> None:
        self.calls = tuple(calls)
        self.details = tuple(details)
        shown = ", ".join(repr(c) for c in self.calls[:10])
        more = f" (+{len(self.calls) - 10} more)" if len(self.calls) > 10 else ""
        last = f"; first one: {self.details[0]}" if self.details else ""
        super().__init__(
            f"no outcome observed within {timeout:g} s for {len(self.calls)} call(s): "
            f"{shown}{more}{last}")
