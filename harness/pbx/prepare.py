"""``python -m harness.pbx.prepare``: make the engine and the PBX image ready ahead of a run.

Provisioning does this once so the first test does not pay for the image build; the
harness would do the same lazily otherwise.
"""
from __future__ import annotations

import sys
import time

from ..errors import DialharnessError
from .docker import docker_client, ensure_image


def main() -> int:
    t0 = time.monotonic()
    try:
        tag = ensure_image(docker_client())
    except DialharnessError as exc:
        print(f"prepare: error: {exc}", file=sys.stderr)
        return 2
    print(f"prepare: PBX image {tag} ready ({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
