"""Where the server and the clients run: natively, in containers driven by the Docker SDK, or in
containers that docker compose started (the harness then runs inside compose as the judge).

Every backend gives the matrix the same thing: a server with test hooks on, and a way to feed a
client its request lines and collect what it printed.
"""

import abc
from dataclasses import dataclass

from teams_interop.clients import ClientSpec
from teams_interop.progress import Progress

# How long one client process may take over all its cases, in every backend: bounded, so a hung
# client fails its cases instead of hanging the run.
CLIENT_TIMEOUT_SECONDS = 300


class EnvironmentProblem(RuntimeError):
    """Something the user must install or start; the message says what, never a silent skip."""


@dataclass(frozen=True)
class ClientRun:
    stdout: str
    stderr: str
    exit_code: int
    seconds: float


class Backend(abc.ABC):
    name: str

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    @abc.abstractmethod
    def prepare(self, clients: list[ClientSpec]) -> None:
        """Builds the server and the clients (only what changed)."""

    @abc.abstractmethod
    def start_server(self) -> None:
        """Starts a fresh server with test hooks and waits until its health service says SERVING."""

    @abc.abstractmethod
    def run_client(self, client: ClientSpec, request_lines: list[str]) -> ClientRun:
        """Runs one client process over all the request lines."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stops whatever the backend started; safe to call twice."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def make_backend(name: str, progress: Progress) -> Backend:
    if name == "native":
        from teams_interop.backends.native import NativeBackend

        return NativeBackend(progress)
    if name == "docker":
        from teams_interop.backends.docker import DockerBackend

        return DockerBackend(progress)
    if name == "compose":
        from teams_interop.backends.exchange import ExchangeBackend

        return ExchangeBackend(progress)
    raise ValueError(f"unknown backend {name!r}: choose native, docker or compose")
