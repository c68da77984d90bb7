"""Watching a call's dialplan steps: the step limit, loops, and jumps to nowhere.

Both drivers feed every Newexten of a call (with the channel's uniqueid) to a
``StepWatch`` and every Hangup of one of its channels; the watch says when the call must
be hung up at once (a loop) and, when the call is over, which runtime dialplan error it
ran into. Pure: no AMI here, so it is unit-tested without a PBX.

Why a limit at all. A dialplan that never ends (``exten => 118,1,Goto(emergency,118,1)``)
kills Asterisk: every executed priority publishes a channel snapshot through Stasis, and
the manager's subscriber falls behind (Asterisk logs "Taskprocessor 'stasis/m:manager:core'
queue reached 3000 scheduled tasks" and, with a few such calls, "Excessive refcount 100000
reached" on the shared snapshot), so the queue grows without bound; with four looping
calls the container went from 55 MB to its 2 GB limit in about three seconds and the
kernel's OOM killer ended Asterisk (OOMKilled, exit 137), which the harness saw as
"lost the PBX". A jump to the very priority that jumps produces no Newexten after the
first (the channel's place does not change, so the manager has nothing to report): it is
recognised from the step itself (its target is its own place). Any other loop shows as
steps, and a call that runs more than ``max_steps`` of them is hung up.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import defaults
from ..errors import DialplanRuntimeError, InputError
from ..model import Step
from ..pbx.runtime_errors import (JUMP_APPS, Problem, describe_missing, jump_target,
                                  target_priority)

#: executed priorities (Newexten events) one call may run before it counts as a loop
DEFAULT_MAX_STEPS = defaults.MAX_STEPS


def default_max_steps() -> int:
    """The limit when ``--max-steps`` is not given: ``DIALHARNESS_MAX_STEPS`` or 1000."""
    env = os.environ.get("DIALHARNESS_MAX_STEPS")
    if env:
        try:
            n = int(env)
        except ValueError:
            raise InputError(f"DIALHARNESS_MAX_STEPS must be a number, not {env!r}") from None
        if n >= 1:
            return n
    return DEFAULT_MAX_STEPS


def first_of(broken: Sequence[DialplanRuntimeError]) -> DialplanRuntimeError:
    """The first call's error of a batch, saying how many more calls had one."""
    if len(broken) == 1:
        return broken[0]
    more = DialplanRuntimeError(f"{broken[0].args[0]}; and {len(broken) - 1} more call(s) "
                                "with runtime dialplan errors")
    more.path, more.line = broken[0].path, broken[0].line
    return more


def _taken_jump(step: Step, dialplan: object) -> tuple[str, str, str] | None:
    if step.app.lower() not in JUMP_APPS:
        return None
    return jump_target(step.app, step.appdata, step.context, step.exten)


