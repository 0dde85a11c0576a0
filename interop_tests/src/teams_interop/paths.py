"""Where things live in a checkout; every other module asks here, at call time.

The harness is an installed package, so it cannot find the repository from its own file: it
walks up from the working directory to the first folder holding ``proto/`` and ``clients/``, or is
told (``interop --repo DIR``, or ``TEAMS_INTEROP_REPO``). The schemas ship inside the package.
"""

import functools
import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_SCHEMAS = Path(__file__).resolve().parent / "schemas"
CONTRACT_SCHEMA = PACKAGE_SCHEMAS / "contract.schema.json"
CASES_SCHEMA = PACKAGE_SCHEMAS / "cases.schema.json"


class RepositoryNotFound(RuntimeError):
    """No checkout to work on; the message says where the harness looked."""


@dataclass(frozen=True)
class Layout:
    repo: Path

    @property
    def proto_dir(self) -> Path:
        return self.repo / "proto"

    @property
    def server_dir(self) -> Path:
        return self.repo / "python_server"

    @property
    def clients_dir(self) -> Path:
        return self.repo / "clients"

    @property
    def cases_dir(self) -> Path:
        return self.repo / "interop_tests" / "cases"

    @property
    def work_dir(self) -> Path:
        """Builds, stamps, logs and reports; git-ignored."""
        return self.repo / ".interop"

    @property
    def cache_dir(self) -> Path:
        """What a run derives from its inputs and keeps for the next (the compiled proto, the
        catalogue), each file named or keyed by those inputs."""
        return self.work_dir / "cache"


def is_repository(folder: Path) -> bool:
    return (folder / "proto").is_dir() and (folder / "clients").is_dir()


def find_repository(start: Path) -> Path:
    for folder in (start, *start.parents):
        if is_repository(folder):
            return folder
    raise RepositoryNotFound(
        f"no interop repository (a folder with proto/ and clients/) at or above {start}; "
        "run from inside one or pass --repo DIR"
    )


@functools.cache
def _discovered() -> Layout:
    if explicit := os.environ.get("TEAMS_INTEROP_REPO"):
        return use(Path(explicit))
    return Layout(find_repository(Path.cwd().resolve()))


_chosen: Layout | None = None


def use(repo: Path) -> Layout:
    """Points the harness at ``repo`` (``--repo``); an error if it is not a checkout."""
    global _chosen
    repo = repo.resolve()
    if not is_repository(repo):
        raise RepositoryNotFound(f"{repo} is not an interop repository: it needs proto/ and clients/")
    _chosen = Layout(repo)
    return _chosen


def layout() -> Layout:
    return _chosen or _discovered()


def store(path: Path, data: bytes) -> None:
    """Writes ``path`` whole or not at all: another run may read it meanwhile (an OSError is
    the caller's to handle: a cache that cannot be written is only slower)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(path)
