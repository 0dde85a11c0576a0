"""The dynamic half: every client version against every server version, natively.

For a client version X and a server version Y other than X, a case is compatible when what X's
client sees against Y's server equals what it saw against X's own server (the baseline run): the
question is "did swapping the server change what this client sees?". Differences between
languages, or from the catalogue's expectations, are the interop matrix's business, not this one's.

Cases come from today's catalogue, loaded against each client version's own proto: a case that
proto cannot express (its RPC is gone, a request field is missing) is not applicable to that
version and is listed as such. A difference is run a second time before it counts, so a timing
case that flaked once is reported as unstable rather than as a break.
"""

import dataclasses
import fnmatch
import functools
import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import teams_interop
from teams_interop import builds, compare
from teams_interop.cases import Case, load_catalogue
from teams_interop.clients import ClientSpec
from teams_interop.compat.build import BuildTime, SkewBackend
from teams_interop.compat.source import SourceFinding, executor_finding
from teams_interop.compat.trees import Tree
from teams_interop.contract import Observed
from teams_interop.matrix import MatrixRun, run_matrix, supported
from teams_interop.progress import Progress
from teams_interop.schema import ProtoSchema

Observations = dict[str, dict[str, Observed]]  # language -> case id -> what the client saw
Runs = list[tuple["Version", "Version", list[Case]]]  # (clients, server, cases)
# Runs at once, each with its own server and client processes: they mostly wait (delays,
# deadlines, process start-up), so two fit the 2-core CI machine.
PARALLEL_RUNS = int(os.environ.get("TEAMS_COMPAT_PARALLEL_RUNS", "2"))
# Baselines seen, by (tree, languages, case ids): a process that checks many pairs with the same
# old version (the tests) runs that version's baseline once. Cross-version runs are never reused.
_BASELINES: dict[tuple, Observations] = {}
# A baseline is also kept on disk in its tree (.interop/baselines/), keyed by everything it depends
# on: the tree's content (proto, server, clients), the languages, every case in full, the deadline
# and the harness's own code. So the next check of an edit (or of another edit against the same
# base) runs only what crosses versions. Kept only when every case answered without an error and
# as the catalogue expects (or as the client's known-failing list says) and every client process
# ended well; a difference is still confirmed by running both again.
# TEAMS_COMPAT_REUSE_BASELINES=0 runs every baseline.
REUSE_BASELINES = os.environ.get("TEAMS_COMPAT_REUSE_BASELINES", "1") != "0"
BASELINE_FORMAT = "teams-interop-compat-baseline/1"
# Every case of a skew run carries a deadline: a client that waits forever for an answer the other
# version never sends (a streaming RPC made unary) ends DEADLINE_EXCEEDED, a changed result, within
# seconds. Cases with their own deadline keep it. (The matrix's per-case watchdog bounds the rest.)
SKEW_DEADLINE_MS = int(os.environ.get("TEAMS_COMPAT_DEADLINE_MS", "10000"))


class GateError(RuntimeError):
    """The gate itself cannot give a verdict (no client builds in one of the versions)."""


@dataclass
class Version:
    tree: Tree
    schema: ProtoSchema
    cases: list[Case]  # the ones this version's clients can run
    not_applicable: dict[str, str]  # case id -> why this version's proto cannot express it
    clients: list[ClientSpec]

    @property
    def label(self) -> str:
        return self.tree.label


@dataclass(frozen=True)
class Break:
    clients: str  # version label of the clients, "old" or "new"
    server: str
    language: str
    case: str
    baseline: dict  # what the client saw against its own version's server (compare.view)
    observed: dict  # what it saw against the other version's server

    @property
    def diff(self) -> str:
        own, other = f"against the {self.clients} server", f"against the {self.server} server"
        return compare.diff(self.baseline, self.observed, own, other)


@dataclass(frozen=True)
class Run:
    clients: str
    server: str
    cases: int
    seconds: float
    reused: bool = False  # a baseline kept from an earlier check of the same version


@dataclass
class SkewResult:
    versions: dict[str, Version]
    runs: list[Run] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    unstable: list[Break] = field(default_factory=list)  # differed once, agreed when run again
    # (version, language, case, error): a client that failed a case against its own server
    baseline_errors: list[tuple[str, str, str, str]] = field(default_factory=list)
    identical: bool = False  # old and new are the same code: nothing to run across versions
    # executors that failed to build in a version: their language sits out the skew run
    unbuilt: list[SourceFinding] = field(default_factory=list)
    builds: list[BuildTime] = field(default_factory=list)  # each build of each version, timed
    phases: dict[str, float] = field(default_factory=dict)  # "builds", "runs": wall seconds

    def compared(self, clients: str) -> int:
        """How many (language, case) results of this client version were compared."""
        version = self.versions[clients]
        return sum(len(supported(c, version.cases)) for c in version.clients)


