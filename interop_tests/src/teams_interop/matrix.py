"""Runs every client over the cases it supports against one server, one session per language,
and judges the results; ``run_servers`` does so for each server of a client x server matrix.

The server and its variants start while the clients build: all are waits, and the servers need
none of the clients. Each client's first process starts as soon as the server's address is known
and the builds are checked, so its start-up (an interpreter, a JVM, a container) overlaps the
server's; it is sent cases once the server serves, and a case for a variant once the variants do.
A case that needs what the server does not offer (test hooks against a live target, a TLS variant
a server cannot start) is *not applicable* there: no client runs it, nobody is blamed.
"""

import contextlib
import dataclasses
import fnmatch
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from teams_interop.backends import Backend, EnvironmentProblem
from teams_interop.cases import Case, Variants
from teams_interop.clients import ClientSpec
from teams_interop.compare import Outcome, Verdict, judge
from teams_interop.contract import Observed, parse_result
from teams_interop.progress import Progress
from teams_interop.schema import ProtoSchema
from teams_interop.servers import LiveTarget, ServerSpec
from teams_interop.sessions import ClientProcess, RollCall, Session, run_session

# The server variants start once every client has answered once, or this long after the server
# serves, whichever comes first: their start-up (three servers and the run's PKI) would otherwise
# crowd the clients' own, which is on every run's critical path.
VARIANTS_WAIT_FOR_CLIENTS_SECONDS = 1.0

# The phases of a run, in the order reports list them.
PHASES = ("server build", "client builds", "server start", "target check", "server variants", "cases", "judging")


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
    server: str = "python"  # the server's manifest name, or "target" for a live one
    # What the server offers (servers.FEATURES); None: everything (results from before servers).
    server_features: frozenset[str] | None = None
    live: bool = False  # a live target the harness did not start
    target: str = ""  # a live target's address and transport, as the report shows it

    def not_applicable(self, case: Case) -> str | None:
        """Why ``case`` cannot run against this server, or None."""
        if self.server_features is None or not (missing := case.server_needs - self.server_features):
            return None
        where = "this target" if self.live else f"the {self.server} server"
        return f"not applicable to {where}: the case needs {', '.join(sorted(missing))}"

    def applicable(self, cases: list[Case]) -> list[Case]:
        return [case for case in cases if self.not_applicable(case) is None]

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


def describe_server(server: ServerSpec | LiveTarget) -> dict:
    """The MatrixRun fields that say which server a run was against."""
    live = isinstance(server, LiveTarget)
    detail = server.describe() if live else ""
    return {"server": server.name, "server_features": server.features, "live": live, "target": detail}


def run_matrix(
    backend: Backend, clients: list[ClientSpec], cases: list[Case], schema: ProtoSchema, progress: Progress
) -> MatrixRun:
    target = backend.live
    if target is not None and target.tls:  # every call goes over TLS: a client without it cannot
        cases = [dataclasses.replace(case, requires=case.requires | {"tls"}) for case in cases]
    matrix = MatrixRun(backend=backend.name, cases=cases, clients=clients, **describe_server(backend.server_under_test))
    runnable = matrix.applicable(cases)
    started = time.monotonic()
    backend.prepare_server()
    if target is None:
        matrix.phases["server build"] = time.monotonic() - started
    up = RollCall([client.language for client in clients if supported(client, runnable)])
    gate = RollCall([client.language for client in clients])  # for the exclusive cases (sessions.py)
    variants, first_processes = start_servers(matrix, backend, clients, runnable, up.event)

    def run_one(client: ClientSpec) -> tuple[Session, dict[str, Observed]]:
        own_cases = supported(client, runnable)
        total, answered = len(own_cases), [0]
        progress.step(client.language, f"running {total} cases")

        def on_answer(_case_id: str) -> None:
            answered[0] += 1
            if answered[0] == 1:
                up.answer(client.language)
            progress.step(client.language, f"{answered[0]}/{total} answered")

        attempts = iter(range(1, 1_000))

        def start() -> ClientProcess:
            attempt = next(attempts)
            if attempt == 1 and client.language in first_processes:
                return first_processes.pop(client.language)
            return backend.spawn(client, attempt)

        session = run_session(
            client.language,
            own_cases,
            start,
            on_answer=on_answer,
            variants=variants,
            own_target=backend.own_target,
            gate=gate,
        )
        progress.done(client.language, f"finished in {session.seconds:.1f}s ({session.processes} process(es))")
        # Read (validated and parsed) now, while other sessions still run: read after the last
        # one, three clients' answers took 0.12 to 0.17 s of every run's end.
        return session, observe(session, own_cases, schema)

    cases_started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
            sessions = list(pool.map(run_one, clients))
    finally:
        for process in first_processes.values():  # a client whose session never began
            process.kill()
    matrix.phases["cases"] = time.monotonic() - cases_started
    variants.result()  # a variant that failed to start fails the run, as the server would
    # Nothing calls the servers any more: they stop (0.07 s) while the results are read and judged
    # (the backend's owner may close it again: that is safe).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="close") as closing:
        closed = closing.submit(backend.close)
        judging = time.monotonic()
        for client, (session, observed) in zip(clients, sessions, strict=True):
            matrix.sessions[client.language] = session
            matrix.results[client.language] = observed
            matrix.process_problems[client.language] = list(session.problems)
        judge_matrix(matrix)
        matrix.phases["judging"] = time.monotonic() - judging
        closed.result()
    order = {name: index for index, name in enumerate(PHASES)}  # threads finish in any order
    matrix.phases = dict(sorted(matrix.phases.items(), key=lambda item: order.get(item[0], len(order))))
    return matrix


