"""Numbering profiles: a country's dialing rules as data (contract section 3).

A profile is a YAML file: caller-ID prefixes, carrier codes, emergency codes, the trunk and
international prefixes, the national number ranges and the international length limits.
Code elsewhere (oracle, strategies) reads these tables and never spells out a country's
numbers itself, so a user can test a dialplan against their own profile.

``load_profile("jp")`` loads a built-in profile shipped in this package;
``load_profile("path/to/mine.yaml")`` loads and validates a user's file, with errors that
name file, line and key.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .. import yamlsource
from ..errors import ConfigError
from ..model import Presentation

__all__ = [
    "CallerIdPrefix", "CarrierCode", "EmergencyCode", "NsnRange", "Profile",
    "builtin_profiles", "load_profile",
]

_DIGITS = re.compile(r"^[0-9]+$")
_BUILTIN_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class CallerIdPrefix:
    code: str
    presentation: Presentation


@dataclass(frozen=True)
class CarrierCode:
    code: str
    carrier: str = ""


@dataclass(frozen=True)
class EmergencyCode:
    code: str
    service: str = ""


@dataclass(frozen=True)
class NsnRange:
    """National significant numbers of ``length`` digits starting with one of ``prefixes``
    and with none of ``exclude``."""

    name: str
    prefixes: tuple[str, ...]
    length: int
    exclude: tuple[str, ...] = ()
    example: str | None = None

    def matches(self, nsn: str) -> bool:
        return (len(nsn) == self.length and _is_digits(nsn)
                and nsn.startswith(self.prefixes) and not nsn.startswith(self.exclude))

    def sample(self) -> str:
        """A readable member of the range: ``example`` if given, else one built from it."""
        if self.example is not None:
            return self.example
        for prefix in self.prefixes:
            candidate = (prefix + "1234567890" * 2)[: self.length]
            if self.matches(candidate):
                return candidate
        # Every readable candidate was excluded; fall back to any member.
        for prefix in self.prefixes:
            for fill in "0123456789":
                candidate = prefix + fill * (self.length - len(prefix))
                if self.matches(candidate):
                    return candidate
        raise ValueError(f"NSN range {self.name!r} has no members")


@dataclass(frozen=True)
class Profile:
    name: str
    #: where it was loaded from (a file path), for messages
    source: str
    home_country_code: str
    trunk_prefix: str
    international_prefix: str
    caller_id_prefixes: tuple[CallerIdPrefix, ...]
    carrier_codes: tuple[CarrierCode, ...]
    emergency_codes: tuple[EmergencyCode, ...]
    nsn_ranges: tuple[NsnRange, ...]
    #: every assigned country code, the home one included
    country_codes: frozenset[str]
    intl_min_length: int
    intl_max_length: int
    #: a readable CC+SUB, for tables of special cases
    intl_example: str
    description: str = ""

    # Views in the shapes the oracle and the strategies need. They are cheap and recomputed
    # rather than cached, so the dataclass stays plainly frozen.
    @property
    def cid_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.caller_id_prefixes)

    @property
    def cic_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.carrier_codes)

    @property
    def emergency_numbers(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.emergency_codes)

    @property
    def intl_country_codes(self) -> frozenset[str]:
        """Country codes reachable through the international prefix: all but home."""
        return self.country_codes - {self.home_country_code}

    def presentation_for(self, cid: str | None) -> Presentation | None:
        for prefix in self.caller_id_prefixes:
            if prefix.code == cid:
                return prefix.presentation
        return None

    def intl_sample(self) -> str:
        """A readable CC+SUB: the profile's example, else the smallest code padded with 0."""
        if self.intl_example:
            return self.intl_example
        cc = min(self.intl_country_codes, key=lambda c: (len(c), c))
        return cc + "0" * (self.intl_min_length - len(cc))

    def is_nsn(self, nsn: str) -> bool:
        return any(r.matches(nsn) for r in self.nsn_ranges)

    def nsn_range(self, nsn: str) -> NsnRange | None:
        return next((r for r in self.nsn_ranges if r.matches(nsn)), None)


