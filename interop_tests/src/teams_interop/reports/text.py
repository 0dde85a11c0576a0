"""The terminal's report: the language x case table, the per-language summary, the failures."""

from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun

SYMBOLS = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "FAIL",
    Outcome.KNOWN_FAILING: "known-failing",
    Outcome.STALE: "STALE",
    Outcome.UNSUPPORTED: "unsupported",
}


def table(matrix: MatrixRun) -> str:
    languages = [client.language for client in matrix.clients]
    width = max([len("case")] + [len(case.id) for case in matrix.cases])
    cell = max(len(symbol) for symbol in SYMBOLS.values())
    header = f"{'case':<{width}}  " + "  ".join(f"{name:<{cell}}" for name in languages)
    lines = [header, "-" * len(header)]
    for case in matrix.cases:
        cells = [SYMBOLS[matrix.verdict(name, case.id).outcome] for name in languages]
        lines.append(f"{case.id:<{width}}  " + "  ".join(f"{c:<{cell}}" for c in cells))
    return "\n".join(lines)


def summary(matrix: MatrixRun) -> str:
    lines = [f"backend: {matrix.backend}, {len(matrix.cases)} cases"]
    for client in matrix.clients:
        counts = matrix.counts(client.language)
        lines.append(
            f"{client.language:<8} {counts[Outcome.PASS]} passed, "
            f"{counts[Outcome.FAIL] + counts[Outcome.STALE]} failed, "
            f"{counts[Outcome.UNSUPPORTED]} unsupported, {counts[Outcome.KNOWN_FAILING]} known-failing"
        )
    return "\n".join(lines)


def failures(matrix: MatrixRun) -> str:
    parts = []
    for (language, case_id), verdict in sorted(matrix.verdicts.items()):
        if verdict.outcome.is_failure:
            parts.append(f"--- {language} / {case_id}\n{verdict.explanation}")
    return "\n\n".join(parts)
