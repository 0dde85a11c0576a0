"""What every report format says about an outcome, so JUnit, HTML and Markdown never disagree.

The words are the text table's (``harness.reports.text.SYMBOLS``): a reader who saw ``STALE`` in a CI
log finds the same word in the HTML page and the step summary.
"""

import re

from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun
from teams_interop.reports.text import SYMBOLS

# Summary column order: passed first, as people read a count; then what needs attention.
ORDER = (Outcome.PASS, Outcome.FAIL, Outcome.STALE, Outcome.KNOWN_FAILING, Outcome.UNSUPPORTED)

LABELS = {outcome: SYMBOLS[outcome] for outcome in Outcome}

# Plural headings for the per-language counts.
HEADINGS = {
    Outcome.PASS: "passed",
    Outcome.FAIL: "failed",
    Outcome.STALE: "stale",
    Outcome.KNOWN_FAILING: "known-failing",
    Outcome.UNSUPPORTED: "unsupported",
}


def languages(matrix: MatrixRun) -> list[str]:
    """Column order: the order the clients were given in (the CLI's, or discovery's)."""
    return [client.language for client in matrix.clients]


def failure_count(matrix: MatrixRun) -> int:
    return sum(1 for verdict in matrix.verdicts.values() if verdict.outcome.is_failure)


def first_line(text: str, limit: int = 200) -> str:
    """A one-line headline for a message attribute or a title; the full text goes elsewhere."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


# XML 1.0 forbids most control characters even as character references, and HTML calls them
# parse errors; a status message may hold any of them (the catalogue tests tabs, CR/LF and
# escapes), so they are shown as ``\\uXXXX`` rather than dropped or left to break a parser.
_INVISIBLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def printable(text: str) -> str:
    """``text`` with control characters (and lone surrogates) replaced by a visible ``\\uXXXX``."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
