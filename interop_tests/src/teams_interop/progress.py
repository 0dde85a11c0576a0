"""Progress while images build and cases run: which language, which step, elapsed time.

One API, ``step(who, what)``, called by the backends and the matrix from several threads, and
two faces, because a terminal and a log want different things:

* **plain** (a pipe, a file, a CI log, ``TERM=dumb`` or ``CI`` set): one timestamped line per
  step, appended; a log keeps the whole history and nothing depends on cursor movement.
* **live** (an interactive terminal): a block of one line per component (the server, each
  language) showing its current step and how long it has been busy, redrawn in place with ANSI
  escapes and ticking every ``interval`` seconds, so a long image build visibly moves instead of
  scrolling hundreds of lines. ``close()`` (or leaving the ``with`` block) draws the final state
  and leaves the cursor on a fresh line; call it before printing anything else to the terminal.

The cursor always rests just below the block, so a crash between redraws never leaves a half
line, and every write happens under one lock, so threads never interleave inside a frame.
"""

import io
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

SPINNER = "-\\|/"


def is_interactive(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is a terminal a person watches (and that understands cursor movement)."""
    env = os.environ if environ is None else environ
    if env.get("CI") or env.get("TERM", "") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


@dataclass
class _Line:
    what: str
    since: float  # the component's first step: its line shows how long it has been busy
    ended: float | None = None  # set by done(): the clock stops


class Progress:
    """Reports steps as plain lines or as a live block; thread-safe; see the module docstring."""

    def __init__(
        self,
        stream: TextIO = sys.stderr,
        quiet: bool = False,
        live: bool | None = None,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.quiet = quiet
        self.live = not quiet and (is_interactive(stream) if live is None else live)
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()
        self._lines: dict[str, _Line] = {}
        self._drawn = 0  # rows of the block on screen, above the cursor
        self._ticks = 0
        self._closed = False
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        utf8 = "utf" in (getattr(stream, "encoding", None) or "").lower()
        self._done_mark = "✓" if utf8 else "*"

    def step(self, who: str, what: str) -> None:
        """``who`` (a language, ``server``) is now doing ``what``."""
        self._update(who, what, done=False)

    def done(self, who: str, what: str) -> None:
        """``who`` finished, ending with ``what``; its line stops its clock and is marked done."""
        self._update(who, what, done=True)

    def close(self) -> None:
        """Draws the final state (live) and stops the ticker; idempotent. Later steps print plainly."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            if self.live and self._lines:
                self._draw(self.clock())
        if self._ticker is not None:
            self._ticker.join()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _update(self, who: str, what: str, done: bool) -> None:
        if self.quiet:
            return
        now = self.clock()
        with self._lock:
            if not self.live or self._closed:
                self.stream.write(f"[{now - self.started:7.1f}s] {who:<8} {what}\n")
                self.stream.flush()
                return
            since = self._lines[who].since if who in self._lines else now
            self._lines[who] = _Line(what, since, ended=now if done else None)
            self._draw(now)
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
                self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if self._closed:
                    return
                self._ticks += 1
                self._draw(self.clock())

    def _draw(self, now: float) -> None:
        """Moves up over the block on screen and rewrites it; the caller holds the lock."""
        width = max(20, self._columns() - 1)  # never the last column: some terminals wrap there
        rows = [f"interop  {now - self.started:6.1f}s"]
        spin = SPINNER[self._ticks % len(SPINNER)]
        for who, line in self._lines.items():
            mark = self._done_mark if line.ended is not None else spin
            seconds = (line.ended if line.ended is not None else now) - line.since
            rows.append(f"{mark} {who:<8} {seconds:6.1f}s  {line.what}")
        up = f"\r\x1b[{self._drawn}A" if self._drawn else "\r"
        frame = "".join(f"\x1b[2K{_fit(row, width)}\n" for row in rows)
        self.stream.write(up + frame)
        self.stream.flush()
        self._drawn = len(rows)

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            return shutil.get_terminal_size((80, 24)).columns


def _fit(text: str, width: int) -> str:
    """One screen row: a wrapped row would break the cursor arithmetic, so cut, never wrap."""
    text = text.replace("\n", " ").replace("\r", " ").replace("\x1b", "?")
    return text if len(text) <= width else text[: width - 3] + "..."
