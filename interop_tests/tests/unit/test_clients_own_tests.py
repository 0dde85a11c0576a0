"""Every client's own tests (``[native] test`` in its client.toml), run after its native build."""

import os
import subprocess

import pytest

from teams_interop import clients as client_manifests
from teams_interop.backends.native import NativeBackend
from teams_interop.progress import Progress

TESTED = [client for client in client_manifests.discover() if client.test]
TIMEOUT_SECONDS = 900


def test_the_reference_clients_have_tests() -> None:
    assert {"python", "go", "node"} <= {client.language for client in TESTED}


@pytest.mark.parametrize("client", TESTED, ids=[client.language for client in TESTED])
def test_client_own_tests(client) -> None:
    backend = NativeBackend(Progress(quiet=True))
    backend.prepare([client])  # the tests may need the generated stubs
    env = {**os.environ, "TEAMS_PROTO_DIR": str(backend.clients_root / "proto")}
    for step in client.test:
        done = subprocess.run(
            list(step), cwd=client.directory, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
        assert done.returncode == 0, (
            f"`{' '.join(step)}` exited {done.returncode}\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )
