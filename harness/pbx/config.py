"""Render the Asterisk configuration of one run.

Per run: an AMI account bound to 127.0.0.1 on a free port with a fresh random secret,
one PJSIP endpoint per trunk of the target file (its contact and its outbound proxy are
the harness's carrier sink on loopback), optional phone endpoints for the SIP driver,
and the user's dialplan copied in unchanged. Nothing here talks to Docker or AMI.
"""
from __future__ import annotations

import random
import secrets
import shutil
import socket
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..target import Target

#: Events the AMI driver listens to; everything else (VarSet above all) is filtered out
#: inside Asterisk so it never crosses the socket.
AMI_EVENTS = ("Newchannel", "Newexten", "DialBegin", "Hangup", "OriginateResponse",
              "FullyBooted")

AMI_USER = "dialharness"
#: container path where the run directory is mounted
RUN_MOUNT = "/run/dialharness"


#: prefix of the phone endpoints the SIP driver calls from (one per subscriber)
PHONE_PREFIX = "dialharness-phone-"


@dataclass(frozen=True)
class Phone:
    """A SIP phone endpoint (SIP driver): calls from it enter ``context``.

    One per subscriber: the endpoint carries the subscriber's caller ID and channel
    variables (``callerid``/``set_var`` are per endpoint), so nothing of the class of
    service has to travel in the INVITE but the From user that identifies the endpoint.
    """

    name: str
    context: str
    callerid: str = ""
    variables: tuple[tuple[str, str], ...] = ()


def phone_name(subscriber: str) -> str:
    return PHONE_PREFIX + subscriber


def phones_for(target: Target) -> tuple[Phone, ...]:
    """The phone endpoints of the SIP driver: one per subscriber of ``target``."""
    return tuple(Phone(name=phone_name(s.name), context=s.context,
                       callerid=s.effective_callerid, variables=s.variables)
                 for s in target.subscribers.values())


def _conf_value(text: str) -> str:
    # Asterisk's config parser starts a comment at an unescaped ';' ("\\;" is a ';')
    return text.replace(";", "\\;")


@dataclass
class RunConfig:
    """Everything that differs between two runs on one machine."""

    ami_port: int
    ami_secret: str
    sip_port: int
    sink_port: int
    rtp_start: int
    rtp_end: int
    phones: tuple[Phone, ...] = ()
    phone_port: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def fresh(cls) -> RunConfig:
        rtp_start = random.randrange(20000, 58000, 2)
        return cls(ami_port=free_port(socket.SOCK_STREAM), ami_secret=secrets.token_hex(16),
                   sip_port=free_port(socket.SOCK_DGRAM), sink_port=free_port(socket.SOCK_DGRAM),
                   rtp_start=rtp_start, rtp_end=rtp_start + 1998)

    def __repr__(self) -> str:  # never print the secret
        return (f"RunConfig(ami_port={self.ami_port}, sip_port={self.sip_port}, "
                f"sink_port={self.sink_port}, ami_secret='***')")


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def render(target: Target, run: RunConfig, etc_dir: Path, log_dir: Path) -> None:
    """Write every config file Asterisk reads into ``etc_dir`` (mounted in the container)."""
    etc_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "asterisk.conf": asterisk_conf(),
        "modules.conf": resources.files(__package__).joinpath("modules.conf").read_text(),
        "logger.conf": LOGGER_CONF,
        "manager.conf": manager_conf(run),
        "pjsip.conf": pjsip_conf(target, run),
        "rtp.conf": f"[general]\nrtpstart={run.rtp_start}\nrtpend={run.rtp_end}\n",
        # Empty on purpose: these modules warn or misbehave when their file is missing.
        "extconfig.conf": "", "sorcery.conf": "", "udptl.conf": "", "ccss.conf": "",
        "features.conf": "", "cdr.conf": "[general]\nenable=no\n", "cel.conf": "",
        "acl.conf": "", "indications.conf": "", "musiconhold.conf": "",
        "pjproject.conf": "", "stasis.conf": "", "res_parking.conf": "",
    }
    for name, text in files.items():
        (etc_dir / name).write_text(text)
    (etc_dir / "manager.conf").chmod(0o600)
    install_dialplan(target.dialplan, etc_dir)


