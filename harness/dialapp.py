"""Reading Dial() resources the way Asterisk 22 reads them: one parser for every caller.

A Dial() to an endpoint the harness did not render (a trunk missing from the target
file, another channel technology) fails before any DialBegin event, so the only trace of
where the dialplan tried to send the call is the Dial step's (substituted) AppData; a
DialBegin names its leg by the same resource text (``DialString``); the static pre-check
reads the resource text straight from the dialplan. All three go through
:func:`parse_resource`, so a leg is read one way whichever of them sees it.

The rules, and where each comes from (Asterisk 22 source, read at tag 22.10.1; the
``request()`` function is the same on the 22 branch and at 22.9.0):

1. ``Dial(peers,timeout,options,...)``: ``dial_exec_full()`` in ``apps/app_dial.c`` splits
   the AppData with ``AST_STANDARD_APP_ARGS`` (``__ast_app_separate_args()`` in
   ``main/app.c``, delimiter ``,``): a ``,`` inside ``(...)``, ``[...]`` or ``"..."`` does
   not split, a backslash makes the next character literal, and quotes and backslashes
   are removed. Only the first argument (``peers``) names resources; the timeout, options
   and URL after it never do.
2. ``peers`` is cut at *every* ``&`` (``strsep(&rest, "&")``), each piece stripped of
   blanks (``ast_strip``), empty pieces skipped; every piece is one leg, all dialled in
   parallel.
3. Each piece is ``tech/resource``, cut at its *first* ``/`` (``strsep(&number, "/")``);
   a piece without a resource makes Dial() warn and give up (no leg). The technology is
   looked up case-insensitively (``ast_get_channel_tech()``, ``main/channel.c``). The
   resource is what DialBegin reports as ``DialString`` (``ast_channel_publish_dial(chan,
   tmp->chan, tmp->number, NULL)`` after ``ast_call()``).
4. PJSIP: ``request()`` in ``channels/chan_pjsip.c`` splits the resource with
   ``AST_NONSTANDARD_APP_ARGS(args, tmp, '/')`` into exactly two fields, ``endpoint`` and
   ``aor``: the first ``/`` outside ``()``, ``[]`` and quotes ends the endpoint field
   (backslashes and quotes are removed from it); *everything* after it is the ``aor``
   field verbatim, further ``/`` included (``sip:0120@host;x=a/b`` stays whole).
5. ``request()`` with multi-domain on (the default; the harness never sets
   ``disable_multi_domain``): an endpoint named exactly like the whole endpoint field
   wins (``user@domain`` endpoints); otherwise the field is cut at its *first* ``@``
   (``strchr``): the part before is the *request user*, the part after the endpoint name.
   With ``disable_multi_domain = yes`` the ``@`` cut comes first. The caller may pass the
   endpoint names it knows (``endpoints=``) to apply the exact-match rule; without them
   the ``@`` cut is taken.
6. ``ast_sip_session_create_outgoing()`` in ``res/res_pjsip_session.c``: the ``aor`` field
   (or, when it is empty, the endpoint's own ``aors``) is a ``,`` list of AOR names,
   looked up by ``ast_sip_location_retrieve_contact_and_aor_from_list_filtered()``
   (``res/res_pjsip/location.c``); if no AOR of that list has a contact, the field
   itself is the URI dialled. Here a field starting with ``sip:``/``sips:`` (optionally
   inside ``<...>``) is read as that URI, anything else as AOR names.
7. ``ast_sip_create_dialog_uac()`` in ``res/res_pjsip.c``: the URI (an AOR's contact or
   the dialled URI) becomes the Request-URI; a scheme other than ``sip``/``sips`` fails
   (no channel). A non-empty request user then *replaces* the user part of the
   Request-URI (and of the To URI): ``PJSIP/0312@trunk/sip:999@host`` asks for ``0312``.
   An empty one (``PJSIP/@trunk``) changes nothing. The endpoint's ``outbound_proxy``
   becomes the route set, so the request goes there, not to the URI's host.
8. pjproject ``pjsip/src/pjsip/sip_parser.c`` (``int_parse_sip_url()``,
   ``int_is_next_user()``, ``int_parse_user_pass()``): the scheme is case-insensitive; a
   URI has a user part only if an ``@`` comes before any blank or ``>``; the user ends at
   ``:`` (a password follows) or ``@``, and its ``%xx`` escapes are decoded. Host, port
   and ``;params`` never belong to the user.

So the number (what the carrier is asked to call, the Request-URI user) is the request
user when there is one, else the user of the dialled URI, else ``""``: ``PJSIP/trunk``
and ``PJSIP/trunk/some-aor`` name no number, the Request-URI user is whatever the AOR's
contact holds (the contacts the harness renders hold none).

Text that still holds dialplan expressions (the static pre-check reads unsubstituted
lines) never breaks a rule: ``${...}`` and ``$[...]`` are kept whole and no cut is made
inside them; Asterisk substitutes them before any of the rules above runs, so on
substituted AppData this changes nothing.

Other technologies: ``endpoint`` is ``TECH/resource`` up to the resource's next ``/``
(``DAHDI/g0``) and ``number`` what follows it (the whole resource when nothing does).
A piece with no ``/`` outside expressions but an expression in it (``${OUT_1}``) is one
resource whose technology is only known at run time: its tech and endpoint are the text
itself, its number ``""``.
"""
from __future__ import annotations

import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass, field

from .model import Step

#: technologies that are internal plumbing, not a way out of the PBX
_INTERNAL = {"local"}


@dataclass(frozen=True)
class DialTarget:
    """One Dial() resource: ``tech``, ``endpoint`` (PJSIP: the endpoint name; other
    technologies: ``TECH/resource``) and the ``number`` the far end is asked to call.
    ``location`` (not compared) is the PJSIP AOR/URI field as written, ``""`` if none."""

    tech: str
    endpoint: str
    number: str
    location: str = field(default="", compare=False, repr=False)


