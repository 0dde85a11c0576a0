"""Where the server and the clients run: natively, in containers driven by the Docker SDK, or in
containers that docker compose started (the harness then runs inside compose as the judge).

Every backend gives the matrix the same thing: a server with test hooks on, and a way to feed a
client its request lines and collect what it printed.
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
from teams_interop.health import wait_until_serving
from teams_interop.progress import Progress
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

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def prepare_server(self) -> None:  # noqa: B027 - most backends build a server; compose does not
        """Builds the server (only what changed); it then starts while the clients build."""

    @abc.abstractmethod
    def prepare(self, clients: list[ClientSpec]) -> None:
        """Builds the clients (only what changed)."""

    @abc.abstractmethod
    def start_server(self) -> None:
        """Starts a fresh server with test hooks and waits until its health service says SERVING."""

    def start_variants(self, needed: set[str]) -> Variants:
        """Makes the run's PKI and starts the server variants ``needed`` (pki.VARIANTS) at once,
        each waited for over its own transport; nothing at all when no chosen case needs one."""
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
        tls = variant in ("tls", "mtls")
        try:
            wait_until_serving(target, authority=authority if tls else None, client_certificate=variant == "mtls")
        except RuntimeError as error:
            raise EnvironmentProblem(f"the {variant} server variant: {error}{describe}") from None
        self.progress.step(f"server-{variant}", f"serving on {target}")

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


def make_backend(name: str, progress: Progress) -> Backend:
    if name == "native":
        from teams_interop.backends.native import NativeBackend

        return NativeBackend(progress)
    if name == "docker":
        from teams_interop.backends.docker import DockerBackend

        return DockerBackend(progress)
    if name == "compose":
        from teams_interop.backends.compose import ComposeBackend

        return ComposeBackend(progress)
    raise ValueError(f"unknown backend {name!r}: choose native, docker or compose")
