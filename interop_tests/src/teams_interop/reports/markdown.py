"""The matrix as GitHub-flavoured Markdown, for ``$GITHUB_STEP_SUMMARY`` (or a PR comment).

The run's page then shows the verdict, a line per language and the case x language table without
downloading an artifact; the failing cells' diffs follow, folded, in ``diff`` code blocks. Every
cell has an emoji *and* a word, so the table reads without colour. GitHub caps a step summary at
1 MiB, so each diff and the diffs as a whole are cut to a budget (the HTML report has them all).
"""

import re
from html import escape

from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun
from teams_interop.reports.outcomes import (
    ORDER,
    failure_count,
    languages,
    milliseconds,
    printable,
    process_rows,
    timings,
)

EMOJI = {
    Outcome.PASS: "✅",
    Outcome.FAIL: "❌",
    Outcome.STALE: "⚠️",
    Outcome.KNOWN_FAILING: "🟡",
    Outcome.UNSUPPORTED: "⚪",
}
DIFF_BUDGET = 4_000  # characters of one explanation
DIFFS_BUDGET = 200_000  # characters of all explanations together, far below GitHub's 1 MiB


def cell(outcome: Outcome) -> str:
    return f"{EMOJI[outcome]} {outcome.label}"


def markdown(matrix: MatrixRun) -> str:
    failures = failure_count(matrix)
    state = f"❌ {failures} failing" if failures else "✅ passed"
    parts = [
        f"## gRPC interop matrix: {state}",
        "",
        f"Backend `{matrix.backend}`, {len(matrix.cases)} cases, {len(matrix.clients)} languages.",
        "",
        *summary_lines(matrix),
        *_process_lines(matrix),
        *_timing_lines(matrix),
        "",
        table(matrix),
    ]
    if failures:
        parts += ["", "### Failures", "", *_failure_blocks(matrix)]
    return "\n".join(parts) + "\n"


def summary_lines(matrix: MatrixRun) -> list[str]:
    """One list item per language: ``- **go**: ✅ 40 passed · ❌ 1 failed · ...`` (zeros left out)."""
    lines = []
    for language in languages(matrix):
        counts = matrix.counts(language)
        shown = [f"{EMOJI[o]} {counts[o]} {o.heading}" for o in ORDER if counts[o]] or ["no cases"]
        lines.append(f"- **{_inline(language)}**: " + " · ".join(shown))
    return lines


def _process_lines(matrix: MatrixRun) -> list[str]:
    lines = []
    for language, problems in process_rows(matrix):
        lines += [f"- ❌ **{_inline(language)} client process**: {_inline(problem)}" for problem in problems]
    return lines


def _timing_lines(matrix: MatrixRun) -> list[str]:
    lines = timings(matrix)
    return ["", *(f"<sub>{_inline(line)}</sub><br>" for line in lines)] if lines else []


def table(matrix: MatrixRun) -> str:
    names = languages(matrix)
    rows = [
        "| case | " + " | ".join(_inline(name) for name in names) + " |",
        "| --- |" + " :-: |" * len(names),
    ]
    for case in matrix.cases:
        cells = []
        for name in names:
            verdict = matrix.verdicts.get((name, case.id))
            observed = matrix.results.get(name, {}).get(case.id)
            took = f" · {milliseconds(observed.seconds)}" if observed and observed.seconds is not None else ""
            cells.append(cell(verdict.outcome) + took if verdict else "❔ no verdict")
        rows.append(f"| `{case.id.replace('`', '')}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _failure_blocks(matrix: MatrixRun) -> list[str]:
    blocks, budget = [], DIFFS_BUDGET
    for language in languages(matrix):
        for case in matrix.cases:
            verdict = matrix.verdicts.get((language, case.id))
            if verdict is None or not verdict.outcome.is_failure:
                continue
            text = printable(verdict.explanation)
            if len(text) > min(DIFF_BUDGET, budget):
                text = text[: min(DIFF_BUDGET, budget)] + "\n… (cut; the HTML report has all of it)"
            budget -= len(text)
            heading = f"{cell(verdict.outcome)}: {_inline(language)} / <code>{escape(case.id)}</code>"
            blocks += [f"<details><summary>{heading}</summary>", "", _fenced(text, "diff"), "", "</details>"]
            if budget <= 0:
                blocks.append("\n… more failures; see the HTML report.")
                return blocks
    return blocks


def _fenced(text: str, language: str) -> str:
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _inline(text: str) -> str:
    """Text safe inside a table cell or list item: pipes and HTML-ish brackets escaped."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
