"""Server manifests: ``python_server/server.toml`` and every ``servers/<name>/server.toml``.

A server is described like a client: how to build it and run it in each tier, and what it can do.
The harness starts any of them the same way (SERVER-CONTRACT.md fixes the command line: it appends
``--host``, ``--port`` (a free port, or 0), ``--test-hooks`` and the TLS and token flags) and waits
for its health service. A case that needs something a server does not declare (test hooks, a TLS
variant, the default message limits) is *not applicable* to it, never a failure. A live target
(``--target``) is a server the harness did not start, with the features the user vouches for.
"""

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from teams_interop import manifests, paths
from teams_interop.cases import Variants
from teams_interop.manifests import NativeSpec

# What a server can declare; the catalogue's cases need some of them (Case.server_needs).
FEATURES = frozenset(
    {
        "test_hooks",  # the x-teams-* metadata of SERVER-CONTRACT.md, behind --test-hooks
        "tls",  # --tls-cert/--tls-key
        "mtls",  # --tls-client-ca
        "token",  # --require-token
        "health",  # grpc.health.v1
        "reflection",  # grpc.reflection.v1alpha and v1
        "compression",  # gzip requests accepted
        "response_compression",  # x-teams-compress-response: gzip honoured (grpc-js servers cannot)
        "limits",  # the contract's default limits: 4 MiB received, larger requests RESOURCE_EXHAUSTED
    }
)
DEFAULT = "python"
# What `--target` assumes of a deployment unless --target-features says otherwise.
TARGET_FEATURES = frozenset({"health"})
TARGET_WAIT_SECONDS = 30.0  # for it to answer at all (a deployment may still be starting)


class ManifestError(manifests.ManifestError):
    """A server.toml the harness cannot use; the message names the file and the problem."""


@dataclass(frozen=True)
class DockerSpec:
    dockerfile: str
    port: int
    run: tuple[str, ...]


class _Features:
    """A server started here or a live target: what it offers, against what a case needs."""

    features: frozenset[str]

    def missing(self, needs: frozenset[str]) -> frozenset[str]:
        """What of ``needs`` (Case.server_needs) it does not offer: the case is not applicable."""
        return needs - self.features


@dataclass(frozen=True)
class ServerSpec(_Features):
    name: str
    summary: str
    directory: Path
    features: frozenset[str]
    native: NativeSpec
    docker: DockerSpec

    @property
    def image(self) -> str:
        """The image tag the docker tier builds (the Python server keeps the historic name)."""
        return "teams-interop/server:dev" if self.name == DEFAULT else f"teams-interop/server-{self.name}:dev"


@dataclass(frozen=True)
class LiveTarget(_Features):
    """A server that is already running (``--target``): nothing to build, start or stop."""

    address: str
    features: frozenset[str] = TARGET_FEATURES
    ca: Path | None = None  # --tls: the CA that signed its certificate
    server_name: str | None = None
    token_file: Path | None = None
    wait_seconds: float = TARGET_WAIT_SECONDS
    name: str = "target"

    @property
    def tls(self) -> bool:
        return self.ca is not None

    def variants(self) -> Variants:
        """What every request line carries to reach it: its CA and name, its token."""
        tls = None
        if self.ca is not None:
            host = self.address.rsplit(":", 1)[0].strip("[]")
            tls = {"ca_pem": self.ca.read_text(encoding="utf-8"), "server_name": self.server_name or host}
        metadata = {}
        if self.token_file is not None:
            metadata["authorization"] = [f"Bearer {self.token_file.read_text(encoding='utf-8').strip()}"]
        return Variants(tls=tls, metadata=metadata)

    def describe(self) -> str:
        extras = [f"TLS (CA {self.ca}{f', name {self.server_name}' if self.server_name else ''})"] if self.tls else []
        extras += ["a bearer token"] if self.token_file else []
        return f"{self.address}" + (f" over {' with '.join(extras)}" if extras else " (plaintext)")


def manifest_paths(repo: Path | None = None) -> list[Path]:
    repo = repo or paths.layout().repo
    found = [repo / "python_server" / "server.toml", *sorted((repo / "servers").glob("*/server.toml"))]
    return [path for path in found if path.exists()]


def discover(repo: Path | None = None) -> list[ServerSpec]:
    servers = [load(path) for path in manifest_paths(repo)]
    seen: dict[str, Path] = {}
    for server in servers:
        if server.name in seen:
            raise ManifestError(f"two servers are named {server.name!r}: {seen[server.name]} and {server.directory}")
        seen[server.name] = server.directory
    return servers


def select(servers: list[ServerSpec], names: list[str] | None) -> list[ServerSpec]:
    """The named servers in the order given (default: the Python server alone)."""
    known = {server.name: server for server in servers}
    names = names or [DEFAULT]
    if missing := [name for name in names if name not in known]:
        raise ManifestError(f"no server named {', '.join(missing)}; known: {', '.join(sorted(known))}")
    if len(set(names)) != len(names):
        raise ManifestError(f"a server is named twice in --servers {','.join(names)}")
    return [known[name] for name in names]


def default(repo: Path | None = None) -> ServerSpec:
    """The Python server of a tree (the compat gate builds it from other versions' trees); a tree
    from before manifests existed gets today's manifest, pointed at its own python_server/."""
    repo = repo or paths.layout().repo
    manifest = repo / "python_server" / "server.toml"
    if manifest.exists():
        return load(manifest)
    current = load(paths.layout().server_dir / "server.toml")
    return dataclasses.replace(current, directory=repo / "python_server")


def load(path: Path) -> ServerSpec:
    try:
        return manifests.read(path, lambda data: _spec(path, data), ManifestError, also=(ValueError,))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such server manifest") from None


def _spec(path: Path, data: dict) -> ServerSpec:
    manifests.check_keys(data, {"name", "summary", "features", "native", "docker"})
    features = manifests.features(data, FEATURES)
    native, docker = data["native"], data["docker"]
    return ServerSpec(
        name=_name(data["name"]),
        summary=data.get("summary", ""),
        directory=path.parent,
        features=features,
        native=manifests.native(native),
        docker=DockerSpec(
            dockerfile=docker.get("dockerfile", "Dockerfile"),
            port=int(docker.get("port", 50051)),
            run=manifests.strings(docker, "run"),
        ),
    )


def _name(name: str) -> str:
    if not name or not all(part.isalnum() for part in name.split("-")) or name.lower() != name:
        raise ManifestError(f"name {name!r}: lower-case letters, digits and '-' only (it names images and reports)")
    return name