def run_servers(
    backends: Callable[[ServerSpec | LiveTarget], Backend],
    servers: list[ServerSpec | LiveTarget],
    clients: list[ClientSpec],
    cases: list[Case],
    schema: ProtoSchema,
    progress: Progress,
) -> list[MatrixRun]:
    """Every client against every server, one server after another (the clients build once:
    the second server finds them up to date); then a cell that passes against one server and
    fails against another says so."""
    runs = []
    for server in servers:
        if len(servers) > 1:
            progress.step("servers", f"against the {server.name} server")
        with backends(server) as backend:
            runs.append(run_matrix(backend, clients, cases, schema, progress))
    return name_server_differences(runs)


def name_server_differences(runs: list[MatrixRun]) -> list[MatrixRun]:
    """Adds to each failing cell the servers against which the same client passes the case."""
    for run in runs:
        for key, verdict in run.verdicts.items():
            if not verdict.outcome.is_failure:
                continue
            passing = [
                other.server
                for other in runs
                if other is not run and key in other.verdicts and other.verdicts[key].outcome is Outcome.PASS
            ]
            if passing:
                note = (
                    f"the servers differ: {key[0]} passes this case against {', '.join(passing)} "
                    f"and fails it against {run.server}"
                )
                run.verdicts[key] = Verdict(verdict.outcome, (*verdict.problems, note))
    return runs


def start_servers(
    matrix: MatrixRun,
    backend: Backend,
    clients: list[ClientSpec],
    cases: list[Case],
    clients_up: threading.Event | None = None,
) -> tuple[Future, dict[str, ClientProcess]]:
    """The server starts while the clients build; once the clients are built and the server's
    address is known, each client with cases to run starts its first process. The variants (TLS,
    mTLS, token; only those a chosen case needs) start once the server serves and ``clients_up``
    is set (every client has answered once), or VARIANTS_WAIT_FOR_CLIENTS_SECONDS after it
    serves: started with the server, their three start-ups and the PKI's crowded the server's
    and the clients' on two cores, on the way to every client's first answer. Returns once the
    server serves, the variants still to start (their cases, and the measured ones, wait for them:
    sessions.py): a Future of the Variants, and the clients' processes by language."""
    needed = {case.server for client in clients for case in supported(client, cases) if case.server}
    if matrix.live:
        needed = set()  # a live target: nothing to start, only its own TLS and token (Variants)
    backend.expect_variants(needed)
    launched, addressed = threading.Event(), threading.Event()  # launch over; and it succeeded

    def bring_up() -> float:
        started = time.monotonic()
        try:
            backend.launch_server()
            addressed.set()
        finally:
            launched.set()
        backend.await_server()
        return time.monotonic() - started

    def start_variants(server: Future) -> Variants:
        if needed:
            if server.exception() is not None:  # once it serves; the run fails on its own error
                raise EnvironmentProblem("the server did not start: no variants either")
            if clients_up is not None:
                clients_up.wait(timeout=VARIANTS_WAIT_FOR_CLIENTS_SECONDS)
        started = time.monotonic()
        found = backend.start_variants(needed)
        if needed:
            matrix.phases["server variants"] = time.monotonic() - started
        return found

    first: dict[str, ClientProcess] = {}

    def start_clients() -> None:
        for client in clients:
            if supported(client, cases):
                first[client.language] = backend.spawn(client, 1)

    with ThreadPoolExecutor(max_workers=1) as server_thread:
        server = server_thread.submit(bring_up)
        variant_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="variants")
        variants = variant_thread.submit(start_variants, server)
        variant_thread.shutdown(wait=False)  # the sessions wait for the Future, not this function
        try:
            clients_started = time.monotonic()
            backend.prepare(clients)
            matrix.phases["client builds"] = time.monotonic() - clients_started
            launched.wait()
            if addressed.is_set():  # the address is known: clients may start
                start_clients()
            matrix.phases["server start"] = server.result()
            if backend.moved:  # it listens elsewhere than the clients were told: they start again
                for process in first.values():
                    process.kill()
                start_clients()
            if matrix.live:  # its TLS and token go into every case: known before any session starts
                variants.result()
        except BaseException:
            for process in first.values():
                process.kill()
            with contextlib.suppress(BaseException):  # the server's error is the one to tell
                variants.result()
            raise
    if matrix.live:
        matrix.phases["target check"] = matrix.phases.pop("server start")
    return variants, first


def judge_matrix(matrix: MatrixRun) -> MatrixRun:
    """Fills in every verdict from the results, which may come from one run or many merged."""
    missing = Observed(error="no result for this case: was every shard and language run?")
    for case in matrix.cases:
        if reason := matrix.not_applicable(case):
            for client in matrix.clients:
                matrix.verdicts[(client.language, case.id)] = Verdict(Outcome.NOT_APPLICABLE, (reason,))
            continue
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
