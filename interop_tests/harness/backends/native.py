"""The native backend: the server in a virtualenv, each client built with its own toolchain."""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness import builds
from harness.backends import Backend, ClientRun, EnvironmentProblem
from harness.clients import ClientSpec, command
from harness.health import wait_until_serving
from harness.paths import PROTO_DIR, SERVER_DIR, WORK_DIR

INSTALL_HINTS = {
    "go": "Go 1.23 or newer (https://go.dev/dl/ or your distribution's golang package)",
    "protoc": "the protobuf compiler (Debian/Ubuntu: apt-get install protobuf-compiler)",
    "node": "Node.js 18 or newer with npm",
    "npm": "npm (comes with Node.js)",
    "python3": "Python 3.11 or newer with the venv module",
}
CLIENT_TIMEOUT_SECONDS = 300
LISTENING = re.compile(r"listening on .*:(\d+)")


class NativeBackend(Backend):
    name = "native"

    def __init__(self, progress, work_dir: Path = WORK_DIR / "native") -> None:
        super().__init__(progress)
        self.work_dir = work_dir
        self.server: subprocess.Popen | None = None
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
        self._build_server()
        for client in clients:
            self._build_client(client)

    def _build_server(self) -> None:
        venv = self.work_dir / "server-venv"
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(venv / "bin" / "pip"), "install", "--quiet", str(SERVER_DIR)],
        ]
        self._build("server", [PROTO_DIR, SERVER_DIR], steps, SERVER_DIR, skipped=["build"])

    def _build_client(self, client: ClientSpec) -> None:
        inputs = [PROTO_DIR, client.directory]
        self._build(client.language, inputs, client.native.build, client.directory, client.native.outputs)

    def _build(self, name, inputs, steps, cwd, skipped=()) -> None:
        started = time.monotonic()
        self.progress.step(name, "checking build")
        env = {"TEAMS_PROTO_DIR": str(PROTO_DIR)}
        built = builds.ensure_built(f"native-{name}", inputs, steps, cwd, env, skipped)
        verb = "built" if built else "up to date"
        self.progress.step(name, f"{verb} ({time.monotonic() - started:.1f}s)")

    def start_server(self) -> None:
        executable = self.work_dir / "server-venv" / "bin" / "teams-server"
        log_path = WORK_DIR / "logs" / "native-server.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.server = subprocess.Popen(
            [str(executable), "--host", "127.0.0.1", "--port", "0", "--test-hooks"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        port = self._read_port(log_path)
        self.target = f"127.0.0.1:{port}"
        wait_until_serving(self.target)
        self.progress.step("server", f"serving on {self.target} (log: {log_path})")

    def _read_port(self, log_path: Path) -> int:
        """Reads the chosen port from the server's log, then keeps copying the log to a file."""
        log = log_path.open("w", encoding="utf-8")
        for line in self.server.stderr:
            log.write(line)
            if match := LISTENING.search(line):
                log.flush()
                threading.Thread(target=_copy, args=(self.server.stderr, log), daemon=True).start()
                return int(match.group(1))
        log.close()
        raise EnvironmentProblem(f"the Teams server exited before listening; see {log_path}")

    def run_client(self, client: ClientSpec, request_lines: list[str]) -> ClientRun:
        argv = command(client.native.run, self.target)
        started = time.monotonic()
        try:
            done = subprocess.run(
                argv,
                cwd=client.directory,
                input="\n".join(request_lines) + "\n",
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=CLIENT_TIMEOUT_SECONDS,
                env={**os.environ, "TEAMS_PROTO_DIR": str(PROTO_DIR)},
            )
        except subprocess.TimeoutExpired as expired:
            return ClientRun(
                _text(expired.stdout), _text(expired.stderr) + "\n(timed out)", -1, time.monotonic() - started
            )
        return ClientRun(done.stdout, done.stderr, done.returncode, time.monotonic() - started)

    def close(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
        self.server = None


def _copy(source, log) -> None:
    for line in source:
        log.write(line)
        log.flush()
    log.close()


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
