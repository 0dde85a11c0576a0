"""``interop``: run the matrix from a terminal or a CI log and print the language x case table.

interop run [--backend B] [--languages L,..] [--servers S,..] [--cases PATTERN] [--shard K/N]
            [--results-out FILE] [--report-dir DIR] [--clients-dir DIR]
interop run --target HOST:PORT [--tls --ca FILE [--server-name NAME]] [--token-file FILE]
            [--target-features F,..] ...         the clients against a server already running
interop servers [--json]                               list the server manifests
interop report --results FILE... [--report-dir DIR]   merge runs (shards, CI jobs) and judge
interop cases                                          list the catalogue (validated)
interop clients [--json]                               list the client manifests
interop compose [--check]                              write (or check) docker-compose.yml
interop conformance [--languages L,..]                 the contract's own checks, natively
interop compat [--against REF] [--json-out FILE]       is proto/ compatible with REF's? (buf + skew)
interop bench [--servers S,..] [--languages L,..] [--calls N] [--concurrency C] [--seconds S]
                                                       performance matrix: each language x RPC kind,
                                                       each server as a ratio to the Go reference

exit codes, for every command: 0 passed (compatible, up to date), 1 a test failed (a case, a
client process, a breaking change, a stale file), 2 a usage, configuration or harness error (a
catalogue or manifest mistake, a missing tool, a bad ref): one line on stderr says which.
"""

import argparse
import fnmatch
import gc
import json
import os
import sys
from pathlib import Path

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop import servers as server_manifests
from teams_interop.backends import EnvironmentProblem, make_backend
from teams_interop.builds import BuildError
from teams_interop.cases import Case, CatalogueError, load_catalogue
from teams_interop.matrix import (
    MatrixRun,
    judge_matrix,
    name_server_differences,
    run_servers,
    shard,
    unmatched_patterns,
)
from teams_interop.progress import Progress
from teams_interop.reports import text as report
from teams_interop.reports import write_all
from teams_interop.results import ResultsError, read_results, write_results
from teams_interop.schema import ProtoSchema

FAILURES = (
    CatalogueError,
    client_manifests.ManifestError,
    server_manifests.ManifestError,
    EnvironmentProblem,
    BuildError,
    ResultsError,
    paths.RepositoryNotFound,
    ValueError,
    OSError,
)


