"""Runs every client over the cases it supports, one process per language, and judges the results."""

import fnmatch
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from teams_interop.backends import Backend, ClientRun
from teams_interop.cases import Case
from teams_interop.clients import ClientSpec
from teams_interop.compare import Outcome, Verdict, judge
from teams_interop.contract import ContractViolation, Observed, parse_output, request_lines
from teams_interop.progress import Progress
from teams_interop.schema import ProtoSchema


@dataclass
class MatrixRun:
    backend: str
    cases: list[Case]
    clients: list[ClientSpec]
    results: dict[str, dict[str, Observed]] = field(default_factory=dict)  # language -> case id ->
    runs: dict[str, ClientRun] = field(default_factory=dict)
    verdicts: dict[tuple[str, str], Verdict] = field(default_factory=dict)  # (language, case id) ->

    def verdict(self, language: str, case_id: str) -> Verdict:
        return self.verdicts[(language, case_id)]

    def counts(self, language: str) -> dict[Outcome, int]:
        counts = {outcome: 0 for outcome in Outcome}
        for (name, _), verdict in self.verdicts.items():
            if name == language:
                counts[verdict.outcome] += 1
        return counts

    @property
    def failed(self) -> bool:
        return any(verdict.outcome.is_failure for verdict in self.verdicts.values())


def supported(client: ClientSpec, cases: list[Case]) -> list[Case]:
    return [case for case in cases if case.requires <= client.features]


def unmatched_patterns(client: ClientSpec, catalogue: list[Case]) -> list[str]:
    """known_failing.txt patterns that match no case of the whole catalogue: a stale list."""
    ids = [case.id for case in catalogue]
    return [p for p in client.known_failing if not any(fnmatch.fnmatchcase(i, p) for i in ids)]


def run_matrix(
    backend: Backend, clients: list[ClientSpec], cases: list[Case], schema: ProtoSchema, progress: Progress
) -> MatrixRun:
    matrix = MatrixRun(backend=backend.name, cases=cases, clients=clients)
    backend.prepare(clients)
    backend.start_server()

    def run_one(client: ClientSpec) -> tuple[str, ClientRun, dict[str, Observed]]:
        own_cases = supported(client, cases)
        progress.step(client.language, f"running {len(own_cases)} cases")
        run = backend.run_client(client, request_lines(own_cases))
        observed = _observe(client, own_cases, run, schema)
        progress.done(client.language, f"finished in {run.seconds:.1f}s (exit {run.exit_code})")
        return client.language, run, observed

    with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
        for language, run, observed in pool.map(run_one, clients):
            matrix.runs[language] = run
            matrix.results[language] = observed
    return judge_matrix(matrix)


def judge_matrix(matrix: MatrixRun) -> MatrixRun:
    """Fills in every verdict from the results, which may come from one run or many merged."""
    missing = Observed(error="no result for this case: was every shard and language run?")
    for case in matrix.cases:
        by_language = {
            client.language: matrix.results.get(client.language, {}).get(case.id, missing)
            for client in matrix.clients
            if case.requires <= client.features
        }
        for client in matrix.clients:
            matrix.verdicts[(client.language, case.id)] = judge(case, client, by_language)
    return matrix


def shard(cases: list[Case], spec: str) -> list[Case]:
    """The cases of shard ``K/N``: every N-th case by id, so shards are disjoint and stable."""
    try:
        k, n = (int(part) for part in spec.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes K/N, like 2/4; got {spec!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {spec}: K must be between 1 and N")
    ordered = sorted(cases, key=lambda case: case.id)
    chosen = {case.id for index, case in enumerate(ordered) if index % n == k - 1}
    return [case for case in cases if case.id in chosen]


def _observe(client: ClientSpec, cases: list[Case], run: ClientRun, schema) -> dict[str, Observed]:
    """The client's results; a crashed or contract-breaking process fails each of its cases."""
    try:
        observed = parse_output(cases, run.stdout, schema)
    except ContractViolation as violation:
        return {case.id: Observed(error=f"{violation}\n{_stderr_tail(run)}") for case in cases}
    if run.exit_code != 0:
        problem = f"the {client.language} client exited with {run.exit_code}\n{_stderr_tail(run)}"
        return {
            case_id: (o if not o.error else Observed(error=f"{o.error}; {problem}"))
            for case_id, o in observed.items()
        }
    return observed


def _stderr_tail(run: ClientRun) -> str:
    lines = run.stderr.strip().splitlines()[-15:]
    return "client stderr:\n  " + "\n  ".join(lines) if lines else "(no stderr)"
