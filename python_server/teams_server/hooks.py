"""Server behaviours only the interop catalogue needs, steered by request metadata.

They are installed only by ``teams-server --test-hooks``; without the flag the server never
looks at these keys, so production callers cannot trigger them. Keeping them in an interceptor
leaves the servicer exactly what production runs.

| key                          | effect                                                      |
| ---------------------------- | ----------------------------------------------------------- |
| x-teams-delay-ms             | wait this long before each response message                |
| x-teams-delay-from           | ... but only before the responses from this 0-based index on |
|                              | (default 0: every response; 1: the first goes out at once)   |
| x-teams-echo-initial*        | echoed back as initial metadata                             |
| x-teams-echo-trailing*       | echoed back as trailing metadata                            |
| x-teams-status-code          | after the normal responses, end the call with this code ... |
| x-teams-status-message-bin   | ... and this UTF-8 message                                   |
| x-teams-compress-response    | gzip, deflate or identity: compress this call's responses    |
| x-teams-report-encoding      | (any value) trailing metadata x-teams-request-encoding =     |
|                              | how the first request message arrived: gzip/deflate/identity |

Why the request encoding is measured, not read: grpcio strips ``grpc-encoding`` from the
metadata a servicer or interceptor sees and decompresses in its core, so nothing public tells a
Python servicer how a request arrived. With ``--test-hooks`` the server therefore turns off core
decompression (``grpc.per_message_decompression=0``) and every handler's deserializer (this
module wraps them all: Teams, health, reflection) inflates the bytes itself. A gzip member starts
1f 8b (no protobuf message can: wire type 7 is invalid); a zlib stream starts 78 with a valid
header check. So the hook reports the encoding the message really had on the wire; a client that
announces gzip but sends a message uncompressed (grpc core does so when compressing would not
make it smaller) is reported as ``identity``, which is the truth about those bytes.
"""

import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import grpc

DELAY = "x-teams-delay-ms"
DELAY_FROM = "x-teams-delay-from"
ECHO_INITIAL = "x-teams-echo-initial"
ECHO_TRAILING = "x-teams-echo-trailing"
STATUS_CODE = "x-teams-status-code"
STATUS_MESSAGE = "x-teams-status-message-bin"
COMPRESS_RESPONSE = "x-teams-compress-response"
REPORT_ENCODING = "x-teams-report-encoding"
REQUEST_ENCODING = "x-teams-request-encoding"

COMPRESSIONS = {
    "gzip": grpc.Compression.Gzip,
    "deflate": grpc.Compression.Deflate,
    "identity": grpc.Compression.NoCompression,
}
# The options a --test-hooks server needs so that the deserializers see the wire bytes.
SERVER_OPTIONS = [("grpc.per_message_decompression", 0)]

CODES = {code.value[0]: code for code in grpc.StatusCode}