def languages(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interop", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repo",
        type=Path,
        help="the checkout to work on (default: the first one at or above the working directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the interop matrix and print the table")
    run.add_argument("--backend", choices=["native", "docker", "compose"], default="native")
    run.add_argument("--languages", type=languages, help="comma-separated languages (default: all in clients/)")
    run.add_argument(
        "--servers",
        type=languages,
        help="comma-separated servers (python_server/, servers/*/): every client against each (default: python)",
    )
    live = run.add_argument_group("a live target: a server already running, started by nobody here")
    live.add_argument("--target", metavar="HOST:PORT", help="run the clients against this address")
    live.add_argument("--tls", action="store_true", help="call the target over TLS (needs --ca)")
    live.add_argument("--ca", type=Path, metavar="FILE", help="the PEM CA that signed the target's certificate")
    live.add_argument("--server-name", metavar="NAME", help="the name its certificate must match (default: HOST)")
    live.add_argument(
        "--token-file", type=Path, metavar="FILE", help="send 'authorization: Bearer <file>' on every call"
    )
    live.add_argument(
        "--target-wait",
        type=float,
        metavar="SECONDS",
        help="how long the target may take to answer at first, e.g. just deployed (default: 30)",
    )
    live.add_argument(
        "--target-features",
        type=languages,
        metavar="F,..",
        help=f"what the target offers (default: {','.join(sorted(server_manifests.TARGET_FEATURES))}); "
        f"known: {','.join(sorted(server_manifests.FEATURES))}",
    )
    run.add_argument("--cases", default="*", help="comma-separated shell-style patterns of case ids (default: all)")
    run.add_argument(
        "--clients-dir",
        type=Path,
        help="a folder of client folders, e.g. your own repo's (default: clients/)",
    )
    run.add_argument("--shard", help="run shard K of N (K/N) of the cases; merge with `interop report`")
    run.add_argument("--results-out", type=Path, help="write what every client observed (JSON lines)")
    run.add_argument(
        "--report-dir",
        type=Path,
        help="where junit.xml, report.html and summary.md go (default: .interop/reports/latest)",
    )
    merge = commands.add_parser("report", help="merge results files, judge across languages, report")
    merge.add_argument("--results", type=Path, nargs="+", required=True)
    merge.add_argument(
        "--languages", type=languages, help="the languages that must have reported (default: all in clients/)"
    )
    merge.add_argument("--clients-dir", type=Path, help="client folders to expect (default: the repo's clients/)")
    merge.add_argument("--report-dir", type=Path, help="default: .interop/reports/latest")
    commands.add_parser("cases", help="list the case ids of the catalogue")
    server_listing = commands.add_parser("servers", help="list the server manifests (python_server/, servers/*/)")
    server_listing.add_argument("--json", action="store_true", help="as JSON, e.g. for a CI job matrix")
    listing = commands.add_parser("clients", help="list the client manifests (clients/*/client.toml)")
    listing.add_argument("--json", action="store_true", help="as JSON, e.g. for a CI job matrix")
    listing.add_argument("--clients-dir", type=Path, help="a folder of client folders (default: clients/)")
    regenerate = commands.add_parser("compose", help="write docker-compose.yml from the client manifests")
    regenerate.add_argument("--check", action="store_true", help="only check that it is up to date (exit 1 if not)")
    checks = commands.add_parser("conformance", help="run the contract conformance checks against clients")
    checks.add_argument("--languages", type=languages, help="comma-separated languages (default: all)")
    checks.add_argument("--clients-dir", type=Path, help="a folder of client folders (default: clients/)")
    compat = commands.add_parser(
        "compat", help="proto compatibility gate: buf breaking + every client version against every server"
    )
    from teams_interop.compat import command as compat_command

    compat_command.add_arguments(compat)
    from teams_interop.bench import command as bench_command

    bench_command.add_arguments(
        commands.add_parser("bench", help="performance matrix: calls/s per language x RPC kind, ratio to Go's")
    )
    return parser


