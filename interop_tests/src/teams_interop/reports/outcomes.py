"""What every report format shares, so JUnit, HTML, Markdown and the terminal never disagree.

The words for an outcome live on the ``Outcome`` enum itself (``label``, ``heading``).
"""

import re

from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun

# Summary column order: passed first, as people read a count; then what needs attention.
ORDER = (
    Outcome.PASS,
    Outcome.FAIL,
    Outcome.STALE,
    Outcome.KNOWN_FAILING,
    Outcome.UNSUPPORTED,
    Outcome.NOT_APPLICABLE,
)


def as_runs(runs: MatrixRun | list[MatrixRun]) -> list[MatrixRun]:
    """Every report takes one server's run or the runs of several servers."""
    return [runs] if isinstance(runs, MatrixRun) else list(runs)


def languages(matrix: MatrixRun) -> list[str]:
    """Column order: the order the clients were given in (the CLI's, or discovery's)."""
    return [client.language for client in matrix.clients]


def failure_count(matrix: MatrixRun) -> int:
    """Failing cells, plus one for each language whose client process itself failed."""
    cells = sum(1 for verdict in matrix.verdicts.values() if verdict.outcome.is_failure)
    return cells + sum(1 for problems in matrix.process_problems.values() if problems)


def grid_counts(matrix: MatrixRun, language: str) -> tuple[int, int, int]:
    """One client x server cell: cases passed, cases run (not unsupported or not applicable),
    and failures (failing cells, plus one when the client process itself failed)."""
    counts = matrix.counts(language)
    ran = sum(counts[o] for o in (Outcome.PASS, Outcome.FAIL, Outcome.STALE, Outcome.KNOWN_FAILING))
    failed = counts[Outcome.FAIL] + counts[Outcome.STALE] + (1 if matrix.process_problems.get(language) else 0)
    return counts[Outcome.PASS], ran, failed


def process_rows(matrix: MatrixRun) -> list[tuple[str, list[str]]]:
    """(language, problems) for every language whose client process failed, in column order."""
    return [(name, matrix.process_problems[name]) for name in languages(matrix) if matrix.process_problems.get(name)]


def timings(matrix: MatrixRun) -> list[str]:
    """The run's phases (build checks, server start, server variants, cases, judging; the first
    ones overlap: the servers start while the clients' builds are checked) and each client's start,
    from starting its process to its first result (its start-up plus one call)."""
    lines = []
    if matrix.phases:
        lines.append("phases: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in matrix.phases.items()))
    starts = [
        f"{name} {session.first_result_seconds:.2f}s"
        for name in languages(matrix)
        if (session := matrix.sessions.get(name)) is not None and session.first_result_seconds is not None
    ]
    if starts:
        lines.append("client start (to its first result): " + ", ".join(starts))
    return lines


def milliseconds(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:.0f} ms"


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
