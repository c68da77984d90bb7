"""A target on a live PBX with a driver: the two primitives both faces (CLI, pytest) use.

``Session.place`` turns (dial, subscriber) pairs into Outcomes on the real PBX;
``Session.judge`` compares each Outcome with the oracle's Expected through the checks.
"""
from __future__ import annotations

import os
import shlex
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import channels, oracle
from .coverage import Dialplan, parse_dialplan
from .drivers import Driver, open_driver
from .model import CallRequest, Outcome
from .pbx import Pbx, open_pbx
from .pbx.runtime_errors import no_log_warning, raise_runtime_errors
from .profile import Profile, load_profile
from .properties import CheckInfo, Failure, Judgement, judge
from .target import Target, load_target

DEFAULT_TIMEOUT = 10.0


@dataclass
class Session:
    target: Target
    profile: Profile
    pbx: Pbx
    driver: Driver
    driver_name: str = "ami"
    owns_pbx: bool = True
    timeout: float = DEFAULT_TIMEOUT
    backend: str = "docker"
    #: the static model of the target's dialplan (with its #include'd files)
    dialplan: Dialplan | None = None
    _closed: bool = field(default=False, repr=False)
    _warned: bool = field(default=False, repr=False)

    # -- placing ---------------------------------------------------------------------
    def place(self, pairs: Iterable[tuple[str, str]], *,
              on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        calls = [CallRequest(dial, sub, timeout=self.timeout) for dial, sub in pairs]
        outcomes = self.driver.place(calls, on_outcome=on_outcome)
        if not raise_runtime_errors(self.pbx, self.model(), outcomes) and not self._warned:
            self._warned = True
            print(no_log_warning(self.pbx), file=sys.stderr)
        # an unmapped leg is an error of the target file before it is anything else
        channels.check_outcomes(self.target, self.model(), outcomes)
        return outcomes

    def model(self) -> Dialplan:
        if self.dialplan is None:
            self.dialplan = parse_dialplan(self.target.dialplan, follow_includes=True)
        return self.dialplan

    # -- judging ---------------------------------------------------------------------
    def judge(self, outcomes: Sequence[Outcome], checks: Sequence[CheckInfo],
              applicable: Counter[str] | None = None) -> list[Failure]:
        """Failures of ``outcomes``; ``applicable`` (optional) counts per check the calls it
        judged (see ``properties.judge``)."""
        failures = []
        for out in outcomes:
            sub = self.target.subscriber(out.subscriber)
            expected = oracle.expect(out.dial, sub, self.profile)
            j = Judgement(expected=expected, outcome=out, subscriber=sub, target=self.target,
                          is_abroad=partial(oracle.is_abroad, profile=self.profile),
                          intl_digits=oracle.international_digits(out.dial, self.profile))
            for f in judge(j, checks, applicable):
                failures.append(Failure(f.check, f.reason, f.expected, f.outcome,
                                        replay=self.replay_command(out.dial, out.subscriber)))
        return failures

    def replay_command(self, dial: str, subscriber: str) -> str:
        path = self.target.path
        try:
            shown = os.path.relpath(path)
            if shown.startswith("../../"):
                shown = str(path)
        except ValueError:
            shown = str(path)
        cmd = ["dialharness", "explain", shown, dial, "--subscriber", subscriber]
        if self.driver_name != "ami":
            cmd += ["--driver", self.driver_name]
        if self.backend != "docker":
            cmd += ["--backend", self.backend]
        return shlex.join(cmd)

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


def destination_reader(profile: Profile) -> Callable[[str, str], str | None]:
    return lambda outbound, fmt: oracle.read_destination(outbound, fmt, profile)


def open_session(target: Target | str | Path, *, backend: str = "docker", driver: str = "ami",
                 pbx: Pbx | None = None, timeout: float = DEFAULT_TIMEOUT,
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
