"""The native backend: the server in a virtualenv, each client built with its own toolchain.

The server and the clients are built from a *tree*: a folder laid out like the repository, with
``proto/``, ``python_server/`` and ``clients/``, whose builds keep their stamps and logs in its own
``.interop/``. Both trees default to the repository; ``interop compat`` gives them separately, so
the clients of one proto version can run against the server of another.
"""

import contextlib
import functools
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

from teams_interop import builds, paths, pki
from teams_interop import servers as server_manifests
from teams_interop.backends import Backend, EnvironmentProblem, PipeProcess
from teams_interop.clients import ClientSpec, command
from teams_interop.servers import LiveTarget, ServerSpec

INSTALL_HINTS = {
    "go": "Go 1.23 or newer (https://go.dev/dl/ or your distribution's golang package)",
    "node": "Node.js 18 or newer with npm",
    "npm": "npm (comes with Node.js)",
    "python3": "Python 3.11 or newer with the venv module",
}
LISTENING = re.compile(r"listening on .*:(\d+)")


class NativeBackend(Backend):
    name = "native"

    def __init__(
        self,
        progress,
        work_dir: Path | None = None,
        server_root: Path | None = None,
        clients_root: Path | None = None,
        server: ServerSpec | LiveTarget | None = None,
    ) -> None:
        """``server_root`` and ``clients_root`` are trees (see above); ``work_dir`` holds build
        state of the compat gate (default: the server tree's ``.interop/native``); ``server``:
        a manifest (default: the server tree's Python server) or a live target."""
        server_root = server_root or paths.layout().repo
        super().__init__(progress, server or server_manifests.default(server_root))
        self.server_root = server_root
        self.clients_root = clients_root or paths.layout().repo
        self.work_dir = work_dir or server_root / ".interop" / "native"
        suffix = "" if self.server_name == server_manifests.DEFAULT else f"-{self.server_name}"
        self.server_log = server_root / ".interop" / "logs" / f"native-server{suffix}.log"
        self.process: subprocess.Popen | None = None  # the server's
        self.variants: list[subprocess.Popen] = []
        self.pki_dir: Path | None = None
        self.target = ""

    def prepare(self, clients: list[ClientSpec]) -> None:
        for client in clients:
            missing = [tool for tool in client.native.requires if shutil.which(tool) is None]
            if missing:
                hints = "; ".join(f"`{tool}`: install {INSTALL_HINTS.get(tool, tool)}" for tool in missing)
                raise EnvironmentProblem(
                    f"the {client.language} client needs tools that are not on PATH: {hints} "
                    f"(or leave it out with --languages)"
                )
        for client in clients:
            self._build_client(client)

    def prepare_server(self) -> None:
        if self.live is None:
            self._build_server()

    @property
    def server_dir(self) -> Path:
        return self.server.directory

    def _build_server(self) -> None:
        spec = self.server.native
        if missing := [tool for tool in spec.requires if shutil.which(tool) is None]:
            hints = "; ".join(f"`{tool}`: install {INSTALL_HINTS.get(tool, tool)}" for tool in missing)
            raise EnvironmentProblem(f"the {self.server_name} server needs tools that are not on PATH: {hints}")
        outputs = [self.server_dir / output for output in spec.outputs]
        self._build(
            self.server_label, self.server_root, [self.server_dir], spec.build, self.server_dir,
            spec.fingerprint_skips, outputs=outputs,
        )  # fmt: skip

    def server_command(self) -> tuple[list[str], dict[str, str]]:
        """The command that starts the built server (flags are appended), and its extra
        environment; it runs in the server's folder, so the manifest's paths are relative to it."""
        return list(self.server.native.run), {}

    def _build_client(self, client: ClientSpec) -> None:
        steps, outputs = client.native.build, client.native.outputs
        produced = [client.directory / output for output in outputs]
        self._build(
            client.language,
            self.clients_root,
            [client.directory],
            steps,
            client.directory,
            outputs,
            outputs=produced,
        )

    def _build(self, name, root: Path, inputs, steps, cwd, skipped=(), env=None, outputs=()) -> bool:
        """Builds ``name`` from the tree ``root`` (its proto/ is an input of every build); True if it built."""
        started = time.monotonic()
        self.progress.step(name, "checking build")
        work_dir = root / ".interop"
        env = {"TEAMS_PROTO_DIR": str(root / "proto"), "PATH": builds.protoc_on_path(work_dir), **(env or {})}
        inputs = [root / "proto", *inputs]
        built = builds.ensure_built(
            f"native-{name}", inputs, steps, cwd, env, skipped, work_dir=work_dir, outputs=outputs
        )
        verb = "built" if built else "up to date"
        self.progress.step(name, f"{verb} ({time.monotonic() - started:.1f}s)")
        return built

    def launch_server(self) -> None:
        """Starts the server on a port picked here, so that its address is known at once and the
        clients start beside the server's own start-up (0.1 s of every run), not after it.
        Should another process take the port meanwhile, ``await_server`` starts the server
        again on a port of its own choosing, and says so (``moved``)."""
        if self.live is not None:
            self.target = self.live.address
            return
        port = _free_port()
        self.process = self._popen([], self.server_log, port)
        self.target = f"127.0.0.1:{port}"

    @property
    def own_target(self) -> str | None:
        """``localhost`` where it names 127.0.0.1, the address the server listens on."""
        if self.live is not None or not self.target or not _localhost_is_loopback():
            return None
        return f"localhost:{self.target.rsplit(':', 1)[1]}"

    def await_server(self) -> None:
        from teams_interop.health import wait_until_serving

        if self.live is not None:
            self.check_live_target()
            return
        try:
            _read_port(self.process, self.server_log, self.server_name)
        except EnvironmentProblem as error:
            self.progress.step(self.server_label, f"{error}: starting it again on a port of its own choosing")
            self.process, port = self._launch([], self.server_log)
            self.target, self.moved = f"127.0.0.1:{port}", True
        wait_until_serving(self.target)
        self.progress.step(self.server_label, f"serving on {self.target} (log: {self.server_log})")

    def make_pki(self) -> pki.Pki:
        self.pki_dir = self.server_root / ".interop" / "tls" / uuid.uuid4().hex[:8]
        return pki.make_pki(self.pki_dir, run=self.pki_dir.name)

    def start_variant(self, variant: str, authority: pki.Pki) -> str:
        log_path = self.server_log.with_name(f"native-server-{variant}.log")
        process, port = self._launch(pki.server_flags(variant, str(authority.folder)), log_path)
        self.variants.append(process)
        target = f"127.0.0.1:{port}"
        self.wait_for_variant(variant, target, authority, f" (log: {log_path})")
        return target

    def _launch(self, flags: list[str], log_path: Path) -> tuple[subprocess.Popen, int]:
        """Starts the built server (with test hooks unless ``hooks`` is off, and ``flags``) on a free
        loopback port of its own choosing, once it listens."""
        process = self._popen(flags, log_path, 0)
        return process, _read_port(process, log_path, self.server_name)

    def _popen(self, flags: list[str], log_path: Path, port: int) -> subprocess.Popen:
        argv, env = self.server_command()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return subprocess.Popen(
                [*argv, "--host", "127.0.0.1", "--port", str(port), *self.hook_flags, *flags],
                cwd=self.server_dir,
                stderr=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                text=True,
                env={**os.environ, **env},
            )
        except OSError as error:
            raise EnvironmentProblem(f"cannot start the {self.server_name} server `{argv[0]}`: {error}") from None

    def spawn(self, client: ClientSpec, attempt: int) -> PipeProcess:
        argv = command(client.native.run, self.target)
        env = {**os.environ, "TEAMS_PROTO_DIR": str(self.clients_root / "proto")}
        try:
            return PipeProcess(f"{client.language} process {attempt}", argv, cwd=client.directory, env=env)
        except OSError as error:
            raise EnvironmentProblem(f"cannot start the {client.language} client `{' '.join(argv)}`: {error}") from None

    def close(self) -> None:
        # SIGTERM to all first, then a second one to those still running: the server's drain
        # (NOT_SERVING for a load balancer to see) is for deployments; a second SIGTERM skips it,
        # so a test server stops in its grace period and the servers stop together, not one drain
        # after another. Ours are started with no drain (their manifests' run) and are gone before the
        # second; the pause lets a server that does drain see two signals, not one merged.
        running = [process for process in [self.process, *self.variants] if process and process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        second = time.monotonic() + 0.2
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, second - time.monotonic()))
        for process in running:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.process, self.variants = None, []
        if self.pki_dir is not None:
            shutil.rmtree(self.pki_dir, ignore_errors=True)
            self.pki_dir = None


def _free_port() -> int:
    """A loopback port free now (the kernel's pick, released at once for the server to take)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@functools.cache
def _localhost_is_loopback() -> bool:
    """``localhost`` resolves to 127.0.0.1 (perhaps beside ::1), where the server listens."""
    try:
        return "127.0.0.1" in {info[4][0] for info in socket.getaddrinfo("localhost", None, proto=socket.IPPROTO_TCP)}
    except OSError:
        return False


def _read_port(process: subprocess.Popen, log_path: Path, name: str) -> int:
    """Reads the chosen port from the server's log, then keeps copying the log to a file."""
    log = log_path.open("w", encoding="utf-8")
    for line in process.stderr:
        log.write(line)
        if match := LISTENING.search(line):
            log.flush()
            threading.Thread(target=_copy, args=(process.stderr, log), daemon=True).start()
            return int(match.group(1))
    log.close()
    raise EnvironmentProblem(f"the {name} Teams server exited before listening; see {log_path}")


def _copy(source, log) -> None:
    for line in source:
        log.write(line)
        log.flush()
    log.close()
