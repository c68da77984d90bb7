"""Runtime dialplan errors: what Asterisk reports while a call runs, as errors of the user's file.

A dialplan can load cleanly and still fail while a call runs it: an application Asterisk
does not have (``Macro``, removed in Asterisk 21), a ``Goto``/``Gosub`` to a context,
extension, priority or label that does not exist, an ``AGI`` that cannot run. Asterisk
then hangs the call up, which looks exactly like a blocked call, so without this module
such a dialplan read as "expected domestic, but the call was blocked". Every one of them
is exit 2 naming the user's file and line (``DialplanRuntimeError``), never a routing result.

Two sources, both observed on Asterisk 22.10:

* **Asterisk's log** (the only place a missing application shows: it produces no Newexten
  event, the call just hangs up with cause 0). Lines this module reads::

    WARNING[49][C-00000001] pbx.c: No application 'Macro' for extension (from-internal, 1001, 2)
    WARNING[55][C-00000003] pbx.c: Channel 'Local/1003@from-internal-00000002;2' sent to
        invalid extension but no invalid handler: context,exten,priority=nowhere-ctx,s,1
    ERROR[58][C-00000004] app_stack.c: Gosub attempted to reach non-existent destination
        'sub-x,s,9' from 'from-internal,1004,1'
    NOTICE[61][C-00000005] pbx.c: No such label 'nolabel' in extension 's' in context 'sub-x'
    ERROR[61][C-00000005] app_stack.c: Gosub address is invalid: 'sub-x,s,nolabel'
    WARNING app_exec.c: Could not find application (Foo)          (ExecIf/Exec)
    WARNING res_agi.c: Failed to execute '/usr/share/asterisk/agi-bin/x.agi': File does not exist.

  ``parse_log`` and ``problems_from_log`` are pure (text + dialplan + outcomes); the PBX
  backend reads the log (``Pbx.runtime_log``, behind a barrier so every line of the batch
  is in) and ``raise_runtime_errors`` joins them.

* **The AMI events of the call** (certain per call, also on a backend without a log): a
  channel whose last step was a jump that was taken (``Goto``, ``GotoIf``, ``Gosub``,
  ``GosubIf``) and that then hung up (or went straight to ``h``) jumped to nowhere; a jump
  to a missing *priority* of an existing extension is logged nowhere at all (Asterisk
  treats it as the end of the extension), so this is the only signal for that case. The
  drivers apply it (``harness/drivers/steps.py``) with the helpers here.

The harness's PBX loads no ``res_agi`` and copies no AGI scripts, so ``AGI()`` there is a
missing application, reported as an AGI that cannot run.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import DialplanRuntimeError

if TYPE_CHECKING:
    from ..dialplan import Dialplan
    from ..model import Observation
    from .base import Pbx

#: applications that move the channel to another place of the dialplan
JUMP_APPS = frozenset({"goto", "gotoif", "gosub", "gosubif"})

_LINE = re.compile(r"^\[[^\]]*\]\s+(?P<level>[A-Z]+)\[[^\]]*\](?:\[(?P<callid>C-[0-9a-f]+)\])?\s+"
                   r"(?P<src>[\w.]+):?\s*(?:\d+\s+[\w]+:\s*)?(?P<msg>.*)$")
_NO_APP = re.compile(r"No application '(?P<app>[^']+)' for extension \((?P<ctx>[^,]*), "
                     r"(?P<exten>.*), (?P<prio>-?\d+)\)")
_INVALID = re.compile(r"Channel '(?P<chan>[^']*)' sent to invalid extension but no invalid "
                      r"handler: context,exten,priority=(?P<ctx>[^,]*),(?P<exten>.*),(?P<prio>-?\d+)")
_GOSUB_NOWHERE = re.compile(r"Gosub attempted to reach non-existent destination '(?P<dest>[^']*)'"
                            r" from '(?P<from>[^']*)'")
_GOSUB_INVALID = re.compile(r"Gosub address is invalid: '(?P<dest>[^']*)'")
_NO_LABEL = re.compile(r"No such label '(?P<label>[^']*)' in extension '(?P<exten>[^']*)' in "
                       r"context '(?P<ctx>[^']*)'")
_EXEC_NO_APP = re.compile(r"Could not find application \((?P<app>[^)]*)\)")
_AGI_FAILED = re.compile(r"Failed to execute '(?P<script>[^']*)': (?P<why>.*)")


@dataclass(frozen=True)
class LogProblem:
    """One runtime complaint of Asterisk's log, before it is mapped to the user's file."""

    kind: str        # no_app | invalid_ext | gosub_nowhere | no_label | exec_no_app | agi_failed
    text: str        # the log line's message
    app: str = ""
    context: str = ""
    exten: str = ""
    priority: int = 0
    label: str = ""
    dest: str = ""   # a Gosub destination as Asterisk wrote it
    channel: str = ""
    callid: str = ""


@dataclass(frozen=True)
class Problem:
    """A runtime dialplan error mapped to the user's file (``line`` None when unknown)."""

    message: str
    path: str
    line: int | None
    call: str = ""   # "'1001' as open", when the call is known

    def error(self, more: int = 0) -> DialplanRuntimeError:
        msg = self.message
        if self.call:
            msg += f" (call {self.call})"
        if more:
            msg += f"; and {more} more runtime dialplan error{'s' if more > 1 else ''}"
        return DialplanRuntimeError(msg, path=self.path, line=self.line)


