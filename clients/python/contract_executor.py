"""Executes the harness's case requests, generically over the generated descriptors.

Every RPC is found by name in the descriptor pool the generated modules registered, so a new RPC
in teams.proto needs no change here: its kind and message types come from its descriptor.
"""

import base64
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import grpc
import teams_pb2  # noqa: F401  (registers teams.proto in the default pool)
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_health.v1 import health_pb2  # noqa: F401  (registers grpc.health.v1)

Metadata = list[tuple[str, str | bytes]]


def serve_contract(target: str, requests: IO[str], results: IO[str]) -> int:
    """Answers each request line with one result line until stdin ends."""
    with grpc.insecure_channel(target) as channel:
        for line in requests:
            if line.strip():
                results.write(json.dumps(execute_line(channel, line), ensure_ascii=False) + "\n")
                results.flush()
    return 0


def execute_line(channel: grpc.Channel, line: str) -> dict[str, Any]:
    try:
        case = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": "?", "error": f"request is not JSON: {error}"}
    try:
        return {"id": case["id"], **Call(channel, case).run()}
    except (KeyError, ValueError, TypeError, json_format.ParseError) as error:
        return {"id": str(case.get("id", "?")), "error": f"{type(error).__name__}: {error}"}


class Call:
    """One case: the RPC's descriptor, its request messages and its call options."""

    def __init__(self, channel: grpc.Channel, case: dict[str, Any]) -> None:
        service_name, _, method_name = case["method"].partition("/")
        try:
            service = descriptor_pool.Default().FindServiceByName(service_name)
            method = service.methods_by_name[method_name]
        except KeyError:
            raise ValueError(f"unknown method {case['method']!r}") from None
        self.method = method
        request_class = message_factory.GetMessageClass(method.input_type)
        self.response_class = message_factory.GetMessageClass(method.output_type)
        self.requests = [json_format.ParseDict(r, request_class()) for r in case["requests"]]
        if not method.client_streaming and len(self.requests) != 1:
            raise ValueError(f"{case['method']} takes exactly one request, got {len(self.requests)}")
        self.metadata = to_grpc_metadata(case.get("metadata", {}))
        timeout_ms = case.get("timeout_ms")
        self.timeout = timeout_ms / 1000 if timeout_ms else None
        self.cancel_after = case.get("cancel_after_responses")
        path = case.get("path") or f"/{case['method']}"
        make = {
            (False, False): channel.unary_unary,
            (False, True): channel.unary_stream,
            (True, False): channel.stream_unary,
            (True, True): channel.stream_stream,
        }[(method.client_streaming, method.server_streaming)]
        self.callable = make(
            path,
            request_serializer=request_class.SerializeToString,
            response_deserializer=self.response_class.FromString,
        )

    def argument(self):
        return iter(self.requests) if self.method.client_streaming else self.requests[0]

    def run(self) -> dict[str, Any]:
        if self.method.server_streaming:
            call = self.callable(self.argument(), metadata=self.metadata, timeout=self.timeout)
            responses = list(self.receive(call))
        else:
            call = self.callable.future(self.argument(), metadata=self.metadata, timeout=self.timeout)
            if self.cancel_after == 0:
                call.cancel()
            responses = [] if call.cancelled() or call.exception() else [call.result()]
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


def to_grpc_metadata(metadata: dict[str, list[str]]) -> Metadata:
    pairs: Metadata = []
    for key, values in metadata.items():
        for value in values:
            pairs.append((key, base64.b64decode(value, validate=True) if key.endswith("-bin") else value))
    return pairs


def from_grpc_metadata(metadata: Iterable | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in metadata or ():
        text = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        result.setdefault(key, []).append(text)
    return result
