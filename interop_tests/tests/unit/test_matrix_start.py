"""The matrix's start-up order, on a scripted backend: the clients start as soon as the server's
address is known (their start-up overlaps the server's), the variants once they are up; a server
that never serves takes the early clients down with it, one that cannot start starts no client."""

import threading
import time

import pytest

from teams_interop.backends import Backend, EnvironmentProblem
from teams_interop.cases import Case, Expectation, Variants
from teams_interop.matrix import VARIANTS_WAIT_FOR_CLIENTS_SECONDS, MatrixRun, start_servers
from teams_interop.progress import Progress
from teams_interop.servers import default
from tests.helpers import make_client
from tests.unit.test_sessions import Scripted


class ScriptedBackend(Backend):
    """Notes when each step happened; the server serves ``serve_after`` seconds after launch."""

    name = "scripted"

    def __init__(self, serve_after: float = 0.3, serves: bool = True) -> None:
        super().__init__(Progress(stream=None), default())
        self.serve_after, self.serves = serve_after, serves
        self.events: dict[str, float] = {}
        self.spawned: list[Scripted] = []
        self.target = ""

    def prepare(self, clients) -> None:
        self.events["built"] = time.monotonic()

    def launch_server(self) -> None:
        self.target = "127.0.0.1:1"
        self.events["launched"] = time.monotonic()

    def await_server(self) -> None:
        time.sleep(self.serve_after)
        if not self.serves:
            raise EnvironmentProblem("the Teams server at 127.0.0.1:1 did not become healthy")
        self.events["serving"] = time.monotonic()

    def start_variants(self, needed: set[str]) -> Variants:
        self.events["variants"] = time.monotonic()
        return Variants({variant: "127.0.0.1:2" for variant in needed})

    def spawn(self, client, attempt: int) -> Scripted:
        self.events[f"spawned {client.language}"] = time.monotonic()
        process = Scripted()
        self.spawned.append(process)
        return process

    def close(self) -> None:
        pass


CASES = [
    Case("plain", "Teams/GetTeam", ({},), Expectation(), frozenset()),
    Case("secure", "Teams/GetTeam", ({},), Expectation(), frozenset(), server="tls"),
]


def test_clients_start_before_the_server_serves() -> None:
    backend = ScriptedBackend()
    clients = [make_client("go"), make_client("node")]
    matrix = MatrixRun(backend="scripted", cases=CASES, clients=clients)
    variants, first = start_servers(matrix, backend, clients, CASES)
    events = backend.events
    assert set(first) == {"go", "node"}
    assert events["launched"] <= events["spawned go"] < events["serving"]
    assert events["spawned node"] < events["serving"]
    assert variants.result().targets == {"tls": "127.0.0.1:2"}
    assert {"server start", "client builds"} <= set(matrix.phases)


def test_a_server_that_never_serves_stops_the_run_and_the_early_clients() -> None:
    backend = ScriptedBackend(serves=False)
    clients = [make_client("go")]
    matrix = MatrixRun(backend="scripted", cases=CASES, clients=clients)
    with pytest.raises(EnvironmentProblem, match="did not become healthy"):
        start_servers(matrix, backend, clients, CASES)
    assert [process.code for process in backend.spawned] == [-9]  # killed


def test_a_server_that_cannot_start_starts_no_client() -> None:
    backend = ScriptedBackend()

    def fails() -> None:
        raise EnvironmentProblem("cannot start the python server `teams-server`: no such file")

    backend.launch_server = fails
    clients = [make_client("go")]
    matrix = MatrixRun(backend="scripted", cases=CASES, clients=clients)
    with pytest.raises(EnvironmentProblem, match="cannot start the python server"):
        start_servers(matrix, backend, clients, CASES)
    assert backend.spawned == []


def test_the_variants_start_once_the_clients_are_up_or_a_second_after_serving() -> None:
    clients = [make_client("go")]
    for up_after, waited in ((0.2, 0.2), (None, VARIANTS_WAIT_FOR_CLIENTS_SECONDS)):
        backend, up = ScriptedBackend(), threading.Event()
        matrix = MatrixRun(backend="scripted", cases=CASES, clients=clients)
        variants, _ = start_servers(matrix, backend, clients, CASES, up)
        if up_after is not None:
            threading.Timer(up_after, up.set).start()
        variants.result()
        after_serving = backend.events["variants"] - backend.events["serving"]
        assert waited - 0.05 <= after_serving < waited + 0.3, (up_after, after_serving)
