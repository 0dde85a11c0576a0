"""The container backend: the server and every client in Docker, driven through the Docker SDK.

Images are built from the repository root with each component's Dockerfile (Docker's layer cache
makes an unchanged component cheap; an image whose inputs did not change since we built it is not
sent to the engine at all: image_inputs.py). Base images come from the Dockerfiles' defaults
(the official images) unless PYTHON_IMAGE, GO_IMAGE or NODE_IMAGE name others, as our CI does
with the local images of ci/docker/base-images.sh. The server (any manifest's) and the clients
share a bridge network made for the run; the harness reaches the server through a port published
on loopback. The server variants (TLS, mTLS, token) run in the server's own container, each on a
port of its own (``docker exec``): a container of its own cost the engine about 0.4 s of CPU
each (network namespace, the libnetwork hook that re-executes dockerd, iptables, runc), and a run
is CPU-bound on two cores. Against a live target (``--target``) the clients use the host's network
instead, so an address on loopback means the host's.
"""

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import requests

from teams_interop import builds, image_inputs, paths, pki, servers
from teams_interop.backends import Backend, EnvironmentProblem, PipeProcess
from teams_interop.builds import BuildError
from teams_interop.clients import ClientSpec, command

SECOND_NAME = "-apart"  # the server container's network alias: own_target


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

    def __init__(self, progress, server=None) -> None:
        super().__init__(progress, server or servers.default())
        if shutil.which("docker") is None:
            raise EnvironmentProblem("the docker backend runs clients with the `docker` command line: install it")
        self.docker = connect()
        self.run_id = uuid.uuid4().hex[:8]
        self.network = None
        self._network_lock = threading.Lock()
        self.container = None  # the server's
        self._making: Future | None = None  # the server's container being made (launch_server)
        self.host_port = ""  # where the server's port is published on loopback, for the health check
        self.variants: list[subprocess.Popen] = []  # `docker exec` of each variant, in the container
        self._launched = threading.Event()  # the server's container exists, or never will
        self.pki_dir = None
        self.images: dict[str, str] = {}

    def prepare_server(self) -> None:
        if self.live is None:
            dockerfile = (self.server.directory / self.server.docker.dockerfile).relative_to(paths.layout().repo)
            self.images["server"] = self._build(self.server_label, dockerfile.as_posix(), self.server.image)

    def prepare(self, clients: list[ClientSpec]) -> None:
        for client in clients:
            dockerfile = (client.directory / client.docker.dockerfile).relative_to(paths.layout().repo).as_posix()
            self.images[client.language] = self._build(client.language, dockerfile)

    def _build(self, name: str, dockerfile: str, tag: str = "") -> str:
        tag = tag or f"teams-interop/{name}:dev"
        if os.environ.get("INTEROP_PREBUILT_IMAGES") == "1":  # a CI job that loaded the run's images
            try:
                self.docker.images.get(tag)
            except Exception:
                raise EnvironmentProblem(f"INTEROP_PREBUILT_IMAGES=1 but there is no image {tag}") from None
            self.progress.step(name, f"prebuilt image {tag}")
            return tag
        # Base images are build arguments named *_IMAGE (PYTHON_IMAGE, GO_IMAGE, JAVA_IMAGE, ...)
        buildargs = {name: value for name, value in os.environ.items() if name.endswith("_IMAGE") and value}
        started = time.monotonic()
        inputs = image_inputs.fingerprint(paths.layout().repo, dockerfile, buildargs, self._image_id)
        if inputs is not None and self._unchanged(name, tag, inputs):
            self.progress.step(name, f"image {tag} up to date (its inputs are unchanged)")
            return tag
        replaced = self._image_id(tag)
        log_path = paths.layout().work_dir / "logs" / f"docker-build-{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        limit = builds.step_timeout()  # the whole image, like one native build step
        self.progress.step(name, f"building image {tag} from {dockerfile}")
        with log_path.open("w", encoding="utf-8") as log:
            stream = self.docker.api.build(
                timeout=limit,  # the engine silent this long: the read fails
                path=str(paths.layout().repo),
                dockerfile=dockerfile,
                tag=tag,
                buildargs=buildargs,
                network_mode="host",
                rm=True,
                forcerm=True,
                decode=True,
            )
            for chunk in self._bounded(stream, dockerfile, limit, started, log_path):
                if "error" in chunk:
                    log.write(chunk["error"] + "\n")
                    raise BuildError(
                        f"docker build of {dockerfile} failed: {chunk['error'].strip()} (full log: {log_path})"
                    )
                text = chunk.get("stream", "")
                log.write(text)
                if text.startswith("Step "):
                    self.progress.step(name, text.strip()[:100])
        self.progress.step(name, f"image ready ({time.monotonic() - started:.1f}s, log: {log_path})")
        if inputs is not None:
            self._remember(name, tag, inputs)
        self._drop_replaced(replaced, tag)
        return tag

    def _drop_replaced(self, replaced: str | None, tag: str) -> None:
        """Removes the image the tag named before this build, now nameless: every rebuild (an
        edit, another checkout) would otherwise leave ~100-500 MB behind, and a CI machine that
        builds each run filled its disk with them. An image another tag or a container still
        uses stays (the engine refuses: nothing is forced)."""
        if replaced is None or replaced == self._image_id(tag):
            return
        from docker.errors import APIError

        with contextlib.suppress(APIError):  # 409: a container or another tag still uses it; 404: gone
            self.docker.images.remove(replaced)

    @property
    def server_args(self) -> list[str]:
        return [*self.server.docker.run, *self.hook_flags]

    @property
    def server_port(self) -> int:
        return self.server.docker.port

    @staticmethod
    def _bounded(stream, dockerfile: str, limit: float, started: float, log_path):
        """The build's progress chunks, until it has taken longer than ``limit`` seconds."""
        try:
            for chunk in stream:
                if time.monotonic() - started > limit:
                    raise BuildError(
                        f"docker build of {dockerfile} did not finish within {limit:.0f}s "
                        f"(INTEROP_BUILD_TIMEOUT sets the limit; log: {log_path})"
                    )
                yield chunk
        except requests.exceptions.ReadTimeout:
            raise BuildError(
                f"docker build of {dockerfile}: the engine said nothing for {limit:.0f}s (log: {log_path})"
            ) from None

    def _image_id(self, reference: str) -> str | None:
        try:
            return self.docker.images.get(reference).id
        except Exception:  # not here (docker.errors.ImageNotFound), or not readable: build
            return None

    @staticmethod
    def _stamp(name: str) -> Path:
        return paths.layout().work_dir / "stamps" / f"docker-{name}.json"

    def _unchanged(self, name: str, tag: str, inputs: str) -> bool:
        """The tag still names the image built from these very inputs (another checkout may
        have built the same tag since, from others)."""
        try:
            stamp = json.loads(self._stamp(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return stamp == {"tag": tag, "inputs": inputs, "image": stamp.get("image")} and (
            self._image_id(tag) == stamp["image"]
        )

    def _remember(self, name: str, tag: str, inputs: str) -> None:
        image = self._image_id(tag)
        if image is not None:
            self._stamp(name).parent.mkdir(parents=True, exist_ok=True)
            self._stamp(name).write_text(json.dumps({"tag": tag, "inputs": inputs, "image": image}), encoding="utf-8")

    def _network_name(self) -> str:
        """The run's bridge network, made by whichever of the server and its variants (which
        start together) asks first."""
        with self._network_lock:
            if self.network is None:
                self.network = self.docker.networks.create(f"teams-interop-{self.run_id}", driver="bridge")
            return self.network.name

    def _variant_port(self, variant: str) -> int:
        return self.server_port + 1 + pki.VARIANTS.index(variant)

    def launch_server(self) -> None:
        """The server's container on the run's network: its name is the clients' target, known
        before the container exists, so this returns once the network does and the container is
        made in the background (await_server waits for it): the clients' containers, started
        now, come up while the engine makes the server's (0.4 to 0.6 s). The variants' ports are
        published with it and the run's PKI folder mounted at /tls (written later:
        start_variants)."""
        if self.live is not None:
            return
        network = self._network_name()
        making = ThreadPoolExecutor(max_workers=1, thread_name_prefix="server-container")
        self._making = making.submit(self._make_container, network)
        making.shutdown(wait=False)

    def _make_container(self, network: str) -> None:
        ports = {f"{port}/tcp": ("127.0.0.1", None) for port in self._ports()}
        volumes = {}
        if self.expected:
            self.pki_dir = paths.layout().work_dir / "tls" / self.run_id
            self.pki_dir.mkdir(parents=True, exist_ok=True)
            volumes = {str(self.pki_dir): {"bind": "/tls", "mode": "ro"}}
        name = self.container_name
        try:
            self.container = self.docker.containers.run(
                self.images["server"],
                command=self.server_args,
                name=name,
                network=network,
                networking_config={network: self.docker.api.create_endpoint_config(aliases=[f"{name}{SECOND_NAME}"])},
                ports=ports,
                volumes=volumes,
                detach=True,
            )
            self.container.reload()
        finally:
            self._launched.set()
        self.host_port = self._published(self.server_port)

    def _ports(self) -> list[int]:
        return [self.server_port, *(self._variant_port(variant) for variant in self.expected)]

    def _published(self, port: int) -> str:
        return self.container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"]

    def await_server(self) -> None:
        from teams_interop.health import wait_until_serving

        if self.live is not None:
            self.check_live_target()
            return
        self._making.result()  # the container exists (or its error is the run's)
        try:
            wait_until_serving(f"127.0.0.1:{self.host_port}")
        except RuntimeError as error:
            logs = self.container.logs(tail=30).decode("utf-8", "replace")
            raise EnvironmentProblem(f"{error}\nserver container log:\n{logs}") from None
        self.progress.step(
            self.server_label, f"container {self.container.name} serving (published on {self.host_port})"
        )

    def make_pki(self) -> pki.Pki:
        """In .interop/tls/<run> (mounted in the server's container), naming the server's container."""
        self.pki_dir = paths.layout().work_dir / "tls" / self.run_id
        return pki.make_pki(self.pki_dir, (self.container_name,), run=self.run_id)

    def start_variant(self, variant: str, authority: pki.Pki) -> str:
        """The server's command with the variant's flags and port, in the server's container."""
        if not self._launched.wait(timeout=builds.step_timeout()) or self.container is None:
            raise EnvironmentProblem(f"the {variant} server variant: the server's container did not start")
        port = self._variant_port(variant)
        entrypoint = self.docker.images.get(self.images["server"]).attrs["Config"]["Entrypoint"] or []
        argv = [*entrypoint, *_on_port(self.server_args, port), *pki.server_flags(variant, "/tls")]
        process = subprocess.Popen(
            ["docker", "exec", self.container.name, *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.variants.append(process)
        log: deque[str] = deque(maxlen=30)
        threading.Thread(target=log.extend, args=(process.stderr,), daemon=True).start()
        try:
            self.wait_for_variant(variant, f"127.0.0.1:{self._published(port)}", authority)
        except EnvironmentProblem as problem:
            raise EnvironmentProblem(f"{problem}\nits log:\n{''.join(log)}") from None
        return f"{self.container.name}:{port}"

    @property
    def container_name(self) -> str:
        return f"teams-{self.server_label}-{self.run_id}"

    @property
    def own_target(self) -> str | None:
        """The server's container under its network alias."""
        if self.live is not None:
            return None
        return f"{self.container_name}{SECOND_NAME}:{self.server_port}"

    @property
    def target(self) -> str:
        if self.live is not None:
            return self.live.address
        return f"{self.container_name}:{self.server_port}"

    def spawn(self, client: ClientSpec, attempt: int) -> PipeProcess:
        """``docker run -i``: the CLI streams stdin and stdout like a local process would."""
        argv = command(client.docker.run, self.target)
        name = f"teams-client-{client.language}-{self.run_id}-{attempt}"
        docker_run = [
            "docker", "run", "-i", "--rm", "--name", name,
            "--network", "host" if self.live is not None else self.network.name,
            "--entrypoint", argv[0], self.images[client.language], *argv[1:],
        ]  # fmt: skip

        def remove() -> None:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60, check=False)

        return PipeProcess(f"{client.language} container {attempt}", docker_run, on_kill=remove)

    def close(self) -> None:
        """The server's container removed, killed (nothing reads a test server's last words; its
        variants go with it), then the network."""
        from docker.errors import APIError, NotFound

        if self._making is not None:  # a container still being made would outlive the run
            with contextlib.suppress(Exception):  # its error, if any, is await_server's to tell
                self._making.result(timeout=builds.step_timeout())
            self._making = None
        if self.container is not None:
            try:
                self.container.remove(force=True)
            except NotFound:  # already gone
                pass
            except APIError as error:  # 409: someone else is removing it (a `docker rm -f` by hand)
                if error.status_code != 409:
                    raise
        for process in self.variants:  # `docker exec` ends with its container
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.container, self.variants = None, []
        if self.pki_dir is not None:
            shutil.rmtree(self.pki_dir, ignore_errors=True)
            self.pki_dir = None
        if self.network is not None:
            self.network.remove()
            self.network = None


def _on_port(args: list[str], port: int) -> list[str]:
    """The manifest's arguments with the value of ``--port`` (SERVER-CONTRACT.md) replaced."""
    index = args.index("--port")
    return [*args[: index + 1], str(port), *args[index + 2 :]]
