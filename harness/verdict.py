"""The verdict core: raw observations in, failures out. Pure; no PBX, no driver.

This is the one place where

- each leg's **route is decided** (``read_leg``: the target's trunk for the endpoint, or
  an internal phone, or unmapped) and the number sent is read as a destination through
  the trunk's ``number_format`` (``oracle.read_destination``);
- the **expected answer** of a call is asked of the oracle (``oracle.expect``), once per
  call;
- the checks of ``properties.py`` are run on the pair, and every failure gets its
  replay line.

Every face goes through it: ``check``/``fuzz`` (``explore.py``), ``run`` and the pytest
scenario items (``scenario/run.py``), ``explain``, the pytest property items and the
HTML report's probe calls.
"""
from __future__ import annotations

import os
import shlex
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import oracle
from .dialapp import failed_dials
from .model import Leg, Observation, ObservedLeg, Outcome, Route
from .profile import Profile
from .properties import NOT_APPLICABLE, CheckInfo, Failure, Judgement
from .target import Target


def resource_of(endpoint: str) -> str:
    """``jp-intl`` -> ``PJSIP/jp-intl``; ``DAHDI/g0`` stays itself."""
    return endpoint if "/" in endpoint else f"PJSIP/{endpoint}"


def is_internal(endpoint: str, target: Target) -> bool:
    """The endpoint of a leg is a phone of the PBX (the target's ``internal`` endpoints)."""
    return target.internal.has_endpoint(resource_of(endpoint))


def is_mapped(endpoint: str, target: Target) -> bool:
    """The target names the endpoint of a leg: a trunk or an internal endpoint."""
    return endpoint in target.trunks or is_internal(endpoint, target)


def read_leg(leg: ObservedLeg, target: Target, profile: Profile) -> Leg:
    """Where the route of a leg is decided: by the trunk its endpoint is, in the target."""
    trunk = target.trunks.get(leg.endpoint)
    if trunk is None:
        internal = is_internal(leg.endpoint, target)
        # an unmapped leg is refused as an error by Session.place before any check runs;
        # judged on its own, a channel nobody mapped may well be a second carrier: abroad
        return Leg(trunk=leg.endpoint, route=Route.INTERNAL if internal else Route.UNMAPPED,
                   outbound=leg.outbound, destination=None, presentation=leg.presentation,
                   wire=leg.wire, abroad=not internal)
    destination = oracle.read_destination(leg.outbound, trunk.number_format, profile)
    return Leg(trunk=leg.endpoint, route=trunk.route, outbound=leg.outbound,
               destination=destination, presentation=leg.presentation, wire=leg.wire,
               abroad=oracle.is_abroad(destination, profile))


def observed_legs(obs: Observation, target: Target) -> tuple[ObservedLeg, ...]:
    """The observation's legs; when no channel was created at all, the Dial()s of its
    steps towards endpoints that are no trunk (Asterisk skips a resource it cannot
    create, so such a leg leaves only its Dial step behind)."""
    if obs.legs:
        return obs.legs
    return tuple(ObservedLeg(endpoint=t.endpoint, outbound=t.number)
                 for t in failed_dials(obs.steps, set(target.trunks)))


def read(obs: Observation, target: Target, profile: Profile) -> Outcome:
    """The observation with every leg read; the first leg stands for the call."""
    legs = tuple(read_leg(leg, target, profile) for leg in observed_legs(obs, target))
    if not legs:
        return Outcome(dial=obs.dial, subscriber=obs.subscriber, route=Route.BLOCKED,
                       cause=obs.cause, steps=obs.steps, sip_status=obs.sip_status)
    first = legs[0]
    return Outcome(dial=obs.dial, subscriber=obs.subscriber, route=first.route,
                   trunk=first.trunk, outbound=first.outbound, destination=first.destination,
                   presentation=first.presentation, cause=obs.cause, steps=obs.steps,
                   legs=legs, sip_status=obs.sip_status)


def judgement(obs: Observation, target: Target, profile: Profile) -> Judgement:
    """One call, read once: what the oracle expects and what the PBX did."""
    sub = target.subscriber(obs.subscriber)
    return Judgement(expected=oracle.expect(obs.dial, sub, profile),
                     outcome=read(obs, target, profile), subscriber=sub, target=target)


@dataclass(frozen=True)
class Replay:
    """How to replay one call: the ``dialharness explain`` line a failure carries."""

    target: Path
    driver: str = "ami"
    backend: str = "docker"

    def line(self, dial: str, subscriber: str) -> str:
        try:
            shown = os.path.relpath(self.target)
            if shown.startswith("../../"):
                shown = str(self.target)
        except ValueError:  # another drive (Windows)
            shown = str(self.target)
        cmd = ["dialharness", "explain", shown, dial, "--subscriber", subscriber]
        if self.driver != "ami":
            cmd += ["--driver", self.driver]
        if self.backend != "docker":
            cmd += ["--backend", self.backend]
        return shlex.join(cmd)


@dataclass
class Tally:
    """Per check: calls judged (held or failed; "not applicable" is not judged), calls
    failed, and seconds spent in the check itself."""

    judged: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)


def judge(judgements: Iterable[Judgement], checks: Sequence[CheckInfo], *,
          replay: Replay | None = None, tally: Tally | None = None) -> list[Failure]:
    """Run every check on every call; a check returning ``NOT_APPLICABLE`` did not judge
    the call, so a property that judged nothing is "not exercised", never "ok"."""
    failures: list[Failure] = []
    clock = time.perf_counter
    for j in judgements:
        line = None
        for info in checks:
            t0 = clock()
            result = info.fn(j)
            if tally is not None:
                tally.seconds[info.name] = tally.seconds.get(info.name, 0.0) + clock() - t0
            if result is NOT_APPLICABLE:
                continue
            if tally is not None:
                tally.judged[info.name] += 1
            if isinstance(result, str):
                if tally is not None:
                    tally.failed[info.name] += 1
                if line is None:
                    line = replay.line(j.outcome.dial, j.outcome.subscriber) if replay else ""
                failures.append(Failure(info.name, result, j.expected, j.outcome, replay=line))
    return failures


def verdict(observations: Iterable[Observation], target: Target, profile: Profile,
            checks: Sequence[CheckInfo], *, replay: Replay | None = None,
            tally: Tally | None = None) -> list[Failure]:
    """The failures of ``observations``: one Expected and one reading of each leg per call."""
    return judge((judgement(o, target, profile) for o in observations), checks,
                 replay=replay, tally=tally)


__all__ = ["Replay", "Tally", "is_internal", "is_mapped", "judge", "judgement",
           "observed_legs", "read", "read_leg", "resource_of", "verdict"]
