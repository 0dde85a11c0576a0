"""``interop bench``: its options, and the run from options to reports and an exit code."""

import argparse
import contextlib
import shlex
import sys
from pathlib import Path

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop import servers as server_manifests
from teams_interop.backends import make_backend
from teams_interop.bench import plan
from teams_interop.bench.report import markdown, write_bench_reports
from teams_interop.bench.runner import run_bench
from teams_interop.progress import Progress

DESCRIPTION = """\
A performance matrix: each client language drives a bounded load through its contract executor
(the `bench` request of clients/CONTRACT.md) against each server under test and, in the same run
and from the same client process, against the Go reference server (servers/go; --reference).
Servers start natively, on loopback, without --test-hooks.

Per language x RPC kind x server: calls per second (calls / the client's wall time for all of
them), latency percentiles p50/p90/p99/max per call in ms, and errors (calls that ended non-OK,
with the first one). With --repeat N, these are the median run's, by calls per second.

How to read the ratio: for each language and RPC kind, the calls per second the server under test
gave that client divided by the calls per second the Go reference gave the same client for the
same kind in the same run (with --repeat N: the median of the N per-run quotients, each from one
client process benching both servers seconds apart). 1.00 means as fast as the reference for
that client; 0.25 a quarter of its throughput. A slow client caps both servers (its ratios lean
towards 1.00): compare servers within a language, and languages by their calls per second.

Writes bench.json (every figure, every run), bench.md and bench.html (an inline SVG chart of the
ratios; no scripts, no network) to --report-dir, and prints the Markdown table.

Bounded: --calls per RPC kind and server (plus --warmup, not counted), at most --concurrency in
flight, each client process gets --seconds for all its benches (start-up included); a client
still owing an answer then is named as hung, killed, and the run goes on.

exit codes: 0 every call OK (a client without the `bench` feature is "unsupported", not a
failure); 1 a bench had errors (non-OK calls), failed, hung, or a client process misbehaved;
2 a usage or harness error (one line on stderr).
"""


def names(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--servers",
        type=names,
        help=f"servers to bench, comma-separated (default: {','.join(plan.DEFAULT_SERVERS)}); "
        f"the reference is added when missing",
    )
    parser.add_argument(
        "--reference", default=plan.REFERENCE, help=f"the server every ratio divides by (default: {plan.REFERENCE})"
    )
    parser.add_argument("--languages", type=names, help="comma-separated client languages (default: all in clients/)")
    parser.add_argument("--clients-dir", type=Path, help="a folder of client folders (default: clients/)")
    parser.add_argument(
        "--kinds",
        type=names,
        help=f"RPC kinds, comma-separated (default: all: {','.join(plan.KIND_NAMES)})",
    )
    parser.add_argument(
        "--calls",
        type=int,
        default=plan.DEFAULT_CALLS,
        help=f"calls per RPC kind and server, per run (default: {plan.DEFAULT_CALLS:,}; at most {plan.MAX_CALLS:,})",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=plan.DEFAULT_CONCURRENCY,
        help=f"calls in flight at once (default: {plan.DEFAULT_CONCURRENCY}; at most {plan.MAX_CONCURRENCY})",
    )
    parser.add_argument(
        "--seconds",
        type=number,
        default=plan.DEFAULT_SECONDS,
        help=f"the deadline of one client process: all its benches, start-up included (default: "
        f"{plan.DEFAULT_SECONDS}; at most {plan.MAX_SECONDS})",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        help="uncounted calls before each measured bench (default: a tenth of --calls, at most 200)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help=f"measured runs per figure; the report gives the median (default: 1; at most {plan.MAX_REPEAT})",
    )
    parser.add_argument("--report-dir", type=Path, help="default: .interop/reports/bench")


def options_from(args) -> plan.Options:
    warmup = args.warmup if args.warmup is not None else min(200, args.calls // 10)
    return plan.Options(
        calls=args.calls,
        concurrency=args.concurrency,
        seconds=args.seconds,
        warmup=warmup,
        repeat=args.repeat,
        kinds=tuple(args.kinds) if args.kinds else plan.KIND_NAMES,
    )


def main(args) -> int:
    options = options_from(args)  # a ValueError: one line, exit 2
    chosen = client_manifests.select(client_manifests.discover(args.clients_dir), args.languages)
    wanted = list(args.servers or plan.DEFAULT_SERVERS)
    if args.reference not in wanted:
        wanted.append(args.reference)
    servers = server_manifests.select(server_manifests.discover(), wanted)
    report_dir = args.report_dir or paths.layout().work_dir / "reports" / "bench"
    given = sys.argv[sys.argv.index("bench") + 1 :] if "bench" in sys.argv else []
    command = shlex.join(["./interop", "bench", *given])
    with Progress() as progress, contextlib.ExitStack() as stack:
        backends = [stack.enter_context(make_backend("native", progress, server, hooks=False)) for server in servers]
        run = run_bench(backends, args.reference, chosen, options, progress, command=command)
    print(markdown(run))
    written = write_bench_reports(run, report_dir)
    print(f"reports: {', '.join(str(path) for path in written.values())}")
    return 1 if run.failed else 0