def _skip_expr(text: str, i: int) -> int:
    """``text[i:]`` starts a ``${...}`` or ``$[...]``: the index just after it (its end
    if unbalanced), nested groups included."""
    depth = 0
    j = i + 1
    while j < len(text):
        c = text[j]
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def _is_expr(text: str, i: int) -> bool:
    return text[i] == "$" and i + 1 < len(text) and text[i + 1] in "{["


def _find(text: str, stops: str, start: int = 0) -> int:
    """Index of the first character of ``stops`` outside ``${...}``/``$[...]``; -1."""
    i = start
    while i < len(text):
        if _is_expr(text, i):
            i = _skip_expr(text, i)
            continue
        if text[i] in stops:
            return i
        i += 1
    return -1


def _first_arg(text: str, delim: str) -> tuple[str, str | None]:
    """Rule 1/4 (``__ast_app_separate_args``, removing): the first field up to ``delim``
    outside ``()``, ``[]`` and quotes, with quotes and backslashes removed, and the rest
    verbatim (None when there was no delimiter)."""
    out: list[str] = []
    paren = bracket = 0
    quote = False
    i = 0
    while i < len(text):
        if _is_expr(text, i):
            j = _skip_expr(text, i)
            out.append(text[i:j])
            i = j
            continue
        c = text[i]
        if c == "(":
            paren += 1
        elif c == ")":
            paren = max(0, paren - 1)
        elif c == "[":
            bracket += 1
        elif c == "]":
            bracket = max(0, bracket - 1)
        elif c == '"':
            quote = not quote
            i += 1
            continue
        elif c == "\\":
            if i + 1 < len(text):
                out.append(text[i + 1])
            i += 2
            continue
        elif c == delim and not paren and not bracket and not quote:
            return "".join(out), text[i + 1:]
        out.append(c)
        i += 1
    return "".join(out), None


def uri_user(uri: str) -> str | None:
    """Rule 8: the user part of a ``sip:``/``sips:`` URI (``%xx`` decoded), ``""`` for a
    URI without one, None for text that is not a SIP URI."""
    text = uri.strip()
    if text.startswith("<"):
        text = text[1:]
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in ("sip", "sips"):
        return None
    end = _find(rest, "@ \n>")
    if end < 0 or rest[end] != "@":
        return ""
    user = rest[:end]
    pw = _find(user, ":")
    if pw >= 0:
        user = user[:pw]
    return urllib.parse.unquote(user)


def parse_resource(resource: str, *, endpoints: Collection[str] = ()) -> DialTarget | None:
    """One Dial() resource (``TECH/...``, one leg of an ``&`` list) as a DialTarget, or
    None when it is not ``tech/resource`` at all (Dial() would refuse it, rule 3).

    ``parse_resource("PJSIP/out-dom/sip:0120@carrier.example.jp")``
    -> ``DialTarget("PJSIP", "out-dom", "0120")``; see the module docstring for every form.
    ``endpoints``: PJSIP endpoint names known to exist, for the exact-match rule (5).
    Never raises; unresolved ``${...}`` text is carried through unchanged.
    """
    text = resource.strip()
    cut = _find(text, "/")
    if cut < 0 and ("${" in text or "$[" in text):
        # the technology itself is only known at run time (``${OUT_1}``): one resource
        # of unknown technology, kept whole
        return DialTarget(text, text, "")
    if cut <= 0 or cut == len(text) - 1:
        return None
    tech, rest = text[:cut], text[cut + 1:]
    if tech.upper() != "PJSIP":
        more = _find(rest, "/")
        if more < 0:
            return DialTarget(tech, f"{tech}/{rest}", rest)
        return DialTarget(tech, f"{tech}/{rest[:more]}", rest[more + 1:])
    field_, location = _first_arg(rest, "/")                      # rule 4
    request_user = ""
    endpoint = field_
    if field_ not in endpoints:                                  # rule 5
        at = _find(field_, "@")
        if at >= 0:
            request_user, endpoint = field_[:at], field_[at + 1:]
    number = request_user                                        # rule 7
    if not number and location:
        number = uri_user(location) or ""                        # rules 6, 8
    return DialTarget("PJSIP", endpoint, number, location or "")


def dial_targets(appdata: str, *, endpoints: Collection[str] = ()) -> list[DialTarget]:
    """Every leg a Dial() AppData names, ``Local/`` ones left out (they are followed
    into the dialplan): ``PJSIP/0312345678@jp-domestic&SIP/x/123,30,tT`` -> the PJSIP
    and SIP targets. The options after the first ``,`` are never read as resources."""
    peers, _ = _first_arg(appdata, ",")                          # rule 1
    out = []
    for piece in _split_peers(peers):                            # rule 2
        t = parse_resource(piece, endpoints=endpoints)           # rule 3 ...
        if t is None or t.tech.lower() in _INTERNAL:
            continue
        out.append(t)
    return out


def _split_peers(peers: str) -> list[str]:
    pieces, start = [], 0
    while True:
        amp = _find(peers, "&", start)
        piece = peers[start:] if amp < 0 else peers[start:amp]
        if piece.strip():
            pieces.append(piece.strip())
        if amp < 0:
            return pieces
        start = amp + 1


def failed_dials(steps: list[Step] | tuple[Step, ...], known: set[str]) -> list[DialTarget]:
    """Dial targets in ``steps`` that name no known trunk."""
    out = []
    for step in steps:
        if step.app.lower() != "dial":
            continue
        for t in dial_targets(step.appdata, endpoints=known):
            if t.endpoint not in known:
                out.append(t)
    return out
