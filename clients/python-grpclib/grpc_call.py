"""Runs one planned call as a grpclib stream and reports what it observed (clients/CONTRACT.md).

grpclib has no call objects per RPC kind: every call is a Stream from Channel.request(path,
cardinality, request type, reply type), so one function serves every kind. Requests are sent by
their own task while responses are read, so a bidirectional call never waits on itself.
grpclib reports a non-OK status by raising GRPCError (from the trailers, or from the headers of a
Trailers-Only response, whose metadata it files as trailing), a deadline by raising
asyncio.TimeoutError, and a cancelled call not at all: CANCELLED is reported here.
A unary-response call that ends non-OK reports no response, as grpclib's own UnaryUnaryMethod and
StreamUnaryMethod do (they raise GRPCError): grpc-python's health Check sends a message before its
NOT_FOUND, which only this low-level Stream would otherwise show.
"""

import asyncio
import base64
import contextlib
from typing import Any

from case_plan import Plan
from google.protobuf import json_format
from grpclib.client import Channel, Stream
from grpclib.const import Status
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError
from h2.exceptions import StreamClosedError


async def run_call(channel: Channel, plan: Plan) -> dict[str, Any]:
    """One call; always returns a result with a status, never raises for a gRPC failure."""
    responses: list = []
    stream = channel.request(
        plan.path,
        plan.cardinality,
        plan.request_type,
        plan.response_type,
        timeout=plan.timeout,
        metadata=plan.metadata,
    )
    try:
        async with stream:
            code, message = await _exchange(stream, plan, responses)
    except GRPCError as error:
        code, message = error.status.value, error.message or ""
    except TimeoutError:  # before OSError: in Python 3.11 it is the builtin TimeoutError
        code, message = Status.DEADLINE_EXCEEDED.value, "Deadline exceeded"
    except (StreamTerminatedError, ProtocolError, ConnectionError, OSError) as error:
        code, message = Status.UNAVAILABLE.value, f"{type(error).__name__}: {error}"
    except NotImplementedError as error:  # grpclib: a compressed response message
        code, message = Status.INTERNAL.value, f"grpclib: {error}"
    if code != Status.OK.value and not plan.cardinality.server_streaming:
        responses.clear()
    return {
        "status": {"code": code, "message": message},
        "responses": [json_format.MessageToDict(response) for response in responses],
        "initial_metadata": metadata_to_json(getattr(stream, "initial_metadata", None)),
        "trailing_metadata": metadata_to_json(getattr(stream, "trailing_metadata", None)),
    }


async def _exchange(stream: Stream, plan: Plan, responses: list) -> tuple[int, str]:
    await stream.send_request()
    if plan.cancel_after == 0:
        await _cancel(stream)
        return Status.CANCELLED.value, "Cancelled by the client before any response"
    sender = asyncio.create_task(_send_all(stream, plan))
    try:
        async for response in stream:
            responses.append(response)
            if len(responses) == plan.cancel_after:
                await _cancel(stream)
                return Status.CANCELLED.value, f"Cancelled by the client after {len(responses)} responses"
        await sender
        await stream.recv_trailing_metadata()  # raises GRPCError for a non-OK status
    finally:
        sender.cancel()  # no-op when done; its error (the call's, reported above) is retrieved here
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
    return Status.OK.value, ""


async def _cancel(stream: Stream) -> None:
    """RST_STREAM; the call may already have ended on the wire (its status still unread): then
    h2 has closed the stream, and the client has abandoned the call all the same."""
    with contextlib.suppress(StreamClosedError):
        await stream.cancel()


async def _send_all(stream: Stream, plan: Plan) -> None:
    for request in plan.requests[:-1]:
        await stream.send_message(request)
    if plan.requests:
        await stream.send_message(plan.requests[-1], end=True)
    else:
        await stream.end()  # an empty request stream: half-close at once


def metadata_to_json(metadata: Any) -> dict[str, list[str]]:
    """grpclib's MultiDict (-bin values as bytes) -> {key: [values]}, -bin values base64."""
    result: dict[str, list[str]] = {}
    for key, value in (metadata or {}).items():
        text = base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        result.setdefault(key, []).append(text)
    return result
