"""Run scenario calls on the real PBX and judge them: shared by ``dialharness run`` and
the pytest items of scenario files."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .. import defaults
from ..model import Observation, Outcome
from ..pbx import Pbx
from ..properties import Failure, select
from ..session import Session, open_session
from .judge import judge, properties_of
from .load import Scenario, ScenarioCall


@dataclass(frozen=True)
class CallResult:
    call: ScenarioCall
    outcome: Outcome
    problems: tuple[str, ...]
    failures: tuple[Failure, ...]
    replay: str
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems and not self.failures


def judge_call(session: Session, call: ScenarioCall, observation: Observation,
               seconds: float = 0.0) -> CallResult:
    """The call's literal expectations against its outcome, and its named properties
    through the verdict core, on one reading of the observation."""
    j = session.judgements([observation])[0]
    names = properties_of(call)
    failures = session.judge([j], select(names, strict=True)) if names else []
    return CallResult(call=call, outcome=j.outcome, problems=tuple(judge(call, j.outcome)),
                      failures=tuple(failures),
                      replay=session.replay_command(call.dial, call.subscriber),
                      seconds=seconds)


class SessionPool:
    """One PBX for many targets: a new target is installed with a reload, not a new container."""

    def __init__(self, *, backend: str = "docker", driver: str = "ami",
                 timeout: float = defaults.TIMEOUT, max_steps: int | None = None) -> None:
        self.backend, self.driver, self.timeout = backend, driver, timeout
        self.max_steps = max_steps
        self._pbx: Pbx | None = None
        self._session: Session | None = None

    def session_for(self, scenario: Scenario) -> Session:
        target = scenario.target
        s = self._session
        if s is not None and s.target.path == target.path and s.target.dialplan == target.dialplan:
            return s
        if s is not None:
            s.close()  # closes the driver only: the pool owns the PBX
        self._session = open_session(target, backend=self.backend, driver=self.driver,
                                     pbx=self._pbx, timeout=self.timeout,
                                     max_steps=self.max_steps)
        if self._pbx is None:
            self._pbx = self._session.pbx
        self._session.owns_pbx = False
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._pbx is not None:
            self._pbx.close()
        self._pbx = self._session = None


def run_scenario(pool: SessionPool, scenario: Scenario,
                 on_result: Callable[[CallResult], None] | None = None) -> list[CallResult]:
    """Place every call of the scenario at once, then judge each against its expectation."""
    session = pool.session_for(scenario)
    t0 = time.monotonic()
    observations = session.observe([(c.dial, c.subscriber) for c in scenario.calls])
    per_call = (time.monotonic() - t0) / max(1, len(observations))
    results = []
    for call, observation in zip(scenario.calls, observations):
        r = judge_call(session, call, observation, per_call)
        results.append(r)
        if on_result is not None:
            on_result(r)
    return results


def format_result(r: CallResult) -> str:
    from ..report.text import format_observed

    head = f"{'PASS' if r.passed else 'FAIL'} {r.call.name}"
    if r.passed:
        return head
    lines = [head, f"  at {r.call.line and f'line {r.call.line}'}",
             f"  observed: {format_observed(r.outcome)}"]
    lines += [f"  {p}" for p in r.problems]
    lines += [f"  {f.check}: {f.reason}" for f in r.failures]
    lines.append(f"  replay: {r.replay}")
    return "\n".join(lines)
