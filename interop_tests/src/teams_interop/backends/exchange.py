"""The compose backend: the matrix runs in a container next to the server and the clients.

``docker compose up`` (docker-compose.yml at the repository root) builds and starts everything;
this backend only talks to it. There is no Docker socket in the matrix container, so a client is
fed through files on a volume shared with its service. The service clears its files of an earlier
run and writes ``<language>.ready`` (compose starts the matrix only after that); the backend writes
``<language>.requests.jsonl``; the service runs its contract command over it and writes
``<language>.results.jsonl``, ``<language>.stderr`` and, last, ``<language>.exit``. The requests
and the exit file are renamed into place, so neither side ever acts on half a file.
"""

import os
import time
from pathlib import Path

from teams_interop.backends import CLIENT_TIMEOUT_SECONDS, Backend, ClientRun, EnvironmentProblem
from teams_interop.clients import ClientSpec
from teams_interop.health import wait_until_serving

POLL_SECONDS = 0.2


class ExchangeBackend(Backend):
    name = "compose"

    def __init__(self, progress) -> None:
        super().__init__(progress)
        self.exchange = Path(os.environ.get("TEAMS_EXCHANGE_DIR", "/exchange"))
        self.target = os.environ.get("TEAMS_SERVER_TARGET", "server:50051")

    def prepare(self, clients: list[ClientSpec]) -> None:
        """Nothing to build (compose did): checks that every client's service is up and waiting."""
        if missing := [c.language for c in clients if not self._file(c, "ready").exists()]:
            raise EnvironmentProblem(
                f"no client service is waiting in {self.exchange} for: {', '.join(missing)}. Every "
                "clients/<language>/client.toml needs a service of that name in docker-compose.yml "
                "(like `python` there) and an entry in the `matrix` service's depends_on"
            )
        for client in clients:
            for suffix in ("results.jsonl", "stderr", "exit"):
                self._file(client, suffix).unlink(missing_ok=True)

    def start_server(self) -> None:
        try:
            wait_until_serving(self.target)
        except RuntimeError as error:
            raise EnvironmentProblem(f"{error} (see `docker compose logs server`)") from None
        self.progress.step("server", f"{self.target} serving")

    def run_client(self, client: ClientSpec, request_lines: list[str]) -> ClientRun:
        requests = self._file(client, "requests.jsonl")
        partial = requests.with_name(requests.name + ".tmp")
        partial.write_text("\n".join(request_lines) + "\n", encoding="utf-8")
        started = time.monotonic()
        partial.replace(requests)
        exit_file = self._file(client, "exit")
        while not exit_file.exists():
            if time.monotonic() - started > CLIENT_TIMEOUT_SECONDS:
                return self._timed_out(client, started)
            time.sleep(POLL_SECONDS)
        return ClientRun(
            self._read(client, "results.jsonl"),
            self._read(client, "stderr"),
            int(exit_file.read_text().strip()),
            time.monotonic() - started,
        )

    def _timed_out(self, client: ClientSpec, started: float) -> ClientRun:
        if not self._file(client, "results.jsonl").exists():
            raise EnvironmentProblem(
                f"the {client.language} client service did not take its requests from {self.exchange} "
                f"within {CLIENT_TIMEOUT_SECONDS}s (see `docker compose logs {client.language}`)"
            )
        stderr = self._read(client, "stderr") + f"\n(timed out after {CLIENT_TIMEOUT_SECONDS}s)"
        return ClientRun(self._read(client, "results.jsonl"), stderr, -1, time.monotonic() - started)

    def _file(self, client: ClientSpec, suffix: str) -> Path:
        return self.exchange / f"{client.language}.{suffix}"

    def _read(self, client: ClientSpec, suffix: str) -> str:
        path = self._file(client, suffix)
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def close(self) -> None:
        """The containers belong to compose, which stops them when this one exits."""
