"""``interop``: run the matrix from a terminal or a CI log and print the language x case table.

interop run [--backend B] [--languages L,..] [--cases PATTERN] [--shard K/N]
            [--results-out FILE] [--report-dir DIR]
interop report --results FILE... [--report-dir DIR]   merge runs (shards, CI jobs) and judge
interop cases                                          list the catalogue
interop compat [--against REF] [--json-out FILE]       is proto/ compatible with REF's? (buf + skew)
"""

import argparse
import fnmatch
import sys
from pathlib import Path

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop.backends import EnvironmentProblem, make_backend
from teams_interop.builds import BuildError
from teams_interop.cases import Case, CatalogueError, load_catalogue
from teams_interop.matrix import MatrixRun, judge_matrix, run_matrix, shard, unmatched_patterns
from teams_interop.progress import Progress
from teams_interop.reports import text as report
from teams_interop.reports import write_all
from teams_interop.results import ResultsError, read_results, write_results
from teams_interop.schema import ProtoSchema

FAILURES = (
    CatalogueError,
    client_manifests.ManifestError,
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
    run.add_argument(
        "--languages", type=languages, help="comma-separated languages (default: all in clients/)"
    )
    run.add_argument("--cases", default="*", help="shell-style pattern of case ids (default: all)")
    run.add_argument("--shard", help="run shard K of N (K/N) of the cases; merge with `interop report`")
    run.add_argument("--results-out", type=Path, help="write what every client observed (JSON lines)")
    run.add_argument(
        "--report-dir",
        type=Path,
        help="where junit.xml, report.html and summary.md go (default: .interop/reports/latest)",
    )
    merge = commands.add_parser("report", help="merge results files, judge across languages, report")
    merge.add_argument("--results", type=Path, nargs="+", required=True)
    merge.add_argument("--report-dir", type=Path, help="default: .interop/reports/latest")
    commands.add_parser("cases", help="list the case ids of the catalogue")
    compat = commands.add_parser(
        "compat", help="proto compatibility gate: buf breaking + every client version against every server"
    )
    compat.add_argument("--against", help="git ref to compare with (default: the merge base with main)")
    compat.add_argument("--json-out", type=Path, help="write the JSON report here")
    compat.add_argument("--languages", type=languages, help="comma-separated languages (default: all)")
    compat.add_argument("--cases", default="*", help="comma-separated shell-style patterns of case ids")
    return parser


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
        schema = ProtoSchema.compile(paths.layout().proto_dir)
        catalogue = load_catalogue(schema)
        if args.command == "cases":
            print("\n".join(case.id for case in catalogue))
            return 0
        if args.command == "report":
            return merge_and_report(args, catalogue)
        return run(args, schema, catalogue)
    except FAILURES as error:
        print(f"interop: {error}", file=sys.stderr)
        return 2


def run(args, schema: ProtoSchema, catalogue: list[Case]) -> int:
    chosen = client_manifests.select(client_manifests.discover(), args.languages)
    cases = [case for case in catalogue if fnmatch.fnmatchcase(case.id, args.cases)]
    if args.shard:
        cases = shard(cases, args.shard)
    if not cases:
        raise CatalogueError(f"no case id matches {args.cases!r}")
    with Progress() as progress, make_backend(args.backend, progress) as backend:
        matrix = run_matrix(backend, chosen, cases, schema, progress)
    if args.results_out:
        write_results(matrix, args.results_out, args.shard)
    return publish(matrix, catalogue, args.report_dir)


def merge_and_report(args, catalogue: list[Case]) -> int:
    case_ids, results, backends = read_results(args.results)
    known = {case.id for case in catalogue}
    if unknown := sorted(case_ids - known):
        raise ResultsError(f"the results name cases the catalogue does not have: {', '.join(unknown[:5])}")
    clients = client_manifests.select(client_manifests.discover(), sorted(results))
    if absent := [c.language for c in client_manifests.discover() if c.language not in results]:
        print(f"interop: no results for {', '.join(absent)}; reporting the others", file=sys.stderr)
    matrix = MatrixRun(
        backend="+".join(sorted(backends)),
        clients=clients,
        results=results,
        cases=[case for case in catalogue if case.id in case_ids],
    )
    return publish(judge_matrix(matrix), catalogue, args.report_dir)


def publish(matrix: MatrixRun, catalogue: list[Case], report_dir: Path) -> int:
    """Prints the table, summary and failures; writes the report files; returns the exit code."""
    print(report.table(matrix))
    print()
    print(report.summary(matrix))
    if matrix.failed:
        print("\n" + report.failures(matrix))
    stale = [(c.language, p) for c in matrix.clients for p in unmatched_patterns(c, catalogue)]
    for language, pattern in stale:
        print(f"{language}: known_failing.txt pattern {pattern!r} matches no case")
    written = write_all(matrix, report_dir)
    print(f"\nreports: {', '.join(str(path) for path in written.values())}")
    return 1 if matrix.failed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