@dataclass(frozen=True)
class Hooks:
    """What one call's metadata asks of the server."""

    delay_seconds: float = 0.0
    delay_from: int = 0  # the 0-based index of the first response message the delay precedes
    initial: tuple = ()
    trailing: tuple = ()
    status: grpc.StatusCode | None = None
    message: str = ""
    compression: grpc.Compression | None = None
    report_encoding: bool = False
    problems: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)  # the first request's encoding, once known

    @classmethod
    def from_metadata(cls, metadata) -> "Hooks":
        items = tuple(metadata or ())
        values = dict(items)
        problems = []
        delay = _number(values.get(DELAY, "0"), DELAY, problems)
        delay_from = _number(values.get(DELAY_FROM, "0"), DELAY_FROM, problems)
        if delay_from < 0:
            problems.append(f"{DELAY_FROM} must not be negative, got {values[DELAY_FROM]!r}")
        code = values.get(STATUS_CODE)
        status = None
        if code is not None:
            status = CODES.get(_number(code, STATUS_CODE, problems))
            if status is None or status is grpc.StatusCode.OK:
                problems.append(f"{STATUS_CODE} must be a non-zero gRPC status code, got {code!r}")
        raw_message = values.get(STATUS_MESSAGE, b"")
        compress = values.get(COMPRESS_RESPONSE)
        compression = None
        if compress is not None:
            compression = COMPRESSIONS.get(compress)
            if compression is None:
                problems.append(f"{COMPRESS_RESPONSE} must be one of {sorted(COMPRESSIONS)}, got {compress!r}")
        return cls(
            delay_seconds=delay / 1000,
            delay_from=delay_from,
            initial=tuple((k, v) for k, v in items if k.startswith(ECHO_INITIAL)),
            trailing=tuple((k, v) for k, v in items if k.startswith(ECHO_TRAILING)),
            status=status,
            message=raw_message.decode("utf-8", errors="replace"),
            compression=compression,
            report_encoding=REPORT_ENCODING in values,
            problems=problems,
        )

    def begin(self, context: grpc.ServicerContext) -> None:
        """Rejects malformed hooks, then sends what must go out before any response."""
        if self.problems:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(self.problems))
        if self.compression is not None:
            context.set_compression(self.compression)
        if self.initial:
            context.send_initial_metadata(self.initial)
        self.set_trailing(context)

    def set_trailing(self, context: grpc.ServicerContext) -> None:
        trailing = self.trailing
        if self.report_encoding:
            encoding = self.arrived[0] if self.arrived else "identity"
            trailing = (*trailing, (REQUEST_ENCODING, encoding))
        if trailing:
            context.set_trailing_metadata(trailing)

    def deserializer(self, parse: Callable | None, max_bytes: int) -> Callable:
        """Inflates what core left compressed, noting the first message's encoding."""

        def deserialize(data: bytes):
            encoding, data = inflate(data, max_bytes)
            if not self.arrived:
                self.arrived.append(encoding)
            return parse(data) if parse else data

        return deserialize

    def pause(self, context: grpc.ServicerContext, index: int = 0) -> None:
        """Waits the delay before response ``index`` (0-based) if ``delay_from`` says so, but no
        longer than the call lives (deadline or cancellation)."""
        if self.delay_seconds <= 0 or index < self.delay_from:
            return
        ended = threading.Event()
        context.add_callback(ended.set)
        ended.wait(self.delay_seconds)
        if not context.is_active():
            context.abort(grpc.StatusCode.CANCELLED, "call ended during the test delay")

    def finish(self, context: grpc.ServicerContext) -> None:
        if self.report_encoding:
            self.set_trailing(context)
        if self.status is not None:
            context.abort(self.status, self.message)


def inflate(data: bytes, max_bytes: int) -> tuple[str, bytes]:
    """(encoding, plain bytes) of one message as it arrived; undecodable bytes stay as they are."""
    if data[:2] == b"\x1f\x8b":
        wbits, encoding = 16 + zlib.MAX_WBITS, "gzip"
    elif len(data) >= 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        wbits, encoding = zlib.MAX_WBITS, "deflate"
    else:
        return "identity", data
    inflater = zlib.decompressobj(wbits)
    try:
        plain = inflater.decompress(data, max_bytes)
    except zlib.error:
        return "identity", data
    if inflater.unconsumed_tail:
        raise ValueError(f"request larger than {max_bytes} bytes once inflated")
    return encoding, plain


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
        for index, response in enumerate(behaviour(request_or_iterator, context)):
            hooks.pause(context, index)
            yield response
        hooks.finish(context)

    return handle


class HooksInterceptor(grpc.ServerInterceptor):
    """Wraps every handler so the hooks in the call's metadata take effect."""

    def __init__(self, max_receive_bytes: int = 4 * 1024 * 1024) -> None:
        self.max_receive_bytes = max_receive_bytes

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
            request_deserializer=hooks.deserializer(handler.request_deserializer, self.max_receive_bytes),
            response_serializer=handler.response_serializer,
        )
