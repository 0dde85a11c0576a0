"""Executes the harness's case requests (clients/CONTRACT.md v2), generically over the descriptors.

Every RPC is found by name in the descriptor pool the generated modules registered, so a new RPC
in teams.proto needs no change here: its kind and message types come from its descriptor. Each
case runs on its own thread as soon as its line is read; result lines are written under a lock.
"""

import base64
import json
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import grpc
import teams_pb2  # noqa: F401  (registers teams.proto in the default pool)
from channels import Channels, ChannelSpec
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_health.v1 import health_pb2  # noqa: F401  (registers grpc.health.v1)

Metadata = list[tuple[str, str | bytes]]
# The harness keeps at most 16 cases in flight; the limit only guards against a runaway stdin.
MAX_CASES_IN_FLIGHT = 256


class CaseError(Exception):
    """A case that cannot be run at all: answered with ``error``, never with a gRPC status."""


def serve_contract(target: str, requests: IO[str], results: IO[str]) -> int:
    """Starts each request line's case at once; returns when stdin has ended and all are answered."""
    lock = threading.Lock()

    def answer(result: dict[str, Any]) -> None:
        line = json.dumps(result, ensure_ascii=False) + "\n"
        with lock:
            results.write(line)
            results.flush()

    with Channels() as channels, ThreadPoolExecutor(MAX_CASES_IN_FLIGHT, "case") as pool:
        for number, line in enumerate(requests, start=1):
            if line.strip():
                pool.submit(lambda line=line, n=number: answer(execute_line(channels, target, line, n)))
    return 0


def parse_line(line: str, number: int) -> dict[str, Any]:
    """Returns the case of one stdin line; raises CaseError whose args[1] is the id to answer under."""
    try:
        case = json.loads(line)
    except json.JSONDecodeError as error:
        raise CaseError(f"request is not JSON: {error}", f"line-{number}") from None
    if not isinstance(case, dict):
        raise CaseError("request is not a JSON object", f"line-{number}")
    if not isinstance(case.get("id"), str) or not case["id"]:
        raise CaseError('request has no string "id"', f"line-{number}")
    return case


def execute_line(channels: "Channels", default_target: str, line: str, number: int) -> dict[str, Any]:
    try:
        case = parse_line(line, number)
    except CaseError as error:
        return {"id": error.args[1], "error": error.args[0]}
    try:
        call = Call(case)
        channel = channels.get(ChannelSpec.of(case, default_target))
        if "bench" in case:
            return {"id": case["id"], "bench": call.bench(channel, case["bench"])}
        return {"id": case["id"], **call.run(channel)}
    except (CaseError, KeyError, ValueError, TypeError, json_format.ParseError) as error:
        return {"id": case["id"], "error": f"{type(error).__name__}: {error}"}
    except Exception as error:  # a bug here must still answer the case, not kill the process
        return {"id": case["id"], "error": f"client failure: {type(error).__name__}: {error}"}


def positive_int(case: dict[str, Any], key: str, minimum: int = 1) -> int | None:
    value = case.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CaseError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return value


