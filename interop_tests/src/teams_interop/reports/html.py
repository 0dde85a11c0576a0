"""The matrix as one self-contained HTML page: the CI artifact a person opens to see what broke.

One file, inline CSS, no scripts and no external assets, so it renders the same from an artifact
download, a mail attachment or a file:// URL. Every outcome is told apart by colour *and* by a
symbol and a word (colour-blind readers, printouts). A failing cell shows its explanation and diff
right there, open; known-failing cells keep theirs folded. Cells and counts carry ``data-*``
attributes and stable ids so tests (and scripts scraping the artifact) can read them. With several
servers the page opens with a client x server grid, then a section per server whose ids start
with ``<server>--``.
"""

import re
from html import escape
from pathlib import Path

from teams_interop.cases import Case
from teams_interop.compare import Outcome, Verdict
from teams_interop.matrix import MatrixRun
from teams_interop.reports.outcomes import (
    ORDER,
    as_runs,
    failure_count,
    first_line,
    grid_counts,
    languages,
    milliseconds,
    printable,
)

MARKS = {
    Outcome.PASS: "✓",
    Outcome.FAIL: "✗",
    Outcome.STALE: "!",
    Outcome.KNOWN_FAILING: "≈",
    Outcome.UNSUPPORTED: "–",
    Outcome.NOT_APPLICABLE: "·",
}

CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
body { margin: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.verdict { display: inline-block; padding: .2rem .6rem; border-radius: .3rem; font-weight: 600; }
.verdict.failed { background: #fde7e9; color: #a40e26; border: 1px solid #a40e26; }
.verdict.passed { background: #e6f4ea; color: #116329; border: 1px solid #116329; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
.matrix thead th { position: sticky; top: 0; z-index: 1; }
.summary td.count { text-align: right; font-variant-numeric: tabular-nums; min-width: 4.5rem; }
.summary td.count.zero { color: #8c959f; }
th.case code { font-size: .9rem; }
tr:target th.case { outline: 3px solid #0969da; }
th.case .about { font-weight: normal; color: #59636e; font-size: .8rem; max-width: 28rem; }
td.cell { min-width: 9rem; max-width: 46rem; }
.label { font-weight: 600; white-space: nowrap; }
.time { display: block; font-size: 0.8em; color: #555; }
.o-pass { background: #e6f4ea; color: #116329; }
.o-fail { background: #fde7e9; color: #a40e26; }
.o-stale { background: #fff1e0; color: #953800; }
.o-known-failing { background: #f3e8ff; color: #6f2dbd; }
.o-unsupported { background: #f1f3f4; color: #59636e; }
.o-not-applicable { background: #f6f8fa; color: #8c959f; }
.summary th.o-pass, .summary th.o-fail, .summary th.o-stale,
.summary th.o-known-failing, .summary th.o-unsupported, .summary th.o-not-applicable { white-space: nowrap; }
.note { font-size: .8rem; }
details { margin-top: .3rem; color: #1f2328; }
summary { cursor: pointer; font-size: .8rem; }
pre { background: #fff; border: 1px solid #d0d7de; padding: .4rem; margin: .3rem 0 0; font-size: .78rem;
      white-space: pre-wrap; overflow-wrap: anywhere; max-height: 32rem; overflow: auto; }
pre .add { color: #116329; background: #e6ffec; }
pre .del { color: #a40e26; background: #ffebe9; }
pre .hunk { color: #6f2dbd; }
"""


def slug(text: str) -> str:
    """An id-safe form of a language name (names come from client.toml, so anything goes)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def css_class(outcome: Outcome) -> str:
    return f"o-{outcome.value}"


def render(runs: MatrixRun | list[MatrixRun]) -> str:
    runs = as_runs(runs)
    failures = sum(failure_count(matrix) for matrix in runs)
    state = f"FAILED: {failures} failing" if failures else "PASSED"
    first = runs[0]
    title = f"gRPC interop matrix: {state} ({first.backend})"
    servers = ", ".join(f"<code>{escape(matrix.target or matrix.server)}</code>" for matrix in runs)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style></head>",
        "<body>",
        "<h1>gRPC interop matrix</h1>",
        f'<p><span id="verdict" class="verdict {"failed" if failures else "passed"}" '
        f'data-failures="{failures}">{escape(state)}</span> '
        f"backend <code>{escape(first.backend)}</code>, {len(first.cases)} cases, "
        f"{len(first.clients)} languages, {'server' if len(runs) == 1 else 'servers'} {servers}</p>",
    ]
    if len(runs) == 1:  # the page as it always was: ids without a server prefix
        body = [_summary(first), _processes(first), _jump_list(first), _matrix(first), _stderr(first)]
    else:
        body = [_grid(runs)]
        for matrix in runs:
            ns = f"{slug(matrix.server)}--"
            body += [
                f'<section id="server-{slug(matrix.server)}" data-server="{escape(matrix.server)}">',
                f"<h2>Against the {escape(matrix.server)} server</h2>",
                _summary(matrix, ns),
                _processes(matrix, ns),
                _jump_list(matrix, ns),
                _matrix(matrix, ns),
                _stderr(matrix, ns),
                "</section>",
            ]
    return "\n".join([*head, *body, "</body></html>", ""])


def write_html(runs: MatrixRun | list[MatrixRun], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(runs), encoding="utf-8")
    return path


def _grid(runs: list[MatrixRun]) -> str:
    """Client x server, each cell passed/ran, red when anything failed there, a link to it."""
    head = "".join(f'<th data-server="{escape(m.server)}">{escape(m.server)} server</th>' for m in runs)
    rows = []
    for language in languages(runs[0]):
        cells = []
        for matrix in runs:
            passed, ran, failed = grid_counts(matrix, language)
            outcome = Outcome.FAIL if failed else Outcome.PASS
            text = f"{passed}/{ran}" + (f", {failed} failing" if failed else "")
            cells.append(
                f'<td id="grid-{slug(language)}-{slug(matrix.server)}" class="count {css_class(outcome)}" '
                f'data-language="{escape(language)}" data-server="{escape(matrix.server)}" data-failed="{failed}">'
                f'<a href="#{slug(matrix.server)}--summary-{slug(language)}">{MARKS[outcome]} {text}</a></td>'
            )
        rows.append(f"<tr><th>{escape(language)}</th>{''.join(cells)}</tr>")
    return (
        '<h2>Client × server</h2>\n<table id="grid" class="summary">'
        f"<thead><tr><th>client</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _summary(matrix: MatrixRun, ns: str = "") -> str:
    head = "".join(f'<th class="{css_class(o)}">{MARKS[o]} {o.heading}</th>' for o in ORDER)
    rows = []
    for language in languages(matrix):
        counts = matrix.counts(language)
        cells = "".join(
            f'<td id="{ns}count-{slug(language)}-{o.value}" class="count{" zero" if not counts[o] else ""}" '
            f'data-language="{escape(language)}" data-outcome="{o.value}">{counts[o]}</td>'
            for o in ORDER
        )
        total = f'<td id="{ns}count-{slug(language)}-total" class="count">{sum(counts.values())}</td>'
        rows.append(
            f'<tr id="{ns}summary-{slug(language)}" data-language="{escape(language)}">'
            f"<th>{escape(language)}</th>{cells}{total}</tr>"
        )
    return (
        f'<h2>Per language</h2>\n<table id="{ns}summary" class="summary">'
        f"<thead><tr><th>language</th>{head}<th>cases</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _processes(matrix: MatrixRun, ns: str = "") -> str:
    """The client processes themselves: a failure here is the language's, not any one case's."""
    rows = []
    for language in languages(matrix):
        session = matrix.sessions.get(language)
        problems = matrix.process_problems.get(language, [])
        state = "o-fail" if problems else "o-pass"
        timing = ""
        if session is not None:
            first = milliseconds(session.first_result_seconds)
            timing = f"{session.processes} process(es), {session.seconds:.2f} s" + (
                f", first result after {first}" if first else ""
            )
        text = "<br>".join(escape(problem) for problem in problems) or "exited 0 after its last result"
        rows.append(
            f'<tr id="{ns}process-{slug(language)}" class="{state}" data-language="{escape(language)}">'
            f"<th>{escape(language)}</th><td>{text}</td><td>{escape(timing)}</td></tr>"
        )
    return (
        f'<h2>Client processes</h2>\n<table id="{ns}processes" class="summary">'
        "<thead><tr><th>language</th><th>process</th><th>timing</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _stderr(matrix: MatrixRun, ns: str = "") -> str:
    """Every client's stderr, pass or fail: folded, one click away."""
    parts = [
        f'<details id="{ns}stderr-{slug(language)}" class="explanation"><summary>{escape(language)} stderr</summary>'
        f"{_pre(session.stderr)}</details>"
        for language in languages(matrix)
        if (session := matrix.sessions.get(language)) and session.stderr
    ]
    return "<h2>Client stderr</h2>\n" + "\n".join(parts) if parts else ""


def _jump_list(matrix: MatrixRun, ns: str = "") -> str:
    """Links to the failing rows: in a long all-green table the red ones are a scroll away."""
    links = [
        f'<li><a href="#{ns}case-{slug(case.id)}">{escape(language)} / <code>{escape(case.id)}</code></a> '
        f"({escape(verdict.outcome.label)})</li>"
        for language in languages(matrix)
        for case in matrix.cases
        if (verdict := matrix.verdicts.get((language, case.id))) and verdict.outcome.is_failure
    ]
    return f'<h2>Failing</h2>\n<ul id="{ns}failing">{"".join(links)}</ul>' if links else ""


def _matrix(matrix: MatrixRun, ns: str = "") -> str:
    names = languages(matrix)
    head = "".join(f'<th data-language="{escape(n)}">{escape(n)}</th>' for n in names)
    rows = []
    for case in matrix.cases:
        cells = "".join(
            _cell(n, case, matrix.verdicts.get((n, case.id)), matrix.results.get(n, {}).get(case.id)) for n in names
        )
        row = f'<tr id="{ns}case-{slug(case.id)}" data-case="{escape(case.id)}">'
        rows.append(f"{row}{_case_header(case)}{cells}</tr>")
    return (
        f'<h2>Language × case</h2>\n<table id="{ns}matrix" class="matrix">'
        f"<thead><tr><th>case</th>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def _case_header(case: Case) -> str:
    about = escape(case.description or case.method)
    return f'<th class="case" scope="row"><code>{escape(case.id)}</code><div class="about">{about}</div></th>'


def _cell(language: str, case: Case, verdict: Verdict | None, observed=None) -> str:
    attributes = f'data-language="{escape(language)}" data-case="{escape(case.id)}"'
    if verdict is None:  # not judged (should not happen once judge_matrix ran): say so, plainly
        unjudged = '<span class="label">? no verdict</span>'
        return f'<td class="cell" {attributes} data-outcome="none">{unjudged}</td>'
    outcome = verdict.outcome
    label = f'<span class="label">{MARKS[outcome]} {escape(outcome.label)}</span>'
    if observed is not None and observed.seconds is not None:
        label += f'<span class="time">{milliseconds(observed.seconds)}</span>'
    body = ""
    if outcome.is_failure:  # open: the diff is the point of the page
        what = "diff" if outcome is Outcome.FAIL else "why"
        body = _details(what, verdict.explanation, open_=True)
    elif outcome is Outcome.KNOWN_FAILING:  # folded: expected, but one click away
        body = _details("why it fails", verdict.explanation, open_=False)
    elif outcome in (Outcome.UNSUPPORTED, Outcome.NOT_APPLICABLE):
        body = f'<div class="note">{escape(first_line(verdict.explanation))}</div>'
    return (
        f'<td class="cell {css_class(outcome)}" {attributes} data-outcome="{outcome.value}" '
        f'title="{escape(language)} / {escape(case.id)}: {escape(outcome.label)}">{label}{body}</td>'
    )


def _details(summary: str, text: str, open_: bool) -> str:
    state = " open" if open_ else ""
    return f'<details class="explanation"{state}><summary>{summary}</summary>{_pre(text)}</details>'


def _pre(text: str) -> str:
    """The explanation, escaped, with unified-diff lines tinted (the +/- stay as text too)."""
    lines = []
    for line in printable(text).splitlines():
        kind = ""
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+") and not line.startswith("+++"):
            kind = "add"
        elif line.startswith("-") and not line.startswith("---"):
            kind = "del"
        lines.append(f'<span class="{kind}">{escape(line)}</span>' if kind else escape(line))
    return "<pre>" + "\n".join(lines) + "</pre>"
