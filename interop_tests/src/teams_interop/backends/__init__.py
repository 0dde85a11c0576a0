"""Where the server and the clients run: natively, in containers driven by the Docker SDK, or in
containers that docker compose started (the harness then runs inside compose as the judge).

Every backend gives the matrix the same thing: a server (any manifest's, with test hooks on when
it has them, or a live target it did not start), and a way to feed a client its request lines
and collect what it printed.

The health checks (``teams_interop.health``, and with it grpcio, 80 ms to import) are imported
where a backend first waits for a server, once it has launched it: the import then overlaps the
server's start-up instead of delaying it.
"""

import abc
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from teams_interop import pki
from teams_interop.cases import Variants
from teams_interop.clients import ClientSpec
from teams_interop.progress import Progress
from teams_interop.servers import DEFAULT, LiveTarget, ServerSpec
from teams_interop.sessions import ClientProcess


class EnvironmentProblem(RuntimeError):
    """Something the user must install or start; the message says what, never a silent skip."""


class PipeProcess(ClientProcess):
    """A client as a local process with pipes: the native client itself, or ``docker run -i``."""

    def __init__(self, name: str, argv: list[str], cwd=None, env=None, on_kill: Callable[[], None] | None = None):
        super().__init__(name)
        self.popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=1 << 16,  # buffered: a 3 MB result line is read in chunks, not byte by byte
            start_new_session=True,  # its own process group: a kill takes its children too
        )
        self.on_kill = on_kill
        threading.Thread(target=self.read_stdout, args=(self.popen.stdout,), daemon=True).start()
        threading.Thread(target=self.read_stderr, args=(self.popen.stderr,), daemon=True).start()

    def send(self, line: str) -> None:
        self.popen.stdin.write(line.encode("utf-8") + b"\n")
        self.popen.stdin.flush()

    def close_stdin(self) -> None:
        with contextlib.suppress(OSError):
            self.popen.stdin.close()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout=max(timeout, 0.01))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.popen.poll() is None:
            if self.on_kill:
                self.on_kill()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)
        self.close_stdin()


