"""The compose backend: the matrix runs in a container next to the server and the clients.

``docker compose up`` (docker-compose.yml at the repository root) builds and starts everything;
this backend only talks to it. There is no Docker socket in the matrix container, so a client is
reached through files on a volume shared with its service. The service clears its files of an
earlier run, writes ``<language>.ready`` (compose starts the matrix only after that), then serves
processes in turn: for process N the backend makes the named pipe ``<language>.N.in``; the service
runs its contract command reading it, writing ``<language>.N.out`` and ``.N.err``, and, last,
``<language>.N.exit``. ``<language>.N.kill`` makes the service kill process N, which is how a hung
client is replaced here too.
"""

import contextlib
import errno
import os
import threading
import time
import uuid
from pathlib import Path

from teams_interop import pki, servers
from teams_interop.backends import Backend, EnvironmentProblem
from teams_interop.clients import ClientSpec
from teams_interop.sessions import ClientProcess

POLL_SECONDS = 0.05
OPEN_TIMEOUT_SECONDS = 60  # for the client service to open its end of the pipe


class ExchangeProcess(ClientProcess):
    """Process N of a client service, through its files on the exchange volume."""

    def __init__(self, exchange: Path, language: str, attempt: int) -> None:
        super().__init__(f"{language} service process {attempt}")
        self.base = exchange / f"{language}.{attempt}"
        pipe = self._file("in")
        pipe.unlink(missing_ok=True)
        os.mkfifo(pipe)
        self.stdin = self._open_writer(pipe, language)
        self._closed = False
        threading.Thread(target=self._follow, daemon=True).start()

    def _file(self, suffix: str) -> Path:
        return self.base.with_name(f"{self.base.name}.{suffix}")

    @staticmethod
    def _open_writer(pipe: Path, language: str) -> int:
        deadline = time.monotonic() + OPEN_TIMEOUT_SECONDS
        while True:
            try:
                descriptor = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
                os.set_blocking(descriptor, True)
                return descriptor
            except OSError as error:
                if error.errno != errno.ENXIO or time.monotonic() > deadline:
                    raise EnvironmentProblem(
                        f"the {language} client service did not open {pipe} within {OPEN_TIMEOUT_SECONDS}s "
                        f"(see `docker compose logs {language}`)"
                    ) from None
                time.sleep(POLL_SECONDS)

    def _follow(self) -> None:
        """Tails .out into lines (and .err into stderr) until .exit appears and both are drained."""
        out_path, err_path, exit_path = self._file("out"), self._file("err"), self._file("exit")
        out_offset = err_offset = 0
        pending = b""
        while True:
            finished = exit_path.exists()
            if out_path.exists():
                with out_path.open("rb") as out:
                    out.seek(out_offset)
                    chunk = out.read()
                    out_offset += len(chunk)
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    self.lines.put(line.decode("utf-8", "replace") + "\n")
            if err_path.exists():
                with err_path.open("rb") as err:
                    err.seek(err_offset)
                    chunk = err.read()
                    err_offset += len(chunk)
                if chunk:
                    self.add_stderr(chunk.decode("utf-8", "replace"))
            if finished:
                if pending:
                    self.lines.put(pending.decode("utf-8", "replace"))
                self.lines.put(None)
                return
            time.sleep(POLL_SECONDS)

    def send(self, line: str) -> None:
        os.write(self.stdin, line.encode("utf-8") + b"\n")

    def close_stdin(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(OSError):
                os.close(self.stdin)

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        exit_path = self._file("exit")
        while not exit_path.exists():
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)
        return int(exit_path.read_text().strip() or "-1")

    def kill(self) -> None:
        if not self._file("exit").exists():
            self._file("kill").touch()
            self.wait(10)
        self.close_stdin()


class ComposeBackend(Backend):
    name = "compose"

    def __init__(self, progress) -> None:
        super().__init__(progress, servers.default())  # docker-compose.yml's server service
        self.exchange = Path(os.environ.get("TEAMS_EXCHANGE_DIR", "/exchange"))
        self.target = os.environ.get("TEAMS_SERVER_TARGET", "server:50051")

    def prepare(self, clients: list[ClientSpec]) -> None:
        """Nothing to build (compose did): checks that every client's service is up and waiting."""
        if missing := [c.language for c in clients if not (self.exchange / f"{c.language}.ready").exists()]:
            raise EnvironmentProblem(
                f"no client service is waiting in {self.exchange} for: {', '.join(missing)}. Every "
                "clients/<language>/client.toml needs its service in docker-compose.yml: "
                "regenerate it with `interop compose`"
            )

    def launch_server(self) -> None:
        """Compose started the server: its service name is the target."""

    def await_server(self) -> None:
        from teams_interop.health import wait_until_serving

        try:
            wait_until_serving(self.target)
        except RuntimeError as error:
            raise EnvironmentProblem(f"{error} (see `docker compose logs server`)") from None
        self.progress.step("server", f"{self.target} serving")

    def make_pki(self) -> pki.Pki:
        """On the exchange volume, where the variant services wait for it (compose_file.py)."""
        return pki.make_pki(self.exchange / "tls", run=uuid.uuid4().hex[:8])

    def start_variant(self, variant: str, authority: pki.Pki) -> str:
        service = pki.COMPOSE_SERVICES[variant]
        target = f"{service}:50051"
        self.wait_for_variant(variant, target, authority, f" (see `docker compose logs {service}`)")
        return target

    def spawn(self, client: ClientSpec, attempt: int) -> ExchangeProcess:
        return ExchangeProcess(self.exchange, client.language, attempt)

    def close(self) -> None:
        """The containers belong to compose, which stops them when this one exits."""
