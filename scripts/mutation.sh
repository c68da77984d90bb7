#!/usr/bin/env bash
# Mutation testing of the pure core (issue 12 item 8): do the unit tests fail when the code
# they test is wrong? Not part of CI (scripts/test.sh, .ci/run); run it by hand:
#
#   bash scripts/mutation.sh                       # all four modules
#   bash scripts/mutation.sh properties oracle     # some of them
#
# Modules: dialstring, oracle, profile (harness/profile/__init__.py), properties.
# Tool: cosmic-ray (PyPI, the `mutation` extra). Not mutmut: mutmut 3 never mutates a
# decorated function, and every check of harness/properties.py is a decorated @check().
#
# How it runs, so that other people's edits never see a mutated file and never change a run
# half-way: the working tree's files (tracked or new, as they are now) are copied once into
# mutants/src, then into one copy per worker (mutants/w1..wN, N = MUTATION_WORKERS, default
# nproc); each worker is a `cosmic-ray http-worker` that mutates its own copy. Per mutant the
# command is pytest -x over the unit test files that exercise the module (TESTS below), no
# PBX; a mutant only another unit test file would catch counts as surviving, so the rates
# are a lower bound. MUTATION_TESTS=all uses the whole of tests/unit.
#
# Mutants inside type annotations are marked skipped, not run: every module here has
# `from __future__ import annotations`, so annotations are never evaluated and such a mutant
# (`str | None` -> `str + None`) is equivalent by construction. So are nine of the ten
# replacements of each `+` and `*`: all of them join str or tuple operands here, where every
# replacement raises TypeError, so one per site (`+` -> `-`, `*` -> `+`) stands for the rest.
#
# Output: kill rate per module and overall; each survivor with its diff in
# mutants/survivors.txt (explain each one in docs/mutation.md or kill it with a test).
# Exit status: 0 done (whatever the rate), 2 the unmutated tests fail or a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/mutants
WORKERS=${MUTATION_WORKERS:-$(nproc)}
TIMEOUT=${MUTATION_TIMEOUT:-120}
export PYTHONDONTWRITEBYTECODE=1   # no stale .pyc may hide a mutation

if ! python3 -c "import cosmic_ray" 2>/dev/null; then
    python3 -m pip install -q "cosmic-ray>=8.7,<9"   # the `mutation` extra of pyproject.toml
fi

declare -A MODULE_PATH=(
    [dialstring]=harness/dialstring.py
    [oracle]=harness/oracle.py
    [profile]=harness/profile/__init__.py
    [properties]=harness/properties.py
)
# The unit test files that exercise each module (pytest -x stops at the first failure).
# MUTATION_TESTS=all runs the whole of tests/unit instead (Hypothesis searches included:
# several times slower, for a last check of a rate).
declare -A TESTS=(
    [dialstring]="test_dialstring.py test_oracle.py"
    [oracle]="test_oracle.py test_oracle_mutants.py test_properties_mutants.py test_properties.py"
    [profile]="test_profile.py test_profile_mutants.py test_oracle.py test_oracle_mutants.py"
    [properties]="test_properties.py test_properties_mutants.py test_scenario_judge.py"
)
ORDER=(dialstring oracle profile properties)

