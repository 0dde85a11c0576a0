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

FORMAT = "teams-interop-results/3"
OLDER = "teams-interop-results/2"  # before servers: one server, the Python one


class ResultsError(ValueError):
    """A results file that cannot be merged; the message names the file and line."""


@dataclasses.dataclass
class ServerResults:
    """What one server's clients observed, merged over files: by language and case."""

    name: str
    features: frozenset[str] | None = None
    live: bool = False
    target: str = ""
    results: dict[str, dict[str, Observed]] = dataclasses.field(default_factory=dict)
    sessions: dict[str, Session] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Merged:
    case_ids: set[str] = dataclasses.field(default_factory=set)
    backends: set[str] = dataclasses.field(default_factory=set)
    servers: dict[str, ServerResults] = dataclasses.field(default_factory=dict)  # in the order first seen


def write_results(runs: list[MatrixRun], path: Path, shard: str | None = None) -> None:
    """One file for a run against one or more servers (each record names its server)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        header = {
            "format": FORMAT,
            "backend": runs[0].backend,
            "shard": shard or "1/1",
            "cases": [c.id for c in runs[0].cases],
            "servers": [
                {
                    "name": run.server,
                    "features": None if run.server_features is None else sorted(run.server_features),
                    "live": run.live,
                    "target": run.target,
                }
                for run in runs
            ],
        }
        out.write(json.dumps(header) + "\n")
        for run in runs:
            for language, session in sorted(run.sessions.items()):
                record = {
                    "server": run.server,
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
            for language, observed in sorted(run.results.items()):
                for case_id, seen in sorted(observed.items()):
                    record = {
                        "server": run.server,
                        "language": language,
                        "case": case_id,
                        "observed": dataclasses.asdict(seen),
                    }
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def read_results(paths: Iterable[Path]) -> Merged:
    """Case ids run, the backends, and per server the observations by language and case and the
    client sessions (shards of one language are merged into one session: problems and stderr
    added up). Files of the format before servers count as the Python server's."""
    merged = Merged()
    shards: dict[int, set[int]] = {}  # N -> the K seen
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = _header(path, lines)
        merged.case_ids.update(header["cases"])
        merged.backends.add(header["backend"])
        k, n = (int(part) for part in header.get("shard", "1/1").split("/"))
        shards.setdefault(n, set()).add(k)
        for server in header.get("servers", [{"name": "python", "features": None, "live": False}]):
            features = None if server.get("features") is None else frozenset(server["features"])
            entry = merged.servers.setdefault(server["name"], ServerResults(server["name"], features))
            if entry.features != features:
                raise ResultsError(f"{path}: the {server['name']} server has other features than in another file")
            entry.live, entry.target = bool(server.get("live")), server.get("target", "")
        for number, line in enumerate(lines[1:], start=2):
            record = json.loads(line)
            entry = merged.servers[record.get("server", "python")]
            if "session" in record:
                _merge_session(entry.sessions, record["language"], record["session"])
                continue
            language, case_id = record["language"], record["case"]
            if case_id in entry.results.setdefault(language, {}):
                raise ResultsError(
                    f"{path}:{number}: {language}/{case_id} against {entry.name} appears in two results files"
                )
            entry.results[language][case_id] = _observed(record["observed"])
    for n, seen in shards.items():
        if missing := sorted(set(range(1, n + 1)) - seen):
            absent = ", ".join(f"{k}/{n}" for k in missing)
            raise ResultsError(f"shard {absent} missing: merge the results of every shard")
    return merged


def _header(path: Path, lines: list[str]) -> dict:
    try:
        header = json.loads(lines[0]) if lines else {}
    except json.JSONDecodeError:
        header = {}
    if not isinstance(header, dict) or header.get("format") not in (FORMAT, OLDER):
        raise ResultsError(f"{path}: not a results file (first line must name format {FORMAT})")
    return header


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
