"""Raw results on disk: what each client observed, as JSON lines, so runs can be merged.

A per-language CI job (or a shard) writes what its clients saw; judging needs every language's
result for a case, so it happens after merging (``interop report``). Merging shards gives exactly
the verdicts of an unsharded run, because verdicts are computed from the same observations.
"""

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

from teams_interop.contract import Observed
from teams_interop.matrix import MatrixRun
from teams_interop.sessions import Session

FORMAT = "teams-interop-results/2"


class ResultsError(ValueError):
    """A results file that cannot be merged; the message names the file and line."""


def write_results(matrix: MatrixRun, path: Path, shard: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        header = {
            "format": FORMAT,
            "backend": matrix.backend,
            "shard": shard or "1/1",
            "cases": [c.id for c in matrix.cases],
        }
        out.write(json.dumps(header) + "\n")
        for language, session in sorted(matrix.sessions.items()):
            record = {
                "language": language,
                "session": {
                    "problems": session.problems,
                    "stderr": session.stderr,
                    "processes": session.processes,
                    "first_result_seconds": session.first_result_seconds,
                    "seconds": session.seconds,
                },
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        for language, observed in sorted(matrix.results.items()):
            for case_id, seen in sorted(observed.items()):
                record = {"language": language, "case": case_id, "observed": dataclasses.asdict(seen)}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_results(
    paths: Iterable[Path],
) -> tuple[set[str], dict[str, dict[str, Observed]], set[str], dict[str, Session]]:
    """Case ids run, observations by language and case, the backends, and the client sessions
    (shards of one language are merged into one session: problems and stderr added up)."""
    sessions: dict[str, Session] = {}
    case_ids: set[str] = set()
    results: dict[str, dict[str, Observed]] = {}
    backends: set[str] = set()
    shards: dict[int, set[int]] = {}  # N -> the K seen
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines or json.loads(lines[0]).get("format") != FORMAT:
            raise ResultsError(f"{path}: not a results file (first line must name format {FORMAT})")
        header = json.loads(lines[0])
        case_ids.update(header["cases"])
        backends.add(header["backend"])
        k, n = (int(part) for part in header.get("shard", "1/1").split("/"))
        shards.setdefault(n, set()).add(k)
        for number, line in enumerate(lines[1:], start=2):
            record = json.loads(line)
            if "session" in record:
                _merge_session(sessions, record["language"], record["session"])
                continue
            language, case_id = record["language"], record["case"]
            if case_id in results.setdefault(language, {}):
                raise ResultsError(f"{path}:{number}: {language}/{case_id} appears in two results files")
            results[language][case_id] = _observed(record["observed"])
    for n, seen in shards.items():
        if missing := sorted(set(range(1, n + 1)) - seen):
            absent = ", ".join(f"{k}/{n}" for k in missing)
            raise ResultsError(f"shard {absent} missing: merge the results of every shard")
    return case_ids, results, backends, sessions


def _merge_session(sessions: dict[str, Session], language: str, data: dict) -> None:
    session = sessions.setdefault(language, Session(language))
    session.problems += data.get("problems", [])
    session.stderr = "\n".join(part for part in (session.stderr, data.get("stderr", "")) if part)
    session.processes += data.get("processes", 0)
    session.seconds = max(session.seconds, data.get("seconds", 0.0))
    first = data.get("first_result_seconds")
    if first is not None:
        session.first_result_seconds = min(filter(None, (session.first_result_seconds, first)), default=first)


def _observed(data: dict) -> Observed:
    data = {**data, "responses": tuple(data.get("responses", ()))}
    return Observed(**data)
