"""Contract v2 conformance (clients/conformance.yaml) of every client, run natively.

The native backend builds the server and the clients (skipping builds that are up to date) and
starts the Python server with its test hooks; the suite then drives each client's native command
against it, one fresh process per check.
"""

import os
import sys

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


ONE_CHANNEL_CLIENT = """
import json, sys, threading
import grpc

args = sys.argv[1:]
default = args[args.index("--target") + 1]
honour_target = "--honour-target" in args
channels, lock = {}, threading.Lock()

def channel(target):
    with lock:
        if target not in channels:
            channels[target] = grpc.insecure_channel(target)
        return channels[target]

def run(case):
    city = case["requests"][0]["city"].encode()
    target = case.get("target", default) if honour_target else default
    call = channel(target).unary_unary("/Teams/GetTeam")
    metadata = [(key, value) for key, values in case.get("metadata", {}).items() for value in values]
    call(b"\\x0a" + bytes([len(city)]) + city, metadata=metadata, timeout=case["timeout_ms"] / 1000)
    with lock:
        print(json.dumps({"id": case["id"], "status": {"code": 0, "message": ""}, "responses": [{}]}), flush=True)

threads = []
for line in iter(sys.stdin.readline, ""):
    if line.strip():
        threads.append(threading.Thread(target=run, args=(json.loads(line),)))
        threads[-1].start()
for thread in threads:
    thread.join()
"""


@pytest.mark.parametrize("honour", [True, False], ids=["honours-target", "one-channel"])
def test_the_connection_check_fails_a_client_that_ignores_target(server, tmp_path, honour) -> None:
    """A client that sends every case down its one channel fails the check, by name, and the
    same client honouring `target` passes it."""
    script = tmp_path / "client.py"
    script.write_text(ONE_CHANNEL_CLIENT)
    command = [sys.executable, str(script), "--target", "{target}", *(["--honour-target"] if honour else [])]
    failures = run_conformance(command, server.target, only=["a_target_of_its_own_is_a_connection_of_its_own"])
    if honour:
        assert failures == []
    else:
        assert len(failures) == 1 and "1 connection(s) to the server while its calls were in flight" in failures[0]
