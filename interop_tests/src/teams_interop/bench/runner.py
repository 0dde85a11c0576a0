"""Drives the bench: every server up (no test hooks, loopback), then each client in turn.

One client process per language per repeat benches every chosen RPC kind against every server,
one request at a time, the servers alternating (``target`` on each line), so the two figures a
ratio divides were measured by the same warm process moments apart; each repeat starts the
servers in the other order. Before each measured bench, ``warmup`` calls of the same kind against
the same server (connections, JIT, caches) are made and not counted.

Bounded: a client process has ``seconds`` for all its benches, start-up included. A process still
owing an answer then is *hung*, by name: it is killed, what it had not answered is reported (the
bench in flight failed, the rest not run), and the run goes on with the next language. After its
last answer it has ``GRACE_SECONDS`` to exit 0, as in the matrix.
"""

import contextlib
import datetime
import functools
import json
import os
import queue
import shutil
import subprocess
import time
from dataclasses import dataclass

from teams_interop.backends import Backend, EnvironmentProblem
from teams_interop.bench.model import BenchRun, Outcome, Sample
from teams_interop.bench.plan import Kind, Options, request_line
from teams_interop.clients import ClientSpec
from teams_interop.paths import CONTRACT_SCHEMA
from teams_interop.progress import Progress
from teams_interop.sessions import GRACE_SECONDS, ClientProcess, finish

LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
STDERR_TAIL = 4000  # characters of each process's stderr kept in the report
WALL_SLACK_MS = 50.0  # a client's wall time may exceed what the harness saw by clock skew only


@dataclass(frozen=True)
class Item:
    """One request line of a client process's plan."""

    id: str
    kind: Kind
    server: str
    target: str
    calls: int
    warmup: bool

    @property
    def what(self) -> str:
        return f"{'warm-up ' if self.warmup else ''}{self.kind.name} bench against {self.server}"


def run_bench(
    backends: list[Backend],
    reference: str,
    clients: list[ClientSpec],
    options: Options,
    progress: Progress,
    command: str = "",
) -> BenchRun:
    """``backends``: one per server (``hooks`` off), not started yet; the caller closes them."""
    began = time.monotonic()
    servers = [backend.server_name for backend in backends]
    run = BenchRun(
        options=options,
        servers=servers,
        reference=reference,
        languages=[client.language for client in clients],
        server_summaries={backend.server_name: backend.server.summary for backend in backends},
        started=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        command=command,
    )
    run.host = {"cpus": os.cpu_count(), "before": host_load()}
    targets = {}
    for backend in backends:
        if backend.hooks:
            raise EnvironmentProblem(f"the {backend.server_name} server must start without test hooks for a bench")
        backend.prepare_server()
        backend.start_server()
        host = backend.target.rpartition(":")[0]
        if host not in LOOPBACK:
            raise EnvironmentProblem(f"a bench targets loopback only; the {backend.server_name} server is at {host}")
        targets[backend.server_name] = backend.target
    benching = [client for client in clients if "bench" in client.features]
    backends[0].prepare(benching)
    for client in clients:
        for server in servers:
            for kind in options.chosen_kinds:
                cell = run.cell(client.language, server, kind.name)
                if "bench" not in client.features:
                    cell.fail(Outcome.UNSUPPORTED, f"the {client.language} client does not declare the `bench` feature")
                elif kind.name not in client.features:
                    cell.fail(Outcome.UNSUPPORTED, f"the {client.language} client does not declare `{kind.name}`")
        run.process_problems[client.language] = []
    given_up: set[str] = set()
    for round_index in range(options.repeat):
        order = servers[round_index % len(servers) :] + servers[: round_index % len(servers)]
        for client in benching:
            kinds = [kind for kind in options.chosen_kinds if kind.name in client.features]
            if not kinds or client.language in given_up:
                continue  # a process that hung or died once is not started again
            plan = make_plan(kinds, order, targets, options, round_index)
            if not _bench_client(run, backends[0], client, plan, options, progress, round_index):
                given_up.add(client.language)
    run.host["after"] = host_load()
    run.seconds = time.monotonic() - began
    return run


def make_plan(kinds: list[Kind], servers: list[str], targets: dict[str, str], options: Options, round_index: int):
    plan = []
    for kind in kinds:
        for server in servers:
            stem = f"r{round_index + 1}-{kind.name}-{server}"
            if options.warmup:
                plan.append(Item(f"{stem}-warmup", kind, server, targets[server], options.warmup, True))
            plan.append(Item(stem, kind, server, targets[server], options.calls, False))
    return plan


