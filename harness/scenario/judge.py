"""Judge one scenario call against what the PBX did: the literal fields of ``expect``.

Pure: no I/O, no PBX. The named ``properties`` of an expectation are judged elsewhere
(harness.properties, with the oracle), by the runner; this module only compares the
values the scenario author wrote down with the observed Outcome.
"""
from __future__ import annotations

from typing import Any

from ..model import Outcome
from .load import ScenarioCall

# The order mismatches are reported in: the route first, because when it is wrong the
# other fields are usually wrong as a consequence.
_FIELDS = ("route", "trunk", "destination", "presentation", "cause")


def judge(call: ScenarioCall, outcome: Outcome) -> list[str]:
    """Mismatches between ``call.expect`` and ``outcome``, e.g.
    ``["route: expected domestic, observed international"]``; empty when all match.

    Fields the scenario leaves out are not judged. A field the call did not produce (no
    trunk on a blocked call) is shown as "none".
    """
    if (outcome.dial, outcome.subscriber) != (call.dial, call.subscriber):
        # Pairing outcomes with calls is the runner's job; a wrong pair is a tool bug and
        # must not be reported as a finding about the dialplan.
        raise ValueError(f"outcome of {outcome.subscriber!r} dialing {outcome.dial!r} given "
                         f"for call {call.name!r}")
    mismatches = []
    for name in _FIELDS:
        expected = getattr(call.expect, name)
        if expected is None:
            continue
        observed = getattr(outcome, name)
        if observed != expected:
            mismatches.append(f"{name}: expected {_show(expected)}, observed {_show(observed)}")
    return mismatches


def properties_of(call: ScenarioCall) -> tuple[str, ...]:
    """The named properties the runner must also judge this call with."""
    return call.expect.properties


def _show(value: Any) -> str:
    return "none" if value is None else str(value)