def entry() -> None:
    """The ``interop`` command: main(), then the process's exit. The interpreter's last garbage
    collection walked every object the run had made, 0.05 to 0.1 s on the way out of every run:
    they are frozen first, so it skips them (their memory goes with the process)."""
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.repo:
            paths.use(args.repo)
        if getattr(args, "report_dir", "absent") is None:
            args.report_dir = paths.layout().work_dir / "reports" / "latest"
        if args.command == "compat":
            from teams_interop.compat.command import main as compat

            return compat(args)
        if args.command == "bench":
            from teams_interop.bench.command import main as bench

            return bench(args)
        schema = ProtoSchema.compile(paths.layout().proto_dir)
        catalogue = load_catalogue(schema)
        if args.command == "cases":
            print("\n".join(case.id for case in catalogue))
            return 0
        if args.command == "clients":
            return list_clients(args)
        if args.command == "servers":
            return list_servers(args)
        if args.command == "compose":
            return compose(args)
        if args.command == "conformance":
            return conformance(args)
        if args.command == "report":
            return merge_and_report(args, catalogue)
        return run(args, schema, catalogue)
    except FAILURES as error:
        print(f"interop: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interop: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # a bug of ours: still one line and exit 2, the trace on request
        if os.environ.get("INTEROP_DEBUG"):
            raise
        print(
            f"interop: internal error: {type(error).__name__}: {error} (INTEROP_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 2


def list_clients(args) -> int:
    return _listing(client_manifests.discover(args.clients_dir), "language", args.json)


def list_servers(args) -> int:
    return _listing(server_manifests.discover(), "name", args.json, lambda server: {"image": server.image})


def _listing(found: list, key: str, json_out: bool, extra=lambda spec: {}) -> int:
    """`interop clients` and `interop servers`: a line a manifest (its ``key``, its summary) or, with
    --json, a list of them with their folders, Dockerfiles, ``extra`` fields and features."""
    if not json_out:
        for spec in found:
            print(f"{getattr(spec, key):<16} {spec.summary}")
        return 0
    repo = paths.layout().repo
    rows = [
        {
            key: getattr(spec, key),
            "directory": _relative(spec.directory, repo),
            "dockerfile": _relative(spec.directory / spec.docker.dockerfile, repo),
            **extra(spec),
            "features": sorted(spec.features),
            "summary": spec.summary,
        }
        for spec in found
    ]
    print(json.dumps(rows))
    return 0


def live_target(args) -> server_manifests.LiveTarget | None:
    """The --target options as a LiveTarget, each mistake one line (exit 2)."""
    options = ("tls", "ca", "server_name", "token_file", "target_features", "target_wait")
    given = [name for name in options if getattr(args, name) is not None and getattr(args, name) is not False]
    if not args.target:
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ValueError(f"{flags}: only with --target HOST:PORT")
        return None
    if args.servers:
        raise ValueError("--target runs against a server already running: leave out --servers")
    host, _, port = args.target.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--target takes HOST:PORT, like staging.example.com:443; got {args.target!r}")
    if args.tls != (args.ca is not None):
        raise ValueError("--tls needs --ca FILE (the clients trust only the CA they are given), and --ca needs --tls")
    if args.server_name and not args.tls:
        raise ValueError("--server-name is the name of the target's TLS certificate: it needs --tls")
    for flag, path in (("--ca", args.ca), ("--token-file", args.token_file)):
        if path is not None and not path.is_file():
            raise ValueError(f"{flag} {path}: no such file")
    if args.target_wait is not None and not 0 < args.target_wait <= 600:
        raise ValueError(f"--target-wait takes 0 < SECONDS <= 600, got {args.target_wait}")
    features = frozenset(args.target_features) if args.target_features is not None else None
    if features is not None and (unknown := features - server_manifests.FEATURES):
        known = ", ".join(sorted(server_manifests.FEATURES))
        raise ValueError(f"--target-features: unknown {', '.join(sorted(unknown))}; known: {known}")
    return server_manifests.LiveTarget(
        address=args.target,
        features=features if features is not None else server_manifests.TARGET_FEATURES,
        ca=args.ca,
        server_name=args.server_name,
        token_file=args.token_file,
        wait_seconds=args.target_wait or server_manifests.TARGET_WAIT_SECONDS,
    )


def _relative(path: Path, repo: Path) -> str:
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)


def conformance(args) -> int:
    """clients/conformance.yaml against each chosen client's native command: 0 when all conform."""
    from teams_interop.backends.native import NativeBackend
    from teams_interop.conformance import run_conformance

    chosen = client_manifests.select(client_manifests.discover(args.clients_dir), args.languages)
    failed = False
    with Progress() as progress, NativeBackend(progress) as backend:
        backend.prepare_server()
        backend.start_server()
        backend.prepare(chosen)
        outcomes = []
        for client in chosen:
            env = {**os.environ, "TEAMS_PROTO_DIR": str(backend.clients_root / "proto")}
            failures = run_conformance(list(client.native.run), backend.target, cwd=client.directory, env=env)
            outcomes.append((client.language, failures))
    for language, failures in outcomes:
        failed = failed or bool(failures)
        print(f"{language:<16} {'conforms' if not failures else f'{len(failures)} check(s) failed'}")
        for failure in failures:
            print(f"  {failure}")
    return 1 if failed else 0


def compose(args) -> int:
    from teams_interop import compose_file

    wanted = compose_file.render(client_manifests.discover())
    target = compose_file.compose_path()
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if args.check:
        if current != wanted:
            print(f"interop: {target.name} is stale: run `./interop compose`", file=sys.stderr)
            return 1
        print(f"{target.name} is up to date")
        return 0
    if current != wanted:
        target.write_text(wanted, encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(f"{target.name} is up to date")
    return 0


def run(args, schema: ProtoSchema, catalogue: list[Case]) -> int:
    chosen = client_manifests.select(client_manifests.discover(args.clients_dir), args.languages)
    patterns = args.cases.split(",")
    cases = [case for case in catalogue if any(fnmatch.fnmatchcase(case.id, p) for p in patterns)]
    if args.shard:
        cases = shard(cases, args.shard)
    if not cases:
        raise CatalogueError(f"no case id matches {args.cases!r}")
    target = live_target(args)
    under_test = [target] if target else server_manifests.select(server_manifests.discover(), args.servers)
    with Progress() as progress:
        runs = run_servers(
            lambda server: make_backend(args.backend, progress, server), under_test, chosen, cases, schema, progress
        )
    if args.results_out:
        write_results(runs, args.results_out, args.shard)
    return publish(runs, catalogue, args.report_dir)


def merge_and_report(args, catalogue: list[Case]) -> int:
    merged = read_results(args.results)
    known = {case.id for case in catalogue}
    if unknown := sorted(merged.case_ids - known):
        raise ResultsError(f"the results name cases the catalogue does not have: {', '.join(unknown[:5])}")
    wanted = args.languages or [c.language for c in client_manifests.discover(args.clients_dir)]
    clients = client_manifests.select(client_manifests.discover(args.clients_dir), wanted)
    runs = []
    for server in merged.servers.values():
        matrix = MatrixRun(
            backend="+".join(sorted(merged.backends)),
            clients=clients,
            results=server.results,
            cases=[case for case in catalogue if case.id in merged.case_ids],
            sessions=server.sessions,
            server=server.name,
            server_features=server.features,
            live=server.live,
            target=server.target,
        )
        for client in clients:  # a language whose job died must not leave the headline green
            session = server.sessions.get(client.language)
            problems = list(session.problems) if session else []
            if client.language not in server.results and matrix.applicable(matrix.cases):
                problems.append(f"{client.language}: no results against {server.name} (did its job or shard run?)")
            matrix.process_problems[client.language] = problems
        runs.append(judge_matrix(matrix))
    return publish(name_server_differences(runs), catalogue, args.report_dir)


def publish(runs: list[MatrixRun], catalogue: list[Case], report_dir: Path) -> int:
    """Prints each server's table, summary and failures (and the client x server grid when there
    are several servers); writes the report files; returns the exit code."""
    many = len(runs) > 1
    for matrix in runs:
        if many:
            print(f"=== against the {matrix.server} server ===")
        print(report.table(matrix))
        print()
        print(report.summary(matrix))
        print(report.processes(matrix))
        print()
    if many:
        print(report.server_grid(runs) + "\n")
    for matrix in runs:
        if matrix.failed:
            print(report.failures(matrix, server=matrix.server if many else ""))
            if tails := report.stderr_tails(matrix):
                print("\n" + tails)
            print()
    clients = runs[0].clients
    stale = [(c.language, p) for c in clients for p in unmatched_patterns(c, catalogue)]
    for language, pattern in stale:
        print(f"{language}: known_failing.txt pattern {pattern!r} matches no case")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for matrix in runs:
            print(report.github_annotations(matrix, server=matrix.server if many else ""), end="")
    written = write_all(runs, report_dir)
    print(f"reports: {', '.join(str(path) for path in written.values())}")
    return 1 if any(matrix.failed for matrix in runs) or stale else 0