# -- the log ------------------------------------------------------------------------------

def parse_log(text: str) -> list[LogProblem]:
    """Every runtime dialplan complaint in a stretch of Asterisk's log, in order."""
    out: list[LogProblem] = []
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if m:
            msg, callid = m.group("msg"), m.group("callid") or ""
        else:
            msg, callid = raw.strip(), ""
        if (n := _NO_APP.search(msg)):
            out.append(LogProblem("no_app", msg, app=n.group("app"), context=n.group("ctx"),
                                  exten=n.group("exten"), priority=int(n.group("prio")),
                                  callid=callid))
        elif (n := _INVALID.search(msg)):
            out.append(LogProblem("invalid_ext", msg, context=n.group("ctx"),
                                  exten=n.group("exten"), priority=int(n.group("prio")),
                                  channel=n.group("chan"), callid=callid))
        elif (n := _GOSUB_NOWHERE.search(msg)):
            ctx, exten, prio = (n.group("from").split(",") + ["", "", ""])[:3]
            out.append(LogProblem("gosub_nowhere", msg, context=ctx, exten=exten,
                                  priority=_int(prio), dest=n.group("dest"), app="Gosub",
                                  callid=callid))
        elif (n := _GOSUB_INVALID.search(msg)):
            out.append(LogProblem("gosub_invalid", msg, dest=n.group("dest"), app="Gosub",
                                  callid=callid))
        elif (n := _NO_LABEL.search(msg)):
            out.append(LogProblem("no_label", msg, label=n.group("label"),
                                  context=n.group("ctx"), exten=n.group("exten"), callid=callid))
        elif (n := _EXEC_NO_APP.search(msg)):
            out.append(LogProblem("exec_no_app", msg, app=n.group("app").split("(")[0].strip(),
                                  callid=callid))
        elif (n := _AGI_FAILED.search(msg)):
            out.append(LogProblem("agi_failed", n.group("why").strip(),
                                  dest=n.group("script"), app="AGI", callid=callid))
    return out


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def problems_from_log(text: str, dialplan: Dialplan, outcomes: Sequence[Observation] = (),
                      path: str | None = None) -> list[Problem]:
    """The runtime errors a stretch of log shows, mapped to the user's file and line.

    ``dialplan`` is a parsed ``harness.dialplan.Dialplan``; ``outcomes`` (the batch's
    calls, with their steps) name the call and locate complaints that carry no place
    (a Goto to nowhere names only its destination).
    """
    path = path or str(getattr(dialplan, "path", ""))
    found: list[Problem] = []
    seen: set[tuple[str, int | None, str]] = set()
    skip_gosub_invalid = 0
    lines = parse_log(text)
    for n, p in enumerate(lines):
        prob: Problem | None = None
        if p.kind == "no_app":
            prio = _resolve(dialplan, p.context, p.exten, p.priority, p.app)
            where, line = _where(prio, path)
            call = _call_at(outcomes, p.context, p.exten, p.priority)
            prob = Problem(_missing_app_message(p.app, prio), where, line, call)
        elif p.kind == "exec_no_app":
            step, out = _find_step(outcomes, lambda s: s.app.lower() in ("execif", "exec")
                                   and p.app.lower() in s.appdata.lower())
            prio = _resolve_step(dialplan, step)
            where, line = _where(prio, path)
            prob = Problem(f"{step.app if step else 'ExecIf'}() runs application "
                           f"'{p.app}', which this Asterisk does not have"
                           + _macro_hint(p.app), where, line, _call_name(out))
        elif p.kind == "invalid_ext":
            target = (p.context, p.exten, str(p.priority))
            step, out = _find_step(outcomes, lambda s: _jump_lands(s, target))
            prio = _resolve_step(dialplan, step)
            where, line = _where(prio, path)
            what = describe_missing(dialplan, p.context, p.exten, str(p.priority))
            app = f"{step.app}({step.appdata})" if step else "a jump"
            prob = Problem(f"{app} goes to {p.context},{p.exten},{p.priority}: {what}",
                           where, line, _call_name(out))
        elif p.kind == "gosub_nowhere":
            prio = _resolve(dialplan, p.context, p.exten, p.priority, None)
            where, line = _where(prio, path)
            dest = _split_top(p.dest, ",")
            dctx, dexten, dprio = (["", ""] + dest)[-3:] if len(dest) < 3 else dest[:3]
            what = describe_missing(dialplan, dctx or p.context, dexten or p.exten, dprio)
            app = f"{prio.app}({prio.args})" if prio is not None and prio.args else "Gosub"
            prob = Problem(f"{app} goes to {p.dest}: {what}", where, line,
                           _call_at(outcomes, p.context, p.exten, p.priority, p.app))
        elif p.kind == "no_label":
            # the jump that named it is the step of a batch call whose data has the label
            step, out = _find_step(outcomes, lambda s: s.app.lower() in JUMP_APPS | {"execif"}
                                   and p.label in s.appdata)
            prio = _resolve_step(dialplan, step)
            where, line = _where(prio, path)
            app = f"{step.app}({step.appdata})" if step else "a jump"
            prob = Problem(f"{app} goes to {p.context},{p.exten},{p.label}: "
                           f"{describe_missing(dialplan, p.context, p.exten, p.label)}",
                           where, line, _call_name(out))
            if n + 1 < len(lines) and lines[n + 1].kind == "gosub_invalid":
                skip_gosub_invalid += 1
        elif p.kind == "gosub_invalid":
            if skip_gosub_invalid:
                skip_gosub_invalid -= 1
                continue
            step, out = _find_step(outcomes, lambda s: s.app.lower() in ("gosub", "gosubif")
                                   and p.dest in s.appdata)
            prio = _resolve_step(dialplan, step)
            where, line = _where(prio, path)
            prob = Problem(f"Gosub to '{p.dest}': Asterisk finds no such place in the "
                           "dialplan", where, line, _call_name(out))
        elif p.kind == "agi_failed":
            step, out = _find_step(outcomes, lambda s: s.app.lower() in ("agi", "eagi")
                                   and Path(p.dest).name in s.appdata)
            prio = _resolve_step(dialplan, step)
            where, line = _where(prio, path)
            prob = Problem(f"AGI script {p.dest} cannot run: {p.text}", where, line,
                           _call_name(out))
        if prob is None:
            continue
        if outcomes and not prob.call and p.kind != "no_app":
            # Every other complaint is about a step with a Newexten: no call of this batch
            # ran it, so the line is an earlier batch's, whose driver already raised it.
            continue
        key = (prob.path, prob.line, prob.message)
        if key not in seen:
            seen.add(key)
            found.append(prob)
    # a complaint naming a call of this batch first (a missing application at the very
    # first priority of a call has no step to name its call by)
    found.sort(key=lambda p: not p.call)
    return found


