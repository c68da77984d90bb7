"""Fixtures for tests against the real Asterisk (one container per session / xdist worker)."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.scenario.run import SessionPool
from harness.session import Session

ROOT = Path(__file__).resolve().parents[2]
DIALPLANS = ROOT / "dialplans"
JP_OFFICE = DIALPLANS / "jp-office.yaml"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker("pbx")


class _Target:
    def __init__(self, target: object) -> None:
        self.target = target


@pytest.fixture(scope="session")
def pool() -> Iterator[SessionPool]:
    """One PBX for the whole session; targets are switched with a reload."""
    p = SessionPool()
    yield p
    p.close()


@pytest.fixture(scope="session")
def session_for(pool: SessionPool):
    from harness.target import load_target

    def get(path: str | Path) -> Session:
        return pool.session_for(_Target(load_target(path)))  # type: ignore[arg-type]

    return get


@pytest.fixture(scope="module")
def jp_office(session_for) -> Session:
    return session_for(JP_OFFICE)


def run_cli(*args: str, timeout: float = 600, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it."""
    full_env = dict(os.environ)
    full_env.pop("DIALHARNESS_DEBUG", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd or ROOT)
