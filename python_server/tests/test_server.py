"""The Teams server on its own: answers, bad input, test hooks off by default, graceful shutdown."""

import logging
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

from teams_server.server import ServerOptions, TeamsServer


def start(**options) -> TeamsServer:
    server = TeamsServer(ServerOptions(host="127.0.0.1", port=0, grace_seconds=5, **options))
    server.start()
    return server


@pytest.fixture
def server():
    running = start()
    yield running
    running.stop()


@pytest.fixture
def hooked_server():
    running = start(test_hooks=True)
    yield running
    running.stop()


def stub_for(server: TeamsServer):
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    return channel, teams_pb2_grpc.TeamsStub(channel)


def test_known_and_unknown_city(server) -> None:
    channel, stub = stub_for(server)
    with channel:
        assert stub.GetTeam(teams_pb2.TeamRequest(city="Seattle")).nickname == "Orcas"
        assert stub.GetTeam(teams_pb2.TeamRequest(city="Miami")).nickname == "not a member"


def test_empty_city_is_invalid_argument(server) -> None:
    channel, stub = stub_for(server)
    with channel, pytest.raises(grpc.RpcError) as raised:
        stub.GetTeam(teams_pb2.TeamRequest(city=""))
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == "city must not be empty"


def test_calls_are_logged_with_their_metadata(server, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="teams_server.calls")
    channel, stub = stub_for(server)
    with channel:
        stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), metadata=[("x-trace", "abc")])
    assert any("/Teams/GetTeam" in r.message and "'x-trace': 'abc'" in r.message for r in caplog.records)


def test_hook_metadata_is_ignored_without_the_flag(server) -> None:
    channel, stub = stub_for(server)
    hooks = [("x-teams-status-code", "13"), ("x-teams-echo-initial", "a")]
    with channel:
        response, call = stub.GetTeam.with_call(teams_pb2.TeamRequest(city="Boston"), metadata=hooks)
    assert response.nickname == "Revolutionaries"
    assert dict(call.initial_metadata()).get("x-teams-echo-initial") is None


def test_hooks_force_a_status_when_enabled(hooked_server) -> None:
    channel, stub = stub_for(hooked_server)
    hooks = [("x-teams-status-code", "13"), ("x-teams-status-message-bin", "boom ☺".encode())]
    with channel, pytest.raises(grpc.RpcError) as raised:
        stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), metadata=hooks)
    assert raised.value.code() is grpc.StatusCode.INTERNAL
    assert raised.value.details() == "boom ☺"


def test_malformed_hook_is_invalid_argument(hooked_server) -> None:
    channel, stub = stub_for(hooked_server)
    with channel, pytest.raises(grpc.RpcError) as raised:
        stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), metadata=[("x-teams-delay-ms", "soon")])
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "x-teams-delay-ms must be an integer" in raised.value.details()


def test_delay_from_spares_the_responses_before_it(hooked_server) -> None:
    """x-teams-delay-from: 1: the first response at once, the delay before each later one."""
    channel, stub = stub_for(hooked_server)
    hooks = [("x-teams-delay-ms", "1000"), ("x-teams-delay-from", "1")]
    with channel:
        started = time.monotonic()
        stream = stub.ListTeams(teams_pb2.ListTeamsRequest(), metadata=hooks, timeout=30)
        arrivals = []
        for _ in range(2):
            next(stream)
            arrivals.append(time.monotonic() - started)
        stream.cancel()
    assert arrivals[0] < 0.9, arrivals  # not delayed (a loaded machine still answers within 0.9 s)
    assert arrivals[1] >= 1.0, arrivals  # the second one is


def test_delay_from_past_a_unary_response_means_no_delay(hooked_server) -> None:
    channel, stub = stub_for(hooked_server)
    with channel:
        started = time.monotonic()
        stub.GetTeam(
            teams_pb2.TeamRequest(city="Boston"), metadata=[("x-teams-delay-ms", "3000"), ("x-teams-delay-from", "1")]
        )
    assert time.monotonic() - started < 2


def test_delay_then_deadline_keeps_the_responses_before_it(hooked_server) -> None:
    """The catalogue's deadline_server_stream_exceeded, against the server alone."""
    channel, stub = stub_for(hooked_server)
    hooks = [("x-teams-delay-ms", "2000"), ("x-teams-delay-from", "1")]
    received = []
    with channel, pytest.raises(grpc.RpcError) as raised:
        for response in stub.ListTeams(teams_pb2.ListTeamsRequest(), metadata=hooks, timeout=1):
            received.append(response.city)
    assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert received == ["Chicago"]


@pytest.mark.parametrize("value", ["-1", "first"])
def test_malformed_delay_from_is_invalid_argument(hooked_server, value) -> None:
    channel, stub = stub_for(hooked_server)
    with channel, pytest.raises(grpc.RpcError) as raised:
        stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), metadata=[("x-teams-delay-from", value)])
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "x-teams-delay-from must" in raised.value.details()


def test_health_serving_then_not_serving_on_stop() -> None:
    running = start()
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "Teams"):
            reply = health.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    running.stop()
    channel, stub = stub_for(running)
    with channel, pytest.raises(grpc.RpcError) as raised:
        stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=2)
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_stop_lets_an_in_flight_call_finish() -> None:
    running = start(test_hooks=True)
    channel, stub = stub_for(running)
    with channel:
        future = stub.GetTeam.future(teams_pb2.TeamRequest(city="Detroit"), metadata=[("x-teams-delay-ms", "800")])
        time.sleep(0.2)  # the call is now in flight
        stopper = threading.Thread(target=running.stop)
        stopper.start()
        assert future.result(timeout=10).nickname == "Wheels"
        stopper.join(timeout=10)


def test_sigterm_drains_and_exits_zero(tmp_path) -> None:
    """The real command: SIGTERM stops new calls but the slow one in flight still succeeds."""
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "teams_server", "--host", "127.0.0.1", "--port", "0", "--test-hooks"],
        stderr=subprocess.PIPE,
        text=True,
    )
    port = None
    for line in process.stderr:
        log.write(line)
        if "listening on" in line:
            port = int(line.rsplit(":", 1)[1].split()[0])
            break
    assert port, "the server never said where it listens"
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        future = stub.GetTeam.future(teams_pb2.TeamRequest(city="Seattle"), metadata=[("x-teams-delay-ms", "800")])
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        assert future.result(timeout=10).nickname == "Orcas"
    assert process.wait(timeout=15) == 0


def test_port_in_use_is_a_clear_error(server) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "teams_server", "--host", "127.0.0.1", "--port", str(server.port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert f"127.0.0.1:{server.port}" in done.stderr
