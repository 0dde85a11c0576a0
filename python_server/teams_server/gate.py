"""Admission for Teams calls: token check, a concurrent-call limit that fails fast, idle streams.

grpc.server's own ``maximum_concurrent_rpcs`` counts every call, so health and reflection would
be refused with the Teams calls. Instead the gate counts only in-flight Teams calls and
answers RESOURCE_EXHAUSTED at once past the limit; the thread pool is sized larger than the
limit, so health, reflection and the rejections themselves always find a thread.

Every request is parsed by a tolerant deserializer: a message that does not parse ends the
call with INVALID_ARGUMENT from the handler. (grpcio's own path for a request-streaming call
whose message fails to parse answers INTERNAL but leaves the handler thread blocked forever, so
the process can no longer exit: seen with a bare grpcio 1.85.1 servicer too.)

A sync server cannot time out a blocked request read, so one watchdog thread ends streams that
sent and received nothing for ``stream_idle_seconds`` by cancelling the call with a status
(grpc core's cancel-with-status; the client sees DEADLINE_EXCEEDED and a message saying why).
"""

import hmac
import itertools
import logging
import threading
import time

import grpc
from grpc._cython import cygrpc

from teams_server import call_log

TEAMS_PREFIX = "/Teams/"
IDLE_CODE = cygrpc.StatusCode.deadline_exceeded

_MAKERS = {
    (False, False): ("unary_unary", grpc.unary_unary_rpc_method_handler),
    (False, True): ("unary_stream", grpc.unary_stream_rpc_method_handler),
    (True, False): ("stream_unary", grpc.stream_unary_rpc_method_handler),
    (True, True): ("stream_stream", grpc.stream_stream_rpc_method_handler),
}


MALFORMED = object()  # what the tolerant deserializer gives for bytes that do not parse
MALFORMED_DETAILS = "request message could not be parsed"


def tolerant(parse):
    def deserialize(data: bytes):
        try:
            return parse(data) if parse else data
        except Exception:
            return MALFORMED

    return deserialize


def rebuild(handler, behaviour):
    """A handler of the same kind as ``handler`` running ``behaviour``, parsing tolerantly."""
    _, make = _MAKERS[(handler.request_streaming, handler.response_streaming)]
    return make(
        behaviour,
        request_deserializer=tolerant(handler.request_deserializer),
        response_serializer=handler.response_serializer,
    )


def checked(requests, context):
    for request in requests:
        if request is MALFORMED:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, MALFORMED_DETAILS)
        yield request


def behaviour_of(handler):
    attribute, _ = _MAKERS[(handler.request_streaming, handler.response_streaming)]
    return getattr(handler, attribute)


class Limit:
    """A counter of in-flight calls that refuses instead of waiting."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_flight = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.in_flight >= self.capacity:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class IdleWatch:
    """Ends streaming calls that have been silent (no message either way) for too long."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._calls: dict[int, list] = {}  # id -> [last activity, context]
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="stream-idle-watch", daemon=True)
        self._thread.start()

    def register(self, context) -> list:
        entry = [time.monotonic(), context, next(self._ids)]
        with self._lock:
            self._calls[entry[2]] = entry
        return entry

    def unregister(self, entry: list) -> None:
        with self._lock:
            self._calls.pop(entry[2], None)

    def requests(self, iterator, entry: list):
        for request in iterator:
            entry[0] = time.monotonic()
            yield request

    def _run(self) -> None:
        period = min(1.0, self.idle_seconds / 4)
        while True:
            time.sleep(period)
            now = time.monotonic()
            with self._lock:
                silent = [e for e in self._calls.values() if now - e[0] >= self.idle_seconds]
                for entry in silent:
                    del self._calls[entry[2]]
            for entry in silent:
                self._end(entry[1])

    def _end(self, context) -> None:
        message = f"stream idle for {self.idle_seconds:g}s: nothing sent or received"
        try:
            context._rpc_event.call.cancel(IDLE_CODE, message)
        except AttributeError:  # a grpcio without the private call object: plain cancel
            context.cancel()