class Backend(abc.ABC):
    name: str
    # Start servers with --test-hooks when their manifest has the feature; ``interop bench`` sets
    # False, so the server measured is the one deployments run (make_backend(..., hooks=False)).
    hooks: bool = True

    def __init__(self, progress: Progress, server: ServerSpec | LiveTarget) -> None:
        self.progress = progress
        self.server_under_test = server
        self.expected: list[str] = []  # the variants the run will start (expect_variants)

    @property
    def server(self) -> ServerSpec:
        """The manifest of the server this backend builds and starts (not for a live target)."""
        if isinstance(self.server_under_test, LiveTarget):
            raise EnvironmentProblem("a live target has no manifest: nothing to build or start")
        return self.server_under_test

    @property
    def live(self) -> LiveTarget | None:
        return self.server_under_test if isinstance(self.server_under_test, LiveTarget) else None

    @property
    def server_name(self) -> str:
        return self.server_under_test.name

    @property
    def server_label(self) -> str:
        """Its name in progress lines and build stamps (``server`` for the default one)."""
        return "server" if self.server_name == DEFAULT else f"server-{self.server_name}"

    @property
    def hook_flags(self) -> list[str]:
        return ["--test-hooks"] if self.hooks and "test_hooks" in self.server.features else []

    def check_live_target(self) -> None:
        """A live target must answer (its health service, when it has one) within its wait."""
        from teams_interop.health import wait_for_target

        target = self.live
        try:
            wait_for_target(
                target.address, target.ca, target.server_name, "health" in target.features, target.wait_seconds
            )
        except RuntimeError as error:
            raise EnvironmentProblem(f"the target {target.describe()}: {error}") from None
        self.progress.step("target", f"answering at {target.describe()}")

    def prepare_server(self) -> None:  # noqa: B027 - most backends build a server; compose does not
        """Builds the server (only what changed); it then starts while the clients build."""

    @abc.abstractmethod
    def prepare(self, clients: list[ClientSpec]) -> None:
        """Builds the clients (only what changed)."""

    def start_server(self) -> None:
        """Starts a fresh server with test hooks and waits until its health service says SERVING."""
        self.launch_server()
        self.await_server()

    # Set by await_server when the server had to start again elsewhere than launch_server said:
    # the clients started for the old address must start again.
    moved = False

    @abc.abstractmethod
    def launch_server(self) -> None:
        """Starts the server and returns as soon as the address clients dial is known: the matrix
        starts the clients then (a JVM or a container takes longer than a server to come up) and
        sends them cases once ``await_server`` has returned."""

    @abc.abstractmethod
    def await_server(self) -> None:
        """Waits until the launched server's health service says SERVING (a live target: answers)."""

    def expect_variants(self, needed: set[str]) -> None:
        """Told, before the server launches, which variants start_variants will be asked for."""
        self.expected = sorted(needed)

    def start_variants(self, needed: set[str]) -> Variants:
        """Makes the run's PKI and starts the server variants ``needed`` (pki.VARIANTS) at once,
        each waited for over its own transport; nothing at all when no chosen case needs one."""
        if self.live is not None:
            return self.live.variants()  # its own TLS and token for every call; no variants
        if not needed:
            return Variants()
        authority = self.make_pki()

        def start(variant: str) -> str:
            self.progress.step(f"server-{variant}", "starting")
            return self.start_variant(variant, authority)

        chosen = sorted(needed)
        with ThreadPoolExecutor(max_workers=len(chosen)) as starting:
            targets = dict(zip(chosen, starting.map(start, chosen), strict=True))
        return Variants(targets, authority)

    def make_pki(self) -> pki.Pki:  # pragma: no cover - every backend that starts variants has one
        raise EnvironmentProblem(f"the {self.name} backend cannot start server variants")

    def start_variant(self, variant: str, authority: pki.Pki) -> str:  # pragma: no cover
        """Starts one variant and returns its address as the clients dial it."""
        raise EnvironmentProblem(f"the {self.name} backend cannot start server variants")

    def wait_for_variant(self, variant: str, target: str, authority: pki.Pki, describe: str = "") -> None:
        """Health over the variant's transport (the health service needs no token)."""
        from teams_interop.health import wait_until_serving

        tls = variant in ("tls", "mtls")
        try:
            wait_until_serving(target, authority=authority if tls else None, client_certificate=variant == "mtls")
        except RuntimeError as error:
            raise EnvironmentProblem(f"the {variant} server variant: {error}{describe}") from None
        self.progress.step(f"server-{variant}", f"serving on {target}")

    @property
    def own_target(self) -> str | None:
        """The launched server under a second name (another ``host:port`` string for the same
        listener), which a client dials on a channel, and so a connection, of its own: the
        exclusive cases (megabytes, long streams) go there (sessions.py). None where there is none
        (a live target, compose)."""
        return None

    @abc.abstractmethod
    def spawn(self, client: ClientSpec, attempt: int) -> ClientProcess:
        """Starts one client process in contract mode (attempt 1, or a fresh one after a hang)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stops whatever the backend started; safe to call twice."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def make_backend(
    name: str, progress: Progress, server: ServerSpec | LiveTarget | None = None, hooks: bool = True
) -> Backend:
    """``server``: a manifest or a live target (default: the repository's Python server);
    ``hooks=False`` starts it without ``--test-hooks`` (``interop bench``)."""
    if name == "native":
        from teams_interop.backends.native import NativeBackend

        backend = NativeBackend(progress, server=server)
        backend.hooks = hooks
        return backend
    if name == "docker":
        from teams_interop.backends.docker import DockerBackend

        backend = DockerBackend(progress, server)
        backend.hooks = hooks
        return backend
    if name == "compose":
        from teams_interop.backends.compose import ComposeBackend

        if server is not None and server.name != DEFAULT:
            raise EnvironmentProblem(
                "the compose backend runs the server of docker-compose.yml (the Python one): "
                "use --backend native or docker for other servers and for --target"
            )
        if not hooks:
            raise EnvironmentProblem("the compose backend's server always has test hooks: use native or docker")
        return ComposeBackend(progress)
    raise ValueError(f"unknown backend {name!r}: choose native, docker or compose")
