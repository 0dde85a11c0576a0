"""Faults planted on purpose, and the exact verdict and blame the harness must give each.

A harness is worth the trust in its verdicts: a wrong answer must go red, an honest language must
stay green, a hung or lying process must be named, and every run must end in bounded time. The
misbehaving clients are small client folders made here (``planted/wrapper.py`` around the real
Python client), never edits to the real clients; the wrong server is the real one with one
nickname changed in its own copy of the roster, in memory.
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from teams_interop import clients as client_manifests
from teams_interop import paths, roster, sessions
from teams_interop.backends.native import NativeBackend
from teams_interop.cases import load_catalogue
from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun, run_matrix
from teams_interop.progress import Progress
from teams_interop.schema import ProtoSchema
from teams_interop.sessions import WATCHDOG_SLACK_SECONDS

WRAPPER = Path(__file__).parent / "planted" / "wrapper.py"
STREAMED = "list_teams_two"  # two responses: reversed, they are wrong
SHORT_DEADLINE = "deadline_unary_exceeded"  # 300 ms


@pytest.fixture(scope="module")
def schema() -> ProtoSchema:
    return ProtoSchema.compile(paths.layout().proto_dir)


@pytest.fixture(scope="module")
def catalogue(schema):
    return load_catalogue(schema)


@pytest.fixture(scope="module")
def real_python_client() -> Path:
    """The real Python client, built (or found up to date) natively."""
    spec = next(c for c in client_manifests.discover() if c.language == "python")
    NativeBackend(Progress(quiet=True))._build_client(spec)
    return spec.directory


def make_client(folder: Path, language: str, mode: str, case_id: str, real: Path) -> None:
    """A client folder whose `run` is the wrapper in ``mode``."""
    directory = folder / language
    directory.mkdir(parents=True)
    python = real / ".venv" / "bin" / "python"
    marker = directory / "hung-once"
    run = [str(python), str(WRAPPER), mode, case_id, str(real), "{target}", str(marker)]
    features = sorted(client_manifests.FEATURES - {"tls", "mtls", "compression", "bench"})
    (directory / "client.toml").write_text(
        f'language = "{language}"\nsummary = "planted: {mode}"\nfeatures = {features!r}\n'
        f"[native]\nrun = {run!r}\n[docker]\nrun = []\n".replace("'", '"')
    )


def run(clients_dir: Path, cases, schema, backend=None) -> MatrixRun:
    specs = client_manifests.discover(clients_dir)
    with backend or NativeBackend(Progress(quiet=True)) as chosen:
        return run_matrix(chosen, specs, cases, schema, Progress(quiet=True))


def pick(catalogue, *ids: str):
    return [case for case in catalogue if case.id in ids]


def test_a_lying_client_fails_alone(tmp_path, catalogue, schema, real_python_client) -> None:
    make_client(tmp_path, "honest", "honest", STREAMED, real_python_client)
    make_client(tmp_path, "liar", "liar", STREAMED, real_python_client)
    matrix = run(tmp_path, pick(catalogue, STREAMED, "get_team_known_city"), schema)
    assert matrix.verdict("liar", STREAMED).outcome is Outcome.FAIL
    assert matrix.verdict("liar", STREAMED).problems[-1] == "liar alone differs; honest matches the expectation"
    assert matrix.verdict("honest", STREAMED).outcome is Outcome.PASS
    assert matrix.verdict("liar", "get_team_known_city").outcome is Outcome.PASS
    assert not any(matrix.process_problems.values())


def test_a_client_exiting_non_zero_fails_its_process_row(tmp_path, catalogue, schema, real_python_client) -> None:
    make_client(tmp_path, "quitter", "exit1", "", real_python_client)
    matrix = run(tmp_path, pick(catalogue, "get_team_known_city"), schema)
    assert matrix.verdict("quitter", "get_team_known_city").outcome is Outcome.PASS  # its answer was right
    assert matrix.process_problems["quitter"] == ["quitter: quitter process 1 exited 1 after its last result"]
    assert "planted exit1: done" in matrix.sessions["quitter"].stderr  # stderr kept
    assert matrix.failed


def test_a_lingering_client_is_killed_after_the_grace_period(tmp_path, catalogue, schema, real_python_client) -> None:
    make_client(tmp_path, "lingerer", "linger", "", real_python_client)
    started = time.monotonic()
    matrix = run(tmp_path, pick(catalogue, "get_team_known_city"), schema)
    assert time.monotonic() - started < 60
    assert matrix.process_problems["lingerer"] == [
        "lingerer: lingerer process 1 was still running 5 s after its last result (killed)"
    ]


def test_a_client_hanging_on_one_case_is_named_and_restarted(
    tmp_path, catalogue, schema, real_python_client, monkeypatch
) -> None:
    make_client(tmp_path, "hanger", "hang", SHORT_DEADLINE, real_python_client)
    make_client(tmp_path, "honest", "honest", SHORT_DEADLINE, real_python_client)
    # one case at a time, the hung one second (after the process's first answer, so no start-up
    # allowance applies): every case after it is still owed when it hangs
    monkeypatch.setattr(sessions, "WINDOW", 1)
    by_id = {case.id: case for case in catalogue}
    cases = [by_id[name] for name in ("get_team_known_city", SHORT_DEADLINE, STREAMED, "deadline_met")]
    matrix = run(tmp_path, cases, schema)
    hung = matrix.verdict("hanger", SHORT_DEADLINE)
    assert hung.outcome is Outcome.FAIL
    assert "hung: no result within 5.3 s (its deadline of 300 ms plus 5 s)" in hung.explanation
    assert hung.problems[-1] == "hanger alone differs; honest matches the expectation"
    session = matrix.sessions["hanger"]
    # reported within its deadline plus the watchdog's slack plus a little
    assert session.answers[SHORT_DEADLINE].seconds < 0.3 + WATCHDOG_SLACK_SECONDS + 2
    assert session.processes == 2  # a fresh process answered the three cases still owed
    for other in [case.id for case in cases if case.id != SHORT_DEADLINE]:
        assert matrix.verdict("hanger", other).outcome is Outcome.PASS, other
        assert matrix.verdict("honest", other).outcome is Outcome.PASS, other
    assert matrix.verdict("honest", SHORT_DEADLINE).outcome is Outcome.PASS
    assert matrix.process_problems["hanger"] == [f"hanger: hanger process 1 hung on {SHORT_DEADLINE} (killed)"]
    assert matrix.process_problems["honest"] == []


class PlantedServer(NativeBackend):
    """The real server, with its own roster patched in memory before it starts."""

    def __init__(self, patch: str) -> None:
        super().__init__(Progress(quiet=True))
        self.patch = patch

    def server_command(self):
        argv, env = super().server_command()
        python = Path(argv[0]).parent / "python"
        start = (
            "import sys, time, types, teams_server.roster as r; {}; from teams_server.cli import main; sys.exit(main())"
        )
        return [str(python), "-c", start.format(self.patch)], env


def wrong_nickname(city: str) -> PlantedServer:
    return PlantedServer(f"r.TEAMS = types.MappingProxyType({{**r.TEAMS, {city!r}: 'Impostors'}})")


def slow_city(city: str, seconds: float) -> PlantedServer:
    return PlantedServer(
        f"known = r.nickname; r.nickname = lambda c: (time.sleep({seconds}) if c == {city!r} else None) or known(c)"
    )


def test_a_server_answering_one_city_3_s_late_fails_the_latency_budget(tmp_path, catalogue, schema, real_python_client):
    make_client(tmp_path, "one", "honest", "", real_python_client)
    matrix = run(tmp_path, pick(catalogue, "latency_unary", "get_team_known_city"), schema, slow_city("Chicago", 3))
    verdict = matrix.verdict("one", "latency_unary")
    assert verdict.outcome is Outcome.FAIL
    assert "over the case's latency budget of 2500 ms" in verdict.explanation
    assert matrix.verdict("one", "get_team_known_city").outcome is Outcome.PASS  # right, only late


STREAM_DEADLINE = "deadline_server_stream_exceeded"  # the first response at once, the second 1.5 s late
MISTIMED = {
    # x-teams-delay-from ignored: every response 3 s late, the first too (past the 1.5 s deadline)
    "first_late": "import teams_server.hooks as h; h.DELAY_FROM = 'x-not-read'",
    # the delay starting one response late: the second arrives at once, before the deadline
    "second_early": "import teams_server.hooks as h; p = h.Hooks.pause; h.Hooks.pause = lambda s, c, i=0: p(s, c, i-1)",
}


@pytest.mark.parametrize("fault", sorted(MISTIMED))
def test_a_server_mistiming_the_stream_deadline_case_turns_it_red(
    fault, tmp_path, catalogue, schema, real_python_client
):
    make_client(tmp_path, "one", "honest", "", real_python_client)
    matrix = run(tmp_path, pick(catalogue, STREAM_DEADLINE, "deadline_met"), schema, PlantedServer(MISTIMED[fault]))
    verdict = matrix.verdict("one", STREAM_DEADLINE)
    assert verdict.outcome is Outcome.FAIL
    wrong = '-      "nickname": "Jackals"' if fault == "first_late" else '+      "nickname": "Wheels"'
    assert wrong in verdict.explanation
    assert matrix.verdict("one", "deadline_met").outcome is Outcome.PASS


@pytest.mark.parametrize("city", list(roster.teams()))
def test_a_wrong_nickname_in_the_server_turns_the_matrix_red(city, tmp_path, catalogue, schema, real_python_client):
    make_client(tmp_path, "one", "honest", "", real_python_client)
    make_client(tmp_path, "two", "honest", "", real_python_client)
    slug = city.lower().replace(" ", "_")
    matrix = run(tmp_path, [c for c in catalogue if c.id.startswith("get_team_")], schema, wrong_nickname(city))
    assert matrix.failed
    failing = {case_id for (_, case_id), v in matrix.verdicts.items() if v.outcome is Outcome.FAIL}
    assert f"get_team_roster_{slug}" in failing
    verdict = matrix.verdict("one", f"get_team_roster_{slug}")
    assert '+      "nickname": "Impostors"' in verdict.explanation
    assert verdict.problems[-1] == (
        "all languages agree with each other and differ from the expectation: the server or the case is wrong"
    )


def test_the_command_exits_1_on_a_failure_and_names_the_culprit(tmp_path, real_python_client) -> None:
    make_client(tmp_path, "honest", "honest", STREAMED, real_python_client)
    make_client(tmp_path, "liar", "liar", STREAMED, real_python_client)
    done = subprocess.run(
        [sys.executable, "-m", "teams_interop", "run", "--clients-dir", str(tmp_path), "--cases", STREAMED],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "liar alone differs; honest matches the expectation" in done.stdout
    assert "honest   60 passed" not in done.stdout and "honest" in done.stdout