def _bench_client(run: BenchRun, backend, client, plan: list[Item], options, progress, round_index: int) -> bool:
    """One client process through ``plan``; False when it hung or died (and was given up)."""
    language = client.language
    label = f" (repeat {round_index + 1}/{options.repeat})" if options.repeat > 1 else ""
    progress.step(language, f"starting{label}")
    process = backend.spawn(client, round_index + 1)
    deadline = process.started + options.seconds
    try:
        for index, item in enumerate(plan):
            progress.step(language, f"{item.what}{label}")
            cell = run.cell(language, item.server, item.kind.name)
            sent = time.monotonic()
            with contextlib.suppress(OSError):  # it died: the end of its stdout says so
                process.send(json.dumps(request_line(item.id, item.kind, item.target, item.calls, options)))
            result, problem = _await(run, process, item.id, deadline, language)
            if problem is not None:
                cell.fail(Outcome.FAILED, f"{problem} ({item.what})")
                why = "hung" if problem.startswith("hung") else "died"
                for later in plan[index + 1 :]:
                    if not later.warmup:
                        run.cell(language, later.server, later.kind.name).fail(
                            Outcome.NOT_RUN, f"not run: the {process.name} {why} on the {item.what}"
                        )
                run.process_problems[language].append(f"{language}: {process.name} {why} on the {item.what}")
                return False
            checked = check_result(result, item, (time.monotonic() - sent) * 1000)
            if isinstance(checked, str):
                cell.fail(Outcome.FAILED, f"{'warm-up: ' if item.warmup else ''}{checked}")
            elif not item.warmup:
                cell.add(checked)
        progress.step(language, f"closing{label}")
        process.close_stdin()
        _finish(run, process, language)
        return True
    finally:
        process.kill()
        if text := process.stderr.strip():
            previous = run.stderr.get(language, "")
            run.stderr[language] = f"{previous}--- {process.name} ---\n{text[-STDERR_TAIL:]}\n"
        progress.done(language, f"benched{label}")


def _await(run: BenchRun, process: ClientProcess, request_id: str, deadline: float, language: str):
    """The result line answering ``request_id``, or why none came: (result, None) | (None, problem)."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            seconds = run.options.seconds
            return None, f"hung: no result within the per-client deadline of {seconds:g} s; the process was killed"
        try:
            line = process.lines.get(timeout=min(remaining, 1.0))
        except queue.Empty:
            continue
        if line is None:
            code = process.wait(GRACE_SECONDS)
            status = "still running" if code is None else f"status {code}"
            return None, f"the client process exited ({status}) before answering"
        if not line.strip():
            continue
        try:
            result = json.loads(line)
        except json.JSONDecodeError as error:
            run.process_problems[language].append(f"{language}: stdout line is not JSON ({error}): {line[:200]!r}")
            continue
        if isinstance(result, dict) and result.get("id") == request_id:
            return result, None
        run.process_problems[language].append(f"{language}: a stdout line answers no bench sent: {line[:200]!r}")


def _finish(run: BenchRun, process: ClientProcess, language: str) -> None:
    """Stdin is closed after the last answer: the process must now exit 0 within the grace period."""
    problems = run.process_problems[language]

    def stray(line: str) -> None:
        problems.append(f"{language}: a stdout line answers no bench sent: {line[:200]!r}")

    if problem := finish(process, GRACE_SECONDS, stray):
        problems.append(f"{language}: {problem}")


@functools.cache
def _validator():
    """Made at the first bench result, not at import: every command builds the parser, which
    imports this module, and jsonschema's import was 60 ms of every `interop run`'s start."""
    import jsonschema

    schema = json.loads(CONTRACT_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator({**schema["$defs"]["result"], "$defs": schema["$defs"]})


def check_result(result, item: Item, harness_ms: float) -> Sample | str:
    """The bench result as a Sample, or why it cannot be believed (malformed, not a bench, the
    wrong number of calls, figures that contradict each other or the harness's own clock)."""
    if problems := sorted(_validator().iter_errors(result), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in problems[0].path) or "(top level)"
        return f"malformed result at {where}: {problems[0].message}"
    if "error" in result:
        return f"the client could not run the bench: {result['error']}"
    if "bench" not in result:
        status = result.get("status", {})
        return (
            f"answered with one call's status (code {status.get('code')}), not a bench result: "
            "does it implement the `bench` feature it declares?"
        )
    bench = result["bench"]
    calls, errors, wall_ms, latency = bench["calls"], bench["errors"], float(bench["wall_ms"]), bench["latency_ms"]
    if calls != item.calls:
        return f"reported {calls} calls; {item.calls} were asked for"
    if errors > calls:
        return f"reported {errors} errors in {calls} calls"
    percentiles = [float(latency[key]) for key in ("p50", "p90", "p99", "max")]
    if percentiles != sorted(percentiles):
        return f"latency percentiles out of order: p50 {percentiles[0]:g}, p90 {percentiles[1]:g}, " + (
            f"p99 {percentiles[2]:g}, max {percentiles[3]:g} ms"
        )
    if wall_ms <= 0:
        return f"reported a wall time of {wall_ms:g} ms for {calls} calls"
    if percentiles[3] > wall_ms * 1.01 + 1:
        return f"one call took longer (max {percentiles[3]:.1f} ms) than all of them (wall {wall_ms:.1f} ms)"
    if wall_ms > harness_ms + WALL_SLACK_MS:
        return f"reported a wall time of {wall_ms:.1f} ms, but answered {harness_ms:.1f} ms after it was sent"
    first_error = bench.get("first_error") if errors else None
    return Sample(calls, errors, wall_ms, {k: float(v) for k, v in latency.items()}, first_error, round(harness_ms, 1))


def host_load() -> dict:
    """The machine's load as `uptime` words it (the figures of a shared machine need it)."""
    load = dict(zip(("load1", "load5", "load15"), (round(x, 2) for x in os.getloadavg()), strict=True))
    if shutil.which("uptime"):
        done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
        load["uptime"] = done.stdout.strip()
    return load
