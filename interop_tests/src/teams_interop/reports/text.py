"""The terminal's report: the language x case table, the per-language summary, the failures;
with several servers, one of each per server and the client x server grid."""

from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun
from teams_interop.reports.outcomes import grid_counts


def table(matrix: MatrixRun) -> str:
    languages = [client.language for client in matrix.clients]
    width = max([len("case")] + [len(case.id) for case in matrix.cases])
    cell = max(len(outcome.label) for outcome in Outcome)
    header = f"{'case':<{width}}  " + "  ".join(f"{name:<{cell}}" for name in languages)
    lines = [header, "-" * len(header)]
    for case in matrix.cases:
        cells = [matrix.verdict(name, case.id).outcome.label for name in languages]
        lines.append(f"{case.id:<{width}}  " + "  ".join(f"{c:<{cell}}" for c in cells))
    return "\n".join(lines)


def summary(matrix: MatrixRun) -> str:
    inapplicable = len(matrix.cases) - len(matrix.applicable(matrix.cases))
    server = f"the target {matrix.target or matrix.server}" if matrix.live else f"the {matrix.server} server"
    lines = [
        f"backend: {matrix.backend}, against {server}, {len(matrix.cases)} cases"
        + (f" ({inapplicable} not applicable to it)" if inapplicable else "")
    ]
    for client in matrix.clients:
        counts = matrix.counts(client.language)
        lines.append(
            f"{client.language:<8} {counts[Outcome.PASS]} passed, "
            f"{counts[Outcome.FAIL] + counts[Outcome.STALE]} failed, "
            f"{counts[Outcome.UNSUPPORTED]} unsupported, {counts[Outcome.KNOWN_FAILING]} known-failing"
            + (f", {counts[Outcome.NOT_APPLICABLE]} not applicable" if counts[Outcome.NOT_APPLICABLE] else "")
        )
    return "\n".join(lines)


def server_grid(runs: list[MatrixRun]) -> str:
    """Client x server: passed/applicable per cell, FAIL when anything failed there."""
    names = [run.server for run in runs]
    width = max([len("client")] + [len(client.language) for client in runs[0].clients])
    cell = max(12, *(len(name) for name in names))
    header = f"{'client':<{width}}  " + "  ".join(f"{name:<{cell}}" for name in names)
    lines = ["client x server (passed/ran):", header, "-" * len(header)]
    for client in runs[0].clients:
        cells = [grid_cell(run, client.language) for run in runs]
        lines.append(f"{client.language:<{width}}  " + "  ".join(f"{c:<{cell}}" for c in cells))
    return "\n".join(lines)


def grid_cell(run: MatrixRun, language: str) -> str:
    passed, ran, failed = grid_counts(run, language)
    return f"{passed}/{ran}" + (f" FAIL {failed}" if failed else "")


def processes(matrix: MatrixRun) -> str:
    """Each language's client process(es): what failed about them, and their timings."""
    lines = []
    for client in matrix.clients:
        session = matrix.sessions.get(client.language)
        problems = matrix.process_problems.get(client.language, [])
        if session is not None:
            first = f", first result after {session.first_result_seconds:.2f}s" if session.first_result_seconds else ""
            state = "FAIL" if problems else "ok"
            lines.append(
                f"{client.language:<8} client process {state}: {session.processes} process(es), "
                f"{session.seconds:.2f}s{first}"
            )
        lines += [f"  {problem}" for problem in problems]
    if matrix.phases:
        lines.append("phases: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in matrix.phases.items()))
    return "\n".join(lines)


def stderr_tails(matrix: MatrixRun, lines: int = 20) -> str:
    """The end of a failing client's stderr, so a CI log shows why without opening the report."""
    parts = []
    for language, problems in matrix.process_problems.items():
        session = matrix.sessions.get(language)
        if problems and session and session.stderr.strip():
            tail = "\n  ".join(session.stderr.strip().splitlines()[-lines:])
            parts.append(f"--- {language} client stderr (tail)\n  {tail}")
    return "\n".join(parts)


def failures(matrix: MatrixRun, server: str = "") -> str:
    """Each failing cell's explanation; ``server`` names the server when a run had several."""
    against = f" (against {server})" if server else ""
    parts = []
    for (language, case_id), verdict in sorted(matrix.verdicts.items()):
        if verdict.outcome.is_failure:
            parts.append(f"--- {language} / {case_id}{against}\n{verdict.explanation}")
    return "\n\n".join(parts)


def github_annotations(matrix: MatrixRun, server: str = "") -> str:
    """GitHub Actions workflow commands: one ::error per failing cell and per failed client process.

    A failing cell points at its case's file (``interop_tests/cases/<topic>.yaml``), titled with the
    language, so the pull request's "Files changed" view shows it where the case is defined.
    """
    lines = []
    topics = {case.id: case.topic for case in matrix.cases}
    for (language, case_id), verdict in sorted(matrix.verdicts.items()):
        if verdict.outcome.is_failure:
            reason = _escape(verdict.problems[-1] if len(verdict.problems) > 1 else verdict.problems[0])
            where = f"file=interop_tests/cases/{topics[case_id]}.yaml," if topics.get(case_id) else ""
            title = f"{language} against {server}" if server else language
            lines.append(f"::error {where}title={title}::{case_id}: {reason}")
    for language, problems in sorted(matrix.process_problems.items()):
        title = f"{language} client process" + (f" against {server}" if server else "")
        lines += [f"::error title={title}::{_escape(problem)}" for problem in problems]
    return "".join(line + "\n" for line in lines)


def _escape(text: str) -> str:
    """Workflow-command data: the first line, with %, CR and LF escaped as GitHub documents."""
    first = next((part for part in text.splitlines() if part.strip()), text)
    return first.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
