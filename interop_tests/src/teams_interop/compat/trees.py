"""Version trees: one folder per version of the code, laid out like the repository.

A ``Source`` says where a version's ``proto/``, ``python_server/`` and ``clients/<language>/`` come
from: the working tree, a git ref, or a test pair's ``.proto`` file. ``materialize`` copies them,
without build outputs, into ``.interop/compat/v-<fingerprint>/``. Naming the folder by its content
means two versions never share build outputs, while the same content (the base proto of most test
pairs, a ref checked twice) is built once and found again on the next run.
"""

import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from teams_interop import builds, paths
from teams_interop import clients as client_manifests

SERVER_SKIPPED = frozenset({"build", "teams_server.egg-info", "tests"})
# Version trees kept, the most recently used; a built one takes about 65 MB (Go binaries,
# node_modules), and every distinct working tree checked makes one. The test pairs use 18.
KEEP_TREES = 30


def compat_dir() -> Path:
    return paths.layout().work_dir / "compat"


class TreeError(RuntimeError):
    """A version that cannot be laid out: an unknown ref, a ref without proto/, a stale edit."""


@dataclass(frozen=True)
class Edit:
    """A textual change to one copied file, so that code matches its proto as a real PR's would."""

    file: str  # relative to the tree: python_server/teams_server/service.py, clients/go/...
    replace: str  # must occur exactly once
    with_: str


@dataclass
class Source:
    label: str  # "old" or "new"
    description: str  # for the report: "working tree", "main at 1a2b3c4"
    protos: dict[str, Path]  # file name in proto/ -> where its text comes from
    server: Path  # a python_server folder
    clients: dict[str, Path]  # language -> client folder
    edits: tuple[Edit, ...] = ()
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Tree:
    label: str
    description: str
    root: Path  # .interop/compat/v-<fingerprint>: proto/, python_server/, clients/, .interop/
    notes: tuple[str, ...] = ()

    @property
    def proto(self) -> Path:
        return self.root / "proto"

    @property
    def version(self) -> str:
        return self.root.name

    def clients(self, languages: list[str] | None = None) -> list[client_manifests.ClientSpec]:
        return client_manifests.select(client_manifests.discover(self.root / "clients"), languages)


def working_tree(languages: list[str] | None = None) -> Source:
    return Source(
        label="new",
        description="working tree",
        protos={p.name: p for p in sorted(paths.layout().proto_dir.glob("*.proto"))},
        server=paths.layout().server_dir,
        clients=_client_dirs(paths.layout().clients_dir, languages),
    )


def default_base(repo: Path | None = None) -> str:
    repo = repo or paths.layout().repo
    """The merge base of HEAD with origin/main (or main): what a pull request is judged against."""
    for branch in ("origin/main", "main"):
        if _git(repo, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}", check=False):
            return _git(repo, "merge-base", "HEAD", branch)
    raise TreeError("neither origin/main nor main exists: name the base with --against <git-ref>")


def git_ref(ref: str, languages: list[str] | None = None, repo: Path | None = None) -> Source:
    repo = repo or paths.layout().repo
    """The version at ``ref``; what the ref lacks (a pre-harness commit) comes from the working tree."""
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if not commit:
        raise TreeError(f"--against {ref!r} is not a commit in this repository")
    export = _export(repo, commit)
    protos = {p.name: p for p in sorted((export / "proto").glob("*.proto"))}
    if "teams.proto" not in protos:
        raise TreeError(f"{ref} ({commit[:10]}) has no proto/teams.proto")
    source = Source("old", f"{ref} at {commit[:10]}", protos, export / "python_server", {})
    if not (export / "python_server" / "pyproject.toml").is_file():
        source.server = paths.layout().server_dir
        source.notes.append(f"{ref} has no python_server/pyproject.toml: its server is today's code")
    for language, directory in _client_dirs(paths.layout().clients_dir, languages).items():
        theirs = export / "clients" / directory.name
        if _usable_manifest(theirs / "client.toml"):
            source.clients[language] = theirs
        else:
            source.clients[language] = directory
            source.notes.append(
                f"{ref} has no usable clients/{directory.name}/client.toml: its {language} client is "
                "today's code built with its proto"
            )
    return source


