"""Two runs at once on one machine do not see each other (issue 7, point 5).

Two sessions started at the same time get separate containers, ports, secrets and run
dirs, and each one's outcomes hold only its own calls, although both dialplans use the
same context name. And where two drivers DO share one Asterisk (two runs against one
external PBX: every AMI session then receives every event of the PBX), Linkedid routing
still attributes each event to the right run.

Each test names the protection it guards ("GUARDS:"); each claim was checked once by
disabling that protection locally and watching the test fail.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.ami import AmiClient, AmiCredentials
from harness.errors import PbxStartError
from harness.model import Outcome, Route
from harness.session import Session, open_session

from .test_hostile_input import frames

TRUNKS = """trunks:
  jp-domestic: {route: domestic, number_format: national}
"""


def write_target(tmp_path: Path, label: str) -> Path:
    """A dialplan whose only context is 'from-internal', marked with ``label``."""
    (tmp_path / f"{label}.conf").write_text(
        "[from-internal]\n"
        f"exten => _0X.,1,NoOp(plan-{label})\n"
        " same => n,Dial(PJSIP/${EXTEN}@jp-domestic)\n"
        " same => n,Hangup()\n")
    target = tmp_path / f"{label}.yaml"
    target.write_text(f"dialplan: {label}.conf\nprofile: jp\nsubscribers:\n"
                      f"  open: {{context: from-internal}}\n{TRUNKS}")
    return target


def in_parallel(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs in threads that start together; re-raise the first error."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    return results


def dials_for(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:08d}" for i in range(n)]


def check_own(outcomes: list[Outcome], dials: list[str], label: str | None) -> None:
    assert [o.dial for o in outcomes] == dials
    for o in outcomes:
        assert o.route == Route.DOMESTIC and o.outbound == o.dial, o
        assert all(s.exten == o.dial and s.context == "from-internal" for s in o.steps), o.steps
        if label is not None:
            assert o.steps[0].appdata == f"plan-{label}", o.steps
        assert len(o.legs) == 1


def test_two_sessions_at_once_are_separate(tmp_path: Path) -> None:
    """GUARDS: RunConfig.fresh (own ports and secret per run), DockerPbx.start (own
    container and run dir, named by pid AND port), and per-connection event streams."""
    targets = {label: write_target(tmp_path, label) for label in ("A", "B")}
    sessions: list[Session] = []
    try:
        opened = in_parallel(*(lambda t=t: open_session(t, timeout=20) for t in targets.values()))
        sessions = [s for s in opened if isinstance(s, Session)]
        a, b = sessions
        pa, pb = a.pbx, b.pbx
        assert pa._container.id != pb._container.id  # type: ignore[attr-defined]
        ra, rb = pa.run, pb.run
        assert {ra.ami_port, ra.sip_port, ra.sink_port}.isdisjoint(
            {rb.ami_port, rb.sip_port, rb.sink_port})
        assert ra.ami_secret != rb.ami_secret
        assert pa.run_dir != pb.run_dir  # type: ignore[attr-defined]
        # one run's credentials do not open the other's AMI
        with pytest.raises(PbxStartError):
            AmiClient(AmiCredentials("127.0.0.1", rb.ami_port, "dialharness", ra.ami_secret)).connect()
        dials_a, dials_b = dials_for("03", 600), dials_for("06", 600)
        # what each PBX's carrier sink received: INVITEs of that PBX only
        heard: dict[str, list[str]] = {"A": [], "B": []}
        for label, p in (("A", pa), ("B", pb)):
            assert p.carrier is not None
            p.carrier.add_listener(lambda inv, label=label: heard[label].append(inv.ruri_user))
        out_a, out_b = in_parallel(lambda: a.place([(d, "open") for d in dials_a]),
                                   lambda: b.place([(d, "open") for d in dials_b]))
        check_own(out_a, dials_a, "A")  # type: ignore[arg-type]
        check_own(out_b, dials_b, "B")  # type: ignore[arg-type]
        time.sleep(0.5)
        assert heard["A"] and set(heard["A"]) <= set(dials_a)
        assert heard["B"] and set(heard["B"]) <= set(dials_b)
    finally:
        for s in sessions:
            s.close()


def test_two_drivers_on_one_pbx_keep_their_calls_apart(tmp_path: Path) -> None:
    """Two drivers, created back to back in one process, on ONE Asterisk: each AMI
    session receives the events of both, and each attributes only its own.

    GUARDS: Linkedid routing in AmiDriver._on_event and the random per-driver run id
    (before it was pid + milliseconds: two drivers made in the same millisecond, in one
    process, used the same channel ids)."""
    shared = open_session(write_target(tmp_path, "S"), timeout=20)
    try:
        other = open_session(shared.target, pbx=shared.pbx, timeout=20)
        other.owns_pbx = False
        try:
            assert shared.driver._run != other.driver._run  # type: ignore[attr-defined]
            dials_1, dials_2 = dials_for("03", 800), dials_for("06", 800)
            out_1, out_2 = in_parallel(lambda: shared.place([(d, "open") for d in dials_1]),
                                       lambda: other.place([(d, "open") for d in dials_2]))
            check_own(out_1, dials_1, "S")  # type: ignore[arg-type]
            check_own(out_2, dials_2, "S")  # type: ignore[arg-type]
        finally:
            other.close()
    finally:
        shared.close()


def test_channel_ids_are_prefix_free(tmp_path: Path) -> None:
    """No ChannelId of a run is a prefix of another one's: Asterisk 22 refuses an
    Originate whose ChannelId prefixes a live channel's uniqueid ("Channel Unique ID
    'x-1' already in use by ..." for x-12), so call 1 of a batch was lost whenever call
    1x was set up first (seen as a random NoOutcome for '110' in check runs).

    GUARDS: the fixed-width counter of AmiDriver's channel ids."""
    with open_session(write_target(tmp_path, "P"), timeout=20) as session:
        wire = session.driver.ami.record_wire()  # type: ignore[attr-defined]
        session.place([(d, "open") for d in dials_for("03", 120)])
        ids = [dict(f)["ChannelId"] for f in frames(wire) if f[0] == ("Action", "Originate")]
    assert len(ids) == 120 and len(set(ids)) == 120
    ordered = sorted(ids)
    for x, y in zip(ordered, ordered[1:]):
        assert not y.startswith(x), (x, y)
