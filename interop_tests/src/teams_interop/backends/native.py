"""The native backend: the server in a virtualenv, each client built with its own toolchain.

The server and the clients are built from a *tree*: a folder laid out like the repository, with
``proto/``, ``python_server/`` and ``clients/``, whose builds keep their stamps and logs in its own
``.interop/``. Both trees default to the repository; ``interop compat`` gives them separately, so
the clients of one proto version can run against the server of another.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from teams_interop import builds, paths, pki
from teams_interop.backends import Backend, EnvironmentProblem, PipeProcess
from teams_interop.clients import ClientSpec, command
from teams_interop.health import wait_until_serving

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
    ) -> None:
        """``server_root`` and ``clients_root`` are trees (see above); ``work_dir`` holds the
        server's virtualenv (default: the server tree's ``.interop/native``)."""
        super().__init__(progress)
        server_root = server_root or paths.layout().repo
        self.server_root = server_root
        self.clients_root = clients_root or paths.layout().repo
        self.work_dir = work_dir or server_root / ".interop" / "native"
        self.server_log = server_root / ".interop" / "logs" / "native-server.log"
        self.server: subprocess.Popen | None = None
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
        self._build_server()

    @property
    def server_dir(self) -> Path:
        return self.server_root / "python_server"

    def _build_server(self) -> None:
        venv = self.work_dir / "server-venv"
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(venv / "bin" / "pip"), "install", "--quiet", str(self.server_dir)],
        ]
        outputs = [venv / "bin" / "teams-server"]
        self._build("server", self.server_root, [self.server_dir], steps, self.server_dir, ["build"], outputs=outputs)

    def server_command(self) -> tuple[list[str], dict[str, str]]:
        """The command that starts the built server (flags are appended), and its extra environment."""
        return [str(self.work_dir / "server-venv" / "bin" / "teams-server")], {}

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

    def start_server(self) -> None:
        self.server, port = self._launch([], self.server_log)
        self.target = f"127.0.0.1:{port}"
        wait_until_serving(self.target)
        self.progress.step("server", f"serving on {self.target} (log: {self.server_log})")

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
        """Starts the built server with test hooks (and ``flags``) on a free loopback port."""
        argv, env = self.server_command()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", "0", "--test-hooks", *flags],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **env},
        )
        return process, _read_port(process, log_path)

    def spawn(self, client: ClientSpec, attempt: int) -> PipeProcess:
        argv = command(client.native.run, self.target)
        env = {**os.environ, "TEAMS_PROTO_DIR": str(self.clients_root / "proto")}
        try:
            return PipeProcess(f"{client.language} process {attempt}", argv, cwd=client.directory, env=env)
        except OSError as error:
            raise EnvironmentProblem(f"cannot start the {client.language} client `{' '.join(argv)}`: {error}") from None

    def close(self) -> None:
        # SIGTERM to all first, then a second one: the server's drain (NOT_SERVING for a load
        # balancer to see) is for deployments; a second SIGTERM skips it, so a test server stops
        # in its grace period and the servers stop together, not one drain after another.
        running = [process for process in [self.server, *self.variants] if process and process.poll() is None]
        for signal_round in range(2):
            for process in running:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
            if signal_round == 0:
                time.sleep(0.2)
        for process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.server, self.variants = None, []
        if self.pki_dir is not None:
            shutil.rmtree(self.pki_dir, ignore_errors=True)
            self.pki_dir = None


def _read_port(process: subprocess.Popen, log_path: Path) -> int:
    """Reads the chosen port from the server's log, then keeps copying the log to a file."""
    log = log_path.open("w", encoding="utf-8")
    for line in process.stderr:
        log.write(line)
        if match := LISTENING.search(line):
            log.flush()
            threading.Thread(target=_copy, args=(process.stderr, log), daemon=True).start()
            return int(match.group(1))
    log.close()
    raise EnvironmentProblem(f"the Teams server exited before listening; see {log_path}")


def _copy(source, log) -> None:
    for line in source:
        log.write(line)
        log.flush()
    log.close()
