"""A small synchronous AMI client on top of the ``asterisk-ami`` package.

``asterisk.ami.AMIClient`` gives us the connection, its listener thread and the
Event/Response parsers. Two of its parts do not hold under load and are replaced here at
their own depth (see ``_Transport``): framing, which re-scanned a growing buffer read 1 KiB
at a time, and ``send``, which used ``socket.send`` (may write half an action) from
several threads without a lock.

Everything that goes over the socket passes ``_check_field``: AMI is line-based, so a CR,
LF or NUL in any key or value could add headers or whole actions. Such input is refused
before it reaches the socket.
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from asterisk.ami import AMIClient
from asterisk.ami.action import Action
from asterisk.ami.event import Event
from asterisk.ami.response import Response

from ..errors import DialharnessError, InputError, PbxDied, PbxStartError

_FRAME_END = b"\r\n\r\n"


class AmiError(DialharnessError):
    """An AMI action was answered with an error or not at all."""


@dataclass(frozen=True)
class AmiCredentials:
    host: str
    port: int
    username: str
    secret: str

    def __repr__(self) -> str:  # credentials never reach a log or a traceback
        return f"AmiCredentials(host={self.host!r}, port={self.port}, username={self.username!r}, secret='***')"


@dataclass(frozen=True)
class Message:
    """A parsed AMI response or event: ``name`` is the Event name or the Response status."""

    kind: str  # "event" | "response"
    name: str
    fields: Mapping[str, str]
    follows: tuple[str, ...] = ()

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)


def _check_field(text: str, what: str) -> str:
    if any(c in text for c in "\r\n\x00"):
        raise InputError(f"refusing to send {what} with CR, LF or NUL over AMI: {text!r}")
    return text


def _variable_value(text: str) -> str:
    """Escape a value for Originate's ``Variable: NAME=value`` header.

    Asterisk splits that header like application arguments: it removes '"' and '\\'
    and splits at ','. A backslash makes the next character literal, so escaping those
    three lets the dialplan see the value exactly as written.
    """
    return "".join("\\" + c if c in '\\",' else c for c in text)


class _Transport(AMIClient):
    """asterisk-ami's client with framing and sending fit for thousands of events a second."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._send_lock = threading.Lock()
        #: a copy of every byte written, for tests that inspect what crossed the socket
        self.wire_log: list[bytes] | None = None

    def send(self, pack: object) -> None:
        data = (str(pack) + "\r\n").encode(self.encoding)
        with self._send_lock:
            if self.wire_log is not None:
                self.wire_log.append(data)
            self._socket.sendall(data)

    def fire_recv_pack(self, pack: str) -> None:
        # AMI ends a line with CRLF and nothing else. asterisk-ami's parsers use
        # str.splitlines(), which also breaks at \v \f \x1c-\x1e \x85 U+2028 U+2029: a
        # caller ID name or a channel variable echoed in AppData could then forge a later
        # key of the same event (Linkedid, Context, Application). Same results otherwise.
        head, _, rest = pack.partition("\r\n")
        lines = rest.split("\r\n") if rest else []
        if head.startswith("Response:"):
            keys: dict[str, str] = {}
            follows: list[str] = []
            it = iter(lines)
            for line in it:
                if not line:
                    continue
                key, sep, value = line.partition(":")
                if not sep or not Response.key_regex.match(key):
                    follows.append(line)
                    follows.extend(it)
                    break
                key = key.strip()
                keys[key] = f"{keys[key]}\n{value.strip()}" if key in keys else value.strip()
            self.fire_recv_reponse(Response(head.partition(":")[2].strip(), keys, follows))
        elif head.startswith("Event: "):
            keys = {}
            for line in lines:
                key, sep, value = line.partition(": ")
                if sep:
                    keys[key] = value
            self.fire_recv_event(Event(head.partition(": ")[2], keys))
        else:
            self._fire_on_unknown(pack=pack)

    def _next_pack(self):  # type: ignore[override]
        # The banner ends with one CRLF, every message after it with a blank line.
        buf = bytearray()
        banner_done = False
        sock = self._socket
        sock.settimeout(None)
        while not self.finished.is_set():
            if not banner_done:
                i = buf.find(b"\r\n")
                if i >= 0:
                    banner_done = True
                    pack, buf = bytes(buf[:i]), buf[i + 2:]
                    yield self._decode_pack(pack)
                    continue
            else:
                start = 0
                packs = []
                while True:
                    i = buf.find(_FRAME_END, start)
                    if i < 0:
                        break
                    packs.append(bytes(buf[start:i]))
                    start = i + 4
                if start:
                    del buf[:start]
                for pack in packs:
                    yield self._decode_pack(pack)
            try:
                chunk = sock.recv(262144)
            except OSError:
                chunk = b""
            if not chunk:
                self.finished.set()
                break
            buf += chunk
        try:
            sock.close()
        except OSError:
            pass


