"""The values every layer speaks.

Three views of one call, each made in exactly one place:

- ``Observation`` (with its ``ObservedLeg`` s): what a driver saw on the PBX, raw: the
  endpoint each outbound channel went to, the number sent, the presentation, the cause,
  the dialplan steps. Drivers know no numbering plan and no trunk's route.
- ``Expected``: what the numbering plan says the dial string should do (``oracle.py``).
- ``Outcome`` (with its ``Leg`` s): the observation read against the target and the
  profile, each leg's route and destination decided once (``verdict.read``).

Plain frozen dataclasses, no behaviour beyond small derived views, so the oracle, the
drivers, the properties and the reports can be changed independently.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Route(str, enum.Enum):
    DOMESTIC = "domestic"
    INTERNATIONAL = "international"
    EMERGENCY = "emergency"
    BLOCKED = "blocked"
    #: a leg to an endpoint of the target's ``internal`` list: stays inside the PBX
    INTERNAL = "internal"
    #: a Dial() reached an endpoint the target file does not list as a trunk
    UNMAPPED = "unmapped"

    def __str__(self) -> str:
        return self.value


class Presentation(str, enum.Enum):
    ALLOWED = "allowed"
    PROHIBITED = "prohibited"

    def __str__(self) -> str:
        return self.value


class Branch(str, enum.Enum):
    """Grammar branch of a dial string (contract section 3)."""

    EMERGENCY = "emergency"
    DOMESTIC = "domestic"      # "0" NSN, optionally after a carrier code
    PLUS_JAPAN = "plus_japan"  # "+81" NSN: a domestic call written in E.164
    INTL = "intl"              # "010" CC SUB, optionally after a carrier code
    PLUS = "plus"              # "+" CC SUB, CC != 81
    INVALID = "invalid"        # outside the grammar

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Step:
    """One executed dialplan priority, as a Newexten event reported it."""

    context: str
    exten: str
    priority: int
    app: str
    appdata: str = ""

    def __str__(self) -> str:
        return f"{self.context},{self.exten},{self.priority}: {self.app}({self.appdata})"


@dataclass(frozen=True)
class ObservedLeg:
    """One outbound channel a call created (or a Dial() that could not create it), as
    the driver saw it: no route, no reading of the number."""

    #: what the channel went to, as the target file keys it: a PJSIP endpoint name
    #: (``jp-intl``) or ``TECH/resource`` for any other technology
    endpoint: str
    #: the number the far end is asked to call (the Request-URI user for PJSIP)
    outbound: str
    presentation: Presentation | None = None
    #: SIP-level detail when the driver saw the wire (Request-URI user, Privacy, ...)
    wire: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Observation:
    """What one call did on the PBX, raw (see the module doc)."""

    dial: str
    subscriber: str
    legs: tuple[ObservedLeg, ...] = ()
    #: the hangup cause of the subscriber's own channel
    cause: int | None = None
    steps: tuple[Step, ...] = ()
    #: the final SIP response code the phone got (SIP driver only)
    sip_status: int | None = None


@dataclass(frozen=True)
class Leg:
    """One outbound leg of a call, read: its route and destination decided."""

    trunk: str
    route: Route
    outbound: str
    #: outbound read through the trunk's number_format: "+E164", an emergency short
    #: code, or None when the format cannot read it
    destination: str | None
    presentation: Presentation | None
    #: SIP-level detail when the driver saw the wire (Request-URI user, Privacy, ...)
    wire: tuple[tuple[str, str], ...] = ()
    #: the destination counts as abroad (contract section 4): an E.164 number outside
    #: the home country, or one the trunk cannot read; decided with the destination
    abroad: bool = True


@dataclass(frozen=True)
class Outcome:
    """What one call did on the real PBX (contract section 2).

    ``route``/``trunk``/``outbound``/``destination``/``presentation`` describe the first
    outbound leg; ``legs`` holds every leg (failover, parallel dialing), because a safety
    property must look at all of them.
    """

    dial: str
    subscriber: str
    route: Route
    trunk: str | None = None
    outbound: str | None = None
    destination: str | None = None
    presentation: Presentation | None = None
    cause: int | None = None
    steps: tuple[Step, ...] = ()
    legs: tuple[Leg, ...] = ()
    #: the final SIP response code the phone got (SIP driver only)
    sip_status: int | None = None

    @property
    def routed(self) -> bool:
        return bool(self.legs)


@dataclass(frozen=True)
class Expected:
    """What the numbering plan says a dial string should do (the oracle's answer).

    ``route`` is the intended route class for this subscriber: BLOCKED for an
    international call of a barred subscriber and for anything outside the grammar.
    """

    dial: str
    subscriber: str
    branch: Branch
    route: Route
    #: "+E164" for domestic/international, the short code for emergency, None if blocked
    #: because the string is outside the grammar
    destination: str | None
    #: None means "the subscriber's default" (no 184/186 given)
    presentation: Presentation | None
    cid: str | None = None
    cic: str | None = None
    #: the digits dialed after the international prefix (010, or "+" other than
    #: "+home"), after an optional cid and cic: the only destination a call abroad may
    #: have. Read more loosely than the grammar (``oracle.international_digits``, the same reading): set
    #: for ``0033+1212...`` too, which is outside the grammar but does say "abroad".
    intl_digits: str | None = None

    @property
    def in_grammar(self) -> bool:
        return self.branch is not Branch.INVALID


@dataclass(frozen=True)
class CallRequest:
    """One call to place: a dial string as a given subscriber."""

    dial: str
    subscriber: str
    timeout: float = 10.0
    tag: str = field(default="", compare=False)