def _missing_app_message(app: str, prio: object | None) -> str:
    args = getattr(prio, "args", "") if prio is not None else ""
    call = f"{app}({args})" if args else f"{app}()"
    low = app.lower()
    if low in ("agi", "eagi", "deadagi", "fastagi"):
        return (f"{call} cannot run: this PBX has no application '{app}' (the harness's "
                "Asterisk loads no res_agi and has none of the user's AGI scripts); the "
                "call was hung up at this line")
    return (f"{call} cannot run: this Asterisk has no application '{app}'"
            + _macro_hint(app, args) + "; the call was hung up at this line")


def _macro_hint(app: str, args: str = "") -> str:
    low = app.lower()
    if low == "macro":
        name, _, rest = args.partition(",")
        name = name.strip() or "NAME"
        return (" (Asterisk 21 and later removed Macro; GoSub replaces it: "
                f"Gosub(macro-{name},s,1({rest.strip()})) with Return() in place of the "
                "macro's end)")
    if low in ("macroexit", "macroif", "macroexclusive"):
        return f" (Asterisk 21 and later removed {app} with Macro; GoSub/Return replace them)"
    return " (no loaded module provides it)"


def _resolve(dialplan: object, context: str, exten: str, priority: int,
             app: str | None) -> object | None:
    resolve = getattr(dialplan, "resolve", None)
    if resolve is None:
        return None
    return resolve(context, exten, priority, app) or resolve(context, exten, priority)


