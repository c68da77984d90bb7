"""The bench runs in the suite in its short mode: a smoke test that every call got an
outcome in each of (a) the bare AMI baseline, (b) the AMI driver, (c) the SIP driver.
It asserts completeness, not timings (those are in the README, measured on a quiet run)."""
from __future__ import annotations

import re

from .conftest import run_cli


def test_bench_short_runs_every_driver() -> None:
    res = run_cli("bench", "--short", timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    for label in ("(a) bare pipelined AMI baseline", "(b) AMI driver", "(c) SIP driver"):
        assert re.search(re.escape(label) + r".*\d+ calls/s", res.stdout), res.stdout
    assert re.search(r"cold start .*: \d+\.\d+ s", res.stdout)
    assert "peak memory: harness" in res.stdout
