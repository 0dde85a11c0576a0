"""Client manifests: every ``clients/<language>/client.toml`` is one client under test.

The harness discovers clients from these files alone, so adding a language touches no harness
code. See clients/CONTRACT.md for the format.
"""

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from teams_interop import manifests, paths
from teams_interop.manifests import NativeSpec

FEATURES = frozenset(
    {
        "unary",
        "server_streaming",
        "client_streaming",
        "bidi_streaming",
        "metadata",
        "binary_metadata",
        "deadline",
        "cancellation",
        "health",
        "path_override",
        "tls",
        "mtls",
        "compression",
        "bench",
    }
)


class ManifestError(manifests.ManifestError):
    """A client.toml the harness cannot use; the message names the file and the problem."""


@dataclass(frozen=True)
class DemoSpec:
    """The tutorial's demo client, a build target of its own: a proto change that breaks its
    source is a finding about source compatibility, never a reason the wire check cannot run."""

    build: tuple[tuple[str, ...], ...]
    run: tuple[str, ...]


@dataclass(frozen=True)
class DockerSpec:
    dockerfile: str
    run: tuple[str, ...]


@dataclass(frozen=True)
class ClientSpec:
    language: str
    summary: str
    directory: Path
    features: frozenset[str]
    native: NativeSpec
    docker: DockerSpec
    known_failing: tuple[str, ...]
    test: tuple[tuple[str, ...], ...] = ()  # the client's own tests, run natively by the unit tier
    demo: DemoSpec | None = None

    def is_known_failing(self, case_id: str) -> bool:
        return any(fnmatch.fnmatchcase(case_id, pattern) for pattern in self.known_failing)


def discover(clients_dir: Path | None = None) -> list[ClientSpec]:
    clients_dir = clients_dir or paths.layout().clients_dir
    return [load(path) for path in sorted(clients_dir.glob("*/client.toml"))]


def select(clients: list[ClientSpec], languages: list[str] | None) -> list[ClientSpec]:
    if not languages:
        return clients
    known = {client.language: client for client in clients}
    if missing := [name for name in languages if name not in known]:
        raise ManifestError(f"no client for {', '.join(missing)}; known: {', '.join(sorted(known))}")
    return [client for client in clients if client.language in languages]  # one stable order


def load(path: Path) -> ClientSpec:
    return manifests.read(path, lambda data: _spec(path, data), ManifestError)


def _spec(path: Path, data: dict) -> ClientSpec:
    features = manifests.features(data, FEATURES)
    native, docker = data["native"], data["docker"]
    return ClientSpec(
        language=data["language"],
        summary=data.get("summary", ""),
        directory=path.parent,
        features=features,
        native=manifests.native(native),
        docker=DockerSpec(
            dockerfile=docker.get("dockerfile", "Dockerfile"), run=manifests.strings(docker, "run", required=True)
        ),
        known_failing=_patterns(path.parent / "known_failing.txt"),
        test=manifests.argvs(native, "test"),
        demo=_demo(data.get("demo")),
    )


def _demo(table: dict | None) -> DemoSpec | None:
    if table is None:
        return None
    return DemoSpec(build=manifests.argvs(table, "build"), run=manifests.strings(table, "run", required=True))


def _patterns(path: Path) -> tuple[str, ...]:
    if not path.exists():
        return ()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line)


def command(template: tuple[str, ...], target: str) -> list[str]:
    return [part.replace("{target}", target) for part in template]
