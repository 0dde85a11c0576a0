"""Waits for a server's standard health service to answer SERVING, in plaintext or over TLS."""

import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from teams_interop.pki import SERVER_NAME, Pki

# A server still starting refuses the first connection (a container's published port answers
# before the server listens); gRPC's default reconnect backoff would then wait a full second.
RECONNECT = [
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 250),
]


def channel(target: str, authority: Pki | None = None, client_certificate: bool = False) -> grpc.Channel:
    """A plaintext channel, or (with the run's PKI) a TLS one that checks the name teams.test."""
    if authority is None:
        return grpc.insecure_channel(target, options=RECONNECT)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=authority.pem("ca.crt").encode(),
        private_key=authority.pem("client.key").encode() if client_certificate else None,
        certificate_chain=authority.pem("client.crt").encode() if client_certificate else None,
    )
    options = [("grpc.ssl_target_name_override", SERVER_NAME), *RECONNECT]
    return grpc.secure_channel(target, credentials, options=options)


def wait_until_serving(
    target: str, timeout: float = 30.0, authority: Pki | None = None, client_certificate: bool = False
) -> None:
    """Waits for SERVING; ``authority``: over TLS, with the client certificate if asked.

    The health call itself waits for the connection (``wait_for_ready``): a
    ``channel_ready_future`` leaves a connectivity poller behind that makes closing the channel
    take 0.2 s, on the path of every run (the server, then each variant). A connection that
    breaks as it opens (a container's published port answers before the server listens) is
    tried again until ``timeout``."""
    deadline = time.monotonic() + timeout
    with channel(target, authority, client_certificate) as ready:
        health = health_pb2_grpc.HealthStub(ready)
        while True:
            try:
                reply = health.Check(
                    health_pb2.HealthCheckRequest(),
                    timeout=max(0.05, deadline - time.monotonic()),
                    wait_for_ready=True,
                )
                break
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() >= deadline:
                    why = f"{error.code().name}: {error.details()}"
                    raise RuntimeError(f"the Teams server at {target} did not become healthy: {why}") from None
                time.sleep(0.05)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise RuntimeError(f"the Teams server at {target} reports {reply.status}, not SERVING")


def wait_for_target(
    address: str, ca: Path | None, server_name: str | None, has_health: bool, timeout: float = 30.0
) -> None:
    """A live target: answering within ``timeout`` (over TLS with ``ca``, checking
    ``server_name``), and SERVING when it has a health service. A target without one must still
    answer the health call with some status (UNIMPLEMENTED), which proves the connection."""
    if ca is None:
        ready = grpc.insecure_channel(address)
    else:
        options = [("grpc.ssl_target_name_override", server_name)] if server_name else []
        credentials = grpc.ssl_channel_credentials(root_certificates=ca.read_bytes())
        ready = grpc.secure_channel(address, credentials, options=options)
    deadline = time.monotonic() + timeout
    with ready:
        while True:
            try:
                reply = health_pb2_grpc.HealthStub(ready).Check(health_pb2.HealthCheckRequest(), timeout=5)
                break
            except grpc.RpcError as error:
                code = error.code()
                if code not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    if has_health:
                        raise RuntimeError(f"its health service answered {code.name}: {error.details()}") from None
                    return  # it answered: reachable, and it has no health service
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not answering within {timeout:.0f}s: {code.name}: {error.details()}") from None
                time.sleep(0.5)
    if has_health and reply.status != health_pb2.HealthCheckResponse.SERVING:
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        raise RuntimeError(f"its health service says {status}, not SERVING")
