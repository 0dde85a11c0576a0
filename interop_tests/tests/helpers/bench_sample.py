"""A made-up bench run whose every figure is known: for the report's unit and browser tests.

python: clean everywhere, its unary against the python server is half the go reference's in each
of three runs (1,200/2,400, 900/1,800, 1,000/2,000: ratio 0.5; medians 1,000 and 2,000).
node: its unary against the python server had errors (UNKNOWN, a hostile message).
ruby: no `bench` feature: unsupported, not a failure.
"""

from teams_interop.bench.model import BenchRun, Outcome, Sample
from teams_interop.bench.plan import Options

HOSTILE = 'boom <b>bold</b> & "quoted"'


def sample(cps: float, calls: int = 2000, errors: int = 0, first_error=None, p50: float = 1.0) -> Sample:
    wall_ms = calls / cps * 1000
    latency = {"p50": p50, "p90": p50 * 2, "p99": p50 * 4, "max": p50 * 8}
    return Sample(calls, errors, wall_ms, latency, first_error, harness_ms=wall_ms + 5)


def sample_bench(repeat: int = 3) -> BenchRun:
    options = Options(
        calls=2000, concurrency=16, seconds=60, warmup=200, repeat=repeat, kinds=("unary", "bidi_streaming")
    )
    run = BenchRun(
        options=options,
        servers=["python", "go"],
        reference="go",
        languages=["python", "node", "ruby"],
        server_summaries={"python": "grpcio", "go": "grpc-go"},
        host={"cpus": 2, "before": {"load1": 1.5}, "after": {"load1": 2.0}},
        started="2026-01-01T00:00:00+00:00",
        seconds=12.5,
        command="./interop bench --repeat 3",
    )
    figures = {
        # (language, server, kind): calls per second of each run, in the order run
        ("python", "python", "unary"): [1200, 900, 1000],  # median 1000
        ("python", "go", "unary"): [2400, 1800, 2000],  # median 2000; each run's quotient 0.5
        ("python", "python", "bidi_streaming"): [300, 300, 300],
        ("python", "go", "bidi_streaming"): [400, 400, 400],  # 0.75
        ("node", "go", "unary"): [3000, 3000, 3000],
        ("node", "python", "bidi_streaming"): [500, 500, 500],
        ("node", "go", "bidi_streaming"): [500, 500, 500],  # 1.0
    }
    for (language, server, kind), values in figures.items():
        for value in values:
            run.cell(language, server, kind).add(sample(value))
    error = {"code": 2, "message": HOSTILE}
    for value in (1500, 1600, 1700):
        run.cell("node", "python", "unary").add(sample(value, errors=2000, first_error=error))
    for server in run.servers:
        for kind in options.kinds:
            run.cell("ruby", server, kind).fail(
                Outcome.UNSUPPORTED, "the ruby client does not declare the `bench` feature"
            )
    run.process_problems = {"python": [], "node": [], "ruby": []}
    run.stderr = {"node": "--- node process 1 ---\nsomething on stderr\n"}
    return run
