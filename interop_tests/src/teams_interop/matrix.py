"""Runs every client over the cases it supports, one session per language, and judges the results.

The server and its variants start while the clients build: all are waits, and the servers need
none of the clients.
"""

import fnmatch
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from teams_interop.backends import Backend
from teams_interop.cases import Case, Variants
from teams_interop.clients import ClientSpec
from teams_interop.compare import Outcome, Verdict, judge
from teams_interop.contract import Observed, parse_result
from teams_interop.progress import Progress
from teams_interop.schema import ProtoSchema
from teams_interop.sessions import Session, run_session


@dataclass
class MatrixRun:
    backend: str
    cases: list[Case]
    clients: list[ClientSpec]
    results: dict[str, dict[str, Observed]] = field(default_factory=dict)  # language -> case id ->
    sessions: dict[str, Session] = field(default_factory=dict)  # language -> its process(es)
    verdicts: dict[tuple[str, str], Verdict] = field(default_factory=dict)  # (language, case id) ->
    # language -> what failed about its client process itself (exit status, lingering, hangs)
    process_problems: dict[str, list[str]] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # phase name -> seconds

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
        return any(verdict.outcome.is_failure for verdict in self.verdicts.values()) or any(
            self.process_problems.values()
        )


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
    started = time.monotonic()
    backend.prepare_server()
    matrix.phases["server build"] = time.monotonic() - started
    variants = start_servers(matrix, backend, clients, cases)

    def run_one(client: ClientSpec) -> Session:
        own_cases = supported(client, cases)
        total, answered = len(own_cases), [0]
        progress.step(client.language, f"running {total} cases")

        def on_answer(_case_id: str) -> None:
            answered[0] += 1
            progress.step(client.language, f"{answered[0]}/{total} answered")

        attempts = iter(range(1, 1_000))
        session = run_session(
            client.language,
            own_cases,
            lambda: backend.spawn(client, next(attempts)),
            on_answer=on_answer,
            variants=variants,
        )
        progress.done(client.language, f"finished in {session.seconds:.1f}s ({session.processes} process(es))")
        return session

    cases_started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
        for client, session in zip(clients, pool.map(run_one, clients), strict=True):
            matrix.sessions[client.language] = session
            matrix.results[client.language] = observe(session, supported(client, cases), schema)
            matrix.process_problems[client.language] = list(session.problems)
    matrix.phases["cases"] = time.monotonic() - cases_started
    judging = time.monotonic()
    judge_matrix(matrix)
    matrix.phases["judging"] = time.monotonic() - judging
    return matrix


def start_servers(matrix: MatrixRun, backend: Backend, clients: list[ClientSpec], cases: list[Case]) -> Variants:
    """The server and its variants (TLS, mTLS, token; only those a chosen case needs) start
    together, while the clients build; each phase is timed on its own."""
    needed = {case.server for client in clients for case in supported(client, cases) if case.server}
    with ThreadPoolExecutor(max_workers=2) as server_threads:
        server = server_threads.submit(_timed, backend.start_server)
        variants = server_threads.submit(_timed, backend.start_variants, needed)
        clients_started = time.monotonic()
        backend.prepare(clients)
        matrix.phases["client builds"] = time.monotonic() - clients_started
        matrix.phases["server start"], _ = server.result()
        variants_seconds, started = variants.result()
    if needed:
        matrix.phases["server variants"] = variants_seconds
    return started


def _timed(step, *args) -> tuple[float, object]:
    started = time.monotonic()
    value = step(*args)
    return time.monotonic() - started, value


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


def observe(session: Session, cases: list[Case], schema: ProtoSchema) -> dict[str, Observed]:
    """Each case's answer as an Observed: validated and parsed, or the reason there is none."""
    observed = {}
    for case in cases:
        answer = session.answers.get(case.id)
        if answer is None:
            observed[case.id] = Observed(error="the client wrote no result for this case")
        elif answer.problem:
            observed[case.id] = Observed(error=answer.problem, seconds=answer.seconds)
        else:
            observed[case.id] = parse_result(case, answer.line, schema, seconds=answer.seconds)
    return observed
