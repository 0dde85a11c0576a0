"""Turns one case request (clients/CONTRACT.md) into a Plan: everything a call needs, checked.

The RPC is looked up by name in the default descriptor pool, which the generated teams_pb2 and
grpclib's own grpc.health.v1 module registered; its kind and message types come from the method
descriptor, so a new RPC in teams.proto needs no change here. Anything wrong with the case raises
CaseError, answered with an ``error`` result; nothing is sent for such a case.
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import teams_pb2  # noqa: F401  (registers teams.proto in the default pool)
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message
from grpclib.const import Cardinality
from grpclib.health.v1 import health_pb2  # noqa: F401  (registers grpc.health.v1)
from grpclib.metadata import encode_metadata

CARDINALITY = {
    (False, False): Cardinality.UNARY_UNARY,
    (False, True): Cardinality.UNARY_STREAM,
    (True, False): Cardinality.STREAM_UNARY,
    (True, True): Cardinality.STREAM_STREAM,
}


class CaseError(ValueError):
    """The case cannot be run at all; the message says why."""


@dataclass(frozen=True)
class Tls:
    ca_pem: str
    server_name: str | None = None
    client_cert_pem: str | None = None
    client_key_pem: str | None = None


@dataclass(frozen=True)
class Bench:
    calls: int
    concurrency: int


@dataclass(frozen=True)
class Plan:
    path: str
    cardinality: Cardinality
    request_type: type[Message]
    response_type: type[Message]
    requests: list[Message]
    metadata: list[tuple[str, str | bytes]]
    timeout: float | None
    cancel_after: int | None
    target: str
    tls: Tls | None
    bench: Bench | None


def plan_case(case: dict[str, Any], default_target: str) -> Plan:
    method = _string(case, "method")
    service_name, _, method_name = method.partition("/")
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service_name).methods_by_name[method_name]
    except KeyError:
        raise CaseError(f"unknown method {method!r}") from None
    request_type = message_factory.GetMessageClass(descriptor.input_type)
    requests = case.get("requests")
    if not isinstance(requests, list):
        raise CaseError('"requests" must be a list of messages')
    if not descriptor.client_streaming and len(requests) != 1:
        raise CaseError(f"{method} takes exactly one request, got {len(requests)}")
    if case.get("compression") is not None:
        raise CaseError("grpclib cannot compress request messages")
    path = case.get("path", f"/{method}")
    if not (isinstance(path, str) and path.startswith("/")):
        raise CaseError('"path" must be a string starting with "/"')
    timeout_ms = _optional_int(case, "timeout_ms", minimum=1)
    return Plan(
        path=path,
        cardinality=CARDINALITY[(descriptor.client_streaming, descriptor.server_streaming)],
        request_type=request_type,
        response_type=message_factory.GetMessageClass(descriptor.output_type),
        requests=[_message(request_type, request, i) for i, request in enumerate(requests)],
        metadata=to_metadata(case.get("metadata", {})),
        timeout=None if timeout_ms is None else timeout_ms / 1000,
        cancel_after=_optional_int(case, "cancel_after_responses", minimum=0),
        target=_string(case, "target") if "target" in case else default_target,
        tls=_tls(case["tls"]) if case.get("tls") is not None else None,
        bench=_bench(case["bench"]) if case.get("bench") is not None else None,
    )


def to_metadata(metadata: Any) -> list[tuple[str, str | bytes]]:
    """{key: [values]} -> grpclib's pairs; -bin values are base64 in the case, bytes for grpclib."""
    if not isinstance(metadata, dict):
        raise CaseError('"metadata" must be an object of lists')
    pairs: list[tuple[str, str | bytes]] = []
    for key, values in metadata.items():
        if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            raise CaseError(f"metadata {key}: values must be a list of strings")
        for value in values:
            if key.endswith("-bin"):
                try:
                    pairs.append((key, base64.b64decode(value, validate=True)))
                except binascii.Error:
                    raise CaseError(f"metadata {key}: {value!r} is not padded base64") from None
            else:
                pairs.append((key, value))
    try:
        encode_metadata(pairs)  # grpclib's own checks, now rather than mid-call
    except (TypeError, ValueError) as error:
        raise CaseError(f"metadata: {error}") from None
    return pairs


def _message(message_type: type[Message], json_value: Any, index: int) -> Message:
    if not isinstance(json_value, dict):
        raise CaseError(f"requests[{index}] must be a JSON object")
    try:
        return json_format.ParseDict(json_value, message_type())
    except json_format.ParseError as error:
        raise CaseError(f"requests[{index}]: {error}") from None


def _tls(tls: Any) -> Tls:
    if not isinstance(tls, dict) or not isinstance(tls.get("ca_pem"), str):
        raise CaseError('"tls" must be an object with a "ca_pem" string')
    fields = {name: tls.get(name) for name in ("server_name", "client_cert_pem", "client_key_pem")}
    if any(value is not None and not isinstance(value, str) for value in fields.values()):
        raise CaseError('"tls" fields must be strings')
    if (fields["client_cert_pem"] is None) != (fields["client_key_pem"] is None):
        raise CaseError('"tls" needs both client_cert_pem and client_key_pem, or neither')
    return Tls(ca_pem=tls["ca_pem"], **fields)


def _bench(bench: Any) -> Bench:
    if not isinstance(bench, dict):
        raise CaseError('"bench" must be an object')
    return Bench(
        calls=_optional_int(bench, "calls", minimum=1, required=True),
        concurrency=_optional_int(bench, "concurrency", minimum=1, required=True),
    )


def _string(case: dict[str, Any], name: str) -> str:
    value = case.get(name)
    if not isinstance(value, str) or not value:
        raise CaseError(f'"{name}" must be a non-empty string')
    return value


def _optional_int(case: dict[str, Any], name: str, *, minimum: int, required: bool = False) -> Any:
    value = case.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise CaseError(f'"{name}" must be an integer >= {minimum}, got {value!r}')
    return value
