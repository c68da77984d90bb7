"""The one small interface every driver implements."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from ..model import CallRequest, Leg, Outcome, Presentation, Route
from ..target import Target

#: (outbound number, trunk number_format) -> destination ("+E164", short code) or None.
#: Supplied by the caller so drivers know nothing of numbering plans.
DestinationReader = Callable[[str, str], "str | None"]


class Driver(ABC):
    """Places calls as subscribers of a target and observes each one's outcome."""

    name: str = "?"

    @abstractmethod
    def place(self, calls: Sequence[CallRequest], *,
              on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Place every call (many in flight at once) and return outcomes in input order.

        Raises NoOutcome if any call's outcome was not observed within its timeout and
        PbxDied if the PBX went away; a partial batch is never returned as if complete.
        """

    def place_one(self, call: CallRequest) -> Outcome:
        return self.place([call])[0]

    def close(self) -> None:
        pass

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_leg(target: Target, endpoint: str, outbound: str, presentation: Presentation | None,
             reader: DestinationReader, wire: tuple[tuple[str, str], ...] = ()) -> Leg:
    trunk = target.trunks.get(endpoint)
    resource = endpoint if "/" in endpoint else f"PJSIP/{endpoint}"
    if trunk is None and target.internal.has_endpoint(resource):
        return Leg(trunk=endpoint, route=Route.INTERNAL, outbound=outbound, destination=None,
                   presentation=presentation, wire=wire)
    if trunk is None:
        # never judged as a route: Session.place raises UnmappedChannel for it
        return Leg(trunk=endpoint, route=Route.UNMAPPED, outbound=outbound, destination=None,
                   presentation=presentation, wire=wire)
    return Leg(trunk=endpoint, route=trunk.route, outbound=outbound,
               destination=reader(outbound, trunk.number_format),
               presentation=presentation, wire=wire)


def outcome_from_legs(call: CallRequest, legs: Sequence[Leg], **rest: object) -> Outcome:
    if legs:
        first = legs[0]
        return Outcome(dial=call.dial, subscriber=call.subscriber, route=first.route,
                       trunk=first.trunk, outbound=first.outbound,
                       destination=first.destination, presentation=first.presentation,
                       legs=tuple(legs), **rest)  # type: ignore[arg-type]
    return Outcome(dial=call.dial, subscriber=call.subscriber, route=Route.BLOCKED,
                   **rest)  # type: ignore[arg-type]


def open_driver(kind: str, pbx: object, target: Target, reader: DestinationReader,
                **kwargs: object) -> Driver:
    if kind == "ami":
        from .ami import AmiDriver
        return AmiDriver(pbx, target, reader, **kwargs)  # type: ignore[arg-type]
    if kind == "sip":
        from .sip import SipDriver
        return SipDriver(pbx, target, reader, **kwargs)  # type: ignore[arg-type]
    from ..errors import InputError
    raise InputError(f"unknown driver {kind!r}; choose ami or sip")
