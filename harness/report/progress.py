"""A one-line progress display on a TTY; plain periodic lines otherwise (CI, pipes)."""
from __future__ import annotations

import os
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO, *, every: float = 5.0) -> None:
        self.total = max(1, total)
        self.stream = stream
        self.tty = stream.isatty() and os.environ.get("CI", "").lower() not in ("1", "true")
        self.started = time.monotonic()
        self.every = every
        self._last = 0.0

    def update(self, calls: int, failures: int, in_flight: int) -> None:
        now = time.monotonic()
        rate = calls / max(1e-9, now - self.started)
        if self.tty:
            width = 30
            done = min(width, int(width * calls / self.total))
            bar = "#" * done + "-" * (width - done)
            self.stream.write(f"\r[{bar}] {calls} calls  {rate:5.0f}/s  in flight {in_flight:3d}"
                              f"  failing properties {failures}")
            self.stream.flush()
        elif now - self._last >= self.every:
            self._last = now
            self.stream.write(f"progress: {calls} calls, {rate:.0f} calls/s, "
                              f"failing properties {failures}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
