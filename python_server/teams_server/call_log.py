"""Logs every call's method and metadata, as the tutorial's server printed them."""

import logging

import grpc

log = logging.getLogger("teams_server.calls")


class CallLogInterceptor(grpc.ServerInterceptor):
    """Logs ``method {metadata}`` at INFO before the call is handled."""

    def intercept_service(self, continuation, handler_call_details):
        if log.isEnabledFor(logging.INFO):
            metadata = dict(handler_call_details.invocation_metadata or ())
            log.info("%s %s", handler_call_details.method, metadata)
        return continuation(handler_call_details)