@dataclass
class StepWatch:
    """The steps of one call, as its channels ran them."""

    max_steps: int
    dialplan: object | None = None
    count: int = 0
    #: uniqueid -> the last step that channel ran
    last: dict[str, Step] = field(default_factory=dict)
    #: set once: why the call must be hung up (a loop)
    loop: str | None = None
    loop_steps: tuple[Step, ...] = ()
    #: (jump step, its target) of channels whose jump went nowhere
    nowhere: list[tuple[Step, tuple[str, str, str]]] = field(default_factory=list)
    #: the harness hung the call up (loop, timeout): a jump cut short is not "nowhere"
    hung_by_us: bool = False

    def add(self, uid: str, step: Step, steps: Sequence[Step]) -> bool:
        """Record ``step`` (``steps``: the call's steps so far, this one included).
        True exactly once: when the call has just become a loop and must be hung up."""
        self.count += 1
        prev = self.last.get(uid)
        self.last[uid] = step
        if prev is not None and step.exten == "h" and step.priority == 1 and prev.exten != "h":
            t = _taken_jump(prev, self.dialplan)
            if t is not None and t[1] != "h":
                self.nowhere.append((prev, t))    # the jump failed; Asterisk ran h
        if self.loop is not None:
            return False
        t = _taken_jump(step, self.dialplan)
        if t is not None and t[0] == step.context and t[1] == step.exten:
            prio = target_priority(self.dialplan, t[0], t[1], t[2]) if self.dialplan else (
                int(t[2]) if t[2].isdigit() else None)
            if prio == step.priority:
                self.loop = "self"
                self.loop_steps = (step,)
                return True
        if self.count > self.max_steps:
            self.loop = "limit"
            self.loop_steps = tuple(steps[-200:])
            return True
        return False

    def hung_up(self, uid: str) -> None:
        """A channel of the call hung up: if its last step was a taken jump, it went
        nowhere (a jump that lands runs the target, which is a Newexten)."""
        step = self.last.get(uid)
        if step is None or self.hung_by_us or self.loop is not None:
            return
        t = _taken_jump(step, self.dialplan)
        if t is None:
            return
        if t[0] == step.context and t[1] == step.exten and t[2] == str(step.priority):
            return
        self.nowhere.append((step, t))

    # -- the error ------------------------------------------------------------------------
    def problem(self, dial: str, subscriber: str, path: Path) -> Problem | None:
        call = f"{dial!r} as {subscriber}"
        if self.loop is not None:
            return loop_problem(self.loop, self.loop_steps, self.max_steps, self.dialplan,
                                path, call)
        if self.nowhere:
            step, (ctx, ext, prio) = self.nowhere[0]
            prio_line = _line_of(self.dialplan, step)
            where, line = _where(prio_line, path)
            what = (describe_missing(self.dialplan, ctx, ext, prio) if self.dialplan
                    else "Asterisk found nothing there")
            return Problem(f"{step.app}({step.appdata}) goes to {ctx},{ext},{prio}: {what}; "
                           "Asterisk hung the call up there", where, line, call)
        return None

    def error(self, dial: str, subscriber: str, path: Path) -> DialplanRuntimeError | None:
        p = self.problem(dial, subscriber, path)
        if p is None:
            return None
        return DialplanRuntimeError(p.message + f" (call {p.call})", path=p.path, line=p.line)


def _line_of(dialplan: object | None, step: Step) -> object | None:
    if dialplan is None:
        return None
    resolve = getattr(dialplan, "resolve")
    return resolve(step.context, step.exten, step.priority, step.app) or resolve(
        step.context, step.exten, step.priority)


def _where(prio: object | None, path: Path) -> tuple[str, int | None]:
    if prio is None:
        return str(path), None
    file = getattr(prio, "file", None)
    return (str(file) if file else str(path)), getattr(prio, "line", None)


def loop_priorities(steps: Sequence[Step]) -> list[Step]:
    """The steps that repeat in the tail of a looping call, in the order they ran."""
    keys = Counter((s.context, s.exten, s.priority) for s in steps)
    out, seen = [], set()
    for s in steps:
        k = (s.context, s.exten, s.priority)
        if keys[k] >= 2 and k not in seen:
            seen.add(k)
            out.append(s)
    return out or list(steps[-1:])


def loop_problem(kind: str, steps: Sequence[Step], max_steps: int, dialplan: object | None,
                 path: Path, call: str) -> Problem:
    placed = []
    for s in loop_priorities(steps):
        where, line = _where(_line_of(dialplan, s), path)
        placed.append((where, line if line is not None else 1 << 30, s))
    placed.sort(key=lambda x: (x[0] != str(path), x[0], x[1]))   # in file order
    shown = []
    for where, line, s in placed[:8]:
        loc = (f"{Path(where).name}:{line}" if line != 1 << 30
               else f"{s.context},{s.exten},{s.priority}")
        shown.append(f"{loc} {s.app}({s.appdata})")
    if len(placed) > 8:
        shown.append(f"... ({len(placed) - 8} more)")
    where, line = (placed[0][0], placed[0][1]) if placed else (str(path), None)
    if line == 1 << 30:
        line = None
    lines = ", ".join(shown)
    if kind == "self":
        msg = (f"the dialplan loops forever: {lines} jumps to itself (Asterisk would run it "
               "without end and run out of memory); the harness hung the call up")
    else:
        msg = (f"the call ran more than {max_steps} dialplan steps (--max-steps), a loop "
               f"through {lines}; the harness hung it up")
    return Problem(msg, where, line, call)
