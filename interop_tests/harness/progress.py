"""Progress lines while images build and cases run: which language, which step, elapsed time."""

import sys
import time
from typing import TextIO


class Progress:
    """Writes one timestamped line per step; thread-safe enough for whole-line writes."""

    def __init__(self, stream: TextIO = sys.stderr, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.started = time.monotonic()

    def step(self, who: str, what: str) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        self.stream.write(f"[{elapsed:7.1f}s] {who:<8} {what}\n")
        self.stream.flush()
