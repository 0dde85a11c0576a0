"""Waiting for a server to serve: a real teams-server on loopback that starts late, and a port
nobody listens on, which must end in a one-line reason within the timeout."""

import threading
import time

import pytest

from teams_interop.health import wait_until_serving
from teams_server.server import ServerOptions, TeamsServer
from tests.helpers import free_port


def test_a_server_that_starts_late_is_waited_for() -> None:
    port = free_port()
    server = TeamsServer(ServerOptions(host="127.0.0.1", port=port, grace_seconds=0))
    later = threading.Timer(0.5, server.start)
    later.start()
    try:
        started = time.monotonic()
        wait_until_serving(f"127.0.0.1:{port}", timeout=10)
        assert 0.5 <= time.monotonic() - started < 5
    finally:
        later.join()
        server.stop()


def test_nobody_listening_is_a_one_line_reason_within_the_timeout() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(RuntimeError) as raised:
        wait_until_serving(f"127.0.0.1:{port}", timeout=1.0)
    assert time.monotonic() - started < 3
    message = str(raised.value)
    assert message.startswith(f"the Teams server at 127.0.0.1:{port} did not become healthy: ")
    assert "DEADLINE_EXCEEDED" in message or "UNAVAILABLE" in message
    assert "\n" not in message
