"""Every client's and server's own tests (``[native] test`` in its client.toml or server.toml),
run after its native build (the Python server's run in the unit tier itself: python_server/tests)."""

import os
import subprocess

import pytest

from teams_interop import clients as client_manifests
from teams_interop import servers as server_manifests
from teams_interop.backends.native import NativeBackend
from teams_interop.progress import Progress

TESTED = [client for client in client_manifests.discover() if client.test]
TESTED_SERVERS = [server for server in server_manifests.discover() if server.native.test]
TIMEOUT_SECONDS = 900


def test_the_reference_clients_have_tests() -> None:
    assert {"python", "go", "node"} <= {client.language for client in TESTED}


@pytest.mark.parametrize("client", TESTED, ids=[client.language for client in TESTED])
def test_client_own_tests(client) -> None:
    backend = NativeBackend(Progress(quiet=True))
    backend.prepare([client])  # the tests may need the generated stubs
    run_tests(client.test, client.directory, backend.clients_root / "proto")


def test_the_other_servers_have_tests() -> None:
    assert {"go", "node"} <= {server.name for server in TESTED_SERVERS}


@pytest.mark.parametrize("server", TESTED_SERVERS, ids=[server.name for server in TESTED_SERVERS])
def test_server_own_tests(server) -> None:
    backend = NativeBackend(Progress(quiet=True), server=server)
    backend.prepare_server()
    run_tests(server.native.test, server.directory, backend.server_root / "proto")


def run_tests(steps, directory, proto) -> None:
    env = {**os.environ, "TEAMS_PROTO_DIR": str(proto)}
    for step in steps:
        done = subprocess.run(
            list(step), cwd=directory, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
        assert done.returncode == 0, (
            f"`{' '.join(step)}` exited {done.returncode}\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )
