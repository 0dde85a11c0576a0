"""``interop bench`` for real, kept tiny (50 calls at concurrency 4): the Python client against the
Python server and the Go reference, both started without test hooks; then a server planted to
fail, a client that lies about its figures, one without the `bench` feature, and one that hangs.
"""

import sys
from pathlib import Path

import pytest

from teams_interop import clients as client_manifests
from teams_interop import servers as server_manifests
from teams_interop.backends import make_backend
from teams_interop.backends.native import NativeBackend
from teams_interop.bench.model import BenchRun, Outcome
from teams_interop.bench.plan import KIND_NAMES, Options
from teams_interop.bench.report import markdown, write_bench_reports
from teams_interop.bench.runner import run_bench
from teams_interop.progress import Progress

TINY = Options(calls=50, concurrency=4, warmup=5, seconds=60)
LIAR = """
import json, sys
for line in sys.stdin:
    request = json.loads(line)
    bench = {"calls": 1, "errors": 0, "wall_ms": 1.0, "latency_ms": {"p50": 0.1, "p90": 0.1, "p99": 0.1, "max": 0.1}}
    print(json.dumps({"id": request["id"], "bench": bench}), flush=True)
"""
SLEEPER = """
import sys, time
for line in sys.stdin:
    time.sleep(3600)
"""


def server(name: str):
    return server_manifests.select(server_manifests.discover(), [name])[0]


def python_client():
    return next(client for client in client_manifests.discover() if client.language == "python")


def script_client(folder: Path, language: str, source: str, features: list[str]):
    """A client folder whose executor is ``source``, a few lines of Python."""
    directory = folder / language
    directory.mkdir()
    (directory / "client.py").write_text(source, encoding="utf-8")
    run = [sys.executable, str(directory / "client.py"), "--target", "{target}"]
    (directory / "client.toml").write_text(
        f'language = "{language}"\nsummary = "planted"\nfeatures = {features!r}\n'
        f"[native]\nrun = {run!r}\n[docker]\nrun = []\n".replace("'", '"')
    )
    return client_manifests.load(directory / "client.toml")


class FailingServer(NativeBackend):
    """The real Python server, every nickname lookup raising: GetTeam ends UNKNOWN."""

    def __init__(self) -> None:
        super().__init__(Progress(quiet=True), server=server("python"))
        self.hooks = False

    def server_command(self):
        argv, env = super().server_command()
        python = Path(argv[0]).parent / "python"
        start = (
            "import sys, teams_server.roster as r; r.nickname = lambda c: 1 // 0; "
            "from teams_server.cli import main; sys.exit(main())"
        )
        return [str(python), "-c", start], env


def bench(backends, clients, options: Options, reference: str = "go") -> BenchRun:
    try:
        return run_bench(backends, reference, clients, options, Progress(quiet=True))
    finally:
        for backend in backends:
            backend.close()


def test_the_python_client_against_both_servers(tmp_path) -> None:
    progress = Progress(quiet=True)
    backends = [make_backend("native", progress, server(name), hooks=False) for name in ("python", "go")]
    run = bench(backends, [python_client()], TINY)
    assert not run.failed, markdown(run)
    assert run.servers == ["python", "go"] and run.under_test == ["python"]
    for kind in KIND_NAMES:
        for name in ("python", "go"):
            cell = run.cell("python", name, kind)
            assert cell.outcome is Outcome.OK, (kind, name, cell.problem)
            (sample,) = cell.samples
            assert sample.calls == 50 and sample.errors == 0 and sample.calls_per_second > 0
            assert 0 < sample.latency_ms["p50"] <= sample.latency_ms["p99"] <= sample.latency_ms["max"]
            assert sample.wall_ms <= sample.harness_ms + 50
        assert run.ratio("python", "python", kind) > 0
    for backend in backends:  # measured as deployed: no test hooks
        log = backend.server_log.read_text(encoding="utf-8")
        assert "listening on 127.0.0.1:" in log and "test hooks" not in log, log[:500]
    written = write_bench_reports(run, tmp_path)
    assert "| `python` | unary |" in written["bench.md"].read_text(encoding="utf-8")
    assert 'id="bar-python-python-unary"' in written["bench.html"].read_text(encoding="utf-8")


def test_a_failing_server_and_a_lying_client_are_errors_and_no_bench_is_unsupported(tmp_path) -> None:
    liar = script_client(tmp_path, "liar", LIAR, ["unary", "bench"])
    without = script_client(tmp_path, "nobench", SLEEPER, ["unary"])  # never started: unsupported
    backends = [FailingServer(), make_backend("native", Progress(quiet=True), server("go"), hooks=False)]
    run = bench(
        backends, [python_client(), liar, without], Options(calls=50, concurrency=4, warmup=0, kinds=("unary",))
    )
    assert run.failed
    failing = run.cell("python", "python", "unary")
    assert failing.outcome is Outcome.ERRORS and failing.errors == 50
    assert failing.first_error["code"] == 2, failing.first_error  # UNKNOWN: the servicer raised
    assert run.cell("python", "go", "unary").outcome is Outcome.OK  # the same client, the reference: fine
    assert run.ratio("python", "python", "unary") is None
    for name in ("python", "go"):
        lied = run.cell("liar", name, "unary")
        assert lied.outcome is Outcome.FAILED and lied.problem == "reported 1 calls; 50 were asked for"
        assert run.cell("nobench", name, "unary").outcome is Outcome.UNSUPPORTED
    text = markdown(run)
    assert "- `python` unary against `python`: errors: 50 of 50 calls failed; first error: code 2" in text
    assert "Unsupported (no `bench` feature, not a failure): nobench." in text
    assert not any(run.process_problems.values())  # every process answered and exited 0


def test_a_hanging_client_is_named_killed_and_the_run_ends(tmp_path) -> None:
    sleeper = script_client(tmp_path, "sleeper", SLEEPER, ["unary", "bench"])
    backends = [make_backend("native", Progress(quiet=True), server("go"), hooks=False)]
    options = Options(calls=10, concurrency=2, warmup=0, seconds=2, kinds=("unary",))
    run = bench(backends, [sleeper], options)
    cell = run.cell("sleeper", "go", "unary")
    assert cell.outcome is Outcome.FAILED
    assert cell.problem == (
        "hung: no result within the per-client deadline of 2 s; the process was killed (unary bench against go)"
    )
    assert run.process_problems["sleeper"] == ["sleeper: sleeper process 1 hung on the unary bench against go"]
    assert run.seconds < 30


@pytest.fixture(autouse=True, scope="module")
def built() -> None:
    """The Python client and both servers, built (or found up to date) once."""
    progress = Progress(quiet=True)
    for name in ("python", "go"):
        make_backend("native", progress, server(name), hooks=False).prepare_server()
    NativeBackend(progress)._build_client(python_client())