class Call:
    """One case: the RPC's descriptor, its request messages and its call options, checked up front."""

    def __init__(self, case: dict[str, Any]) -> None:
        if not isinstance(case.get("method"), str):
            raise CaseError('"method" must be a string "Service/Method"')
        service_name, _, method_name = case["method"].rpartition("/")
        try:
            service = descriptor_pool.Default().FindServiceByName(service_name)
            method = service.methods_by_name[method_name]
        except KeyError:
            raise CaseError(f"unknown method {case['method']!r}") from None
        self.method = method
        self.request_class = message_factory.GetMessageClass(method.input_type)
        self.response_class = message_factory.GetMessageClass(method.output_type)
        if not isinstance(case.get("requests"), list):
            raise CaseError('"requests" must be a list of messages')
        self.requests = [json_format.ParseDict(r, self.request_class()) for r in case["requests"]]
        if not method.client_streaming and len(self.requests) != 1:
            raise CaseError(f"{case['method']} takes exactly one request, got {len(self.requests)}")
        self.metadata = to_grpc_metadata(case.get("metadata", {}))
        timeout_ms = positive_int(case, "timeout_ms")
        self.timeout = timeout_ms / 1000 if timeout_ms else None
        self.cancel_after = positive_int(case, "cancel_after_responses", minimum=0)
        path = case.get("path", f"/{case['method']}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise CaseError('"path" must be a string starting with "/"')
        self.path = path
        if "bench" in case:
            bench = case["bench"]
            if not isinstance(bench, dict):
                raise CaseError('"bench" must be an object {calls, concurrency}')
            positive_int(bench, "calls")
            positive_int(bench, "concurrency")
            if "calls" not in bench or "concurrency" not in bench:
                raise CaseError('"bench" needs "calls" and "concurrency"')

    def argument(self):
        return iter(self.requests) if self.method.client_streaming else self.requests[0]

    def run(self, channel: grpc.Channel) -> dict[str, Any]:
        make = {
            (False, False): channel.unary_unary,
            (False, True): channel.unary_stream,
            (True, False): channel.stream_unary,
            (True, True): channel.stream_stream,
        }[(self.method.client_streaming, self.method.server_streaming)]
        callable_ = make(
            self.path,
            request_serializer=self.request_class.SerializeToString,
            response_deserializer=self.response_class.FromString,
        )
        if self.method.server_streaming:
            call = callable_(self.argument(), metadata=self.metadata, timeout=self.timeout)
            responses = list(self.receive(call))
        else:
            call = callable_.future(self.argument(), metadata=self.metadata, timeout=self.timeout)
            if self.cancel_after == 0:
                call.cancel()
            # grpcio hands back None when a server ends a unary-response call OK without a message
            # (an old streaming server answering a new unary client): report what was received
            responses = [] if call.cancelled() or call.exception() or call.result() is None else [call.result()]
        return {
            "status": {"code": call.code().value[0], "message": call.details() or ""},
            "responses": [json_format.MessageToDict(r) for r in responses],
            "initial_metadata": from_grpc_metadata(call.initial_metadata()),
            "trailing_metadata": from_grpc_metadata(call.trailing_metadata()),
        }

    def receive(self, call) -> Iterator:
        """Yields responses until the stream ends, cancelling after ``cancel_after`` of them."""
        if self.cancel_after == 0:
            call.cancel()
            return
        try:
            for count, response in enumerate(call, start=1):
                yield response
                if self.cancel_after is not None and count >= self.cancel_after:
                    call.cancel()
                    return
        except grpc.RpcError:
            return  # the status is read from the call itself

    def bench(self, channel: grpc.Channel, bench: dict[str, int]) -> dict[str, Any]:
        """Makes ``calls`` calls, ``concurrency`` at a time; returns counts and latency percentiles."""
        latencies: list[float] = []
        errors: list[dict[str, Any]] = []

        def one(_: int) -> None:
            started = time.perf_counter()
            status = self.run(channel)["status"]
            latencies.append((time.perf_counter() - started) * 1000)
            if status["code"] != 0:
                errors.append(status)

        started = time.perf_counter()
        with ThreadPoolExecutor(bench["concurrency"], "bench") as pool:
            list(pool.map(one, range(bench["calls"])))
        result: dict[str, Any] = {
            "calls": len(latencies),
            "errors": len(errors),
            "wall_ms": (time.perf_counter() - started) * 1000,
            "latency_ms": percentiles(latencies),
        }
        if errors:
            result["first_error"] = errors[0]
        return result


def percentiles(latencies: list[float]) -> dict[str, float]:
    """Nearest-rank percentiles (the same definition in every reference client)."""
    ordered = sorted(latencies) or [0.0]

    def rank(p: int) -> float:
        return ordered[max(0, -(-p * len(ordered) // 100) - 1)]

    return {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": ordered[-1]}


def to_grpc_metadata(metadata: Any) -> Metadata:
    if not isinstance(metadata, dict):
        raise CaseError('"metadata" must be an object of lists of strings')
    pairs: Metadata = []
    for key, values in metadata.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise CaseError(f"metadata {key}: values must be a list of strings")
        for value in values:
            if key.endswith("-bin"):
                try:
                    pairs.append((key, base64.b64decode(value, validate=True)))
                except ValueError:
                    raise CaseError(f"metadata {key}: {value!r} is not padded base64") from None
            else:
                pairs.append((key, value))
    return pairs


def from_grpc_metadata(metadata: Iterable | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in metadata or ():
        text = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        result.setdefault(key, []).append(text)
    return result
