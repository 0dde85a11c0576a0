"""Waits for a server's standard health service to answer SERVING."""

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def wait_until_serving(target: str, timeout: float = 30.0) -> None:
    with grpc.insecure_channel(target) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=timeout)
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        except (grpc.FutureTimeoutError, grpc.RpcError) as error:
            raise RuntimeError(f"the Teams server at {target} did not become healthy: {error!r}") from None
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise RuntimeError(f"the Teams server at {target} reports {reply.status}, not SERVING")
