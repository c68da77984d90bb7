"""Scenario files: a field report turned into a test (issue 4).

A scenario names a target (a target file, or the same keys inline), says what the user
reported, and lists calls with what each must do. Loading validates everything up front
(file:line:col errors, nearest-key suggestions) and returns frozen dataclasses, so a run
never starts on a file that would fail half-way. This module never touches a PBX.

    title: 186 before a mobile number became a +1 call
    report:
      source: blog post, 2022
      date: 2022-06-01
      saw: A stranger answered in a foreign language; the bill said international.
    target: ../dialplans/jp-office.yaml
    calls:
      - subscriber: intl_barred
        dial: "+18608012345678"
        expect: {route: blocked, properties: [barring_holds]}
      - subscribers: [open, intl_barred]          # table form: one expectation,
        dials: ["18608012345678", "1860037680312345678"]   # many dial strings
        expect: {route: domestic, presentation: allowed, trunk: jp-domestic}
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import target as target_mod
from .. import yamlsource
from ..dialstring import check_dial
from ..errors import ConfigError, DialStringError
from ..model import Presentation, Route
from ..target import Target

_INLINE_TARGET_KEYS = ("dialplan", "profile", "subscribers", "trunks")
_TOP_KEYS = ("title", "report", "target") + _INLINE_TARGET_KEYS + ("calls",)
_REPORT_KEYS = ("source", "date", "saw")
_CALL_KEYS = ("subscriber", "subscribers", "dial", "dials", "expect")
_EXPECT_KEYS = ("route", "destination", "presentation", "trunk", "cause", "properties")
_SAY_WHAT = "say what the call must do (" + ", ".join(_EXPECT_KEYS) + ")"

# "+" and up to 15 digits (E.164), or a short code such as an emergency number.
_DESTINATION = re.compile(r"\+[0-9]{1,15}|[0-9]{2,8}")
_CAUSE = re.compile(r"[0-9]{1,3}")
_MAX_CAUSE = 127  # Q.850 cause values


@dataclass(frozen=True)
class Report:
    """What the user reported, as free text (Japanese welcome)."""

    source: str = ""
    date: str = ""
    saw: str = ""


@dataclass(frozen=True)
class Expectation:
    """What one call must do. ``None``/empty means "not judged"."""

    route: Route | None = None
    destination: str | None = None
    presentation: Presentation | None = None
    trunk: str | None = None
    cause: int | None = None
    #: names from harness.properties.CHECKS, judged by the runner with the oracle
    properties: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return (self.route is None and self.destination is None and self.presentation is None
                and self.trunk is None and self.cause is None and not self.properties)


@dataclass(frozen=True)
class ScenarioCall:
    subscriber: str
    dial: str
    expect: Expectation
    #: line of this dial string in the scenario file (each table row has its own)
    line: int
    #: "<scenario title> [<subscriber>] <dial>": the pytest item / JUnit test name
    name: str


@dataclass(frozen=True)
class Scenario:
    path: Path
    title: str
    report: Report
    target: Target
    calls: tuple[ScenarioCall, ...]


def known_properties() -> tuple[str, ...]:
    """Property names a scenario may list: the keys of ``harness.properties.CHECKS``
    (the registry is the only list; read at each load, so a check registered after
    import counts)."""
    from ..properties import CHECKS
    return tuple(CHECKS)


def load_scenarios(path_or_dir: str | Path) -> list[Scenario]:
    """One scenario file, or every ``*.yaml`` below a directory (sorted by path).

    All files are loaded before anything runs; the first bad one raises ConfigError.
    Files and folders whose names start with "." (editor backups, caches) are skipped.
    """
    root = Path(path_or_dir)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*.yaml")
                       if p.is_file() and not any(part.startswith(".")
                                                  for part in p.relative_to(root).parts))
        if not files:
            raise ConfigError("no scenario files (*.yaml) in this directory", path=str(root))
        return [load_scenario(p) for p in files]
    if not root.exists():
        raise ConfigError("no such scenario file or directory", path=str(root))
    return [load_scenario(root)]


def load_scenario(path: str | Path) -> Scenario:
    doc = yamlsource.load(path)
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a scenario file is a mapping with keys: " + ", ".join(_TOP_KEYS))
    doc.only_keys((), data, _TOP_KEYS)
    for key in ("title", "calls"):
        if key not in data:
            hint = (" (this looks like a target file; a scenario adds 'title' and 'calls')"
                    if "trunks" in data and "calls" not in data else "")
            raise doc.error((), f"missing required key {key!r}{hint}")

    title = _line_text(doc, ("title",), "a one-line title")
    report = _report(doc, data.get("report"))
    target = _target(doc, data)

    calls_raw = data["calls"]
    if not isinstance(calls_raw, list):
        raise doc.error(("calls",), "must be a list of calls")
    if not calls_raw:
        raise doc.error(("calls",), "is empty: a scenario needs at least one call")
    properties = known_properties()
    calls: list[ScenarioCall] = []
    seen: dict[tuple[str, str], int] = {}
    for i, item in enumerate(calls_raw):
        for call in _expand(doc, ("calls", i), item, title, target, properties):
            first = seen.setdefault((call.subscriber, call.dial), call.line)
            if first != call.line:
                raise ConfigError(
                    f"{call.dial!r} as {call.subscriber!r} is already listed at line {first}; "
                    "give each call one expectation", path=str(doc.path), line=call.line)
            calls.append(call)
    return Scenario(path=doc.path.resolve(), title=title, report=report, target=target,
                    calls=tuple(calls))


# -- pieces -------------------------------------------------------------------------------

def _report(doc: yamlsource.Document, raw: Any) -> Report:
    if raw is None:
        return Report()
    if isinstance(raw, str):  # a bare text is what the user saw
        return Report(saw=raw.strip())
    if not isinstance(raw, dict):
        raise doc.error(("report",), "must be a text, or a mapping with: "
                        + ", ".join(_REPORT_KEYS))
    doc.only_keys(("report",), raw, _REPORT_KEYS)
    fields = {}
    for key in _REPORT_KEYS:
        if key in raw:
            text = doc.text(("report", key))  # as typed: a date stays "2022-06-01"
            if text is None:
                raise doc.error(("report", key), "must be text")
            fields[key] = text.strip()
    return Report(**fields)


def _target(doc: yamlsource.Document, data: dict[Any, Any]) -> Target:
    inline = [k for k in _INLINE_TARGET_KEYS if k in data]
    if "target" in data:
        if inline:
            raise doc.error((inline[0],), "give either 'target: FILE' or an inline target "
                            "(dialplan, subscribers, trunks), not both")
        rel = data["target"]
        if not isinstance(rel, str) or not rel.strip():
            raise doc.error(("target",), "must be the path of a target file, relative to "
                            "this scenario")
        path = (doc.path.parent / rel).resolve()
        # Checked here so the error points at the scenario line that names the file.
        if not path.is_file():
            raise doc.error(("target",), f"target file not found: {path}")
        return target_mod.load_target(path)
    if not inline:
        raise doc.error((), "missing target: give 'target: FILE' or the target keys inline "
                        "(dialplan, subscribers, trunks, profile)")
    # The inline keys sit at the top level, so their key paths (and lines) in the
    # scenario are exactly those a target file would have: validate as a target file.
    sub = yamlsource.Document(path=doc.path, data={k: data[k] for k in inline},
                              positions=doc.positions, raw=doc.raw)
    return target_mod.target_from_document(sub)


def _expand(doc: yamlsource.Document, kp: tuple[Any, ...], item: Any, title: str,
            target: Target, properties: tuple[str, ...]) -> list[ScenarioCall]:
    """One ``calls`` item -> its calls (a table gives one per dial and subscriber)."""
    if not isinstance(item, dict):
        raise doc.error(kp, "a call is a mapping: {subscriber, dial, expect} or "
                        "{subscriber(s), dials: [...], expect}")
    doc.only_keys(kp, item, _CALL_KEYS)
    subscribers = _choose(doc, kp, item, "subscriber", "subscribers")
    dials = _choose(doc, kp, item, "dial", "dials")
    sub_names = []
    for skp in subscribers:
        name = _scalar(doc, skp, "a subscriber name")
        if name not in target.subscribers:
            raise doc.error(skp, f"unknown subscriber {name!r}; the target defines: "
                            f"{', '.join(target.subscribers)}"
                            + yamlsource.suggest(name, target.subscribers))
        if name in sub_names:
            raise doc.error(skp, f"subscriber {name!r} listed twice")
        sub_names.append(name)

    dial_lines = [(_dial(doc, dkp), doc.where(dkp).line)  # type: ignore[union-attr]
                  for dkp in dials]  # (every node has a position)

    if "expect" not in item:
        raise doc.error(kp, f"call has no 'expect': {_SAY_WHAT}")
    expect = _expectation(doc, kp + ("expect",), item["expect"], target, properties)

    out = []
    for dial, line in dial_lines:
        for sub in sub_names:
            out.append(ScenarioCall(subscriber=sub, dial=dial, expect=expect, line=line,
                                    name=f"{title} [{sub}] {dial}"))
    return out


def _choose(doc: yamlsource.Document, kp: tuple[Any, ...], item: dict[Any, Any],
            one: str, many: str) -> list[tuple[Any, ...]]:
    """Key paths of the values of ``one: x`` or ``many: [x, ...]`` (exactly one given)."""
    if one in item and many in item:
        raise doc.error(kp + (many,), f"give {one!r} or {many!r}, not both")
    if one in item:
        if isinstance(item[one], list):
            raise doc.error(kp + (one,), f"{one!r} takes one value; use {many!r} for a list")
        return [kp + (one,)]
    if many in item:
        values = item[many]
        if not isinstance(values, list):
            raise doc.error(kp + (many,), f"must be a list; use {one!r} for a single value")
        if not values:
            raise doc.error(kp + (many,), "is empty")
        return [kp + (many, j) for j in range(len(values))]
    raise doc.error(kp, f"call needs {one!r} (or {many!r} for a table)")


def _dial(doc: yamlsource.Document, kp: tuple[Any, ...]) -> str:
    value = _get(doc.data, kp)
    if value is None:
        # `dial: #31#` is a YAML comment, so the value silently vanishes.
        raise doc.error(kp, "empty dial string (quote dial strings that start with # or *)")
    text = doc.text(kp)
    if text is None:
        raise doc.error(kp, "must be one dial string, e.g. \"0312345678\"")
    try:
        # Read as typed: unquoted 0312345678 or +81... are YAML numbers, not digits.
        return check_dial(text)
    except DialStringError as exc:
        raise doc.error(kp, str(exc)) from None


def _expectation(doc: yamlsource.Document, kp: tuple[Any, ...], raw: Any, target: Target,
                 properties: tuple[str, ...]) -> Expectation:
    if raw is None or raw == {}:
        raise doc.error(kp, f"is empty: {_SAY_WHAT}")
    if not isinstance(raw, dict):
        raise doc.error(kp, "must be a mapping with any of: " + ", ".join(_EXPECT_KEYS))
    doc.only_keys(kp, raw, _EXPECT_KEYS)
    fields: dict[str, Any] = {}
    if "route" in raw:
        # an unmapped leg is an error of the target file (contract 1b), never an outcome
        fields["route"] = Route(_choice(doc, kp + ("route",),
                                        [r.value for r in Route if r is not Route.UNMAPPED]))
    if "presentation" in raw:
        fields["presentation"] = Presentation(
            _choice(doc, kp + ("presentation",), [p.value for p in Presentation]))
    if "destination" in raw:
        dest = _scalar(doc, kp + ("destination",), "a destination")
        if not _DESTINATION.fullmatch(dest):
            raise doc.error(kp + ("destination",), f"{dest!r} is neither E.164 (\"+81312345678\")"
                            " nor a short code (\"110\")")
        fields["destination"] = dest
    if "trunk" in raw:
        fields["trunk"] = _choice(doc, kp + ("trunk",), list(target.trunks), what="trunk")
    if "cause" in raw:
        cause = _scalar(doc, kp + ("cause",), "a hangup cause")
        if not _CAUSE.fullmatch(cause) or int(cause) > _MAX_CAUSE:
            raise doc.error(kp + ("cause",), f"{cause!r} is not a hangup cause (0-{_MAX_CAUSE})")
        fields["cause"] = int(cause)
    if "properties" in raw:
        fields["properties"] = _properties(doc, kp + ("properties",), raw["properties"],
                                           properties)
    expect = Expectation(**fields)
    if expect.is_empty:
        raise doc.error(kp, f"expects nothing: {_SAY_WHAT}")
    _consistent(doc, kp, expect, target)
    return expect


def _properties(doc: yamlsource.Document, kp: tuple[Any, ...], raw: Any,
                known: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise doc.error(kp, "must be a list, e.g. [barring_holds]")
    names: list[str] = []
    for j in range(len(raw)):
        name = _choice(doc, kp + (j,), known, what="property")
        if name in names:
            raise doc.error(kp + (j,), f"property {name!r} listed twice")
        names.append(name)
    return tuple(names)


def _consistent(doc: yamlsource.Document, kp: tuple[Any, ...], expect: Expectation,
                target: Target) -> None:
    """Reject expectations no call can meet: they would fail forever and teach nothing."""
    if expect.route in (Route.BLOCKED, Route.INTERNAL):
        legless = ("trunk", "destination", "presentation") if expect.route is Route.BLOCKED \
            else ("trunk",)
        for key in legless:
            if getattr(expect, key) is not None:
                why = ("a blocked call never reaches a trunk" if expect.route is Route.BLOCKED
                       else "an internal call reaches an internal endpoint, not a trunk")
                raise doc.error(kp + (key,), f"contradicts route {expect.route}: {why}")
    elif expect.route is not None and expect.trunk is not None:
        trunk_route = target.trunks[expect.trunk].route
        if trunk_route is not expect.route:
            raise doc.error(kp + ("trunk",), f"trunk {expect.trunk!r} has route {trunk_route}, "
                            f"but the expected route is {expect.route}")


def _choice(doc: yamlsource.Document, kp: tuple[Any, ...], choices: Iterable[str],
            what: str = "value") -> str:
    choices = list(choices)
    text = _scalar(doc, kp, f"one of {', '.join(choices)}")
    if text not in choices:
        raise doc.error(kp, f"unknown {what} {text!r}; known: {', '.join(choices)}"
                        + yamlsource.suggest(text, choices))
    return text


def _scalar(doc: yamlsource.Document, kp: tuple[Any, ...], what: str) -> str:
    # As typed, so `route: no` is the text "no" (not YAML's False) and gets a real message.
    text = doc.text(kp)
    if text is None or _get(doc.data, kp) is None:
        raise doc.error(kp, f"must be {what}")
    return text


def _line_text(doc: yamlsource.Document, kp: tuple[Any, ...], what: str) -> str:
    text = _scalar(doc, kp, what).strip()
    if not text or "\n" in text or "\r" in text:
        raise doc.error(kp, f"must be {what}")
    return text


def _get(data: Any, kp: tuple[Any, ...]) -> Any:
    for part in kp:
        data = data[part]
    return data