def load_version(tree: Tree, languages: list[str] | None, patterns: list[str]) -> Version:
    schema = ProtoSchema.compile(tree.proto)
    catalogue = [_bounded(c) for c in load_catalogue(schema, lenient=True) if _chosen(c.id, patterns)]
    return Version(
        tree=tree,
        schema=schema,
        cases=[c for c in catalogue if not c.skipped],
        not_applicable={c.id: c.skipped for c in catalogue if c.skipped},
        clients=tree.clients(languages),
    )


def run_skew(old: Version, new: Version, progress: Progress) -> SkewResult:
    result = SkewResult(versions={"old": old, "new": new})
    if old.tree.root == new.tree.root:
        result.identical = True
        return result
    started = time.monotonic()
    _build_versions(old, new, progress, result)
    result.phases["builds"] = round(time.monotonic() - started, 1)
    directions = ((old, new), (new, old))
    seen = _run_all([(x, y, x.cases) for x, y in ((old, old), (new, new), *directions)], progress, result)
    first: dict[str, list[Break]] = {}
    for clients, server in directions:
        own, other = seen[(clients.label, clients.label)], seen[(clients.label, server.label)]
        _baseline_errors(clients, own, result)
        first[clients.label] = _differences(clients, server, clients.cases, own, other)
    _confirm(directions, first, progress, result)
    result.phases["runs"] = round(time.monotonic() - started - result.phases["builds"], 1)
    return result


def _build_versions(old: Version, new: Version, progress: Progress, result: SkewResult) -> None:
    """Builds both versions; a language whose executor fails in either sits out, named."""
    for version in (old, new):
        with SkewBackend(progress, server_root=version.tree.root, clients_root=version.tree.root) as backend:
            backend.version, backend.timings = version.label, result.builds
            failed = backend.prepare_each(version.clients)
        result.unbuilt += [
            executor_finding(c, version.label, failed[c.language]) for c in version.clients if c.language in failed
        ]
    out = {finding.language for finding in result.unbuilt}
    for version in (old, new):
        version.clients = [c for c in version.clients if c.language not in out]
    if out and not new.clients:
        first = result.unbuilt[0]
        raise GateError(f"no client's contract executor builds ({first.headline})")


def _bounded(case: Case) -> Case:
    return case if case.timeout_ms is not None else dataclasses.replace(case, timeout_ms=SKEW_DEADLINE_MS)


def _confirm(
    directions: tuple[tuple[Version, Version], ...],
    first: dict[str, list[Break]],
    progress: Progress,
    result: SkewResult,
) -> None:
    """Runs the differing cases again, both against the own and the other server; what differs
    again is a break, what agrees this time is unstable."""
    again = {label: {b.case for b in found} for label, found in first.items()}
    runs = [
        (x, y, [c for c in x.cases if c.id in again[x.label]])
        for clients, server in directions
        if again[clients.label]
        for x, y in ((clients, clients), (clients, server))
    ]
    seen = _run_all(runs, progress, result, reuse=False)
    for clients, server in directions:
        if not again[clients.label]:
            continue
        cases = [c for c in clients.cases if c.id in again[clients.label]]
        own, other = seen[(clients.label, clients.label)], seen[(clients.label, server.label)]
        confirmed = {(b.language, b.case) for b in _differences(clients, server, cases, own, other)}
        for difference in first[clients.label]:
            bucket = result.breaks if (difference.language, difference.case) in confirmed else result.unstable
            bucket.append(difference)


def _run_all(runs: Runs, progress: Progress, result: SkewResult, reuse: bool = True) -> dict:
    """Observations by (clients label, server label), PARALLEL_RUNS runs at a time."""

    def one(run: tuple[Version, Version, list[Case]]) -> Observations:
        clients, server, cases = run
        if not reuse or clients is not server:
            return _observe(clients, server, cases, progress, result)
        key = (clients.tree.root, tuple(c.language for c in clients.clients), tuple(c.id for c in cases))
        if key not in _BASELINES:
            _BASELINES[key] = _kept_baseline(clients, cases, progress, result)
        return _BASELINES[key]

    with ThreadPoolExecutor(max_workers=max(1, PARALLEL_RUNS)) as pool:
        seen = list(pool.map(one, runs))
    return {(clients.label, server.label): o for (clients, server, _), o in zip(runs, seen, strict=True)}


def _observe(clients: Version, server: Version, cases: list[Case], progress: Progress, result) -> Observations:
    return _run(clients, server, cases, progress, result).results


def _run(clients: Version, server: Version, cases: list[Case], progress: Progress, result) -> MatrixRun:
    progress.step("compat", f"{clients.label} clients ({clients.tree.version}) -> {server.label} server")
    started = time.monotonic()
    backend = SkewBackend(progress, server_root=server.tree.root, clients_root=clients.tree.root)
    backend.server_log = server.tree.root / ".interop" / "logs" / f"server-for-{clients.tree.version}.log"
    with backend:
        matrix = run_matrix(backend, clients.clients, cases, clients.schema, progress)
    result.runs.append(Run(clients.label, server.label, len(cases), round(time.monotonic() - started, 1)))
    return matrix