class AmiClient:
    """One logged-in AMI session.

    ``on_event`` and action callbacks run on the listener thread: keep them short.
    ``on_disconnect`` is called once if the connection ends without ``close()``.
    """

    def __init__(self, creds: AmiCredentials, *, timeout: float = 5.0,
                 on_event: Callable[[Message], None] | None = None,
                 on_disconnect: Callable[[], None] | None = None) -> None:
        self.creds = creds
        self.timeout = timeout
        self._on_event = on_event
        self._on_disconnect = on_disconnect
        self._ids = itertools.count(1)
        self._prefix = f"dh{id(self):x}-"
        self._pending: dict[str, Callable[[Message], None]] = {}
        self._lists: dict[str, Callable[[Message], None]] = {}
        self._lock = threading.Lock()
        self._closing = False
        self.connected = False
        self._transport = _Transport(address=creds.host, port=creds.port, timeout=timeout)
        self._transport.add_listener(on_response=self._response, on_event=self._event,
                                     on_disconnect=self._disconnected)

    # -- lifecycle -------------------------------------------------------------------
    def connect(self) -> None:
        try:
            self._transport.connect()
        except OSError as exc:
            raise PbxStartError(
                f"cannot reach AMI at {self.creds.host}:{self.creds.port}: {exc}") from None
        reply = self.request("Login", {"Username": self.creds.username,
                                       "Secret": self.creds.secret, "Events": "on"})
        if reply.name.lower() != "success":
            self.close()
            raise PbxStartError(f"AMI login to {self.creds.host}:{self.creds.port} refused: "
                                f"{reply.get('Message') or reply.name}")
        self.connected = True

    def close(self) -> None:
        self._closing = True
        if self.connected:
            try:
                self.send("Logoff", {})
            except Exception:
                pass
        self.connected = False
        try:
            self._transport.disconnect()
        except Exception:
            pass

    def record_wire(self) -> list[bytes]:
        """Start keeping a copy of every byte sent; returns the list that fills up."""
        log: list[bytes] = []
        self._transport.wire_log = log
        return log

    # -- actions ---------------------------------------------------------------------
    def send(self, action: str, fields: Mapping[str, str],
             callback: Callable[[Message], None] | None = None,
             variables: Mapping[str, str] | None = None,
             list_events: Callable[[Message], None] | None = None) -> str:
        """Send an action; ``callback`` gets its response on the listener thread."""
        _check_field(action, "an action name")
        keys = {}
        for k, v in fields.items():
            keys[_check_field(str(k), "a header name")] = _check_field(str(v), f"header {k}")
        action_id = self._prefix + str(next(self._ids))
        keys["ActionID"] = action_id
        act = Action(action, keys)
        for k, v in (variables or {}).items():
            act.variables[_check_field(str(k), "a variable name")] = _variable_value(
                _check_field(str(v), f"variable {k}"))
        with self._lock:
            if callback is not None:
                self._pending[action_id] = callback
            if list_events is not None:
                self._lists[action_id] = list_events
        if self._transport.finished is None or self._transport.finished.is_set():
            raise PbxDied("AMI connection is closed")
        try:
            self._transport.send(act)
        except OSError as exc:
            raise PbxDied(f"AMI connection lost while sending {action}: {exc}") from None
        return action_id

    def hang_up(self, channels: Iterable[str], cause: str = "16") -> None:
        """Hang up each channel (no reply awaited); stops quietly once the PBX is gone,
        because the caller is already tearing the call down."""
        for channel in channels:
            try:
                self.send("Hangup", {"Channel": channel, "Cause": cause})
            except PbxDied:
                return

    def request(self, action: str, fields: Mapping[str, str], *,
                timeout: float | None = None) -> Message:
        """Send an action and wait for its response (events listed after it are not awaited)."""
        done = threading.Event()
        box: list[Message] = []

        def got(msg: Message) -> None:
            box.append(msg)
            done.set()

        self.send(action, fields, got)
        if not done.wait(self.timeout if timeout is None else timeout):
            raise AmiError(f"AMI action {action} got no response within "
                           f"{self.timeout if timeout is None else timeout:g} s")
        return box[0]

    def request_list(self, action: str, fields: Mapping[str, str], *,
                     timeout: float | None = None) -> list[Message]:
        """An action answered by a list of events (EventList: start ... Complete)."""
        done = threading.Event()
        items: list[Message] = []
        wait = self.timeout if timeout is None else timeout

        def collect(msg: Message) -> None:
            if msg.kind == "response":
                if msg.name.lower() == "error":
                    items.append(msg)
                    done.set()
                return
            if msg.get("EventList").lower() == "complete" or msg.name.endswith("Complete"):
                done.set()
            else:
                items.append(msg)

        action_id = self.send(action, fields, collect, list_events=collect)
        try:
            if not done.wait(wait):
                raise AmiError(f"AMI action {action} did not complete its list within {wait:g} s")
        finally:
            with self._lock:
                self._lists.pop(action_id, None)
        if items and items[-1].kind == "response":
            raise AmiError(f"AMI action {action} failed: {items[-1].get('Message')}")
        return items

    # -- listener thread -------------------------------------------------------------
    def _response(self, source: object, response: Response) -> None:
        msg = Message("response", response.status, dict(response.keys),
                      tuple(response.follows or ()))
        action_id = msg.get("ActionID")
        with self._lock:
            cb = self._pending.pop(action_id, None)
        if cb is not None:
            cb(msg)

    def _event(self, source: object, event: Event) -> None:
        msg = Message("event", event.name, event.keys)
        if self._lists:
            with self._lock:
                collect = self._lists.get(msg.get("ActionID"))
            if collect is not None:
                collect(msg)
                return
        if self._on_event is not None:
            self._on_event(msg)

    def _disconnected(self, source: object, error: Exception | None = None) -> None:
        was = self.connected
        self.connected = False
        if not self._closing and was and self._on_disconnect is not None:
            self._on_disconnect()
