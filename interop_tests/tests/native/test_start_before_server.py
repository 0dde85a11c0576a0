"""Every client may start before the server listens.

The harness starts each client's process as soon as the server's address is known, so that its
start-up overlaps the server's, and sends it cases only once the server serves. A client that
connects early (a warm-up) must not then fail those cases with UNAVAILABLE while its channel
waits out gRPC's reconnect backoff: the Java client did, and 48 of its cells against the Node
server went red in a fresh-clone CI run. Each client here is started against a port nobody
listens on; two seconds later the server starts there, and the case sent once it serves must
pass.
"""

import json
import os
import queue
import subprocess
import time

import pytest

from teams_interop import clients as client_manifests
from teams_interop.backends.native import NativeBackend
from teams_interop.health import wait_until_serving
from teams_interop.progress import Progress
from tests.helpers import free_port

CLIENTS = client_manifests.discover()
CASE = {"id": "early", "method": "Teams/GetTeam", "requests": [{"city": "Chicago"}], "timeout_ms": 10000}


@pytest.fixture(scope="module")
def backend():
    with NativeBackend(Progress(quiet=True)) as backend:
        backend.prepare_server()
        yield backend


@pytest.mark.parametrize("client", CLIENTS, ids=[client.language for client in CLIENTS])
def test_a_client_started_before_the_server_listens_answers_once_it_serves(backend, client) -> None:
    backend.prepare([client])
    port = free_port()
    backend.target = f"127.0.0.1:{port}"  # where the client is pointed; nothing listens there yet
    early = backend.spawn(client, 1)
    server = None
    try:
        time.sleep(2.0)  # the client is up, and found nothing listening if it looked
        argv, extra = backend.server_command()
        server = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", str(port)],
            cwd=backend.server_dir,
            env={**os.environ, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_serving(backend.target, timeout=30)
        early.send(json.dumps(CASE))
        try:
            line = early.lines.get(timeout=30)
        except queue.Empty:
            line = None
        assert line, f"{client.language} answered nothing within 30 s:\n{early.stderr}"
        result = json.loads(line)
        assert result["status"]["code"] == 0, f"{client.language}: {result['status']}"
        assert result["responses"] == [{"city": "Chicago", "nickname": "Jackals"}]
    finally:
        early.kill()
        if server is not None:
            server.kill()
            server.wait(timeout=10)
