"""The target file (contract section 1): which dialplan, which subscribers, which trunks.

Loaded once, validated with errors that name file, line and key, and turned into frozen
dataclasses that the rest of the harness reads. Names of contexts, trunks and subscribers
come only from here: nothing downstream may assume ours.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import yamlsource
from .errors import ConfigError
from .model import Route
from .patterns import body_regex

NUMBER_FORMATS = ("national", "e164")
#: caller number of a subscriber whose target entry sets no callerid (an extension)
DEFAULT_CALLER_NUMBER = "100"
BARRABLE = ("international",)
TRUNK_ROUTES = (Route.DOMESTIC, Route.INTERNATIONAL, Route.EMERGENCY)

# PJSIP object names and dialplan context names the harness will render into Asterisk
# config files: keep them to characters that cannot break those files.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,79}$")
_SAFE_VALUE = re.compile(r"^[^\r\n\x00]{0,200}$")


@dataclass(frozen=True)
class Subscriber:
    name: str
    context: str
    barred: frozenset[str] = frozenset()
    callerid: str | None = None
    variables: tuple[tuple[str, str], ...] = ()

    @property
    def intl_barred(self) -> bool:
        return "international" in self.barred

    @property
    def effective_callerid(self) -> str:
        """The caller ID a call of this subscriber carries.

        A real phone always has a number; with none, Asterisk reports the outbound leg's
        presentation as "unavailable" whatever 184/186 asked for.
        """
        return self.callerid or f'"{self.name}" <{DEFAULT_CALLER_NUMBER}>'


@dataclass(frozen=True)
class Trunk:
    name: str
    route: Route
    number_format: str = "national"


@dataclass(frozen=True)
class Internal:
    """What stays inside the PBX (contract section 1b)."""

    #: Asterisk extension patterns or literals: "_2XX", "*97"
    extensions: tuple[str, ...] = ()
    #: Dial() resources, TECH/resource with X/Z/N/./!/[...] as in patterns: "PJSIP/2XX"
    endpoints: tuple[str, ...] = ()

    def has_endpoint(self, resource: str) -> bool:
        """``PJSIP/201`` is internal when an entry matches it: literally, or with the
        resource part read as an Asterisk pattern (X Z N . ! [..]; '*' any text). The
        technology is case-insensitive, as Asterisk's channel technologies are."""
        rtech, _, rres = resource.partition("/")
        for pattern in self.endpoints:
            ptech, _, pres = pattern.partition("/")
            if ptech.lower() == rtech.lower() and (pres == rres or body_regex(pres, resource=True).match(rres)):
                return True
        return False


@dataclass(frozen=True)
class Target:
    path: Path
    dialplan: Path
    profile: str
    subscribers: dict[str, Subscriber] = field(hash=False)
    trunks: dict[str, Trunk] = field(hash=False)
    internal: Internal = Internal()

    @property
    def default_subscriber(self) -> Subscriber:
        return next(iter(self.subscribers.values()))

    def subscriber(self, name: str | None) -> Subscriber:
        if name is None:
            return self.default_subscriber
        try:
            return self.subscribers[name]
        except KeyError:
            raise ConfigError(
                f"unknown subscriber {name!r}; the target file defines: "
                f"{', '.join(self.subscribers)}{yamlsource.suggest(name, self.subscribers)}",
                path=str(self.path)) from None

    def profile_path(self) -> str:
        """The profile as given: a built-in name, or a path resolved against the file."""
        if "/" in self.profile or self.profile.endswith((".yaml", ".yml")):
            return str((self.path.parent / self.profile).resolve())
        return self.profile


_TOP_KEYS = ("dialplan", "profile", "subscribers", "trunks", "internal")
_INTERNAL_KEYS = ("extensions", "endpoints")
_RESOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9]*/[^\s,&()]{1,120}$")
_EXTEN = re.compile(r"^[^\s,;()]{1,80}$")
_SUB_KEYS = ("context", "barred", "callerid", "variables")
_TRUNK_KEYS = ("route", "number_format")


def load_target(path: str | Path) -> Target:
    return target_from_document(yamlsource.load(path))


