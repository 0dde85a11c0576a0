"""Operations: a drain a load balancer can see, the health command, --processes, encoding hooks."""

import queue
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest
import teams_pb2
import teams_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class Poller(threading.Thread):
    """Asks health and GetTeam every 50 ms, recording (time, health status, GetTeam outcome)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.seen: list[tuple[float, str, str]] = []
        self.done = threading.Event()

    def run(self) -> None:
        health = health_pb2_grpc.HealthStub(self.channel)
        stub = teams_pb2_grpc.TeamsStub(self.channel)
        while not self.done.is_set():
            try:
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(
                    health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                )
            except grpc.RpcError as error:
                status = error.code().name
            try:
                outcome = stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=1).nickname
            except grpc.RpcError as error:
                outcome = error.code().name
            self.seen.append((time.monotonic(), status, outcome))
            time.sleep(0.05)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)
        self.channel.close()


def test_sigterm_drain_is_visible_then_the_stream_finishes(command) -> None:
    server = command("--drain-seconds", "1.5", "--grace-seconds", "5")
    poller = Poller(server.port)
    poller.start()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        feed = queue.Queue()
        stream = teams_pb2_grpc.TeamsStub(channel).GetTeams(iter(feed.get, None))
        feed.put(teams_pb2.TeamRequest(city="Seattle"))
        assert next(stream).nickname == "Orcas"
        time.sleep(0.3)
        sent = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # draining: the long stream still answers
        feed.put(teams_pb2.TeamRequest(city="Detroit"))
        assert next(stream).nickname == "Wheels"
        feed.put(None)
        assert list(stream) == []
    assert server.process.wait(timeout=15) == 0
    poller.stop()
    before = [s for t, s, o in poller.seen if t < sent]
    draining = [(s, o) for t, s, o in poller.seen if sent + 0.2 < t < sent + 1.3]
    assert before and set(before) == {"SERVING"}
    assert draining and all(s == "NOT_SERVING" and o == "Revolutionaries" for s, o in draining), draining


def test_second_sigterm_skips_the_drain(command) -> None:
    server = command("--drain-seconds", "30")
    start = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=10) == 0
    assert time.monotonic() - start < 8
    assert "skipping the drain" in server.log


def test_health_command(command) -> None:
    server = command()
    check = [sys.executable, "-m", "teams_server.health", f"127.0.0.1:{server.port}"]
    done = subprocess.run(check, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "SERVING" in done.stdout
    server.stop()
    assert subprocess.run(check, capture_output=True, timeout=30).returncode == 1


def test_processes_share_the_port_and_a_used_port_is_still_an_error(command, tmp_path) -> None:
    server = command("--processes", "2")
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        assert stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=5).nickname == "Revolutionaries"
    time.sleep(1)
    assert server.log.count("listening on") == 2  # both workers bound the port
    taken = subprocess.run(
        [
            sys.executable,
            "-m",
            "teams_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(server.port),
            "--processes",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert taken.returncode == 2 and "cannot listen" in taken.stderr
    assert server.stop() == 0


@pytest.mark.parametrize("compression", [grpc.Compression.Gzip, grpc.Compression.Deflate, None])
def test_report_encoding_and_compress_response_hooks(command, compression) -> None:
    server = command("--test-hooks")
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        metadata = [("x-teams-report-encoding", "1"), ("x-teams-compress-response", "gzip")]
        big = "Boston" + " " * 500  # large enough that the client really compresses it
        reply, call = stub.GetTeam.with_call(
            teams_pb2.TeamRequest(city=big), metadata=metadata, compression=compression, timeout=5
        )
        assert reply.city == big
        expected = {grpc.Compression.Gzip: "gzip", grpc.Compression.Deflate: "deflate", None: "identity"}
        assert dict(call.trailing_metadata())["x-teams-request-encoding"] == expected[compression]
        streamed = stub.GetTeams(
            iter([teams_pb2.TeamRequest(city=big)]), metadata=metadata, compression=compression, timeout=5
        )
        assert [r.city for r in streamed] == [big]
        assert dict(streamed.trailing_metadata())["x-teams-request-encoding"] == expected[compression]
        # health still understands compressed requests in --test-hooks mode
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(), compression=compression, timeout=5).status == SERVING


def test_bad_compress_hook_is_invalid_argument(command) -> None:
    server = command("--test-hooks")
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        with pytest.raises(grpc.RpcError) as raised:
            teams_pb2_grpc.TeamsStub(channel).GetTeam(
                teams_pb2.TeamRequest(city="Boston"),
                metadata=[("x-teams-compress-response", "br")],
                timeout=5,
            )
        assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