def _resolve_step(dialplan: object, step: object | None) -> object | None:
    if step is None:
        return None
    return _resolve(dialplan, step.context, step.exten, step.priority,  # type: ignore[attr-defined]
                    step.app)  # type: ignore[attr-defined]


def _where(prio: object | None, path: str) -> tuple[str, int | None]:
    if prio is None:
        return path, None
    file = getattr(prio, "file", None)
    return (str(file) if file else path), getattr(prio, "line", None)


def _call_name(outcome: object | None) -> str:
    if outcome is None:
        return ""
    return f"{outcome.dial!r} as {outcome.subscriber}"  # type: ignore[attr-defined]


def _find_step(outcomes: Iterable[object], pred) -> tuple[object | None, object | None]:  # type: ignore[no-untyped-def]
    for out in outcomes:
        for step in getattr(out, "steps", ()):
            if pred(step):
                return step, out
    return None, None


def _call_at(outcomes: Iterable[object], context: str, exten: str, priority: int,
             app: str | None = None) -> str:
    """The batch call that ran ``context,exten`` (a missing application's step itself has
    no Newexten; with ``app``, the call that ran exactly that step)."""
    for out in outcomes:
        for step in getattr(out, "steps", ()):
            if step.context == context and step.exten == exten and (
                    app is None or (step.priority == priority
                                    and step.app.lower() == app.lower())):
                return _call_name(out)
    for out in outcomes:  # at the first priority of the call: it ran no step at all
        if getattr(out, "dial", None) == exten and not any(
                s.context == context for s in getattr(out, "steps", ())):
            return _call_name(out)
    return ""


# -- jumps ---------------------------------------------------------------------------------

