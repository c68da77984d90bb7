"""The pytest face: the same place-and-judge primitives as the CLI.

- ``pytest --dialharness-target=T.yaml`` adds one test item per routing property.
- ``pytest scenarios/`` collects scenario YAML files: one item per call.
- fixtures ``pbx`` (one Asterisk per session, per xdist worker) and ``place_call``.

Cheap to import: docker, AMI and Hypothesis are imported only when an item runs.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_POOL_KEY = pytest.StashKey[Any]()
_EXPLORE_KEY = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dialharness", "routing properties of a real Asterisk")
    group.addoption("--dialharness-target", metavar="TARGET.yaml", default=None,
                    help="run the routing properties against this target file")
    group.addoption("--dialharness-driver", choices=["ami", "sip"], default="ami")
    group.addoption("--dialharness-backend", choices=["docker", "external"], default="docker")
    group.addoption("--dialharness-examples", type=int, default=3000, metavar="N")
    group.addoption("--dialharness-seed", type=int, default=None)
    group.addoption("--dialharness-strict", action="store_true")
    group.addoption("--dialharness-checks", default=None, metavar="NAME,...")
    group.addoption("--dialharness-timeout", type=float, default=10.0)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dialharness_scenario: a call of a scenario file")
    config.addinivalue_line("markers", "dialharness_property: a routing property of a target")


def _pool(config: pytest.Config):  # -> SessionPool
    if _POOL_KEY not in config.stash:
        from .scenario.run import SessionPool
        config.stash[_POOL_KEY] = SessionPool(
            backend=config.getoption("dialharness_backend"),
            driver=config.getoption("dialharness_driver"),
            timeout=config.getoption("dialharness_timeout"))
    return config.stash[_POOL_KEY]


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(_POOL_KEY, None)
    if pool is not None:
        pool.close()


# -- scenario files -----------------------------------------------------------------------

def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and "scenarios" in file_path.parts:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from .scenario import load_scenario

        scenario = load_scenario(self.path)
        for call in scenario.calls:
            item = ScenarioItem.from_parent(self, name=f"{call.subscriber}-{call.dial}",
                                            scenario=scenario, call=call)
            item.add_marker("dialharness_scenario")
            yield item


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Any, call: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.call = call
        self.result: Any = None

    def runtest(self) -> None:
        from .scenario.run import run_scenario

        cache = self.config.stash.setdefault(_EXPLORE_KEY, {})
        key = ("scenario", str(self.scenario.path))
        if key not in cache:  # one batch of calls per scenario file
            results = run_scenario(_pool(self.config), self.scenario)
            cache[key] = {(r.call.subscriber, r.call.dial, r.call.line): r for r in results}
        self.result = cache[key][(self.call.subscriber, self.call.dial, self.call.line)]
        if not self.result.passed:
            raise ScenarioCallFailed(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioCallFailed):
            from .scenario.run import format_result
            return format_result(excinfo.value.result)
        return _tool_error(excinfo) or str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(0, self.call.line - 1), self.call.name


class ScenarioCallFailed(AssertionError):
    def __init__(self, result: Any) -> None:
        super().__init__(result.call.name)
        self.result = result


# -- properties of a target -----------------------------------------------------------------

def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    target = config.getoption("dialharness_target")
    if not target:
        return
    path = Path(target)
    collector = TargetFile.from_parent(session, path=path.resolve())
    items.extend(collector.collect())


class TargetFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from .properties import select

        names = self.config.getoption("dialharness_checks")
        for info in select(names.split(",") if names else None,
                           strict=self.config.getoption("dialharness_strict")):
            item = PropertyItem.from_parent(self, name=info.name, check=info.name)
            item.add_marker("dialharness_property")
            yield item


class PropertyItem(pytest.Item):
    def __init__(self, *, check: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        cache = self.config.stash.setdefault(_EXPLORE_KEY, {})
        key = ("target", str(self.path))
        if key not in cache:  # one exploration serves every property item
            from .explore import explore
            from .properties import select
            from .strategies import special_dial_table
            from .target import load_target

            pool = _pool(self.config)
            target = load_target(self.path)
            session = pool.session_for(_TargetOnly(target))
            names = self.config.getoption("dialharness_checks")
            checks = select(names.split(",") if names else None,
                            strict=self.config.getoption("dialharness_strict"))
            cache[key] = explore(session, checks,
                                 examples=self.config.getoption("dialharness_examples"),
                                 seed=self.config.getoption("dialharness_seed"),
                                 extra_dials=special_dial_table(session.profile))
        from .explore import FAILED, NOT_APPLICABLE, NOT_EXERCISED, NotExercised
        result = cache[key]
        verdict = result.verdict(self.check)
        if verdict == FAILED:
            raise PropertyFailedItem(result.failures[self.check])
        st = result.stats[self.check]
        if verdict == NOT_EXERCISED:  # no verdict: an error, never a pass
            raise NotExercised([(self.check, f"judged none of the {st.calls} calls placed "
                                             f"while it was active")])
        if verdict == NOT_APPLICABLE:
            names = self.config.getoption("dialharness_checks") or ""
            if self.check in [n.strip() for n in names.split(",")]:
                raise NotExercised([(self.check, f"was selected but cannot apply to this "
                                                 f"target ({st.not_applicable})")])
            pytest.skip(f"not applicable to this target ({st.not_applicable})")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PropertyFailedItem):
            from .report.text import format_failure
            return format_failure(excinfo.value.failure)
        return _tool_error(excinfo) or str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"property {self.check}"


class _TargetOnly:
    """Lets a bare target use the scenario session pool."""

    def __init__(self, target: Any) -> None:
        self.target = target


class PropertyFailedItem(AssertionError):
    def __init__(self, failure: Any) -> None:
        super().__init__(failure.check)
        self.failure = failure


def _tool_error(excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    from .errors import DialharnessError
    if isinstance(excinfo.value, DialharnessError):
        return f"dialharness error (no verdict): {excinfo.value}"
    return None


# -- fixtures for users' own tests -----------------------------------------------------------

@pytest.fixture(scope="session")
def dialharness_session(request: pytest.FixtureRequest):  # -> Session
    """A Session on the --dialharness-target target (one PBX per session and xdist worker)."""
    target = request.config.getoption("dialharness_target")
    if not target:
        pytest.skip("needs --dialharness-target=TARGET.yaml")
    from .target import load_target
    return _pool(request.config).session_for(_TargetOnly(load_target(target)))


@pytest.fixture(scope="session")
def pbx(dialharness_session: Any):  # -> Pbx
    """The running Asterisk under test."""
    return dialharness_session.pbx


@pytest.fixture
def place_call(dialharness_session: Any) -> Callable[..., Any]:
    """``place_call("18608012345678", subscriber="intl_barred") -> Outcome``."""

    def place(dial: str, subscriber: str | None = None) -> Any:
        sub = dialharness_session.target.subscriber(subscriber).name
        return dialharness_session.place([(dial, sub)])[0]

    return place
