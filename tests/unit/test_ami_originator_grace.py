"""The AMI driver's completion rule when the originating Local half never reports.

GUARDS: ``AmiDriver._only_originator_left`` in harness/drivers/ami.py. Under heavy load
a call was seen whose ``;2`` half (the one that ran the dialplan) and legs had all hung
up while the Hangup of ``;1`` (the Originate's own side) never reached the harness: the
batch ended in NoOutcome although everything of the call had been observed. The call
is complete once ``;2`` is gone, only ``;1`` is up and the grace has passed; ``;1`` is
then hung up by the driver. A leg still up keeps the call open (never a partial
observation).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from harness import defaults
from harness.ami import Message
from harness.drivers.ami import AmiDriver
from harness.model import CallRequest
from harness.target import Subscriber, Target


class FakeAmi:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.hung: list[list[str]] = []

    def send(self, action: str, fields: dict[str, str], **_: Any) -> str:
        self.sent.append((action, fields))
        return f"a{len(self.sent)}"

    def hang_up(self, channels: list[str]) -> None:
        self.hung.append(channels)

    def close(self) -> None:
        pass


class FakePbx:
    def __init__(self) -> None:
        self.ami = FakeAmi()

    def connect(self, **_: Any) -> FakeAmi:
        return self.ami

    def describe(self) -> str:
        return "fake"


def driver() -> tuple[AmiDriver, FakeAmi]:
    pbx = FakePbx()
    target = Target(path=Path("t.yaml"), dialplan=Path("e.conf"), profile="jp",
                    subscribers={"open": Subscriber("open", "from-internal")}, trunks={})
    d = AmiDriver(pbx, target, dialplan=None)  # type: ignore[arg-type]
    return d, pbx.ami


def start(d: AmiDriver) -> Any:
    with d._lock:
        return d._originate(0, CallRequest(dial="0312345678", subscriber="open"))


def ev(call: Any, name: str, uid: str, channel: str, **more: str) -> Message:
    return Message("event", name, {"Linkedid": call.channel_id, "Uniqueid": uid,
                                   "Channel": channel, **more})


def test_call_whose_originator_never_hangs_up_completes_after_the_grace() -> None:
    d, ami = driver()
    call = start(d)
    one, two = call.channel_id, call.channel_id + ";2"
    for msg in (ev(call, "Newchannel", one, "Local/x@c-1;1"),
                ev(call, "Newchannel", two, "Local/x@c-1;2"),
                ev(call, "Hangup", two, "Local/x@c-1;2", Cause="16")):
        d._on_event(msg)
    gone = call.own_gone_at
    assert gone is not None
    with d._lock:
        assert not d._complete(call, gone + defaults.AMI_ORIGINATOR_GRACE / 2)
        assert d._complete(call, gone + defaults.AMI_ORIGINATOR_GRACE + 0.01)
    assert ami.hung == [["Local/x@c-1;1"]]
    assert d._finish(call).cause == 16


def test_a_leg_still_up_keeps_the_call_open() -> None:
    d, _ = driver()
    call = start(d)
    one, two = call.channel_id, call.channel_id + ";2"
    for msg in (ev(call, "Newchannel", one, "Local/x@c-1;1"),
                ev(call, "Newchannel", two, "Local/x@c-1;2"),
                ev(call, "Newchannel", "leg-1", "PJSIP/jp-intl-00000001"),
                ev(call, "Hangup", two, "Local/x@c-1;2", Cause="16")):
        d._on_event(msg)
    with d._lock:
        assert not d._complete(call, call.own_gone_at + 60)


def test_both_halves_seen_completes_at_once() -> None:
    d, ami = driver()
    call = start(d)
    one, two = call.channel_id, call.channel_id + ";2"
    for msg in (ev(call, "Newchannel", one, "Local/x@c-1;1"),
                ev(call, "Newchannel", two, "Local/x@c-1;2"),
                ev(call, "Hangup", two, "Local/x@c-1;2", Cause="16"),
                ev(call, "Hangup", one, "Local/x@c-1;1", Cause="16")):
        d._on_event(msg)
    with d._lock:
        assert d._complete(call, call.own_gone_at)
    assert ami.hung == []
