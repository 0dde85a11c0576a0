"""Contract v2 conformance (clients/conformance.yaml) of every client, run natively.

The native backend builds the server and the clients (as `./interop run` does, skipping builds
that are up to date) and starts the Python server with its test hooks; the suite then drives
each client's native command against it, one fresh process per check.
"""

import os

import pytest

from harness.backends.native import NativeBackend
from harness.conformance import run_conformance
from harness.paths import REPO
from harness.progress import Progress


@pytest.fixture(scope="module")
def native(plan):
    """The server, and every chosen client (conftest's `client` parameters, --languages) built."""
    with Progress() as progress, NativeBackend(progress) as backend:
        backend.prepare(plan.clients)
        backend.start_server()
        yield backend


def test_conformance(native, client) -> None:
    env = {**os.environ, "TEAMS_PROTO_DIR": str(REPO / "proto")}
    failures = run_conformance(list(client.native.run), native.target, cwd=client.directory, env=env)
    assert not failures, f"{client.language} breaks the contract:\n" + "\n".join(failures)
