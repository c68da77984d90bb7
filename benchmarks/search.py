#!/usr/bin/env python3
"""Find the needle: does dialharness's search find a bug that lives in ONE narrow rule,
compared with plain uniform random generation over the numbering grammar?

For every needle (``dialplans/needles/*.yaml``: a correct dialplan with one extra or
changed narrow rule; its ``.conf`` header says ``; breaks: <properties>``) and every seed,
in ONE PBX session per needle:

(a) dialharness's default search, exactly what ``dialharness check`` does:
    ``explore(session, select(), seed=seed, database=None,
    extra_dials=strategies.special_dial_table(profile))`` with the default budget
    (``defaults.EXAMPLES`` dial strings x subscribers), read through
    ``result.first_detection``: calls placed (special table, generated and shrink steps,
    in order) up to the batch that first broke a property of the header, minimum over
    those properties; "not found" when none broke within the budget.

(b) uniform random generation over the grammar, with no dialplan knowledge and no
    special table: ``random.Random(seed)`` draws each dial string as the grammar composes
    it (cid uniformly in {none} + cid codes; branch uniformly among emergency, domestic,
    +home, intl, +CC; carrier code uniformly in {none} + carrier codes where the grammar
    allows one (domestic, intl); NSN range uniformly among ``profile.nsn_ranges``, then
    uniform digits of the range's length (a prefix of the range, the rest uniform, drawn
    again when an excluded prefix came out: uniform over the range); country code
    uniformly among the assigned codes but home (``profile.intl_country_codes``: the
    grammar's CC other than 81), then a uniform subscriber length within the profile's
    CC+SUB limits and uniform digits). Each dial string is placed for every subscriber,
    in batches of ``defaults.BATCH`` dial strings, judged by ``session.verdict(obs,
    select())``; calls are counted up to the batch with the first failure of a header
    property, up to the same budget of ``defaults.EXAMPLES`` dial strings x subscribers.

``--correct`` runs (a) on every correct dialplan (``dialplans/jp-office.yaml``,
``dialplans/styles/*.yaml``) and reports every failure as a false alarm.

    python3 benchmarks/search.py [--seeds 1,2,3,4,5] [--needles GLOB] [--out FILE.md]
                                 [--jobs 2] [--correct]

Needles run in parallel, ``--jobs`` worker processes (default 2), each with its own PBX.
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import json
import math
import os
import platform
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import defaults, strategies  # noqa: E402
from harness import explore as explore_module  # noqa: E402
from harness.explore import explore  # noqa: E402
from harness.profile import Profile  # noqa: E402
from harness.properties import CHECKS, select  # noqa: E402
from harness.session import open_session  # noqa: E402
from harness.target import load_target  # noqa: E402

_BREAKS = re.compile(r"^;\s*breaks:\s*(.+)$", re.MULTILINE)
_BASE = re.compile(r"^;\s*base:\s*(\S+)", re.MULTILINE)
_BUG = re.compile(r"^;\s*bug:\s*(.+)$", re.MULTILINE)

STYLE = {
    "jp-office.conf": "pattern (includes)",
    "styles/callerid-cos.conf": "pattern (own extensions, CLI class)",
    "styles/e164-failover.conf": "pattern (includes, E.164 trunks)",
    "styles/regex-catchall.conf": "REGEX catch-all",
    "styles/gosub-cos.conf": "GoSub",
}
DEFAULT_NEEDLES = "dialplans/needles/*.yaml"
CORRECT = ["dialplans/jp-office.yaml", "dialplans/styles/*.yaml"]
NOT_FOUND = None


# --- the header of a needle ------------------------------------------------------------------

def header(target_path: Path) -> dict:
    target = load_target(target_path)
    text = target.dialplan.read_text()
    m = _BREAKS.search(text)
    if not m:
        raise SystemExit(f"{target.dialplan}: no '; breaks: <properties>' header line")
    breaks = [p.strip() for p in m.group(1).split(",") if p.strip()]
    unknown = [p for p in breaks if p not in CHECKS]
    if unknown:
        raise SystemExit(f"{target.dialplan}: unknown properties in breaks: {unknown}")
    base = (_BASE.search(text) or [None, "?"])[1]
    bug = (_BUG.search(text) or [None, ""])[1].strip()
    return {"breaks": breaks, "base": base, "bug": bug,
            "style": STYLE.get(base, "?"), "subscribers": list(target.subscribers)}


# --- (b) uniform random generation over the grammar ------------------------------------------

class UniformGrammar:
    """Dial strings drawn uniformly as the grammar composes them; no dialplan knowledge."""

    BRANCHES = ("emergency", "domestic", "plus_home", "intl", "plus")

    def __init__(self, profile: Profile, rng: random.Random) -> None:
        self.p = profile
        self.rng = rng
        self.cids = [""] + sorted(profile.cid_codes)
        self.cics = [""] + sorted(profile.cic_codes)
        self.ccs = sorted(profile.intl_country_codes, key=lambda c: (len(c), c))
        self.ranges = list(profile.nsn_ranges)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def nsn(self) -> str:
        rng = self.rng.choice(self.ranges)
        while True:
            prefix = self.rng.choice(rng.prefixes)
            nsn = prefix + self.digits(rng.length - len(prefix))
            if rng.matches(nsn):
                return nsn

    def cc_sub(self) -> str:
        cc = self.rng.choice(self.ccs)
        lo = max(1, self.p.intl_min_length - len(cc))
        hi = self.p.intl_max_length - len(cc)
        return cc + self.digits(self.rng.randint(lo, hi))

    def draw(self) -> str:
        p = self.p
        cid = self.rng.choice(self.cids)
        branch = self.rng.choice(self.BRANCHES)
        if branch == "emergency":
            body = self.rng.choice(sorted(p.emergency_numbers))
        elif branch == "domestic":
            body = self.rng.choice(self.cics) + p.trunk_prefix + self.nsn()
        elif branch == "plus_home":
            body = "+" + p.home_country_code + self.nsn()
        elif branch == "intl":
            body = self.rng.choice(self.cics) + p.international_prefix + self.cc_sub()
        else:
            body = "+" + self.cc_sub()
        return cid + body


def uniform_search(session, breaks: list[str], seed: int, examples: int, batch: int) -> dict:
    subscribers = list(session.target.subscribers)
    budget = examples * len(subscribers)
    gen = UniformGrammar(session.profile, random.Random(seed))
    checks = select()
    calls = drawn = 0
    started = time.monotonic()
    while drawn < examples:
        n = min(batch, examples - drawn)
        dials = [gen.draw() for _ in range(n)]
        drawn += n
        pairs = [(d, s) for d in dials for s in subscribers]
        observations = session.observe(pairs)
        calls += len(pairs)
        failures = [f for f in session.verdict(observations, checks) if f.check in breaks]
        if failures:
            f = min(failures, key=lambda f: (len(f.dial), f.dial))
            return {"first": calls, "check": f.check, "dial": f.dial,
                    "subscriber": f.subscriber, "calls": calls, "budget": budget,
                    "seconds": round(time.monotonic() - started, 1)}
    return {"first": NOT_FOUND, "calls": calls, "budget": budget,
            "seconds": round(time.monotonic() - started, 1)}


# --- (a) dialharness's default search ---------------------------------------------------------

def default_search(session, seed: int) -> tuple[dict, object]:
    started = time.monotonic()
    result = explore(session, select(), seed=seed, database=None,
                     extra_dials=strategies.special_dial_table(session.profile))
    return {"calls": result.calls, "budget": result.budget, "generated": result.generated,
            "seconds": round(time.monotonic() - started, 1),
            "first_detection": dict(result.first_detection),
            "failed": sorted(result.failures),
            "examples": {n: [f.dial, f.subscriber] for n, f in result.failures.items()},
            }, result


def run_needle(path: str, seeds: list[int]) -> dict:
    info = header(Path(path))
    n_subs = len(info["subscribers"])
    table_calls = len(strategies.special_dial_table(load_profile_of(path))) * n_subs
    out = {"needle": Path(path).stem, "path": path, **info, "table_calls": table_calls,
           "runs": []}
    t0 = time.monotonic()
    try:
        with open_session(path) as session:
            for seed in seeds:
                a, _ = default_search(session, seed)
                found = [a["first_detection"][p] for p in info["breaks"]
                         if p in a["first_detection"]]
                a["first"] = min(found) if found else NOT_FOUND
                a["unexpected"] = sorted(set(a["failed"]) - set(info["breaks"]))
                a["missed"] = sorted(set(info["breaks"]) - set(a["failed"]))
                b = uniform_search(session, info["breaks"], seed, defaults.EXAMPLES,
                                   defaults.BATCH)
                out["runs"].append({"seed": seed, "a": a, "b": b})
                print(f"[{out['needle']}] seed {seed}: (a) {fmt(a['first'])} "
                      f"({a['seconds']} s, failed {a['failed']})  (b) {fmt(b['first'])} "
                      f"({b['seconds']} s)", file=sys.stderr, flush=True)
    except Exception as exc:  # report, never hide: the row says ERROR
        out["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


def run_correct(path: str, seeds: list[int]) -> dict:
    out = {"target": path, "runs": []}
    t0 = time.monotonic()
    try:
        with open_session(path) as session:
            for seed in seeds:
                a, result = default_search(session, seed)
                a["alarms"] = [{"check": f.check, "dial": f.dial, "subscriber": f.subscriber,
                                "reason": f.reason} for f in result.all_failures]
                a["verdicts"] = result.verdicts()
                out["runs"].append({"seed": seed, "a": a})
                print(f"[{path}] seed {seed}: {len(a['alarms'])} failures, "
                      f"{a['calls']} calls, {a['seconds']} s", file=sys.stderr, flush=True)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


def load_profile_of(path: str) -> Profile:
    from harness.profile import load_profile
    return load_profile(load_target(Path(path)).profile_path())


# --- the table -----------------------------------------------------------------------------

def fmt(v) -> str:
    return "nf" if v is None else f"{v:,}".replace(",", " ")


def median(values: list) -> float | None:
    xs = [math.inf if v is None else v for v in values]
    m = statistics.median(xs)
    return None if m == math.inf else m


def ratio(a: float | None, b: float | None, a_max: int, b_max: int) -> str:
    """median(b) / median(a); a bound when one of them found nothing within its budget."""
    if a is None and b is None:
        return "-"
    if a is None:
        return f"< {b / a_max:.2f}"
    if b is None:
        return f"> {b_max / a:.1f}"
    return f"{b / a:.1f}"


def machine_line() -> str:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                                  cwd=ROOT, timeout=20).stdout.strip()
        except Exception:
            return "?"
    mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    commit = sh("git rev-parse --short HEAD")
    dirty = sh("git status --porcelain --untracked-files=no -- harness | awk '{print $2}' "
               "| tr '\\n' ' '")
    import hypothesis
    explore_sha = hashlib.sha1(Path(explore_module.__file__).read_bytes()).hexdigest()[:12]
    return (f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; {platform.node()}; "
            f"{os.cpu_count()} CPUs, {mem}; {platform.platform()}; Python "
            f"{platform.python_version()}; Hypothesis {hypothesis.__version__}; "
            f"dialharness at {commit}"
            + (f" with uncommitted changes in the working tree to: {dirty.strip()}"
               if dirty.strip() else "")
            + f" (harness/explore.py as imported: sha1 {explore_sha}, "
            + ("uncommitted" if "harness/explore.py" in dirty else "as committed") + ")")


def needle_table(rows: list[dict], seeds: list[int], command: str, wall: float,
                 machine: str) -> str:
    budget_dials = defaults.EXAMPLES
    lines = [
        "# Find the needle: dialharness's search vs uniform random generation",
        "",
        f"Machine: {machine}.",
        f"Wall time: {wall / 60:.1f} min for the last invocation; the needles' PBX sessions "
        f"took {sum(r.get('seconds', 0) for r in rows) / 60:.1f} min in all ({len(rows)} "
        f"needles x {len(seeds)} seeds x 2 searches, 2 at a time unless --jobs said otherwise).",
        "",
        "Rerun:",
        "",
        "    " + command,
        "",
        "Cells are **calls to detection**: calls placed up to and including the batch that "
        "first broke one of the properties the needle's header lists (minimum over them). "
        "(a) = `dialharness check`'s default search (`explore(..., seed=s, database=None, "
        "extra_dials=special_dial_table)`, `ExploreResult.first_detection`; counts the "
        "special table placed first, generated batches and shrink steps); (b) = uniform "
        "random generation over the grammar, batches of "
        f"{defaults.BATCH} dial strings. Budget: {budget_dials} dial strings x subscribers "
        "(6 000 calls for these 2-subscriber targets) for both; `nf` = not found within it. "
        "Medians count `nf` as larger than any number; the ratio is median(b) / median(a) "
        "(a bound when a median is `nf`).",
        "",
        "| needle | style | base | breaks | (a) per seed | (b) per seed | median (a) | "
        "median (b) | ratio b/a | (a) every seed | (b) every seed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for r in rows:
        if r.get("error") and not r["runs"]:
            lines.append(f"| `{r['needle']}` | {r['style']} | {r['base']} | "
                         f"{', '.join(r['breaks'])} | ERROR: {r['error']} | | | | | | |")
            continue
        a = [x["a"]["first"] for x in r["runs"]]
        b = [x["b"]["first"] for x in r["runs"]]
        ma, mb = median(a), median(b)
        a_max = max([x["a"]["calls"] for x in r["runs"]] + [1])
        b_max = max([x["b"]["budget"] for x in r["runs"]] + [1])
        tag = lambda v: fmt(v) + ("<sup>t</sup>" if v == r["table_calls"] else "")
        lines.append(
            f"| `{r['needle']}` | {r['style']} | {r['base']} | {', '.join(r['breaks'])} | "
            f"{', '.join(tag(v) for v in a)} | {', '.join(fmt(v) for v in b)} | "
            f"{fmt(ma if ma is None else int(ma))} | {fmt(mb if mb is None else int(mb))} | "
            f"{ratio(ma, mb, a_max, b_max)} | "
            f"{'yes' if all(v is not None for v in a) else 'no'} | "
            f"{'yes' if all(v is not None for v in b) else 'no'} |")
        for x in r["runs"]:
            if x["a"]["unexpected"] or x["a"]["missed"]:
                notes.append(f"- `{r['needle']}` seed {x['seed']}: (a) failed "
                             f"{x['a']['failed']}; not in the header: "
                             f"{x['a']['unexpected'] or 'none'}; header properties not "
                             f"found: {x['a']['missed'] or 'none'}")
        if r.get("error"):
            notes.append(f"- `{r['needle']}`: ERROR {r['error']}")
    done = [r for r in rows if r["runs"]]
    for key, label in (("a", "(a) default search"), ("b", "(b) uniform grammar")):
        found = sum(x[key]["first"] is not None for r in done for x in r["runs"])
        runs = sum(len(r["runs"]) for r in done)
        every = sum(all(x[key]["first"] is not None for x in r["runs"]) for r in done)
        never = sum(all(x[key]["first"] is None for x in r["runs"]) for r in done)
        lines.append(f"{'' if key == 'b' else chr(10)}{label}: found the needle in {found} of "
                     f"{runs} runs; in every seed on {every} of {len(done)} needles, in no "
                     f"seed on {never}.  ")
    lines += ["", "<sup>t</sup> found by the special dial table that `check` places first "
              f"({rows[0]['table_calls'] if rows else '?'} calls for a 2-subscriber target), "
              "before any generated call.", ""]
    lines += ["## Per run", "",
              "| needle | seed | (a) calls | (a) s | (a) failed properties (calls to detection: shrunk example) | "
              "(b) calls | (b) s | (b) first failure |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for x in r["runs"]:
            a, b = x["a"], x["b"]
            fa = "; ".join(f"{p} ({fmt(a['first_detection'].get(p))}: "
                           f"`{a['examples'][p][0]}` {a['examples'][p][1]})"
                           for p in a["failed"]) or "none"
            fb = (f"{b['check']}: `{b['dial']}` {b['subscriber']}" if b["first"] else "-")
            lines.append(f"| `{r['needle']}` | {x['seed']} | {fmt(a['first'])} | "
                         f"{a['seconds']} | {fa} | {fmt(b['first'])} | {b['seconds']} | {fb} |")
    lines += ["", "## Header check", ""]
    lines += notes or ["- every (a) run failed exactly the properties its needle's header "
                       "lists."]
    lines.append("")
    return "\n".join(lines)


def correct_table(rows: list[dict], seeds: list[int], command: str, wall: float,
                  machine: str) -> str:
    lines = ["# Default search on the correct dialplans: false alarms", "",
             f"Machine: {machine}.",
             f"Wall time: {wall / 60:.1f} min for the last invocation; the targets' PBX "
             f"sessions took {sum(r.get('seconds', 0) for r in rows) / 60:.1f} min in all.", "",
             "Rerun:", "", "    " + command, "",
             "| target | seed | calls | s | failures (false alarms) |", "|---|---|---|---|---|"]
    total = 0
    for r in rows:
        if r.get("error"):
            lines.append(f"| `{r['target']}` | | | | ERROR: {r['error']} |")
        for x in r["runs"]:
            a = x["a"]
            total += len(a["alarms"])
            shown = "; ".join(f"{f['check']}: `{f['dial']}` {f['subscriber']}"
                              for f in a["alarms"][:5]) or "none"
            lines.append(f"| `{r['target']}` | {x['seed']} | {fmt(a['calls'])} | "
                         f"{a['seconds']} | {shown} |")
    lines += ["", f"False alarms in total: {total}.", ""]
    return "\n".join(lines)


def expand(patterns: list[str]) -> list[str]:
    out: list[str] = []
    for pat in patterns:
        for p in sorted(glob.glob(str(ROOT / pat) if not os.path.isabs(pat) else pat)):
            rel = os.path.relpath(p, ROOT)
            if rel not in out:
                out.append(rel)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--needles", default=DEFAULT_NEEDLES, metavar="GLOB")
    ap.add_argument("--out", default=None, metavar="FILE.md")
    ap.add_argument("--jobs", type=int, default=2, help="needles in parallel (default 2)")
    ap.add_argument("--correct", action="store_true",
                    help="run the default search on every correct dialplan; report false alarms")
    ap.add_argument("--checkpoint", default=None, metavar="FILE.jsonl",
                    help="append each finished target's results here, and reuse those already "
                         "there (same mode and seeds, no error) instead of running them again")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    given = list(argv if argv is not None else sys.argv[1:])
    if "--checkpoint" in given:  # resuming changes nothing in the results: not shown
        i = given.index("--checkpoint")
        del given[i:i + 2]
    given = [a for a in given if not a.startswith("--checkpoint=")]
    command = "python3 benchmarks/search.py " + " ".join(shlex.quote(a) for a in given)
    os.chdir(ROOT)
    targets = expand(CORRECT if args.correct else [args.needles])
    if not targets:
        print(f"no targets match {args.needles}", file=sys.stderr)
        return 2
    work = run_correct if args.correct else run_needle
    t0 = time.monotonic()
    rows: dict[str, dict] = {}
    machine = machine_line()  # the code as imported now: workers fork from this process
    mode = "correct" if args.correct else "needles"
    if args.checkpoint and Path(args.checkpoint).exists():
        for line in Path(args.checkpoint).read_text().splitlines():
            saved = json.loads(line)
            if (saved["mode"], saved["seeds"]) == (mode, seeds) and not saved["row"].get("error") \
                    and saved["target"] in targets:
                rows[saved["target"]] = saved["row"]
        if rows:
            print(f"resumed from {args.checkpoint}: {', '.join(rows)}", file=sys.stderr)
    pool = ProcessPoolExecutor(max_workers=max(1, args.jobs))
    try:
        futures = {pool.submit(work, t, seeds): t for t in targets if t not in rows}
        for fut in as_completed(futures):
            row = fut.result()
            row["machine"] = machine
            rows[futures[fut]] = row
            if args.checkpoint:
                with open(args.checkpoint, "a") as fh:
                    fh.write(json.dumps({"mode": mode, "seeds": seeds, "target": futures[fut],
                                         "row": row}, default=str) + "\n")
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    ordered = [rows[t] for t in targets]
    wall = time.monotonic() - t0
    machines = list(dict.fromkeys(r.get("machine", machine) for r in ordered))
    text = (correct_table if args.correct else needle_table)(ordered, seeds, command, wall,
                                                             "; then (resumed) ".join(machines))
    print(text)
    if args.out:
        Path(args.out).write_text(text)
        Path(args.out).with_suffix(".json").write_text(json.dumps(
            {"command": command, "seeds": seeds, "wall_seconds": round(wall, 1),
             "machine": machine, "rows": ordered}, indent=1, default=str) + "\n")
        print(f"written: {args.out} (and {Path(args.out).with_suffix('.json')})",
              file=sys.stderr)
    bad = any(r.get("error") for r in ordered)
    if args.correct:
        bad = bad or any(x["a"]["alarms"] for r in ordered for x in r["runs"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
