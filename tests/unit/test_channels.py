"""Nothing unmapped (contract 1b), on hand-written dialplans: no PBX needed."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import channels
from harness.dialplan import parse_dialplan
from harness.errors import DialplanError, DialplanRuntimeError, UnmappedChannel
from harness.model import Observation, ObservedLeg, Route, Step
from harness.target import Internal, Subscriber, Target, Trunk

TRUNKS = {"jp-domestic": Trunk("jp-domestic", Route.DOMESTIC),
          "jp-intl": Trunk("jp-intl", Route.INTERNATIONAL)}


def target(tmp_path: Path, conf: str, *, endpoints: tuple[str, ...] = (),
           files: dict[str, str] | None = None) -> Target:
    plan = tmp_path / "extensions.conf"
    plan.write_text(conf)
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    return Target(path=tmp_path / "t.yaml", dialplan=plan, profile="jp",
                  subscribers={"barred": Subscriber("barred", "barred")}, trunks=TRUNKS,
                  internal=Internal(endpoints=endpoints))


def static(t: Target) -> None:
    channels.check_statically(t, parse_dialplan(t.dialplan, follow_includes=True))


BACKUP = """\
[barred]
exten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic,30)
exten => _010X.,1,Dial(PJSIP/${EXTEN}@backup-intl)
 same => n,Hangup()
"""


def test_a_forgotten_second_carrier_is_refused_before_any_call(tmp_path: Path) -> None:
    t = target(tmp_path, BACKUP)
    with pytest.raises(UnmappedChannel) as info:
        static(t)
    msg = str(info.value)
    assert msg.startswith(f"{t.dialplan}:3: ")
    assert "PJSIP/backup-intl" in msg and "trunks:" in msg and "internal:" in msg
    assert info.value.resource == "PJSIP/backup-intl"


def test_mapped_trunks_and_internal_endpoints_pass(tmp_path: Path) -> None:
    conf = BACKUP.replace("backup-intl", "jp-intl") + (
        "exten => _2XX,1,Dial(PJSIP/${EXTEN}&PJSIP/201,20)\n"
        "exten => 299,1,Dial(Local/${EXTEN}@voicemail/n)\n")
    static(target(tmp_path, conf, endpoints=("PJSIP/2XX",)))


def test_every_leg_of_a_parallel_dial_is_checked(tmp_path: Path) -> None:
    conf = "[barred]\nexten => _X.,1,Dial(PJSIP/${EXTEN}@jp-domestic&IAX2/backup/${EXTEN})\n"
    with pytest.raises(UnmappedChannel, match=r":2: .*IAX2/backup"):
        static(target(tmp_path, conf))


def test_globals_are_substituted_and_runtime_variables_left_to_the_run(tmp_path: Path) -> None:
    conf = ("[globals]\nOUT_1 = DAHDI/g0\nTRUNK=>jp-intl\n\n"
            "[barred]\nexten => _0X.,1,Dial(PJSIP/${EXTEN}@${TRUNK})\n"
            "exten => _00X.,1,Dial(PJSIP/${EXTEN}@${CHOSEN})\n"
            "exten => _9X.,1,Dial(${OUT_1}/${EXTEN:1})\n")
    with pytest.raises(UnmappedChannel, match=r":8: .*DAHDI/g0"):
        static(target(tmp_path, conf))
    static(target(tmp_path, conf, endpoints=("DAHDI/g*",)))


def test_included_files_are_checked_with_their_own_line(tmp_path: Path) -> None:
    conf = "[barred]\n#include \"outbound.conf\"\n"
    t = target(tmp_path, conf, files={"outbound.conf": "\n\nexten => _X.,1,Dial(SIP/old/${EXTEN})\n"})
    with pytest.raises(UnmappedChannel) as info:
        static(t)
    assert str(info.value).startswith(f"{tmp_path / 'outbound.conf'}:3: ")


def test_a_missing_include_is_an_error_naming_its_line(tmp_path: Path) -> None:
    t = target(tmp_path, "[barred]\nexten => 1,1,NoOp()\n#include missing.conf\n")
    with pytest.raises(DialplanError, match=r"extensions.conf:3: #include missing.conf"):
        static(t)


def test_a_failover_dial_no_call_reaches_still_counts(tmp_path: Path) -> None:
    conf = ("[barred]\nexten => _0X.,1,Dial(PJSIP/${EXTEN}@jp-domestic)\n"
            " same => n,GotoIf($[\"${DIALSTATUS}\" = \"CONGESTION\"]?backup)\n"
            " same => n,Hangup()\n"
            " same => n(backup),Dial(PJSIP/${EXTEN}@spare,30,tT)\n")
    with pytest.raises(UnmappedChannel, match=r":5: .*PJSIP/spare"):
        static(target(tmp_path, conf))


def test_application_arguments_split_like_asterisk() -> None:
    assert channels.split_args("PJSIP/${CUT(A,-,1)}@t,30,tT") == ["PJSIP/${CUT(A,-,1)}@t", "30", "tT"]
    assert channels.split_args('"a,b",c') == ['"a,b"', "c"]
    assert channels.substitute("${A}/${B}", {"A": "${C}", "C": "PJSIP"}) == "PJSIP/${B}"


def outcome(steps: list[Step], legs: tuple[ObservedLeg, ...] = ()) -> Observation:
    return Observation(dial="01012125551234", subscriber="barred", steps=tuple(steps),
                       legs=legs)


def test_a_run_that_dials_an_unmapped_channel_is_an_error(tmp_path: Path) -> None:
    t = target(tmp_path, BACKUP)
    dp = parse_dialplan(t.dialplan, follow_includes=True)
    step = Step("barred", "01012125551234", 1, "Dial", "PJSIP/01012125551234@backup-intl")
    with pytest.raises(UnmappedChannel) as info:
        channels.check_observations(t, dp, [outcome([step])])
    assert str(info.value).startswith(f"{t.dialplan}:3: ")
    assert "'01012125551234' as barred" in str(info.value)
    # the same call to a mapped trunk is fine
    ok = Step("barred", "0312345678", 1, "Dial", "PJSIP/0312345678@jp-domestic,30")
    channels.check_observations(t, dp, [outcome([ok])])


def test_a_leg_to_an_endpoint_nobody_mapped_is_an_error(tmp_path: Path) -> None:
    t = target(tmp_path, BACKUP)
    dp = parse_dialplan(t.dialplan, follow_includes=True)
    leg = ObservedLeg("phone-9", "0312345678")
    with pytest.raises(UnmappedChannel, match="PJSIP/phone-9"):
        channels.check_observations(t, dp, [outcome([], (leg,))])


def test_queue_is_never_judged_as_a_route(tmp_path: Path) -> None:
    t = target(tmp_path, "[barred]\nexten => 0,1,Queue(sales)\n")
    dp = parse_dialplan(t.dialplan, follow_includes=True)
    with pytest.raises(DialplanRuntimeError, match=r":2: Queue\(sales\) rings the members"):
        channels.check_observations(t, dp, [outcome([Step("barred", "0", 1, "Queue", "sales")])])


def test_internal_endpoint_patterns() -> None:
    i = Internal(endpoints=("PJSIP/2XX", "DAHDI/g[0-3]", "Local/*@app-vm"))
    assert i.has_endpoint("PJSIP/201") and i.has_endpoint("pjsip/299")
    assert not i.has_endpoint("PJSIP/2011") and not i.has_endpoint("SIP/201")
    assert i.has_endpoint("DAHDI/g2") and not i.has_endpoint("DAHDI/g5")
