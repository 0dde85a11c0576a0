"""Bounded concurrency: idle streams do not starve anyone, past the limit calls fail fast."""

import queue
import time

import grpc
import pytest
import teams_pb2
import teams_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def open_idle_streams(stub, count):
    """``count`` GetTeams streams, each having sent nothing yet; returns their feeders and calls."""
    feeders, calls = [], []
    for _ in range(count):
        feed = queue.Queue()
        calls.append(stub.GetTeams(iter(feed.get, None)))
        feeders.append(feed)
    return feeders, calls


def close(feeders, calls):
    for feed in feeders:
        feed.put(None)
    for call in calls:
        call.cancel()


def timed(call, *args, **kwargs):
    start = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - start


def test_200_idle_streams_leave_room_for_unary_and_health(command) -> None:
    server = command()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        health = health_pb2_grpc.HealthStub(channel)
        stub.GetTeam(teams_pb2.TeamRequest(city="Boston"))  # connected and warm
        feeders, calls = open_idle_streams(stub, 200)
        try:
            time.sleep(1.0)  # every stream now holds a server thread
            worst = 0.0
            for _ in range(5):
                reply, took = timed(stub.GetTeam, teams_pb2.TeamRequest(city="Seattle"), timeout=5)
                assert reply.nickname == "Orcas"
                worst = max(worst, took)
                reply, took = timed(health.Check, health_pb2.HealthCheckRequest(), timeout=5)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
                worst = max(worst, took)
            print(f"worst latency with 200 idle streams: {worst * 1000:.1f} ms")
            assert worst < 0.1
            feeders[0].put(teams_pb2.TeamRequest(city="Detroit"))
            assert next(calls[0]).nickname == "Wheels"  # the idle streams still work
        finally:
            close(feeders, calls)


def test_past_the_limit_teams_calls_fail_fast_and_health_answers(command) -> None:
    server = command("--max-concurrent-calls", "5", "--workers", "8")
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        feeders, calls = open_idle_streams(stub, 5)
        try:
            time.sleep(0.5)
            for _ in range(20):  # more than the pool: refusals must not pile up
                with pytest.raises(grpc.RpcError) as raised:
                    timed(stub.GetTeam, teams_pb2.TeamRequest(city="Boston"), timeout=5)
                assert raised.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
            start = time.perf_counter()
            with pytest.raises(grpc.RpcError) as raised:
                stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=5)
            assert time.perf_counter() - start < 0.1, "refused at once, not queued"
            assert "limit 5" in raised.value.details()
            health = health_pb2_grpc.HealthStub(channel)
            for _ in range(20):
                reply, took = timed(health.Check, health_pb2.HealthCheckRequest(service="Teams"), timeout=5)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING and took < 0.1
            services, took = timed(ProtoReflectionDescriptorDatabase(channel).get_services)
            assert "Teams" in services and took < 0.5  # reflection answers at the limit too
        finally:
            close(feeders, calls)
        time.sleep(0.5)  # the slots come back once the streams end
        assert stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=5).nickname == "Revolutionaries"


def test_a_silent_stream_is_ended_with_a_clear_status(command) -> None:
    server = command("--stream-idle-timeout", "1")
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        feed = queue.Queue()
        call = stub.GetTeams(iter(feed.get, None))
        feed.put(teams_pb2.TeamRequest(city="Boston"))
        assert next(call).nickname == "Revolutionaries"
        start = time.monotonic()
        with pytest.raises(grpc.RpcError) as raised:
            next(call)
        feed.put(None)
        assert raised.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        assert "stream idle for 1s" in raised.value.details()
        assert 0.8 < time.monotonic() - start < 3
        # the slot was given back and the server is fine
        assert stub.GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=5).nickname == "Revolutionaries"
    assert "Traceback" not in server.log


def test_settings_are_printed_at_start_up(command) -> None:
    server = command("--max-concurrent-calls", "7", "--keepalive-time", "30")
    assert "max_concurrent_calls=7" in server.log and "workers=23" in server.log
    assert "keepalive_time=30s" in server.log and "stream_idle=300s" in server.log
