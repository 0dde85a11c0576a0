"""Secrets stay out of logs; TLS, mTLS and the bearer token; reflection."""

import json

import grpc
import pytest
import teams_pb2
import teams_pb2_grpc
from certs import make_pki
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

SECRETS = {
    "authorization": "Bearer s3cret-authorization-0001",
    "cookie": "session=s3cret-cookie-0002",
    "x-api-key": "s3cret-api-key-0003",
    "proxy-authorization": "Basic s3cret-proxy-0004",
    "x-internal-password": "s3cret-custom-0005",
}


def request(port: int, metadata=(), credentials=None, city="Boston"):
    target = f"127.0.0.1:{port}" if credentials is None else f"localhost:{port}"
    channel = grpc.insecure_channel(target) if credentials is None else grpc.secure_channel(target, credentials)
    with channel:
        return teams_pb2_grpc.TeamsStub(channel).GetTeam(teams_pb2.TeamRequest(city=city), metadata=metadata, timeout=5)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_planted_secrets_never_reach_the_log(command, log_format) -> None:
    server = command("--log-level", "DEBUG", "--log-format", log_format, "--redact", "passw(or)?d")
    long_value = "v" * 5000
    metadata = [
        *SECRETS.items(),
        ("x-trace", "visible-trace"),
        ("x-long", long_value),
        ("x-blob-bin", b"\x00" * 77),
    ]
    assert request(server.port, metadata).nickname == "Revolutionaries"
    server.stop()
    log = server.log
    for secret in SECRETS.values():
        assert secret.split()[-1] not in log
    assert "visible-trace" in log and "<77 bytes>" in log
    assert long_value not in log and "<5000 chars>" in log
    if log_format == "json":
        entries = [json.loads(line) for line in log.splitlines()]  # every line is one object
        call = next(e for e in entries if e.get("method") == "/Teams/GetTeam")
        assert call["metadata"]["authorization"] == "<redacted>"
        assert call["metadata"]["x-internal-password"] == "<redacted>"


def test_calls_are_not_logged_at_info(command) -> None:
    server = command()
    request(server.port, [("x-trace", "quiet-please")])
    server.stop()
    assert "quiet-please" not in server.log


def test_tls_only(command, tmp_path) -> None:
    pki = make_pki(tmp_path)
    server = command("--tls-cert", str(pki / "server.crt"), "--tls-key", str(pki / "server.key"))
    trusted = grpc.ssl_channel_credentials((pki / "ca.crt").read_bytes())
    assert request(server.port, credentials=trusted).nickname == "Revolutionaries"
    with pytest.raises(grpc.RpcError) as raised:
        request(server.port)  # plaintext is refused
    assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_mtls_requires_a_client_certificate_from_the_ca(command, tmp_path) -> None:
    pki = make_pki(tmp_path)
    (tmp_path / "other").mkdir()
    other = make_pki(tmp_path / "other", ca_name="someone else")
    server = command(
        "--tls-cert",
        str(pki / "server.crt"),
        "--tls-key",
        str(pki / "server.key"),
        "--tls-client-ca",
        str(pki / "ca.crt"),
    )
    ca = (pki / "ca.crt").read_bytes()
    with_client = grpc.ssl_channel_credentials(ca, (pki / "client.key").read_bytes(), (pki / "client.crt").read_bytes())
    assert request(server.port, credentials=with_client).nickname == "Revolutionaries"
    for refused in (
        grpc.ssl_channel_credentials(ca),
        grpc.ssl_channel_credentials(ca, (other / "client.key").read_bytes(), (other / "client.crt").read_bytes()),
    ):
        with pytest.raises(grpc.RpcError) as raised:
            request(server.port, credentials=refused)
        assert raised.value.code() is grpc.StatusCode.UNAVAILABLE


def test_bearer_token_guards_teams_but_not_health_or_reflection(command, tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t0ken-value\n")
    server = command("--require-token", str(token_file), "--log-level", "DEBUG")
    good = [("authorization", "Bearer t0ken-value")]
    assert request(server.port, good).nickname == "Revolutionaries"
    for bad in ([], [("authorization", "Bearer wrong")], [("authorization", "t0ken-value")]):
        with pytest.raises(grpc.RpcError) as raised:
            request(server.port, bad)
        assert raised.value.code() is grpc.StatusCode.UNAUTHENTICATED
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        assert "Teams" in ProtoReflectionDescriptorDatabase(channel).get_services()
    server.stop()
    assert "t0ken-value" not in server.log


def test_reflection_describes_the_service(command) -> None:
    server = command()
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = database.get_services()
        assert {"Teams", "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= set(services)
        pool = descriptor_pool.DescriptorPool(database)
        teams = pool.FindServiceByName("Teams")
        assert [m.name for m in teams.methods] == ["GetTeam", "ListTeams", "SummarizeTeams", "GetTeams"]
        assert pool.FindMessageTypeByName("TeamResponse").fields_by_name["nickname"].number == 2


def test_no_reflection_turns_it_off(command) -> None:
    server = command("--no-reflection")
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        with pytest.raises(grpc.RpcError) as raised:
            ProtoReflectionDescriptorDatabase(channel).get_services()
        assert raised.value.code() is grpc.StatusCode.UNIMPLEMENTED
