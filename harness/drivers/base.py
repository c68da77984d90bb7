"""The one small interface every driver implements, and the placing loop they share.

A driver places calls as subscribers of a target and returns what it saw of each one,
raw (``Observation``): the endpoint each outbound channel went to, the number sent, the
presentation, the cause, the steps. It knows no numbering plan and no trunk's route;
``harness.verdict`` reads the observations against the target.

``PlacingDriver.place`` is the batch loop of both drivers: calls are started while there
is room (``in_flight``), each is checked until it is complete, failed or past its
timeout, and only then does the batch end. Nothing is returned for a partial batch:
runtime dialplan errors (loops, jumps to nowhere; ``steps.StepWatch``) are raised once
the batch is over, then the driver's failed calls, then the calls that timed out
(``NoOutcome``); a lost PBX is ``PbxDied`` at once. A driver supplies starting a call,
the completion rule, the observation of a complete call, abandoning a call and the
description of a call that timed out.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from ..dialstring import check_dial
from ..errors import DialplanRuntimeError, NoOutcome, PbxDied
from ..model import CallRequest, Observation
from ..target import Target
from .events import CallEvents
from .steps import first_of

if TYPE_CHECKING:
    import threading

    from ..pbx import Pbx

#: hangup cause given to an outbound leg once it has been observed (34: no circuit
#: available), which sends a dialplan down its failover path as a real carrier would
LEG_HANGUP_CAUSE = "34"


class Driver(ABC):
    """Places calls as subscribers of a target and observes each one."""

    name: str = "?"

    @abstractmethod
    def place(self, calls: Sequence[CallRequest]) -> list[Observation]:
        """Place every call (many in flight at once) and return observations in input
        order.

        Raises NoOutcome if any call was not seen to its end within its timeout and
        PbxDied if the PBX went away; a partial batch is never returned as if complete.
        """

    def close(self) -> None:
        pass

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(kw_only=True)
class PlacedCall:
    """One call of a batch, as the placing loop sees it (drivers add their own state)."""

    index: int
    request: CallRequest
    started: float
    events: CallEvents
    #: set (under the lock) when the call cannot be observed: the driver's error text
    failure: str | None = None


C = TypeVar("C", bound=PlacedCall)


class PlacingDriver(Driver, Generic[C]):
    """A driver whose batches run through the one placing loop (see the module doc)."""

    pbx: Pbx
    target: Target
    in_flight: int
    #: one timeout for every call; None: each call's own ``CallRequest.timeout``
    timeout: float | None
    _lock: threading.Lock
    _changed: threading.Condition
    #: set (under the lock) once the PBX is gone: why, "" when there is nothing to add
    _dead: str | None = None
    #: True: the first failed call (or any exception) ends the batch at once and every
    #: call in flight is abandoned. False: a failed call is abandoned, the rest of the
    #: batch runs to its end, and the failure is raised after it
    fail_fast: bool = False

    # -- what a driver supplies ---------------------------------------------------------
    @abstractmethod
    def _start(self, pending: list[tuple[int, CallRequest]], active: list[C],
               now: float) -> list[tuple[int, CallRequest]]:
        """Start pending calls while ``active`` has room (append each to it); return the
        calls still pending. Lock held."""

    @abstractmethod
    def _complete(self, call: C, now: float) -> bool:
        """The call is over and fully observed (may set ``call.failure`` instead)."""

    @abstractmethod
    def _finish(self, call: C) -> Observation:
        """The observation of a complete call; the driver forgets the call."""

    @abstractmethod
    def _abandon(self, call: C) -> None:
        """Hang up whatever is left of the call and forget it."""

    @abstractmethod
    def _state_of(self, call: C) -> str:
        """What was seen of a call that timed out (for NoOutcome)."""

    @abstractmethod
    def _failed_error(self, failed: list[C]) -> Exception:
        """The error raised for the batch's failed calls."""

    def _before_batch(self) -> None:
        """Raise if the driver cannot place calls now."""

    def _next_wake(self, active: list[C], pending: list[tuple[int, CallRequest]],
                   now: float) -> float | None:
        """When the loop looks again at the latest (monotonic time); None: at once."""
        if not active:
            return None
        return min(c.started + self._timeout_of(c.request) for c in active)

    # -- the loop ---------------------------------------------------------------------
    def _timeout_of(self, req: CallRequest) -> float:
        return self.timeout if self.timeout is not None else req.timeout

    def _runtime_error(self, call: C) -> DialplanRuntimeError | None:
        return call.events.watch.error(call.request.dial, call.request.subscriber,
                                       self.target.dialplan)

    def place(self, calls: Sequence[CallRequest]) -> list[Observation]:
        for c in calls:
            check_dial(c.dial)
            self.target.subscriber(c.subscriber)
        self._before_batch()
        results: list[Observation | None] = [None] * len(calls)
        pending = list(enumerate(calls))
        active: list[C] = []
        timed_out: list[C] = []
        failed: list[C] = []
        broken: list[DialplanRuntimeError] = []
        with self._lock:
            try:
                while pending or active:
                    if self._dead is not None:
                        why = f": {self._dead}" if self._dead else ""
                        raise PbxDied(f"lost the PBX ({self.pbx.describe()}){why}",
                                      [c.request.dial for c in active])
                    now = time.monotonic()
                    if pending and len(active) < self.in_flight:
                        pending = self._start(pending, active, now)
                    still = []
                    for call in active:
                        if call.failure is not None:
                            failed.append(call)
                            self._abandon(call)
                        elif self._complete(call, now):
                            obs = self._finish(call)
                            err = self._runtime_error(call)
                            if err is not None:
                                broken.append(err)
                            else:
                                results[call.index] = obs
                        elif now - call.started > self._timeout_of(call.request):
                            err = self._runtime_error(call)
                            if err is not None:  # a loop hung up whose channels are slow to go
                                broken.append(err)
                            else:
                                timed_out.append(call)
                            self._abandon(call)
                        else:
                            still.append(call)
                    active = still
                    if failed and self.fail_fast:
                        break
                    nearest = self._next_wake(active, pending, now)
                    if nearest is not None:
                        self._changed.wait(max(0.001, min(0.5, nearest - time.monotonic())))
            except BaseException:
                if self.fail_fast:
                    for call in active:
                        self._abandon(call)
                raise
            if failed and self.fail_fast:
                for call in active:
                    self._abandon(call)
                raise self._failed_error(failed)
        if broken:
            raise first_of(broken)
        if failed:
            raise self._failed_error(failed)
        if timed_out:
            raise NoOutcome([c.request.dial for c in timed_out],
                            max(self._timeout_of(c.request) for c in timed_out),
                            [self._state_of(c) for c in timed_out])
        return results  # type: ignore[return-value]

