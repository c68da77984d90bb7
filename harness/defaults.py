"""Every default of a run, once. The faces (``harness/cli.py``, ``harness/pytest_plugin.py``)
and the layers below them read these names; none retypes a value. Pure: no imports of
the harness, so any layer may use it.
"""
from __future__ import annotations

from pathlib import Path

#: generated dial strings of ``dialharness check`` (and the pytest plugin); each is
#: placed for every subscriber of the target
EXAMPLES = 3000
#: generated dial strings of ``dialharness fuzz``: a long run
FUZZ_EXAMPLES = 20000
#: dial strings per Hypothesis example; calls in flight = batch x subscribers
BATCH = 40
#: seconds one call may take before it counts as "no outcome" (an error, never a pass)
TIMEOUT = 10.0
#: dialplan steps (executed priorities) one call may run before it is a loop
MAX_STEPS = 1000
#: calls the AMI driver keeps in flight at once
AMI_IN_FLIGHT = 40
#: seconds the AMI driver waits for the Hangup of a call's originating Local half (;1)
#: once the half that ran the dialplan (;2) and every leg are gone, before hanging it up
AMI_ORIGINATOR_GRACE = 1.0
#: calls the SIP driver keeps in flight at once (each is a pjsua2 call: fewer)
SIP_IN_FLIGHT = 24
#: wall-clock cap on shrinking, for the whole run: every shrink step is a batch of real
#: calls; the smallest failure seen so far is reported either way
SHRINK_SECONDS = 20.0
#: a later round that finds a new failure still gets this much shrinking (at most the cap)
MIN_ROUND_SHRINK_SECONDS = 5.0
#: Hypothesis example database (failing examples are replayed first), relative to the
#: working directory
DATABASE = Path(".dialharness") / "examples"
