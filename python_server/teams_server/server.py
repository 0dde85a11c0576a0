"""Assembles the gRPC server: the Teams service, the health service, logging and test hooks."""

import logging
import threading
from concurrent import futures
from dataclasses import dataclass

import grpc
import teams_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from teams_server.call_log import CallLogInterceptor
from teams_server.hooks import HooksInterceptor
from teams_server.service import TeamsService

log = logging.getLogger("teams_server")

SERVICE_NAME = "Teams"
DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024  # gRPC's own default, stated so it can be changed


@dataclass(frozen=True)
class ServerOptions:
    host: str = "[::]"
    port: int = 50051
    test_hooks: bool = False
    max_workers: int = 16
    max_receive_message_bytes: int = DEFAULT_MAX_RECEIVE_BYTES
    grace_seconds: float = 5.0


class TeamsServer:
    """A running server and the health status it reports.

    ``stop`` marks the server NOT_SERVING first, so load balancers watching the health service
    stop sending calls, then lets in-flight calls finish within the grace period.
    """

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        interceptors = [CallLogInterceptor()]
        if options.test_hooks:
            interceptors.append(HooksInterceptor())
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=options.max_workers),
            interceptors=interceptors,
            options=[
                ("grpc.max_receive_message_length", options.max_receive_message_bytes),
                # gRPC shares ports by default (SO_REUSEPORT): a second server would silently
                # split the traffic. A port in use must be an error instead.
                ("grpc.so_reuseport", 0),
            ],
        )
        teams_pb2_grpc.add_TeamsServicer_to_server(TeamsService(), self._server)
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        address = f"{options.host}:{options.port}"
        self.port = self._server.add_insecure_port(address)
        if self.port == 0:
            raise OSError(f"cannot listen on {address}")
        self._stopped = threading.Event()

    def start(self) -> None:
        self._server.start()
        for service in ("", SERVICE_NAME):
            self._health.set(service, health_pb2.HealthCheckResponse.SERVING)
        hooks = " with test hooks" if self.options.test_hooks else ""
        log.info("teams-server listening on %s:%d%s", self.options.host, self.port, hooks)

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