def builtin_profiles() -> tuple[str, ...]:
    """Names of the profiles shipped with dialharness."""
    return tuple(sorted(
        entry.name[: -len(".yaml")] for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".yaml")))


def load_profile(name_or_path: str) -> Profile:
    """A built-in profile by name (``"jp"``), or a profile YAML by path.

    Anything with a ``/`` or ending in ``.yaml``/``.yml`` is a path (as in the target file);
    raises ConfigError naming file and line when the file is wrong.
    """
    if "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        return _load_file(Path(name_or_path))
    if _BUILTIN_NAME.match(name_or_path):
        ref = resources.files(__name__).joinpath(f"{name_or_path}.yaml")
        if ref.is_file():
            with resources.as_file(ref) as path:
                return _load_file(path)
    names = builtin_profiles()
    raise ConfigError(f"unknown profile {name_or_path!r}; built-in profiles: {', '.join(names)}"
                      f" (or give a path to a profile YAML)"
                      + yamlsource.suggest(name_or_path, names))


# --- loading and validation ---------------------------------------------------------------

_TOP_KEYS = ("name", "description", "home_country_code", "trunk_prefix", "international_prefix",
             "caller_id_prefixes", "carrier_codes", "emergency_codes", "nsn_ranges",
             "international", "country_codes")
_REQUIRED = ("home_country_code", "trunk_prefix", "international_prefix", "nsn_ranges",
             "international")
_CID_KEYS = ("code", "presentation")
_CIC_KEYS = ("code", "carrier")
_EMERGENCY_KEYS = ("code", "service")
_RANGE_KEYS = ("name", "prefixes", "length", "exclude", "example")
_INTL_KEYS = ("min_length", "max_length", "example")

KeyPath = tuple[Any, ...]


def _load_file(path: Path) -> Profile:
    doc = yamlsource.load(path)
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a profile is a mapping with keys: " + ", ".join(_TOP_KEYS))
    _only_keys(doc, (), data, _TOP_KEYS)
    for key in _REQUIRED:
        if key not in data:
            raise doc.error((), f"missing required key {key!r}")

    name = _text(doc, ("name",), data, default=path.stem)
    description = _text(doc, ("description",), data, default="")
    home = _code(doc, ("home_country_code",))
    trunk = _code(doc, ("trunk_prefix",))
    intl_prefix = _code(doc, ("international_prefix",))

    cids = tuple(CallerIdPrefix(code, _presentation(doc, kp + ("presentation",), entry))
                 for kp, entry, code in _code_list(doc, data, "caller_id_prefixes", _CID_KEYS))
    cics = tuple(CarrierCode(code, _text(doc, kp + ("carrier",), entry, default=""))
                 for kp, entry, code in _code_list(doc, data, "carrier_codes", _CIC_KEYS))
    emergency = tuple(
        EmergencyCode(code, _text(doc, kp + ("service",), entry, default=""))
        for kp, entry, code in _code_list(doc, data, "emergency_codes", _EMERGENCY_KEYS))

    ranges = _nsn_ranges(doc, data)
    min_len, max_len, intl_example = _international(doc, data)
    country_codes = _country_codes(doc, data)
    _check_consistency(doc, trunk, intl_prefix, ranges, home, country_codes,
                       min_len, max_len, intl_example)

    return Profile(
        name=name, source=str(doc.path), description=description, home_country_code=home,
        trunk_prefix=trunk, international_prefix=intl_prefix, caller_id_prefixes=cids,
        carrier_codes=cics, emergency_codes=emergency, nsn_ranges=ranges,
        country_codes=country_codes, intl_min_length=min_len, intl_max_length=max_len,
        intl_example=intl_example)


def _is_digits(text: str) -> bool:
    # Not str.isdigit(): that accepts non-ASCII digits such as "٣".
    return bool(_DIGITS.fullmatch(text))


def _only_keys(doc: yamlsource.Document, kp: KeyPath, mapping: dict[Any, Any],
               allowed: tuple[str, ...]) -> None:
    for key in mapping:
        if key not in allowed:
            raise doc.key_error(kp + (key,), f"unknown key {key!r}; allowed: {', '.join(allowed)}"
                                + yamlsource.suggest(str(key), allowed))


