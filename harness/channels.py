"""Nothing unmapped (contract section 1b): every channel the dialplan reaches is a trunk
or an internal endpoint of the target file.

A Dial() to a resource the target does not list used to come out as a leg of route
"unmapped", which no property counted as abroad: a barred call sent to a forgotten second
carrier passed. It is an error of the target file instead (exit 2), found twice:

- before any call (:func:`check_statically`), on every Dial()-like line of the dialplan
  and its ``#include``d files, with ``[globals]`` values substituted: a failover trunk no
  generated call happens to reach still counts. A resource whose technology or endpoint
  is only known at run time (``PJSIP/${EXTEN}@${TRUNK}``) is left to the second check;
- after every batch (:func:`check_observations`), on the substituted AppData of every
  Dial()-like step that ran (Asterisk skips a resource it cannot create and dials the
  others, so a missing leg is no proof that nothing was tried) and on every leg.

``Local/`` channels are followed into the dialplan (their steps are the call's steps),
never mapped. Pure: reads the dialplan model and the target, nothing else.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .dialplan import Dialplan, Priority
from .dialapp import DialTarget, dial_targets
from .errors import DialplanError, DialplanRuntimeError, UnmappedChannel
from .model import Observation, Step
from .target import Target
from .verdict import is_mapped, resource_of

#: application -> index of its argument that lists resources joined by '&'
CHANNEL_APPS = {"dial": 0, "page": 0, "retrydial": 3, "originate": 0}
#: applications that ring channels named outside the dialplan: no target key can map them
UNFOLLOWABLE = {
    "queue": "rings the members of queues.conf",
    "followme": "rings the numbers of followme.conf",
}


class Kind:
    TRUNK = "trunk"
    INTERNAL = "internal"
    LOCAL = "local"
    UNMAPPED = "unmapped"
    #: technology or endpoint still holds a variable: only the run can tell
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reach:
    """One resource a dialplan line dials, and what the target makes of it."""

    resource: str      # "PJSIP/backup-intl", "DAHDI/g0"
    kind: str
    number: str


def resource_name(t: DialTarget) -> str:
    """The name a user writes in the target file: ``PJSIP/<endpoint>`` or ``TECH/resource``."""
    return f"PJSIP/{t.endpoint}" if t.tech.upper() == "PJSIP" else t.endpoint


def classify(t: DialTarget, target: Target) -> str:
    if t.tech.lower() == "local":
        return Kind.LOCAL
    name = resource_name(t)
    if "${" in name or "$[" in name or "${" in t.tech:
        return Kind.UNKNOWN
    if t.tech.upper() == "PJSIP" and t.endpoint in target.trunks:
        return Kind.TRUNK
    if target.internal.has_endpoint(name):
        return Kind.INTERNAL
    return Kind.UNMAPPED


def split_args(text: str) -> list[str]:
    """Split application arguments on ',' outside quotes, ``${...}``, ``$[...]`` and
    parentheses (``${CUT(x,-,1)}`` is one argument)."""
    out, depth, quote, cur = [], 0, False, []
    for c in text:
        if c == '"':
            quote = not quote
        elif not quote and c in "([{":
            depth += 1
        elif not quote and c in ")]}" and depth:
            depth -= 1
        elif c == "," and not quote and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    out.append("".join(cur))
    return out


def reaches(app: str, args: str, target: Target) -> list[Reach]:
    """What one Dial()-like application line dials; ``[]`` for any other application."""
    index = CHANNEL_APPS.get(app.lower())
    if index is None:
        return []
    parts = split_args(args)
    if len(parts) <= index:
        return []
    return [Reach(resource_name(t), classify(t, target), t.number)
            for t in dial_targets(parts[index].strip().strip('"'), endpoints=target.trunks)]


_VAR = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def substitute(text: str, values: dict[str, str]) -> str:
    """``${NAME}`` replaced by ``values[NAME]`` (nested references too), others kept."""
    for _ in range(8):
        new = _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)
        if new == text:
            break
        text = new
    return text


def _where(dialplan: Dialplan, p: Priority) -> tuple[str, int]:
    return str(p.file or dialplan.path), p.line


def check_statically(target: Target, dialplan: Dialplan) -> None:
    """Every resource a Dial()-like line names literally or through ``[globals]`` is
    mapped; raises UnmappedChannel naming the first that is not (and how many more)."""
    if dialplan.missing_includes:
        file, line, name = dialplan.missing_includes[0]
        raise DialplanError(f"#include {name}: no such file next to the dialplan",
                            path=str(file), line=line)
    found: list[tuple[Reach, Priority]] = []
    for p in dialplan.priorities:
        if p.app.lower() not in CHANNEL_APPS:
            continue
        for r in reaches(p.app, substitute(p.args, dialplan.globals), target):
            if r.kind == Kind.UNMAPPED and all(r.resource != f.resource for f, _ in found):
                found.append((r, p))
    if found:
        r, p = found[0]
        path, line = _where(dialplan, p)
        more = (f" (and {len(found) - 1} more: "
                + ", ".join(f.resource for f, _ in found[1:4])
                + (", ..." if len(found) > 4 else "") + ")") if len(found) > 1 else ""
        raise UnmappedChannel(r.resource, path=path, line=line,
                              detail=f" in {p.context},{p.exten},{p.priority}{more}")


def check_observations(target: Target, dialplan: Dialplan,
                       observations: Iterable[Observation]) -> None:
    """Raise for the first call that reached an unmapped or unfollowable channel."""
    for out in observations:
        for step in out.steps:
            app = step.app.lower()
            if app in UNFOLLOWABLE:
                path, line = _line_of(target, dialplan, step)
                raise DialplanRuntimeError(
                    f"{step.app}({step.appdata}) {UNFOLLOWABLE[app]}, which dialharness "
                    f"cannot see, so it cannot judge where {out.dial!r} as "
                    f"{out.subscriber} goes", path=path, line=line)
            if app not in CHANNEL_APPS:
                continue
            for r in reaches(step.app, step.appdata, target):
                if r.kind in (Kind.UNMAPPED, Kind.UNKNOWN):
                    path, line = _line_of(target, dialplan, step)
                    raise UnmappedChannel(
                        r.resource, path=path, line=line,
                        detail=f" (call {out.dial!r} as {out.subscriber}, "
                               f"{step.context},{step.exten},{step.priority})")
        for leg in out.legs:
            if not is_mapped(leg.endpoint, target):
                step = _dial_step(out.steps)
                path, line = _line_of(target, dialplan, step) if step else (
                    str(target.dialplan), None)
                raise UnmappedChannel(resource_of(leg.endpoint), path=path, line=line,
                                      detail=f" (call {out.dial!r} as {out.subscriber})")


def _dial_step(steps: Sequence[Step]) -> Step | None:
    return next((s for s in reversed(steps) if s.app.lower() in CHANNEL_APPS), None)


def _line_of(target: Target, dialplan: Dialplan, step: Step) -> tuple[str, int | None]:
    p = dialplan.resolve(step.context, step.exten, step.priority, step.app)
    if p is None:
        return str(target.dialplan), None
    return _where(dialplan, p)


__all__ = ["CHANNEL_APPS", "Kind", "Reach", "check_observations", "check_statically", "classify",
           "reaches", "split_args", "substitute"]
