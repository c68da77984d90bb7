"""Where the PBX comes from: a container this harness starts, or one that already runs.

Only this package knows about Docker. A ``Pbx`` hands out AMI credentials, installs a
target (dialplan + trunks) and says where its SIP listener and carrier sink are.
"""
from .base import Pbx
from .config import RunConfig

__all__ = ["Pbx", "RunConfig", "open_pbx"]


def open_pbx(backend: str = "docker", **kwargs: object) -> Pbx:
    """Start (docker) or attach to (external) a PBX."""
    if backend == "docker":
        from .docker import DockerPbx
        return DockerPbx.start(**kwargs)  # type: ignore[arg-type]
    if backend == "external":
        from .external import ExternalPbx
        return ExternalPbx.from_environment(**kwargs)  # type: ignore[arg-type]
    from ..errors import InputError
    raise InputError(f"unknown backend {backend!r}; choose docker or external")
