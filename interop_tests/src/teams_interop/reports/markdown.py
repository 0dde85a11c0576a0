"""The matrix as GitHub-flavoured Markdown, for ``$GITHUB_STEP_SUMMARY`` (or a PR comment).

The run's page then shows the verdict, a line per language and the case x language table without
downloading an artifact; the failing cells' diffs follow, folded, in ``diff`` code blocks. With
several servers, a client x server grid of pass counts comes first, then a section per server. Every
cell has an emoji *and* a word, so the table reads without colour. GitHub caps a step summary at
1 MiB, so each diff and the diffs as a whole are cut to a budget (the HTML report has them all).
"""

import re
from html import escape

from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun
from teams_interop.reports.outcomes import (
    ORDER,
    as_runs,
    failure_count,
    grid_counts,
    languages,
    milliseconds,
    printable,
    process_rows,
)

EMOJI = {
    Outcome.PASS: "✅",
    Outcome.FAIL: "❌",
    Outcome.STALE: "⚠️",
    Outcome.KNOWN_FAILING: "🟡",
    Outcome.UNSUPPORTED: "⚪",
    Outcome.NOT_APPLICABLE: "➖",
}
DIFF_BUDGET = 4_000  # characters of one explanation
DIFFS_BUDGET = 200_000  # characters of all explanations together, far below GitHub's 1 MiB


def cell(outcome: Outcome) -> str:
    return f"{EMOJI[outcome]} {outcome.label}"


def markdown(runs: MatrixRun | list[MatrixRun]) -> str:
    runs = as_runs(runs)
    failures = sum(failure_count(matrix) for matrix in runs)
    state = f"❌ {failures} failing" if failures else "✅ passed"
    first = runs[0]
    servers = ", ".join(f"`{_inline(matrix.target or matrix.server)}`" for matrix in runs)
    parts = [
        f"## gRPC interop matrix: {state}",
        "",
        f"Backend `{first.backend}`, {len(first.cases)} cases, {len(first.clients)} languages, "
        f"{'server' if len(runs) == 1 else 'servers'} {servers}.",
        "",
    ]
    if len(runs) > 1:
        parts += [grid(runs), ""]
    budget = [DIFFS_BUDGET]
    for matrix in runs:
        if len(runs) > 1:
            parts += [f"### Against the {_inline(matrix.server)} server", ""]
        parts += [*summary_lines(matrix), *_process_lines(matrix), "", table(matrix)]
        if failure_count(matrix):
            heading = "Failures" if len(runs) == 1 else f"Failures against {_inline(matrix.server)}"
            parts += ["", f"### {heading}", "", *_failure_blocks(matrix, budget)]
        parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


def grid(runs: list[MatrixRun]) -> str:
    """Client x server: passed of the cases run, with failures called out."""
    rows = [
        "| client | " + " | ".join(f"{_inline(matrix.server)} server" for matrix in runs) + " |",
        "| --- |" + " :-: |" * len(runs),
    ]
    for language in languages(runs[0]):
        cells = []
        for matrix in runs:
            passed, ran, failed = grid_counts(matrix, language)
            cells.append(f"❌ {passed}/{ran}, {failed} failing" if failed else f"✅ {passed}/{ran}")
        rows.append(f"| **{_inline(language)}** | " + " | ".join(cells) + " |")
    return "\n".join(rows)


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


def _failure_blocks(matrix: MatrixRun, shared_budget: list[int] | None = None) -> list[str]:
    """The failing cells' explanations, folded; ``shared_budget`` (one number in a list) is
    what is left of DIFFS_BUDGET across the servers of a run."""
    shared_budget = shared_budget if shared_budget is not None else [DIFFS_BUDGET]
    blocks = []
    for language in languages(matrix):
        for case in matrix.cases:
            verdict = matrix.verdicts.get((language, case.id))
            if verdict is None or not verdict.outcome.is_failure:
                continue
            text = printable(verdict.explanation)
            left = shared_budget[0]
            if len(text) > min(DIFF_BUDGET, left):
                text = text[: min(DIFF_BUDGET, left)] + "\n… (cut; the HTML report has all of it)"
            shared_budget[0] -= len(text)
            heading = f"{cell(verdict.outcome)}: {_inline(language)} / <code>{escape(case.id)}</code>"
            blocks += [f"<details><summary>{heading}</summary>", "", _fenced(text, "diff"), "", "</details>"]
            if shared_budget[0] <= 0:
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