def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside parentheses (Asterisk's argument separation)."""
    parts, depth, cur = [], 0, []
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    return parts


def condition_true(text: str) -> bool:
    """pbx_checkcondition: empty is false, a leading integer is its value, other text true."""
    s = text.strip()
    if not s:
        return False
    m = re.match(r"[+-]?\d+", s)
    if m:
        return int(m.group(0)) != 0
    return True


def jump_target(app: str, appdata: str, context: str, exten: str) -> tuple[str, str, str] | None:
    """Where a jump step goes as (context, exten, priority-or-label), None when it does
    not jump (a condition that chose an empty branch) or cannot be read here.

    ``appdata`` is the substituted data of the Newexten event (variables expanded,
    ``$[...]`` evaluated), so a GotoIf's condition is already its value.
    """
    low = app.lower()
    data = appdata.strip()
    if low in ("gotoif", "gosubif"):
        if low == "gotoif":
            cond, q, branches = data.partition("?")
            if not q:
                return None
            true_b, _, false_b = branches.partition(":")
        else:
            parts = _split_top(data, "?")
            if len(parts) < 2:
                return None
            cond = parts[0]
            br = _split_top("?".join(parts[1:]), ":")
            true_b, false_b = br[0], ":".join(br[1:])
        data = (true_b if condition_true(cond) else false_b).strip()
        if not data:
            return None
    elif low not in ("goto", "gosub"):
        return None
    parts = [p.strip() for p in _split_top(data, ",")]
    if low.startswith("gosub") and parts:
        parts[-1] = parts[-1].split("(", 1)[0].strip()
    if len(parts) == 1:
        ctx, ext, prio = context, exten, parts[0]
    elif len(parts) == 2:
        ctx, ext, prio = context, parts[0] or exten, parts[1]
    elif len(parts) >= 3:
        ctx, ext, prio = parts[0] or context, parts[1] or exten, parts[2]
    else:
        return None
    if not prio:
        return None
    return ctx, ext, prio


def _jump_lands(step: object, target: tuple[str, str, str]) -> bool:
    t = jump_target(step.app, step.appdata, step.context, step.exten)  # type: ignore[attr-defined]
    return t is not None and t[0] == target[0] and t[1] == target[1] and t[2] == target[2]


def _match_extension(dialplan: object, context: str, exten: str) -> tuple[str, dict] | None:  # type: ignore[type-arg]
    """(pattern, priorities) of the extension of ``context`` (or its includes) that
    matches ``exten``, as Asterisk searches them; None when none matches."""
    from ..dialplan import pattern_matches

    contexts = getattr(dialplan, "contexts", {})
    seen: set[str] = set()

    def walk(name: str) -> tuple[str, dict] | None:  # type: ignore[type-arg]
        if name in seen or name not in contexts:
            return None
        seen.add(name)
        ctx = contexts[name]
        for pattern in ctx.ordered():
            if pattern_matches(pattern, exten):
                return pattern, ctx.extensions[pattern]
        for inc in ctx.includes:
            hit = walk(inc)
            if hit is not None:
                return hit
        return None

    return walk(context)


def target_priority(dialplan: object, context: str, exten: str, prio: str) -> int | None:
    """The priority number a jump target names (a label resolved in the dialplan file)."""
    if re.fullmatch(r"\d+", prio):
        return int(prio)
    hit = _match_extension(dialplan, context, exten)
    if hit is None:
        return None
    for number, p in hit[1].items():
        if getattr(p, "label", None) == prio:
            return int(number)
    return None


def describe_missing(dialplan: object, context: str, exten: str, prio: str) -> str:
    """What of ``context,exten,prio`` the dialplan file does not have, in words."""
    contexts = getattr(dialplan, "contexts", {})
    if context not in contexts:
        return f"context '{context}' does not exist"
    hit = _match_extension(dialplan, context, exten)
    if hit is None:
        return f"context '{context}' has no extension matching '{exten}'"
    pattern, prios = hit
    if re.fullmatch(r"\d+", prio):
        if int(prio) not in prios:
            return (f"extension '{pattern}' of context '{context}' has no priority {prio}"
                    f" (it has {', '.join(str(n) for n in sorted(prios)) or 'none'})")
        return f"Asterisk found nothing there (the file has it at priority {prio})"
    if not any(getattr(p, "label", None) == prio for p in prios.values()):
        return f"extension '{pattern}' of context '{context}' has no label '{prio}'"
    return "Asterisk found nothing there"


# -- joining it up ---------------------------------------------------------------------------

def raise_runtime_errors(pbx: Pbx, dialplan: Dialplan, outcomes: Sequence[Observation]) -> bool:
    """Raise ``DialplanRuntimeError`` if Asterisk's log shows a runtime dialplan error of
    the batch just placed (``Session.place`` calls this after the driver returned).

    Returns False when the backend has no log (``Pbx.runtime_log`` returns None): the
    caller says so once, on stderr; it is never passed over silently.
    """
    text = pbx.runtime_log()
    if text is None:
        return False
    if text:
        found = problems_from_log(text, dialplan, outcomes, path=str(dialplan.path))
        if found:
            raise found[0].error(more=len(found) - 1)
    return True


def no_log_warning(pbx: Pbx) -> str:
    return (f"dialharness: warning: {pbx.runtime_log_unavailable}: runtime dialplan errors "
            "that only Asterisk's log shows (a missing application such as Macro, an AGI "
            "that cannot run) are NOT checked; jumps to nowhere and loops still are (AMI events)")
