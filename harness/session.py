"""A target on a live PBX with a driver: the primitives both faces (CLI, pytest) use.

``Session.observe`` places (dial, subscriber) pairs on the real PBX and returns the raw
observations, after refusing a batch whose calls ran into a runtime dialplan error or a
channel the target does not map; ``Session.verdict`` hands observations to the verdict
core (``verdict.py``), the one place they are read and judged.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import channels, defaults, verdict
from .dialplan import Dialplan, parse_dialplan
from .drivers import Driver, open_driver
from .model import CallRequest, Observation, Outcome
from .pbx import Pbx, open_pbx
from .pbx.runtime_errors import no_log_warning, raise_runtime_errors
from .profile import Profile, load_profile
from .properties import CheckInfo, Failure, Judgement
from .target import Target, load_target

@dataclass
class Session:
    target: Target
    profile: Profile
    pbx: Pbx
    driver: Driver
    #: the static model of the target's dialplan (with its #include'd files)
    dialplan: Dialplan
    driver_name: str = "ami"
    owns_pbx: bool = True
    timeout: float = defaults.TIMEOUT
    backend: str = "docker"
    _closed: bool = field(default=False, repr=False)
    _warned: bool = field(default=False, repr=False)

    # -- placing ---------------------------------------------------------------------
    def observe(self, pairs: Iterable[tuple[str, str]]) -> list[Observation]:
        """Place every pair (many in flight) and return what each call did, raw."""
        calls = [CallRequest(dial, sub, timeout=self.timeout) for dial, sub in pairs]
        observations = self.driver.place(calls)
        if not raise_runtime_errors(self.pbx, self.dialplan, observations) and not self._warned:
            self._warned = True
            print(no_log_warning(self.pbx), file=sys.stderr)
        # an unmapped leg is an error of the target file before it is anything else
        channels.check_observations(self.target, self.dialplan, observations)
        return observations

    def place(self, pairs: Iterable[tuple[str, str]]) -> list[Outcome]:
        """``observe``, each call read against the target (routes and destinations)."""
        return [verdict.read(o, self.target, self.profile) for o in self.observe(pairs)]

    # -- judging ---------------------------------------------------------------------
    @property
    def replay(self) -> verdict.Replay:
        return verdict.Replay(self.target.path, self.driver_name, self.backend)

    def verdict(self, observations: Iterable[Observation], checks: Sequence[CheckInfo], *,
                tally: verdict.Tally | None = None) -> list[Failure]:
        return verdict.verdict(observations, self.target, self.profile, checks,
                               replay=self.replay, tally=tally)

    def judgements(self, observations: Iterable[Observation]) -> list[Judgement]:
        return [verdict.judgement(o, self.target, self.profile) for o in observations]

    def judge(self, judgements: Iterable[Judgement], checks: Sequence[CheckInfo], *,
              tally: verdict.Tally | None = None) -> list[Failure]:
        return verdict.judge(judgements, checks, replay=self.replay, tally=tally)

    def replay_command(self, dial: str, subscriber: str) -> str:
        return self.replay.line(dial, subscriber)

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.driver.close()
        finally:
            if self.owns_pbx:
                self.pbx.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

def open_session(target: Target | str | Path, *, backend: str = "docker", driver: str = "ami",
                 pbx: Pbx | None = None, timeout: float = defaults.TIMEOUT,
                 in_flight: int | None = None, max_steps: int | None = None) -> Session:
    """Load the target, start (or reuse) a PBX with it installed, and open a driver."""
    if not isinstance(target, Target):
        target = load_target(target)
    profile = load_profile(target.profile_path())
    dialplan = parse_dialplan(target.dialplan, follow_includes=True)
    channels.check_statically(target, dialplan)
    owns = pbx is None
    if pbx is None:
        kwargs: dict[str, object] = {"target": target}
        if driver == "sip":
            kwargs["sip_phones"] = True
        pbx = open_pbx(backend, **kwargs)
    else:
        pbx.install(target)
    try:
        extra: dict[str, object] = {}
        if max_steps is not None:
            extra["max_steps"] = max_steps
        if in_flight is not None:
            extra["in_flight"] = in_flight
        drv = open_driver(driver, pbx, target, dialplan=dialplan, **extra)
    except BaseException:
        if owns:
            pbx.close()
        raise
    return Session(target=target, profile=profile, pbx=pbx, driver=drv, driver_name=driver,
                   owns_pbx=owns, timeout=timeout, backend=backend, dialplan=dialplan)