def _kept_baseline(version: Version, cases: list[Case], progress: Progress, result: SkewResult) -> Observations:
    """The version's baseline from its tree's .interop/baselines/ when an identical one was run
    before; otherwise run now, and kept when it is clean (see REUSE_BASELINES)."""
    languages = [c.language for c in version.clients]
    path = version.tree.root / ".interop" / "baselines" / f"{_baseline_key(version, languages, cases)}.json"
    if REUSE_BASELINES and path.is_file():
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") == BASELINE_FORMAT:
                seen = {
                    language: {case: _observed(data) for case, data in by_case.items()}
                    for language, by_case in document["observed"].items()
                }
                if all(c.id in seen.get(language, {}) for language in languages for c in cases):
                    progress.step("compat", f"{version.label} clients -> {version.label} server: baseline kept")
                    result.runs.append(Run(version.label, version.label, len(cases), 0.0, reused=True))
                    return seen
        except (OSError, ValueError, TypeError, KeyError):
            pass  # unreadable: run it again
    matrix = _run(version, version, cases, progress, result)
    problems = [*matrix.process_problems.values(), *(s.problems for s in matrix.sessions.values())]
    errors = [seen.error for by_case in matrix.results.values() for seen in by_case.values() if seen.error]
    # One that misses a case's expectation (a 2 s response late for its 3 s deadline on a loaded
    # machine) would make every later check differ from it and run its confirmation: not kept.
    failed = [v for v in matrix.verdicts.values() if v.outcome.is_failure]
    clean = not any(problems) and not errors and not failed
    if REUSE_BASELINES and clean:
        observed = {
            language: {case: dataclasses.asdict(seen) for case, seen in by_case.items()}
            for language, by_case in matrix.results.items()
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.partial")
        partial.write_text(json.dumps({"format": BASELINE_FORMAT, "observed": observed}), encoding="utf-8")
        partial.replace(path)
    return matrix.results


def _baseline_key(version: Version, languages: list[str], cases: list[Case]) -> str:
    digest = hashlib.sha256()
    cases_text = json.dumps([dataclasses.asdict(c) for c in cases], sort_keys=True, default=_canonical)
    for part in (version.tree.version, ",".join(languages), str(SKEW_DEADLINE_MS), _harness(), cases_text):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:24]


def _canonical(value: object) -> object:
    """JSON for what json cannot write; sets sorted (their order changes from process to process)."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


@functools.cache
def _harness() -> str:
    """The harness's own code (matrix, sessions, contract parsing): a change to it runs baselines again."""
    return builds.fingerprint([Path(teams_interop.__file__).parent])


def _observed(data: dict) -> Observed:
    return Observed(**{**data, "responses": tuple(data.get("responses", ()))})


def _differences(
    clients: Version, server: Version, cases: list[Case], own: Observations, other: Observations
) -> list[Break]:
    breaks = []
    for client in clients.clients:
        for case in supported(client, cases):
            added = _added_response_fields(case.method, clients.schema, server.schema)
            baseline = _without(compare.view(case, own[client.language][case.id]), added)
            observed = _without(compare.view(case, other[client.language][case.id]), added)
            if "error" not in baseline and baseline != observed:
                breaks.append(Break(clients.label, server.label, client.language, case.id, baseline, observed))
    return breaks


def _added_response_fields(method: str, clients: ProtoSchema, server: ProtoSchema) -> frozenset[str]:
    """Response fields the clients' proto added: neither their number nor their name is the server's.

    A server that predates a field cannot fill it, so a client sees proto3's default there: that
    is what adding a field means, not a break. A field that kept its name but moved (renumbered),
    or a number reused for another field, stays in the comparison. Only top-level fields (our
    responses are flat).
    """
    try:
        theirs = server.method(method).output_type.fields
    except KeyError:
        return frozenset()  # the server's proto lacks the RPC: any difference is real
    numbers, names = {f.number for f in theirs}, {f.name for f in theirs}
    ours = clients.method(method).output_type.fields
    return frozenset(f.name for f in ours if f.number not in numbers and f.name not in names)


def _without(view: dict, fields: frozenset[str]) -> dict:
    if not fields or "responses" not in view:
        return view
    responses = [{k: v for k, v in response.items() if k not in fields} for response in view["responses"]]
    return {**view, "responses": responses}


def _baseline_errors(version: Version, own: Observations, result: SkewResult) -> None:
    """Cases a client could not run even against its own server: nothing to compare them with."""
    for client in version.clients:
        for case in supported(client, version.cases):
            if error := own[client.language][case.id].error:
                result.baseline_errors.append((version.label, client.language, case.id, error))


def _chosen(case_id: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(case_id, pattern) for pattern in patterns)