def install_dialplan(dialplan: Path, etc_dir: Path) -> None:
    """Copy the user's dialplan in as extensions.conf, with its sibling files for #include."""
    for sibling in dialplan.parent.iterdir():
        if sibling.is_file() and sibling.suffix == ".conf" and sibling != dialplan \
                and not (etc_dir / sibling.name).exists():
            shutil.copyfile(sibling, etc_dir / sibling.name)
    shutil.copyfile(dialplan, etc_dir / "extensions.conf")


def asterisk_conf() -> str:
    return f"""[directories]
astetcdir => {RUN_MOUNT}/etc
astlogdir => {RUN_MOUNT}/log

[options]
verbose = 0
debug = 0
; every test run starts from a clean slate; never ask anything on a console
nocolor = yes
transmit_silence = no
hideconnect = yes
"""


LOGGER_CONF = """[general]
dateformat = %F %T

[logfiles]
; The harness reads this file to name the line of a dialplan Asterisk rejected.
messages.log => notice,warning,error
"""


def manager_conf(run: RunConfig) -> str:
    filters = "|".join(AMI_EVENTS)
    return f"""[general]
enabled = yes
webenabled = no
bindaddr = 127.0.0.1
port = {run.ami_port}
displayconnects = no
allowmultiplelogin = yes
authtimeout = 5
authlimit = 10

[{AMI_USER}]
secret = {run.ami_secret}
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
; read: the call and dialplan events a call's outcome is made of, and FullyBooted
; (system) so the harness knows the dialplan is loaded before the first call.
; write: originate calls, hang up / read variables of calls (call), reload the dialplan
; (config) and list channels (reporting). No 'command' or 'system': no shell, no CLI.
read = call,dialplan,system
write = originate,call,config,reporting
eventfilter = Event: ({filters})[^A-Za-z]
writetimeout = 5000
"""


def pjsip_conf(target: Target, run: RunConfig) -> str:
    out = [f"""[global]
type = global
user_agent = dialharness-pbx

; Every observed leg ends in CANCEL/487 on loopback. pjsip keeps each finished INVITE
; transaction for Timer D (= timer_b here; 32 s by default), ~120 KiB a call: at hundreds
; of calls a second that alone exhausted 2 GB. The shortest timers Asterisk accepts keep
; the carry-over to a few seconds of calls; nothing here crosses a lossy network.
[system]
type = system
timer_t1 = 100
timer_b = 6400

[dialharness-udp]
type = transport
protocol = udp
bind = 127.0.0.1:{run.sip_port}
"""]
    sink = f"127.0.0.1:{run.sink_port}"
    for trunk in target.trunks.values():
        out.append(f"""[{trunk.name}]
type = endpoint
; a trunk never places calls into the PBX
context = dialharness-nowhere
aors = {trunk.name}
; nothing leaves the machine: whatever host a dial names (PJSIP/trunk/sip:N@host), the
; request goes to the carrier sink (an IP literal: no DNS); the Request-URI stays as dialled
outbound_proxy = {_conf_value(f"sip:{sink};lr")}
allow = !all,ulaw
direct_media = no
send_pai = yes
send_rpid = no
trust_id_outbound = yes

; no user part, like a carrier's own contact: PJSIP/trunk alone asks for no number
[{trunk.name}]
type = aor
contact = sip:{sink}
""")
    for phone in run.phones:
        extra = "".join(f"set_var = {name}={_conf_value(value)}\n"
                        for name, value in phone.variables)
        if phone.callerid:
            extra += f"callerid = {_conf_value(phone.callerid)}\n"
        out.append(f"""[{phone.name}]
type = endpoint
context = {phone.context}
identify_by = username
allow = !all,ulaw
direct_media = no
trust_id_inbound = yes
; a dial string is complete when sent: no 484 for a prefix of a pattern
allow_overlap = no
; nothing leaves the machine, even if the dialplan dials a phone with a URI of its own
outbound_proxy = {_conf_value(f"sip:127.0.0.1:{run.phone_port or run.sink_port};lr")}
{extra}aors = {phone.name}

[{phone.name}]
type = aor
contact = sip:{phone.name}@127.0.0.1:{run.phone_port or run.sink_port}
""")
    return "\n".join(out)
