"""The native server listens on a port the harness picked, so that the clients start beside it,
not after it; should another process hold that port by then, the server starts again on a port of
its own choosing and the clients with it: the run passes, nobody is blamed, and it says why."""

import socket

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop.backends import native
from teams_interop.backends.native import NativeBackend
from teams_interop.cases import load_catalogue
from teams_interop.matrix import run_matrix
from teams_interop.progress import Progress
from teams_interop.schema import ProtoSchema


class Recorded(Progress):
    def __init__(self) -> None:
        super().__init__(quiet=True)
        self.said: list[str] = []

    def step(self, who: str, what: str) -> None:
        self.said.append(f"{who}: {what}")
        super().step(who, what)


def test_a_port_taken_meanwhile_moves_the_server_and_the_clients_with_it(monkeypatch) -> None:
    schema = ProtoSchema.compile(paths.layout().proto_dir)
    cases = [case for case in load_catalogue(schema) if case.id.startswith("get_team_")]
    clients = [client for client in client_manifests.discover() if client.language in ("python", "go")]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        monkeypatch.setattr(native, "_free_port", lambda: taken)
        progress = Recorded()
        with NativeBackend(progress) as backend:
            matrix = run_matrix(backend, clients, cases, schema, progress)
            assert backend.moved and backend.target != f"127.0.0.1:{taken}"
    assert not matrix.failed, matrix.process_problems
    assert {len(matrix.applicable(cases))} == {len(results) for results in matrix.results.values()}
    assert any("starting it again on a port of its own choosing" in line for line in progress.said), progress.said
