"""Server behaviours only the interop catalogue needs, steered by request metadata.

They are installed only by ``teams-server --test-hooks``; without the flag the server never
looks at these keys, so production callers cannot trigger them. Keeping them in an interceptor
leaves the servicer exactly what production runs.

| key                          | effect                                                      |
| ---------------------------- | ----------------------------------------------------------- |
| x-teams-delay-ms             | wait this long before each response message                |
| x-teams-echo-initial*        | echoed back as initial metadata                             |
| x-teams-echo-trailing*       | echoed back as trailing metadata                            |
| x-teams-status-code          | after the normal responses, end the call with this code ... |
| x-teams-status-message-bin   | ... and this UTF-8 message                                   |
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import grpc

DELAY = "x-teams-delay-ms"
ECHO_INITIAL = "x-teams-echo-initial"
ECHO_TRAILING = "x-teams-echo-trailing"
STATUS_CODE = "x-teams-status-code"
STATUS_MESSAGE = "x-teams-status-message-bin"

CODES = {code.value[0]: code for code in grpc.StatusCode}


@dataclass(frozen=True)
class Hooks:
    """What one call's metadata asks of the server."""

    delay_seconds: float = 0.0
    initial: tuple = ()
    trailing: tuple = ()
    status: grpc.StatusCode | None = None
    message: str = ""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_metadata(cls, metadata) -> "Hooks":
        items = tuple(metadata or ())
        values = dict(items)
        problems = []
        delay = _number(values.get(DELAY, "0"), DELAY, problems)
        code = values.get(STATUS_CODE)
        status = None
        if code is not None:
            status = CODES.get(_number(code, STATUS_CODE, problems))
            if status is None or status is grpc.StatusCode.OK:
                problems.append(f"{STATUS_CODE} must be a non-zero gRPC status code, got {code!r}")
        raw_message = values.get(STATUS_MESSAGE, b"")
        return cls(
            delay_seconds=delay / 1000,
            initial=tuple((k, v) for k, v in items if k.startswith(ECHO_INITIAL)),
            trailing=tuple((k, v) for k, v in items if k.startswith(ECHO_TRAILING)),
            status=status,
            message=raw_message.decode("utf-8", errors="replace"),
            problems=problems,
        )

    def begin(self, context: grpc.ServicerContext) -> None:
        """Rejects malformed hooks, then sends what must go out before any response."""
        if self.problems:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(self.problems))
        if self.initial:
            context.send_initial_metadata(self.initial)
        if self.trailing:
            context.set_trailing_metadata(self.trailing)

    def pause(self, context: grpc.ServicerContext) -> None:
        """Waits the delay, but no longer than the call lives (deadline or cancellation)."""
        if self.delay_seconds <= 0:
            return
        ended = threading.Event()
        context.add_callback(ended.set)
        ended.wait(self.delay_seconds)
        if not context.is_active():
            context.abort(grpc.StatusCode.CANCELLED, "call ended during the test delay")

    def finish(self, context: grpc.ServicerContext) -> None:
        if self.status is not None:
            context.abort(self.status, self.message)


def _number(text: str, key: str, problems: list[str]) -> int:
    try:
        return int(text)
    except ValueError:
        problems.append(f"{key} must be an integer, got {text!r}")
        return 0


def _unary_response(behaviour: Callable, hooks: Hooks) -> Callable:
    def handle(request_or_iterator, context):
        hooks.begin(context)
        hooks.pause(context)
        response = behaviour(request_or_iterator, context)
        hooks.finish(context)
        return response

    return handle


def _streamed_responses(behaviour: Callable, hooks: Hooks) -> Callable:
    def handle(request_or_iterator, context) -> Iterator:
        hooks.begin(context)
        for response in behaviour(request_or_iterator, context):
            hooks.pause(context)
            yield response
        hooks.finish(context)

    return handle


class HooksInterceptor(grpc.ServerInterceptor):
    """Wraps every handler so the hooks in the call's metadata take effect."""

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        hooks = Hooks.from_metadata(handler_call_details.invocation_metadata)
        kinds = {
            (False, False): ("unary_unary", _unary_response, grpc.unary_unary_rpc_method_handler),
            (False, True): ("unary_stream", _streamed_responses, grpc.unary_stream_rpc_method_handler),
            (True, False): ("stream_unary", _unary_response, grpc.stream_unary_rpc_method_handler),
            (True, True): ("stream_stream", _streamed_responses, grpc.stream_stream_rpc_method_handler),
        }
        attribute, wrap, make = kinds[(handler.request_streaming, handler.response_streaming)]
        return make(
            wrap(getattr(handler, attribute), hooks),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
