"""The carrier side of the test PBX: a SIP listener on loopback behind every trunk.

Every trunk endpoint the harness renders has this listener as its contact, so a Dial()
to a trunk sends a real INVITE here. The listener records what the carrier would see
(Request-URI user, From, P-Asserted-Identity, Privacy) and answers:

- ``hold`` (AMI driver): ``100 Trying`` only, so the outbound channel stays up while the
  driver reads it over AMI and hangs it up; the CANCEL that follows gets 200 + 487.
- a final status code (SIP driver): ``100`` then that code, ending the leg at once.
"""
from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

_URI_USER = re.compile(r"sips?:([^@;>]*)@")


@dataclass(frozen=True)
class Invite:
    """One INVITE as the carrier received it."""

    call_id: str
    ruri: str
    ruri_user: str
    endpoint_hint: str
    from_: str
    pai: str
    privacy: str
    headers: tuple[tuple[str, str], ...]

    @property
    def withheld(self) -> bool:
        """Caller ID withheld on the wire: ``Privacy: id`` or an anonymous From."""
        privacy = {p.strip().lower() for p in self.privacy.split(";")}
        return "id" in privacy or "anonymous" in self.from_.lower()


class CarrierSink:
    """A minimal SIP UAS on 127.0.0.1; one thread, no state beyond open INVITEs."""

    def __init__(self, port: int, *, final_status: int | None = None) -> None:
        self.port = port
        self.final_status = final_status
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self._sock.bind(("127.0.0.1", port))
        self._sock.settimeout(0.2)
        #: headers of INVITEs held open (hold mode), to answer 487 when CANCELed
        self._invite_headers: dict[str, dict[str, list[str]]] = {}
        self._seen: set[str] = set()
        self._listeners: list[Callable[[Invite], None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="carrier-sink", daemon=True)
        self._thread.start()

    def add_listener(self, fn: Callable[[Invite], None]) -> None:
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[Invite], None]) -> None:
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self._sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self._handle(data.decode("utf-8", "replace"), addr)
            except Exception:  # a malformed packet must not kill the carrier
                continue

    def _handle(self, text: str, addr: tuple[str, int]) -> None:
        head, _, _ = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        start = lines[0].split(" ")
        if len(start) < 3 or start[0].startswith("SIP/"):
            return  # responses (to nothing we sent) are ignored
        method, ruri = start[0], start[1]
        headers = parse_headers(lines[1:])
        call_id = first(headers, "call-id", "i")
        if method == "INVITE":
            tag = to_tag(call_id)
            self._reply(addr, headers, 100, "Trying")
            if call_id in self._seen:
                return  # a retransmission
            self._seen.add(call_id)
            m = _URI_USER.search(ruri)
            invite = Invite(
                call_id=call_id, ruri=ruri, ruri_user=m.group(1) if m else "",
                endpoint_hint=first(headers, "to", "t"),
                from_=first(headers, "from", "f"),
                pai=first(headers, "p-asserted-identity"),
                privacy=first(headers, "privacy"),
                headers=tuple((k, v) for k, vs in headers.items() for v in vs))
            with self._lock:
                listeners = list(self._listeners)
            for fn in listeners:
                fn(invite)
            if self.final_status is None:
                self._invite_headers[call_id] = headers
            else:
                self._reply(addr, headers, self.final_status, "Carrier Says No", to_tag=tag)
        elif method == "CANCEL":
            self._reply(addr, headers, 200, "OK")
            invite_headers = self._invite_headers.pop(call_id, None)
            if invite_headers is not None:
                self._reply(addr, invite_headers, 487, "Request Terminated",
                            to_tag=to_tag(call_id))
        elif method == "ACK":
            self._seen.discard(call_id)
        elif method in ("BYE", "OPTIONS", "NOTIFY", "INFO", "UPDATE"):
            self._reply(addr, headers, 200, "OK")
        else:
            self._reply(addr, headers, 405, "Method Not Allowed")

    def _reply(self, addr: tuple[str, int], headers: dict[str, list[str]], code: int,
               reason: str, to_tag: str | None = None) -> None:
        to = first(headers, "to", "t")
        if to_tag and ";tag=" not in to:
            to = f"{to};tag={to_tag}"
        out = [f"SIP/2.0 {code} {reason}"]
        out += [f"Via: {v}" for v in headers.get("via", []) + headers.get("v", [])]
        out += [f"From: {first(headers, 'from', 'f')}", f"To: {to}",
                f"Call-ID: {first(headers, 'call-id', 'i')}",
                f"CSeq: {first(headers, 'cseq')}", "Server: dialharness-carrier",
                "Content-Length: 0", "", ""]
        self._sock.sendto("\r\n".join(out).encode(), addr)


def to_tag(call_id: str) -> str:
    # Stable per dialog, so the 100 of a retransmission and the final response agree.
    return "c" + format(abs(hash(call_id)) % 10**10, "d")


def parse_headers(lines: list[str]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return headers


def first(headers: dict[str, list[str]], *names: str) -> str:
    for name in names:
        if headers.get(name):
            return headers[name][0]
    return ""
