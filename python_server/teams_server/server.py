"""Assembles the gRPC server: Teams, health and reflection, admission, TLS, logging and hooks."""

import logging
import threading
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import teams_pb2
import teams_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from teams_server import call_log, hooks
from teams_server.gate import Gate
from teams_server.service import TeamsService

log = logging.getLogger("teams_server")

SERVICE_NAME = "Teams"
DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024  # gRPC's own default, stated so it can be changed
HEADROOM_WORKERS = 16  # threads kept for health, reflection and fast refusals


@dataclass(frozen=True)
class ServerOptions:
    host: str = "[::]"
    port: int = 50051
    test_hooks: bool = False
    max_concurrent_calls: int = 256
    max_workers: int | None = None  # default: max_concurrent_calls + HEADROOM_WORKERS
    max_receive_message_bytes: int = DEFAULT_MAX_RECEIVE_BYTES
    grace_seconds: float = 5.0
    keepalive_time_seconds: float = 60.0
    keepalive_timeout_seconds: float = 20.0
    keepalive_permit_without_calls: bool = False
    max_connection_idle_seconds: float = 300.0  # 0: never
    max_connection_age_seconds: float = 0.0  # 0: never
    max_connection_age_grace_seconds: float = 30.0
    stream_idle_seconds: float = 300.0  # 0: never
    reflection: bool = True
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    token_file: Path | None = None
    redact: tuple[str, ...] = field(default_factory=tuple)
    reuse_port: bool = False

    @property
    def workers(self) -> int:
        return self.max_workers or self.max_concurrent_calls + HEADROOM_WORKERS

    def summary(self) -> str:
        ms = lambda seconds: f"{seconds:g}s" if seconds else "off"  # noqa: E731
        tls = "off" if not self.tls_cert else ("mTLS" if self.tls_client_ca else "on")
        return (
            f"workers={self.workers} max_concurrent_calls={self.max_concurrent_calls} "
            f"keepalive_time={ms(self.keepalive_time_seconds)} "
            f"keepalive_timeout={ms(self.keepalive_timeout_seconds)} "
            f"keepalive_permit_without_calls={self.keepalive_permit_without_calls} "
            f"max_connection_idle={ms(self.max_connection_idle_seconds)} "
            f"max_connection_age={ms(self.max_connection_age_seconds)} "
            f"stream_idle={ms(self.stream_idle_seconds)} "
            f"max_receive_message_bytes={self.max_receive_message_bytes} grace={self.grace_seconds:g}s "
            f"tls={tls} token={'required' if self.token_file else 'off'} reflection={self.reflection} "
            f"reuse_port={self.reuse_port}"
        )

    def channel_options(self) -> list[tuple[str, int]]:
        ms = lambda seconds: int(seconds * 1000)  # noqa: E731
        options = [
            ("grpc.max_receive_message_length", self.max_receive_message_bytes),
            # gRPC shares ports by default (SO_REUSEPORT): a second server would silently split
            # the traffic. A port in use must be an error, except for --processes workers.
            ("grpc.so_reuseport", 1 if self.reuse_port else 0),
            ("grpc.keepalive_time_ms", ms(self.keepalive_time_seconds)),
            ("grpc.keepalive_timeout_ms", ms(self.keepalive_timeout_seconds)),
            ("grpc.keepalive_permit_without_calls", int(self.keepalive_permit_without_calls)),
            # Accept client pings as often as our own keepalive would send them.
            ("grpc.http2.min_ping_interval_without_data_ms", min(ms(self.keepalive_time_seconds), 10_000)),
        ]
        if self.max_connection_idle_seconds:
            options.append(("grpc.max_connection_idle_ms", ms(self.max_connection_idle_seconds)))
        if self.max_connection_age_seconds:
            options.append(("grpc.max_connection_age_ms", ms(self.max_connection_age_seconds)))
            options.append(("grpc.max_connection_age_grace_ms", ms(self.max_connection_age_grace_seconds)))
        if self.test_hooks:
            options.extend(hooks.SERVER_OPTIONS)
        return options


def read_token(path: Path) -> str:
    token = Path(path).read_text().strip()
    if not token:
        raise RuntimeError(f"--require-token {path}: the file is empty")
    return token


def credentials(options: ServerOptions) -> grpc.ServerCredentials | None:
    if not options.tls_cert and not options.tls_key:
        if options.tls_client_ca:
            raise RuntimeError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    if not (options.tls_cert and options.tls_key):
        raise RuntimeError("--tls-cert and --tls-key go together")
    pair = (Path(options.tls_key).read_bytes(), Path(options.tls_cert).read_bytes())
    client_ca = Path(options.tls_client_ca).read_bytes() if options.tls_client_ca else None
    return grpc.ssl_server_credentials([pair], root_certificates=client_ca, require_client_auth=bool(client_ca))


class TeamsServer:
    """A running server and the health status it reports.

    ``drain`` marks it NOT_SERVING, so load balancers watching the health service stop sending
    calls, while it keeps answering; ``stop`` then lets in-flight calls finish within the grace.
    """

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        token = read_token(options.token_file) if options.token_file else None
        server_credentials = credentials(options)
        self.gate = Gate(
            limit=options.max_concurrent_calls,
            stream_idle_seconds=options.stream_idle_seconds,
            redactor=call_log.Redactor(options.redact),
            token=token,
        )
        # As shipped, the handlers are guarded once, as they register, and no interceptor is in a
        # call's path; the test hooks make a handler per call, so the gate guards each call then.
        interceptors = (
            [self.gate.interceptor(), hooks.HooksInterceptor(options.max_receive_message_bytes)]
            if options.test_hooks
            else []
        )
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="grpc-worker"),
            interceptors=interceptors,
            options=options.channel_options(),
        )
        services = self._server if options.test_hooks else self.gate.registration(self._server)
        teams_pb2_grpc.add_TeamsServicer_to_server(TeamsService(), services)
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, services)
        if options.reflection:
            names = (
                teams_pb2.DESCRIPTOR.services_by_name[SERVICE_NAME].full_name,
                health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                reflection.SERVICE_NAME,
            )
            reflection.enable_server_reflection(names, services)
        address = f"{options.host}:{options.port}"
        if server_credentials is None:
            self.port = self._server.add_insecure_port(address)
        else:
            self.port = self._server.add_secure_port(address, server_credentials)
        if self.port == 0:
            raise OSError(f"cannot listen on {address}")
        self._stopped = threading.Event()

    def start(self) -> None:
        self._server.start()
        for service in ("", SERVICE_NAME):
            self._health.set(service, health_pb2.HealthCheckResponse.SERVING)
        hooks_note = " with test hooks" if self.options.test_hooks else ""
        tls_note = " (TLS)" if self.options.tls_cert else ""
        log.info("settings: %s", self.options.summary())
        log.info("teams-server listening on %s:%d%s%s", self.options.host, self.port, tls_note, hooks_note)

    def drain(self, seconds: float, skip: threading.Event | None = None) -> None:
        """NOT_SERVING now, still answering for ``seconds`` (or until ``skip`` is set)."""
        self._health.enter_graceful_shutdown()
        if seconds > 0:
            log.info("draining: NOT_SERVING, still answering for %.1fs", seconds)
            (skip or threading.Event()).wait(seconds)

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        log.info("shutting down: finishing in-flight calls (grace %.1fs)", self.options.grace_seconds)
        self._health.enter_graceful_shutdown()
        self._server.stop(self.options.grace_seconds).wait()
        log.info("stopped")

    def wait(self) -> None:
        self._server.wait_for_termination()
