"""The container backend: the server and every client in Docker, driven through the Docker SDK.

Images are built from the repository root with each component's Dockerfile (Docker's layer cache
makes an unchanged component cost nothing). Base images come from the Dockerfiles' defaults
(the official images) unless PYTHON_IMAGE, GO_IMAGE or NODE_IMAGE name others, as our CI does
with the local images of ci/docker/base-images.sh. The server and the clients share a bridge
network made for the run; the harness reaches the server through a port published on loopback.
"""

import os
import socket
import threading
import time
import uuid

from teams_interop import paths
from teams_interop.backends import CLIENT_TIMEOUT_SECONDS, Backend, ClientRun, EnvironmentProblem
from teams_interop.builds import BuildError
from teams_interop.clients import ClientSpec, command
from teams_interop.health import wait_until_serving

BASE_IMAGE_ARGS = ("PYTHON_IMAGE", "GO_IMAGE", "NODE_IMAGE")
SERVER_DOCKERFILE = "python_server/Dockerfile"
SERVER_PORT = 50051


def connect():
    """A Docker client, or a clear word on what to install or start."""
    try:
        import docker
    except ImportError:
        raise EnvironmentProblem("the docker backend needs the Docker SDK: pip install docker") from None
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as error:
        raise EnvironmentProblem(
            f"no Docker engine answered ({error}). Install and start Docker; on a Debian machine "
            "without one, `ci/docker/engine.sh start` installs docker.io and starts dockerd"
        ) from None
    return client


class DockerBackend(Backend):
    name = "docker"

    def __init__(self, progress) -> None:
        super().__init__(progress)
        self.docker = connect()
        self.run_id = uuid.uuid4().hex[:8]
        self.network = None
        self.server = None
        self.images: dict[str, str] = {}

    def prepare(self, clients: list[ClientSpec]) -> None:
        self.images["server"] = self._build("server", SERVER_DOCKERFILE)
        for client in clients:
            dockerfile = (
                (client.directory / client.docker.dockerfile).relative_to(paths.layout().repo).as_posix()
            )
            self.images[client.language] = self._build(client.language, dockerfile)

    def _build(self, name: str, dockerfile: str) -> str:
        tag = f"teams-interop/{name}:dev"
        buildargs = {arg: os.environ[arg] for arg in BASE_IMAGE_ARGS if os.environ.get(arg)}
        log_path = paths.layout().work_dir / "logs" / f"docker-build-{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self.progress.step(name, f"building image {tag} from {dockerfile}")
        with log_path.open("w", encoding="utf-8") as log:
            stream = self.docker.api.build(
                path=str(paths.layout().repo),
                dockerfile=dockerfile,
                tag=tag,
                buildargs=buildargs,
                network_mode="host",
                rm=True,
                forcerm=True,
                decode=True,
            )
            for chunk in stream:
                if "error" in chunk:
                    log.write(chunk["error"] + "\n")
                    raise BuildError(
                        f"docker build of {dockerfile} failed: {chunk['error'].strip()} "
                        f"(full log: {log_path})"
                    )
                text = chunk.get("stream", "")
                log.write(text)
                if text.startswith("Step "):
                    self.progress.step(name, text.strip()[:100])
        self.progress.step(name, f"image ready ({time.monotonic() - started:.1f}s, log: {log_path})")
        return tag

    def start_server(self) -> None:
        self.network = self.docker.networks.create(f"teams-interop-{self.run_id}", driver="bridge")
        self.server = self.docker.containers.run(
            self.images["server"],
            command=["--host", "0.0.0.0", "--port", str(SERVER_PORT), "--test-hooks"],
            name=f"teams-server-{self.run_id}",
            network=self.network.name,
            ports={f"{SERVER_PORT}/tcp": ("127.0.0.1", None)},
            detach=True,
        )
        self.server.reload()
        host_port = self.server.attrs["NetworkSettings"]["Ports"][f"{SERVER_PORT}/tcp"][0]["HostPort"]
        try:
            wait_until_serving(f"127.0.0.1:{host_port}")
        except RuntimeError as error:
            logs = self.server.logs(tail=30).decode("utf-8", "replace")
            raise EnvironmentProblem(f"{error}\nserver container log:\n{logs}") from None
        self.progress.step("server", f"container {self.server.name} serving (published on {host_port})")

    @property
    def target(self) -> str:
        return f"{self.server.name}:{SERVER_PORT}"

    def run_client(self, client: ClientSpec, request_lines: list[str]) -> ClientRun:
        argv = command(client.docker.run, self.target)
        api = self.docker.api
        container = api.create_container(
            self.images[client.language],
            entrypoint=[argv[0]],
            command=argv[1:],
            stdin_open=True,
            detach=False,
            name=f"teams-client-{client.language}-{self.run_id}",
            host_config=api.create_host_config(network_mode=self.network.name),
        )["Id"]
        started = time.monotonic()
        try:
            stdout, stderr = self._exchange(container, ("\n".join(request_lines) + "\n").encode("utf-8"))
            exit_code = api.wait(container, timeout=CLIENT_TIMEOUT_SECONDS)["StatusCode"]
        finally:
            api.remove_container(container, force=True)
        return ClientRun(stdout, stderr, exit_code, time.monotonic() - started)

    def _exchange(self, container: str, data: bytes) -> tuple[str, str]:
        """Writes stdin while reading stdout/stderr, so neither side can block the other."""
        from docker.utils.socket import STDOUT, frames_iter

        api = self.docker.api
        sock = api.attach_socket(container, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        raw = getattr(sock, "_sock", sock)
        raw.settimeout(CLIENT_TIMEOUT_SECONDS)
        api.start(container)

        def write() -> None:
            raw.sendall(data)
            raw.shutdown(socket.SHUT_WR)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        out, err = bytearray(), bytearray()
        for stream, chunk in frames_iter(sock, tty=False):
            (out if stream == STDOUT else err).extend(chunk)
        writer.join(timeout=5)
        sock.close()
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def close(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=10)
            self.server.remove(force=True)
            self.server = None
        if self.network is not None:
            self.network.remove()
            self.network = None