def _code(doc: yamlsource.Document, kp: KeyPath) -> str:
    """A digit string exactly as typed (an unquoted 0033 stays "0033", not octal 27)."""
    text = doc.text(kp)
    if text is None or not _is_digits(text):
        shown = f" {text!r}" if text is not None else ""
        raise doc.error(kp, f"a code is a string of digits 0-9, got{shown or ' a non-scalar'}")
    return text


def _text(doc: yamlsource.Document, kp: KeyPath, mapping: dict[Any, Any], *,
          default: str) -> str:
    if kp[-1] not in mapping:
        return default
    value = mapping[kp[-1]]
    if isinstance(value, (dict, list)) or value is None:
        raise doc.error(kp, "must be a plain text value")
    return value if isinstance(value, str) else (doc.text(kp) or str(value))


def _presentation(doc: yamlsource.Document, kp: KeyPath, entry: dict[Any, Any]) -> Presentation:
    choices = [p.value for p in Presentation]
    value = entry.get("presentation")
    if value not in choices:
        raise doc.error(kp, f"presentation must be one of {', '.join(choices)}"
                        + (yamlsource.suggest(str(value), choices) if value else ""))
    return Presentation(value)


def _list(doc: yamlsource.Document, data: dict[Any, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise doc.error((key,), "must be a list")
    return value


def _code_list(doc: yamlsource.Document, data: dict[Any, Any], key: str,
               keys: tuple[str, ...]) -> list[tuple[KeyPath, dict[Any, Any], str]]:
    """Entries ``{code: ..., <detail>: ...}``; codes unique within the list."""
    out: list[tuple[KeyPath, dict[Any, Any], str]] = []
    seen: set[str] = set()
    for i, entry in enumerate(_list(doc, data, key)):
        kp: KeyPath = (key, i)
        if not isinstance(entry, dict):
            raise doc.error(kp, f"each entry is a mapping with keys: {', '.join(keys)}")
        _only_keys(doc, kp, entry, keys)
        if "code" not in entry:
            raise doc.error(kp, "missing required key 'code'")
        code = _code(doc, kp + ("code",))
        if code in seen:
            raise doc.error(kp + ("code",), f"code {code} is listed twice")
        seen.add(code)
        out.append((kp, entry, code))
    return out


def _int(doc: yamlsource.Document, kp: KeyPath, value: Any, *, minimum: int = 1) -> int:
    # type() rather than isinstance(): YAML's true/false are ints to Python.
    if type(value) is not int or value < minimum:
        raise doc.error(kp, f"must be a whole number >= {minimum}, got {doc.text(kp) or value!r}")
    return value


def _codes(doc: yamlsource.Document, kp: KeyPath, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise doc.error(kp, "must be a non-empty list of digit strings")
    return tuple(_code(doc, kp + (i,)) for i in range(len(value)))


def _nsn_ranges(doc: yamlsource.Document, data: dict[Any, Any]) -> tuple[NsnRange, ...]:
    raw = _list(doc, data, "nsn_ranges")
    if not raw:
        raise doc.error(("nsn_ranges",), "must list at least one range of national numbers")
    ranges = []
    for i, entry in enumerate(raw):
        kp: KeyPath = ("nsn_ranges", i)
        if not isinstance(entry, dict):
            raise doc.error(kp, f"each range is a mapping with keys: {', '.join(_RANGE_KEYS)}")
        _only_keys(doc, kp, entry, _RANGE_KEYS)
        for key in ("prefixes", "length"):
            if key not in entry:
                raise doc.error(kp, f"missing required key {key!r}")
        prefixes = _codes(doc, kp + ("prefixes",), entry["prefixes"])
        length = _int(doc, kp + ("length",), entry["length"])
        exclude = _codes(doc, kp + ("exclude",), entry["exclude"]) if "exclude" in entry else ()
        for j, prefix in enumerate(prefixes):
            if len(prefix) > length:
                raise doc.error(kp + ("prefixes", j),
                                f"prefix {prefix} is longer than the range's length {length}")
        example = _code(doc, kp + ("example",)) if "example" in entry else None
        rng = NsnRange(name=_text(doc, kp + ("name",), entry, default=f"range {i}"),
                       prefixes=prefixes, length=length, exclude=exclude, example=example)
        if example is not None and not rng.matches(example):
            raise doc.error(kp + ("example",), f"example {example} is not in this range")
        try:
            rng.sample()
        except ValueError:
            raise doc.error(kp, "every number of this range is excluded") from None
        ranges.append(rng)
    return tuple(ranges)


def _international(doc: yamlsource.Document, data: dict[Any, Any]) -> tuple[int, int, str]:
    kp: KeyPath = ("international",)
    spec = data["international"]
    if not isinstance(spec, dict):
        raise doc.error(kp, "must be a mapping with min_length and max_length")
    _only_keys(doc, kp, spec, _INTL_KEYS)
    for key in ("min_length", "max_length"):
        if key not in spec:
            raise doc.error(kp, f"missing required key {key!r}")
    lo = _int(doc, kp + ("min_length",), spec["min_length"])
    hi = _int(doc, kp + ("max_length",), spec["max_length"])
    if lo > hi:
        raise doc.error(kp + ("max_length",), f"max_length {hi} is below min_length {lo}")
    example = _code(doc, kp + ("example",)) if "example" in spec else ""
    return lo, hi, example


def _country_codes(doc: yamlsource.Document, data: dict[Any, Any]) -> frozenset[str]:
    if "country_codes" not in data:
        # Imported here: only profiles that rely on the library's table pay for it.
        import phonenumbers
        return frozenset(str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    codes = _codes(doc, ("country_codes",), data["country_codes"])
    for i, code in enumerate(codes):
        kp = ("country_codes", i)
        if not 1 <= len(code) <= 3 or code.startswith("0"):
            raise doc.error(kp, f"country code {code}: 1 to 3 digits, not starting with 0")
        # The oracle finds the country code by prefix: the set must be prefix-free, as the
        # ITU's is, or "+1..." could be read two ways.
        for j, other in enumerate(codes):
            if i != j and other.startswith(code):
                raise doc.error(("country_codes", j) if j > i else kp,
                                f"country codes {code} and {other}: one is a prefix of the other")
    return frozenset(codes)


def _check_consistency(doc: yamlsource.Document, trunk: str, intl_prefix: str,
                       ranges: Iterable[NsnRange], home: str, country_codes: frozenset[str],
                       min_len: int, max_len: int, intl_example: str) -> None:
    """Cross-field rules that keep the grammar unambiguous."""
    if intl_prefix.startswith(trunk):
        # e.g. jp: 0 + NSN vs 010: no national number may start with "10".
        clash = intl_prefix[len(trunk):]
        for i, rng in enumerate(ranges):
            if _range_reaches(rng, clash):
                raise doc.error(
                    ("nsn_ranges", i),
                    f"range {rng.name!r} contains national numbers starting with {clash}, so "
                    f"{intl_prefix} could be either the international prefix or a national "
                    f"number; exclude {clash} from it")
    clashes = [cc for cc in country_codes if cc != home and (cc.startswith(home)
                                                             or home.startswith(cc))]
    if clashes:
        raise doc.error(("home_country_code",),
                        f"home country code {home} overlaps country code(s) {sorted(clashes)}")
    if intl_example:
        cc_ok = any(intl_example.startswith(cc) for cc in country_codes - {home})
        if not cc_ok or not min_len <= len(intl_example) <= max_len:
            raise doc.error(("international", "example"),
                            f"example {intl_example} is not a country code + number of "
                            f"{min_len}..{max_len} digits")


def _range_reaches(rng: NsnRange, start: str) -> bool:
    """Whether some number of ``rng`` begins with ``start``."""
    if rng.length < len(start) or start.startswith(rng.exclude):
        return False
    for prefix in rng.prefixes:
        if prefix.startswith(start) and not prefix.startswith(rng.exclude):
            return True
        if start.startswith(prefix):
            return True
    return False