def _usable_manifest(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        client_manifests.load(path)
    except client_manifests.ManifestError:
        return False
    return True


def materialize(source: Source) -> Tree:
    """Copies the source (sources only) into its content-named folder; reuses one that exists."""
    compat_dir().mkdir(parents=True, exist_ok=True)
    staging = compat_dir() / f"staging-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        (staging / "proto").mkdir(parents=True)
        for name, path in source.protos.items():
            shutil.copyfile(path, staging / "proto" / name)
        _copy(source.server, staging / "python_server", SERVER_SKIPPED)
        for directory in source.clients.values():
            manifest = client_manifests.load(directory / "client.toml")
            _copy(directory, staging / "clients" / directory.name, set(manifest.native.outputs))
        for edit in source.edits:
            _apply(edit, staging)
        parts = [staging / "proto", staging / "python_server", staging / "clients"]
        root = compat_dir() / f"v-{builds.fingerprint(parts)[:12]}"
        if not root.exists():
            with contextlib.suppress(OSError):  # made meanwhile by another run: same content
                staging.rename(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    (root / ".used").touch()
    return Tree(source.label, source.description, root, tuple(source.notes))


def prune(keep: int = KEEP_TREES) -> list[Path]:
    """Deletes the least recently used version trees (and ref exports) beyond ``keep``."""
    deleted = []
    for pattern in ("v-*", "refs/*"):
        found = sorted(compat_dir().glob(pattern), key=_last_used, reverse=True)
        for tree in found[keep:]:
            shutil.rmtree(tree, ignore_errors=True)
        deleted += found[keep:]
    return deleted


def _last_used(tree: Path) -> float:
    used = tree / ".used"
    return used.stat().st_mtime if used.exists() else tree.stat().st_mtime


def _client_dirs(clients_dir: Path, languages: list[str] | None) -> dict[str, Path]:
    chosen = client_manifests.select(client_manifests.discover(clients_dir), languages)
    return {client.language: client.directory for client in chosen}


def _copy(source: Path, destination: Path, top_level_skipped: set[str] | frozenset[str]) -> None:
    """Copies a folder without caches anywhere, nor the named build outputs at its top."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set(builds.ALWAYS_SKIPPED)
        if Path(directory) == source:
            skipped |= set(top_level_skipped)
        return {name for name in names if name in skipped or name.endswith(".pyc")}

    shutil.copytree(source, destination, ignore=ignore, symlinks=True)


def _apply(edit: Edit, tree: Path) -> None:
    path = tree / edit.file
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if (count := text.count(edit.replace)) != 1:
        raise TreeError(f"edit of {edit.file}: {edit.replace!r} occurs {count} times, not once")
    path.write_text(text.replace(edit.replace, edit.with_), encoding="utf-8")


def _export(repo: Path, commit: str) -> Path:
    """The ref's proto/, python_server/ and clients/, unpacked once per commit."""
    export = compat_dir() / "refs" / commit
    if export.is_dir():
        (export / ".used").touch()
        return export
    top = set(_git(repo, "ls-tree", "--name-only", commit).splitlines())
    if "proto" not in top:
        raise TreeError(f"{commit[:10]} has no proto/ folder")
    wanted = [name for name in ("proto", "python_server", "clients") if name in top]
    partial = export.with_name(f"{commit}.partial-{os.getpid()}")
    partial.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as archive:
        command = ["git", "archive", "--format=tar", commit, "--", *wanted]
        subprocess.run(command, cwd=repo, stdout=archive, check=True)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(partial, filter="data")
    try:
        partial.rename(export)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
    return export


def _git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if done.returncode != 0 and check:
        raise TreeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip() if done.returncode == 0 else ""
