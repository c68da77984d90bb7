"""Scenario files: a field report turned into a test (issue 4).

    load.py    read and validate a scenario file (pure: never touches a PBX)
    judge.py   compare one call's literal ``expect`` with an Outcome (pure)
    write.py   write a fuzz counterexample as a scenario file
    run.py     place a scenario's calls on a PBX and judge them (needs a session)

The pure names are imported here; the names of ``run`` are loaded on first use, so that
``import harness.scenario`` (and the loader) stays free of the PBX layers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .judge import judge, properties_of
from .load import (Expectation, Report, Scenario, ScenarioCall, known_properties,
                   load_scenario, load_scenarios)
from .write import write_counterexample

if TYPE_CHECKING:
    from .run import CallResult, SessionPool, format_result, judge_call, run_scenario

_RUN_NAMES = ("CallResult", "SessionPool", "format_result", "judge_call", "run_scenario")

__all__ = ["CallResult", "Expectation", "Report", "Scenario", "ScenarioCall", "SessionPool",
           "format_result", "judge", "judge_call", "known_properties", "load_scenario",
           "load_scenarios", "properties_of", "run_scenario", "write_counterexample"]


def __getattr__(name: str) -> Any:
    if name in _RUN_NAMES:
        from . import run
        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