class Gate:
    """Logs, authenticates and admits calls; only ``/Teams/`` methods are limited and guarded.

    It guards handlers, and where it does so is what a call costs. ``registration`` guards each
    method's handler once, as the services register: the server as shipped has no interceptor,
    so grpcio finds the guarded handler as directly as a bare servicer's (an interceptor in the
    path of every call cost it 5% of a bare servicer's throughput). ``interceptor`` guards, per
    call, whatever the interceptors after it made: the test hooks make a handler per call, and
    the gate must stay outside them (their inflating deserializer inside the tolerant one, their
    delays inside the limit).
    """

    def __init__(
        self,
        limit: int,
        stream_idle_seconds: float,
        redactor: call_log.Redactor,
        token: str | None = None,
    ) -> None:
        self.limit = Limit(limit)
        self.watch = IdleWatch(stream_idle_seconds) if stream_idle_seconds > 0 else None
        self.redactor = redactor
        self._expected = f"Bearer {token}".encode() if token is not None else None

    def registration(self, server: grpc.Server) -> "GuardedRegistration":
        """What the services register on instead of ``server``: their handlers arrive guarded."""
        return GuardedRegistration(server, self)

    def interceptor(self) -> grpc.ServerInterceptor:
        return _GuardingInterceptor(self)

    def _authorized(self, context) -> bool:
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                given = value.encode() if isinstance(value, str) else value
                return hmac.compare_digest(given, self._expected)
        return False

    def _admit(self, method: str, limited: bool, context) -> None:
        """The call log (at DEBUG), then the token: ends the call if it is not let in."""
        if call_log.log.isEnabledFor(logging.DEBUG):
            call_log.log_call(self.redactor, method, context.invocation_metadata())
        if limited and self._expected is not None and not self._authorized(context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")

    def guard(self, method: str, handler):
        """``handler`` for ``method``, guarded: logged and parsed tolerantly; a Teams method's
        calls also authenticated, counted against the limit and, when streaming, watched."""
        if handler is None:
            return None
        limited = method.startswith(TEAMS_PREFIX)
        admit = self._admit
        behaviour = behaviour_of(handler)
        limit, watch = (self.limit, self.watch) if limited else (Limit(2**62), None)
        full = f"too many concurrent calls (limit {limit.capacity}); retry later"

        if not handler.request_streaming:
            if not handler.response_streaming:

                def unary(request, context):
                    admit(method, limited, context)
                    if request is MALFORMED:
                        context.abort(grpc.StatusCode.INVALID_ARGUMENT, MALFORMED_DETAILS)
                    if not limit.enter():
                        context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, full)
                    try:
                        return behaviour(request, context)
                    finally:
                        limit.leave()

                return rebuild(handler, unary)
            inner = behaviour

            def behaviour(request, context):
                if request is MALFORMED:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, MALFORMED_DETAILS)
                return inner(request, context)

        def watched(requests, context, entry):
            if not handler.request_streaming:
                return requests
            requests = checked(requests, context)
            if entry is not None:
                return watch.requests(requests, entry)
            return requests

        if handler.response_streaming:

            def streamed(requests, context):
                admit(method, limited, context)
                if not limit.enter():
                    context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, full)
                entry = watch.register(context) if watch else None
                try:
                    for response in behaviour(watched(requests, context, entry), context):
                        if entry is not None:
                            entry[0] = time.monotonic()
                        yield response
                finally:
                    if entry is not None:
                        watch.unregister(entry)
                    limit.leave()

            return rebuild(handler, streamed)

        def summarized(requests, context):
            admit(method, limited, context)
            if not limit.enter():
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, full)
            entry = watch.register(context) if watch else None
            try:
                return behaviour(watched(requests, context, entry), context)
            finally:
                if entry is not None:
                    watch.unregister(entry)
                limit.leave()

        return rebuild(handler, summarized)


class GuardedRegistration:
    """Stands in for the server while services register (generated ``add_*_to_server``
    functions, health, reflection): every handler reaches the server guarded, once."""

    def __init__(self, server: grpc.Server, gate: Gate) -> None:
        self._server, self._gate = server, gate

    def add_registered_method_handlers(self, service: str, handlers: dict) -> None:
        guarded = {name: self._gate.guard(f"/{service}/{name}", handler) for name, handler in handlers.items()}
        self._server.add_registered_method_handlers(service, guarded)

    def add_generic_rpc_handlers(self, handlers) -> None:
        self._server.add_generic_rpc_handlers(tuple(_GuardedGeneric(handler, self._gate) for handler in handlers))


class _GuardedGeneric(grpc.GenericRpcHandler):
    """A generic handler whose handlers come guarded, each made once per method."""

    def __init__(self, inner: grpc.GenericRpcHandler, gate: Gate) -> None:
        self._inner, self._gate, self._guarded = inner, gate, {}

    def service(self, handler_call_details):
        method = handler_call_details.method
        guarded = self._guarded.get(method)
        if guarded is None:
            guarded = self._gate.guard(method, self._inner.service(handler_call_details))
            if guarded is not None:
                self._guarded[method] = guarded
        return guarded


class _GuardingInterceptor(grpc.ServerInterceptor):
    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    def intercept_service(self, continuation, handler_call_details):
        return self._gate.guard(handler_call_details.method, continuation(handler_call_details))
