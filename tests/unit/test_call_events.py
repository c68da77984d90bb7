"""CallEvents, the one reading of a call's AMI events (pure: Message values, no PBX).

GUARDS: ``CallEvents.gone`` in harness/drivers/events.py. A Newchannel that reaches the
harness after the Hangup of the same channel must not put the channel back among those
still up: the AMI driver would then wait for a Hangup that already came, and the call
ends as NoOutcome ("channels still up: Local/110@from-internal-...;1", the flaky
test_client_refuses_crlf_nul_even_past_the_loader).
"""
from __future__ import annotations

from harness.ami import Message
from harness.drivers.events import CallEvents
from harness.drivers.steps import StepWatch

CID = "dh1-abcd-00000002"


def ev(name: str, **fields: str) -> Message:
    return Message("event", name, {"Linkedid": CID, **fields})


def newchannel(uid: str, channel: str) -> Message:
    return ev("Newchannel", Uniqueid=uid, Channel=channel)


def hangup(uid: str, channel: str, cause: str = "21") -> Message:
    return ev("Hangup", Uniqueid=uid, Channel=channel, Cause=cause)


def newexten(uid: str, prio: int, app: str, data: str = "") -> Message:
    return ev("Newexten", Uniqueid=uid, Channel="Local/110@from-internal-000001fa;2",
              Context="from-internal", Extension="110", Priority=str(prio),
              Application=app, AppData=data)


def events() -> CallEvents:
    hung: list[list[str]] = []
    return CallEvents(StepWatch(1000), hung.append, own_uid=CID + ";2")


HALF1 = (CID, "Local/110@from-internal-000001fa;1")
HALF2 = (CID + ";2", "Local/110@from-internal-000001fa;2")


def test_in_order() -> None:
    ce = events()
    for msg in (newchannel(*HALF1), newchannel(*HALF2), newexten(HALF2[0], 1, "NoOp"),
                newexten(HALF2[0], 2, "Hangup", "21"), hangup(*HALF2), hangup(*HALF1)):
        assert ce.apply(msg) is None
    assert ce.live == {} and ce.own_hung and ce.cause == 21
    assert [s.app for s in ce.steps] == ["NoOp", "Hangup"]


def test_newchannel_after_its_hangup_does_not_revive_the_channel() -> None:
    ce = events()
    for msg in (newchannel(*HALF2), newexten(HALF2[0], 1, "Hangup", "21"),
                hangup(*HALF1), newchannel(*HALF1), hangup(*HALF2)):
        ce.apply(msg)
    assert ce.live == {}, ce.live_names()
    assert ce.own_hung and ce.cause == 21


def test_a_channel_up_stays_up_until_its_hangup() -> None:
    ce = events()
    for msg in (newchannel(*HALF1), newchannel(*HALF2), hangup(*HALF2)):
        ce.apply(msg)
    assert ce.live == {HALF1[0]: HALF1[1]}
    assert ce.live_names() == HALF1[1]
