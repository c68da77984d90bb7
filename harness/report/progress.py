"""Progress of a run on the terminal.

On an interactive terminal (stderr is a TTY and ``CI`` is not set): one line redrawn in
place, a bar with calls done, calls per second, calls in flight and failures so far.
Otherwise (a pipe, a log file, ``CI=true``): a plain line every ``every`` seconds and one
at the end, with no control characters at all, so CI logs stay readable.
"""
from __future__ import annotations

import os
import time
from typing import TextIO

_CLEAR = "\r\x1b[K"


def interactive(stream: TextIO) -> bool:
    """Whether ``stream`` may be redrawn in place (a TTY, and not under CI)."""
    ci = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not ci and os.environ.get("TERM", "") != "dumb"


class Progress:
    """``update(calls_done, failures, in_flight)`` after each batch; ``close()`` at the end.

    ``failures`` is what the caller counts as failures so far (failing properties for
    check/fuzz, failed calls for run); ``unit`` names it in the display.
    """

    def __init__(self, total: int, stream: TextIO, *, every: float = 10.0,
                 label: str = "", unit: str = "failing properties",
                 tty: bool | None = None, redraw: float = 0.1,
                 overshoot: str = "") -> None:
        self.total = max(1, total)
        self.stream = stream
        self.tty = interactive(stream) if tty is None else tty
        self.every = every
        self.label = label
        self.unit = unit
        self.redraw = redraw
        #: what it means when more calls than ``total`` are made (check: shrinking)
        self.overshoot = overshoot
        self.started = time.monotonic()
        self._last = self.started
        self._drawn = 0.0
        self.calls = 0
        self.failures = 0
        self.in_flight = 0
        self._closed = False

    # -- reporting -----------------------------------------------------------------------
    def update(self, calls: int, failures: int, in_flight: int) -> None:
        self.calls, self.failures, self.in_flight = calls, failures, in_flight
        now = time.monotonic()
        if self.tty:
            if now - self._drawn >= self.redraw or calls >= self.total:
                self._drawn = now
                self.stream.write(_CLEAR + self._bar(now))
                self.stream.flush()
        elif now - self._last >= self.every:
            self._last = now
            self.stream.write(self._plain(now) + "\n")
            self.stream.flush()

    def note(self, text: str, stream: TextIO) -> None:
        """Print ``text`` (a result line) on ``stream`` without tearing the bar."""
        if self.tty:
            self.stream.write(_CLEAR)
            self.stream.flush()
        stream.write(text + "\n")
        stream.flush()
        if self.tty and not self._closed:
            self.stream.write(self._bar(time.monotonic()))
            self.stream.flush()

    def abandon(self) -> None:
        """The run stopped on an error: wipe the bar, print nothing more."""
        if not self._closed:
            self._closed = True
            if self.tty:
                self.stream.write(_CLEAR)
                self.stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        now = time.monotonic()
        if self.tty:
            self.stream.write(_CLEAR + self._bar(now) + "\n")
        else:
            self.stream.write(self._plain(now, final=True) + "\n")
        self.stream.flush()

    # -- formatting ----------------------------------------------------------------------
    def _count(self) -> str:
        if self.calls <= self.total:
            return f"{self.calls}/{self.total} calls"
        why = f", {self.overshoot}" if self.overshoot else ""
        return f"{self.calls} calls ({self.total} planned{why})"

    def _rate(self, now: float) -> float:
        return self.calls / max(1e-9, now - self.started)

    def _bar(self, now: float) -> str:
        width = 28
        frac = min(1.0, self.calls / self.total)
        done = int(width * frac)
        bar = "█" * done + "░" * (width - done)
        elapsed = now - self.started
        rate = self._rate(now)
        eta = ""
        if 0 < rate and self.calls < self.total:
            eta = f"  ~{(self.total - self.calls) / rate:.0f}s left"
        fail = f"{self.failures} {self.unit}"
        if self.failures:
            fail = f"\x1b[31m{fail}\x1b[0m"
        head = f"{self.label} " if self.label else ""
        return (f"{head}{bar} {self._count()}  {rate:4.0f}/s  "
                f"in flight {self.in_flight:3d}  {fail}  {elapsed:.0f}s{eta}")

    def _plain(self, now: float, *, final: bool = False) -> str:
        head = f"{self.label}: " if self.label else ""
        word = "done" if final else "progress"
        return (f"{head}{word}: {self._count()}, {self._rate(now):.0f} calls/s, "
                f"{self.in_flight} in flight, {self.failures} {self.unit}, "
                f"{now - self.started:.0f}s")