def target_from_document(doc: yamlsource.Document) -> Target:
    """Validate a loaded target file (or a scenario's inline target) into a Target."""
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a target file is a mapping with keys: " + ", ".join(_TOP_KEYS))
    doc.only_keys((), data, _TOP_KEYS)
    for key in ("dialplan", "subscribers", "trunks"):
        if key not in data:
            raise doc.error((), f"missing required key {key!r}")

    dialplan_rel = data["dialplan"]
    if not isinstance(dialplan_rel, str) or not dialplan_rel:
        raise doc.error(("dialplan",), "must be a path to the dialplan file")
    dialplan = (doc.path.parent / dialplan_rel).resolve()
    if not dialplan.is_file():
        raise doc.error(("dialplan",), f"dialplan file not found: {dialplan}")

    profile = data.get("profile", "jp")
    if not isinstance(profile, str) or not profile:
        raise doc.error(("profile",), "must be a profile name or a path to a profile YAML")

    subs_raw = data["subscribers"]
    if not isinstance(subs_raw, dict) or not subs_raw:
        raise doc.error(("subscribers",), "must map at least one subscriber name to its class")
    subscribers: dict[str, Subscriber] = {}
    for name, spec in subs_raw.items():
        kp = ("subscribers", name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise doc.error(kp, f"bad subscriber name {name!r} (letters, digits, _ . -)")
        if not isinstance(spec, dict):
            raise doc.error(kp, "must be a mapping with at least 'context'")
        doc.only_keys(kp, spec, _SUB_KEYS)
        context = spec.get("context")
        if not isinstance(context, str) or not _NAME.match(context):
            raise doc.error(kp + ("context",), "required: the dialplan context calls enter")
        barred = spec.get("barred", [])
        if not isinstance(barred, list) or not all(isinstance(b, str) for b in barred):
            raise doc.error(kp + ("barred",), "must be a list, e.g. [international]")
        for i, b in enumerate(barred):
            if b not in BARRABLE:
                raise doc.error(kp + ("barred", i),
                                f"unknown barring {b!r}; known: {', '.join(BARRABLE)}"
                                + yamlsource.suggest(b, BARRABLE))
        callerid = spec.get("callerid")
        if callerid is not None:
            callerid = doc.text(kp + ("callerid",)) if not isinstance(callerid, str) else callerid
            if not isinstance(callerid, str) or not _SAFE_VALUE.match(callerid):
                raise doc.error(kp + ("callerid",), "must be one line of text, e.g. \"Name <0312345678>\"")
        variables_raw = spec.get("variables", {})
        if not isinstance(variables_raw, dict):
            raise doc.error(kp + ("variables",), "must map variable names to values")
        variables = []
        for var, value in variables_raw.items():
            vkp = kp + ("variables", var)
            if not isinstance(var, str) or not _VAR_NAME.match(var):
                raise doc.error(vkp, f"bad channel variable name {var!r}")
            text = doc.text(vkp)
            if text is None or isinstance(value, (dict, list)):
                raise doc.error(vkp, "a variable's value must be a plain value")
            value_s = value if isinstance(value, str) else text
            if not _SAFE_VALUE.match(value_s) or "," in value_s:
                raise doc.error(vkp, "a variable's value must be one line without ','")
            variables.append((var, value_s))
        subscribers[name] = Subscriber(name=name, context=context, barred=frozenset(barred),
                                       callerid=callerid, variables=tuple(variables))

    trunks_raw = data["trunks"]
    if not isinstance(trunks_raw, dict) or not trunks_raw:
        raise doc.error(("trunks",), "must map at least one PJSIP endpoint name to its route")
    trunks: dict[str, Trunk] = {}
    for name, spec in trunks_raw.items():
        kp = ("trunks", name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise doc.error(kp, f"bad trunk (endpoint) name {name!r} (letters, digits, _ . -)")
        if not isinstance(spec, dict):
            raise doc.error(kp, "must be a mapping like {route: domestic, number_format: national}")
        doc.only_keys(kp, spec, _TRUNK_KEYS)
        route = spec.get("route")
        routes = [r.value for r in TRUNK_ROUTES]
        if route not in routes:
            raise doc.error(kp + ("route",), f"route must be one of {', '.join(routes)}"
                            + (yamlsource.suggest(str(route), routes) if route else ""))
        fmt = spec.get("number_format", "national")
        if fmt not in NUMBER_FORMATS:
            raise doc.error(kp + ("number_format",),
                            f"number_format must be one of {', '.join(NUMBER_FORMATS)}"
                            + yamlsource.suggest(str(fmt), NUMBER_FORMATS))
        trunks[name] = Trunk(name=name, route=Route(route), number_format=fmt)

    internal = _internal(doc, data.get("internal"))
    clash = set(trunks) & {s.context for s in subscribers.values()}
    if clash:
        raise doc.error(("trunks",), f"names used both as trunk and context: {sorted(clash)}")
    return Target(path=doc.path.resolve(), dialplan=dialplan, profile=profile,
                  subscribers=subscribers, trunks=trunks, internal=internal)


def _internal(doc: yamlsource.Document, raw: object) -> Internal:
    if raw is None:
        return Internal()
    kp: tuple[str, ...] = ("internal",)
    if not isinstance(raw, dict):
        raise doc.error(kp, "must be a mapping with 'extensions' and/or 'endpoints'")
    doc.only_keys(kp, raw, _INTERNAL_KEYS)
    lists: dict[str, tuple[str, ...]] = {}
    for key, rx, example in (("extensions", _EXTEN, '["_2XX", "*97"]'),
                             ("endpoints", _RESOURCE, '["PJSIP/2XX", "DAHDI/1"]')):
        items = raw.get(key, [])
        if not isinstance(items, list):
            raise doc.error(kp + (key,), f"must be a list, e.g. {example}")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not rx.match(item):
                raise doc.error(kp + (key, i), f"bad entry {item!r}; e.g. {example}")
        lists[key] = tuple(items)
    return Internal(extensions=lists.get("extensions", ()), endpoints=lists.get("endpoints", ()))