modules=("$@")
[ ${#modules[@]} -eq 0 ] && modules=("${ORDER[@]}")
for m in "${modules[@]}"; do
    if [ -z "${MODULE_PATH[$m]:-}" ]; then
        echo "mutation.sh: unknown module '$m'; known: ${ORDER[*]}" >&2
        exit 2
    fi
done

test_command() {  # the pytest command line for module $1, run inside a worker's copy
    local files="" f
    if [ "${MUTATION_TESTS:-}" = all ]; then
        files=" tests/unit"
    else
        for f in ${TESTS[$1]}; do
            [ -f "$OUT/src/tests/unit/$f" ] && files="$files tests/unit/$f"
        done
    fi
    # without the dialharness and Hypothesis plugins (no unit test here needs them): a third
    # of the start-up time, which is most of the time a mutant takes
    local plugins="-p no:dialharness -p no:hypothesispytest"
    [ "${MUTATION_TESTS:-}" = all ] && plugins=""
    echo "python3 -m pytest -x -q -p no:cacheprovider $plugins --no-header$files"
}

# --- one snapshot of the working tree, one copy per worker --------------------------------
mkdir -p "$OUT"
rm -rf "$OUT"/src "$OUT"/w[0-9]*
mkdir -p "$OUT/src"
# every file of the working tree as it is now (tracked or new, not ignored), edits included
git ls-files -z --cached --others --exclude-standard \
    | tar --null --ignore-failed-read -cf - --files-from=- \
    | tar -xf - -C "$OUT/src"
for i in $(seq 1 "$WORKERS"); do
    cp -r "$OUT/src" "$OUT/w$i"
done

# The unmutated snapshot must pass. The tree is shared: a test someone else is half-way
# through writing may fail on it; such tests are left out of every mutant's run (named here
# and in mutants/baseline-*.log), never counted as kills.
declare -A EXTRA=()
echo "mutation.sh: unmutated tests in the snapshot"
for m in "${modules[@]}"; do
    cmd=$(test_command "$m")
    log=$OUT/baseline-$m.log
    if ! (cd "$OUT/w1" && ${cmd/ -x / -rfE } >"$log" 2>&1); then
        EXTRA[$m]=$(python3 - "$log" <<'EOF2'
import re
import sys
out = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"(FAILED|ERROR) (\S+)", line)
    if m:
        node = m.group(2)
        out.append(("--deselect=" if "::" in node else "--ignore=") + node)
print(" ".join(dict.fromkeys(out)))
EOF2
)
        if [ -z "${EXTRA[$m]}" ] || ! (cd "$OUT/w1" && $cmd ${EXTRA[$m]} >>"$log" 2>&1); then
            echo "mutation.sh: the unmutated tests fail for $m (see $log)" >&2
            exit 2
        fi
        echo "mutation.sh: WARNING: $m: failing on the unmutated tree, left out: ${EXTRA[$m]}" >&2
    fi
done
if [ -d "$OUT/w1/harness/__pycache__" ]; then
    echo "mutation.sh: bytecode was written in a worker copy; refusing to go on" >&2
    exit 2
fi

# --- workers --------------------------------------------------------------------------------
worker_pids=()
stop_workers() {  # each worker, and the test run it may have started (own session)
    local pid child
    for pid in "${worker_pids[@]}"; do
        for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
            kill -- "-$child" 2>/dev/null || true
        done
        kill -9 "$pid" 2>/dev/null || true
    done
}
trap stop_workers EXIT
trap 'exit 130' INT TERM
urls=()
for i in $(seq 1 "$WORKERS"); do
    port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    (cd "$OUT/w$i" && exec cosmic-ray http-worker --port "$port") >"$OUT/worker$i.log" 2>&1 &
    worker_pids+=($!)
    urls+=("\"http://127.0.0.1:$port\"")
    for _ in $(seq 1 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" \
            2>/dev/null && break
        sleep 0.2
    done
done
url_list=$(IFS=,; echo "${urls[*]}")

# --- one session per module -----------------------------------------------------------------
for m in "${modules[@]}"; do
    path=${MODULE_PATH[$m]}
    cfg=$OUT/$m.toml
    session=$OUT/$m.sqlite
    cat >"$cfg" <<EOF
[cosmic-ray]
module-path = "$path"
timeout = $TIMEOUT
excluded-modules = []
test-command = "$(test_command "$m") ${EXTRA[$m]:-}"

[cosmic-ray.distributor]
name = "http"

[cosmic-ray.distributor.http]
worker-urls = [$url_list]
EOF
    rm -f "$session"
    (cd "$OUT/src" && cosmic-ray init "$cfg" "$session")
    python3 - "$session" "$OUT/src/$path" <<'EOF'
# Skip mutants inside annotations: never evaluated under `from __future__ import annotations`.
import ast
import sys

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult

session, source = sys.argv[1:]
text = open(source, encoding="utf-8").read()
tree = ast.parse(text)
assert any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
           and any(a.name == "annotations" for a in n.names) for n in tree.body), source
lines = text.splitlines()


def char_col(line: int, byte_col: int) -> int:
    return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8"))


spans = []
for node in ast.walk(tree):
    annotations = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        annotations.append(node.returns)
        a = node.args
        for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
            if arg is not None:
                annotations.append(arg.annotation)
    elif isinstance(node, ast.AnnAssign):
        annotations.append(node.annotation)
    for ann in annotations:
        if ann is not None:
            spans.append(((ann.lineno, char_col(ann.lineno, ann.col_offset)),
                          (ann.end_lineno, char_col(ann.end_lineno, ann.end_col_offset))))

# One replacement per `+` and `*` site: in these modules every one of them joins str or
# tuple operands (`kp + ("code",)`, `"+" + digits`, `"0" * n`), so each of the ten other
# operators raises TypeError there and the ten mutants of a site are killed or survive
# together. Kept: `+` -> `-` and `*` -> `+`; the other nine are skipped as redundant.
KEEP = {"Add": "Sub", "Mul": "Add"}


def redundant(operator: str) -> bool:
    name = operator.split("/")[-1]
    if not name.startswith("ReplaceBinaryOperator_"):
        return False
    _, op, to = name.split("_")
    return op in KEEP and to != KEEP[op]


skipped = redundant_count = 0
with use_db(session, WorkDB.Mode.open) as db:
    for item in list(db.pending_work_items):
        if all(redundant(mut.operator_name) for mut in item.mutations):
            db.set_result(item.job_id, WorkResult(
                worker_outcome=WorkerOutcome.SKIPPED,
                output="redundant: another replacement of the same str/tuple + or * runs"))
            redundant_count += 1
        elif all(any(lo <= tuple(mut.start_pos) and tuple(mut.end_pos) <= hi for lo, hi in spans)
               for mut in item.mutations):
            db.set_result(item.job_id, WorkResult(
                worker_outcome=WorkerOutcome.SKIPPED,
                output="inside an annotation: never evaluated (equivalent)"))
            skipped += 1
print(f"mutation.sh: {source}: skipped {skipped} mutants inside annotations, "
      f"{redundant_count} redundant replacements of + and *")
EOF
    echo "mutation.sh: $path: $(test_command "$m") ${EXTRA[$m]:-}"
    (cd "$OUT/src" && cosmic-ray exec "$cfg" "$session")
done

# --- report -----------------------------------------------------------------------------------
# every module with a session: this run's, and earlier runs' of the others (dated)
python3 - "$OUT" "${modules[*]}" "${ORDER[@]}" <<'EOF'
import datetime
import sys
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome

out = Path(sys.argv[1])
this_run = sys.argv[2].split()
total_killed = total_tested = 0
report = []
print()
print(f"{'module':<30} {'mutants':>7} {'skipped':>7} {'tested':>6} {'killed':>6} {'survived':>8} {'rate':>7}")
for module in sys.argv[3:]:
    if not (out / f"{module}.sqlite").exists():
        continue
    with use_db(str(out / f"{module}.sqlite"), WorkDB.Mode.open) as db:
        results = dict(db.results)
        items = {item.job_id: item for item in db.work_items}
    skipped = [j for j, r in results.items() if r.worker_outcome is WorkerOutcome.SKIPPED]
    ran = {j: r for j, r in results.items() if r.worker_outcome is not WorkerOutcome.SKIPPED}
    killed = [j for j, r in ran.items() if r.worker_outcome is WorkerOutcome.NORMAL
              and r.test_outcome is TestOutcome.KILLED]
    not_killed = sorted((j for j in ran if j not in killed),
                        key=lambda j: (items[j].mutations[0].start_pos,
                                       items[j].mutations[0].operator_name))
    missing = len(items) - len(results)
    rate = 100.0 * len(killed) / len(ran) if ran else 0.0
    total_killed += len(killed)
    total_tested += len(ran)
    path = items[next(iter(items))].mutations[0].module_path if items else module
    print(f"{str(path):<30} {len(items):>7} {len(skipped):>7} {len(ran):>6} {len(killed):>6} "
          f"{len(not_killed):>8} {rate:>6.1f}%" + (f"  ({missing} not run)" if missing else "")
          + ("" if module in this_run else "  (earlier run, " + datetime.datetime.fromtimestamp(
              (out / f"{module}.sqlite").stat().st_mtime).strftime("%Y-%m-%d %H:%M") + ")"))
    for j in not_killed:
        mut, r = items[j].mutations[0], ran[j]
        what = r.test_outcome.value if r.worker_outcome is WorkerOutcome.NORMAL else r.worker_outcome.value
        report.append(f"== {mut.module_path}:{mut.start_pos[0]}:{mut.start_pos[1]} "
                      f"{mut.operator_name.split('/')[-1]} #{mut.occurrence} ({what}) job {j}\n"
                      f"{r.diff or r.output or ''}\n")
rate = 100.0 * total_killed / total_tested if total_tested else 0.0
print(f"{'overall':<30} {'':>7} {'':>7} {total_tested:>6} {total_killed:>6} "
      f"{total_tested - total_killed:>8} {rate:>6.1f}%")
(out / "survivors.txt").write_text("\n".join(report), encoding="utf-8")
print(f"\nsurvivors with their diffs: {out / 'survivors.txt'}")
EOF
