"""Contract v2 conformance (clients/conformance.yaml) of every client, run natively.

The native backend builds the server and the clients (skipping builds that are up to date) and
starts the Python server with its test hooks; the suite then drives each client's native command
against it, one fresh process per check.
"""

import os

import pytest

from teams_interop import clients as client_manifests
from teams_interop.backends.native import NativeBackend
from teams_interop.conformance import run_conformance
from teams_interop.progress import Progress

CLIENTS = client_manifests.discover()


@pytest.fixture(scope="module")
def server():
    with NativeBackend(Progress(quiet=True)) as backend:
        backend.prepare_server()
        backend.start_server()
        yield backend


@pytest.mark.parametrize("client", CLIENTS, ids=[client.language for client in CLIENTS])
def test_conformance(server, client) -> None:
    server.prepare([client])
    env = {**os.environ, "TEAMS_PROTO_DIR": str(server.clients_root / "proto")}
    failures = run_conformance(list(client.native.run), server.target, cwd=client.directory, env=env)
    assert not failures, f"{client.language} breaks the contract:\n" + "\n".join(failures)
