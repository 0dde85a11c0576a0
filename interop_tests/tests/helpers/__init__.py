"""What the harness's own tests share: small synthetic clients and a sample matrix.

Imported as ``tests.helpers`` from every tier (pytest puts ``interop_tests/`` on the import path
because ``tests/`` is a package), so there is one way in.
"""

import socket
from pathlib import Path

from teams_interop.clients import FEATURES, ClientSpec, DockerSpec, NativeSpec


def make_client(language: str, features=None, known_failing=()) -> ClientSpec:
    return ClientSpec(
        language=language,
        summary="",
        directory=Path("/nonexistent"),
        features=frozenset(FEATURES if features is None else features),
        native=NativeSpec(requires=(), build=(), outputs=(), run=("true",)),
        docker=DockerSpec(dockerfile="Dockerfile", run=("true",)),
        known_failing=tuple(known_failing),
    )


def free_port() -> int:
    """A loopback port nobody listens on now (a test starts its own server there later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
