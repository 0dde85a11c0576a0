"""``interop``: run the matrix from a terminal or a CI log and print the language x case table."""

import argparse
import fnmatch
import sys

from harness import clients as client_manifests
from harness import report
from harness.backends import EnvironmentProblem, make_backend
from harness.builds import BuildError
from harness.cases import CatalogueError, load_catalogue
from harness.matrix import run_matrix, unmatched_patterns
from harness.paths import PROTO_DIR
from harness.progress import Progress
from harness.schema import ProtoSchema


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="interop", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the interop matrix and print the table")
    run.add_argument("--backend", choices=["native", "docker", "compose"], default="native")
    run.add_argument(
        "--languages",
        type=lambda s: [x for x in s.split(",") if x],
        help="comma-separated client languages (default: every client in clients/)",
    )
    run.add_argument("--cases", default="*", help="shell-style pattern of case ids (default: all)")
    commands.add_parser("cases", help="list the case ids of the catalogue")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        schema = ProtoSchema.compile(PROTO_DIR)
        catalogue = load_catalogue(schema)
        if args.command == "cases":
            print("\n".join(case.id for case in catalogue))
            return 0
        return run(args, schema, catalogue)
    except (CatalogueError, client_manifests.ManifestError, EnvironmentProblem, BuildError) as error:
        print(f"interop: {error}", file=sys.stderr)
        return 2


def run(args, schema, catalogue) -> int:
    chosen = client_manifests.select(client_manifests.discover(), args.languages)
    stale = {c.language: unmatched_patterns(c, catalogue) for c in chosen}
    cases = [case for case in catalogue if fnmatch.fnmatchcase(case.id, args.cases)]
    if not cases:
        raise CatalogueError(f"no case id matches {args.cases!r}")
    progress = Progress()
    with make_backend(args.backend, progress) as backend:
        matrix = run_matrix(backend, chosen, cases, schema, progress)
    print(report.table(matrix))
    print()
    print(report.summary(matrix))
    if matrix.failed:
        print("\n" + report.failures(matrix))
    for language, patterns in stale.items():
        for pattern in patterns:
            print(f"{language}: known_failing.txt pattern {pattern!r} matches no case")
    return 1 if matrix.failed or any(stale.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
