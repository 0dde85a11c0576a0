"""Builds of version trees, made cheap by sharing what does not depend on the proto.

Each version tree is built like the repository (see backends/native.py), with three savings, so
that a dozen versions cost seconds each rather than a fresh virtualenv and npm install apiece:

- the server's dependencies live in one virtualenv per pinned set (keyed by its pyproject.toml);
  each version only installs its own package, with the stubs of its proto, with ``--target``;
- a client whose outputs include ``.venv`` gets a shared virtualenv (keyed by its
  requirements.txt) as a symlink, and ``TEAMS_CLIENT_VENV`` names it to its build;
- a client built with ``npm ci`` gets its ``node_modules`` hard-linked from a copy shared by every
  tree with the same package.json and package-lock.json (``npm ci`` only once per lock: 3-8 s
  on the 2-core machine, the link well under 1 s); npm installs prefer its cache;
- Go's module and build caches are the user's own, shared by every tree anyway.

Every build's time is recorded (``timings``) for the gate's report.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

from teams_interop import builds
from teams_interop.backends.native import NativeBackend
from teams_interop.clients import ClientSpec
from teams_interop.compat.trees import SERVER_SKIPPED, compat_dir

# Runs go in parallel, and each one's run_matrix checks its builds first: one check at a time,
# so that no run reads a build's inputs while another writes them.
_PREPARING = threading.Lock()


@dataclass(frozen=True)
class BuildTime:
    version: str  # the tree's label: "old" or "new"
    name: str  # "server" or a language
    built: bool  # False: up to date
    seconds: float
    note: str = ""  # how a shared part was reused


# Replaces a client's `npm ci` step when its node_modules is shared: (from, to) hard-linked.
_LINK_TREE = (
    "import os, shutil, sys; shutil.rmtree(sys.argv[2], ignore_errors=True); "
    "shutil.copytree(sys.argv[1], sys.argv[2], symlinks=True, copy_function=os.link)"
)


class SkewBackend(NativeBackend):
    """The native backend for version trees; the builds above, the server started from them."""

    version = ""  # the tree's label, for the timings
    timings: list[BuildTime] | None = None  # where each build's time goes, when set
    _note = ""

    def prepare_server(self) -> None:
        with _PREPARING:
            super().prepare_server()

    def prepare(self, clients: list[ClientSpec]) -> None:
        with _PREPARING:
            super().prepare(clients)

    def prepare_each(self, clients: list[ClientSpec]) -> dict[str, builds.BuildError]:
        """Like prepare, but a client whose build fails is returned by language, not raised: the
        others still give the verdict. A missing tool or a server that fails still raises."""
        with _PREPARING:
            super().prepare_server()
            failed = {}
            for client in clients:
                try:
                    super().prepare([client])
                except builds.BuildError as error:
                    failed[client.language] = error
            return failed

    def _build(self, name, root, inputs, steps, cwd, skipped=(), env=None, outputs=()) -> bool:
        started = time.monotonic()
        built = super()._build(name, root, inputs, steps, cwd, skipped, env, outputs)
        if self.timings is not None:
            seconds = round(time.monotonic() - started, 1)
            self.timings.append(BuildTime(self.version, name, built, seconds, self._note if built else ""))
        self._note = ""
        return built

    def _build_server(self) -> None:
        started = time.monotonic()
        python = server_python(self.server_dir)
        if self.timings is not None and (seconds := round(time.monotonic() - started, 1)) >= 1:
            self.timings.append(BuildTime("shared", "server virtualenv", True, seconds))
        library = self.work_dir / "server-lib"
        install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        steps = [
            ["rm", "-rf", str(library)],
            [*install, "--no-deps", "--no-build-isolation", "--target", str(library), str(self.server_dir)],
        ]
        self._build("server", self.server_root, [self.server_dir], steps, self.server_dir, SERVER_SKIPPED)

    def server_command(self) -> tuple[list[str], dict[str, str]]:
        python = _shared_server_venv(self.server_dir) / "bin" / "python"
        return [str(python), "-P", "-m", "teams_server"], {"PYTHONPATH": str(self.work_dir / "server-lib")}

    def _build_client(self, client: ClientSpec) -> None:
        env = {"npm_config_prefer_offline": "true", **_share_virtualenv(client)}
        outputs = client.native.outputs
        shared = _shared_node_modules(client)
        steps = client.native.build
        if shared is not None and (shared / ".complete").is_file():
            link = (sys.executable, "-c", _LINK_TREE, str(shared / "node_modules"), "node_modules")
            steps = tuple(link if _is_npm_ci(step) else step for step in steps)
            self._note = "node_modules linked from the shared copy"
        directory = client.directory
        built = self._build(client.language, self.clients_root, [directory], steps, directory, outputs, env)
        if built and shared is not None and not (shared / ".complete").is_file():
            _publish_node_modules(client.directory / "node_modules", shared)


def shared_dir() -> Path:
    return compat_dir() / "shared"


def server_python(server_dir: Path) -> Path:
    """The shared interpreter with the server's dependencies and build requirements installed."""
    venv = _shared_server_venv(server_dir)
    spec = venv.with_name(venv.name + ".spec")
    _write_if_changed(spec / "requirements.txt", "\n".join(_server_requirements(server_dir)) + "\n")
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ],
    ]
    builds.ensure_built(venv.name, [spec], steps, spec, work_dir=shared_dir())
    return venv / "bin" / "python"


def _write_if_changed(path: Path, text: str) -> None:
    """Never rewrites an input in place: another check may be reading it (another compat run)."""
    if path.is_file() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.parent.with_name(f"{path.parent.name}.{os.getpid()}.partial")  # not among the inputs
    partial.write_text(text)
    partial.replace(path)


def _server_requirements(server_dir: Path) -> list[str]:
    project = tomllib.loads((server_dir / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = project.get("project", {}).get("dependencies", []) + project.get("build-system", {}).get("requires", [])
    return sorted(set(wanted))


def _shared_server_venv(server_dir: Path) -> Path:
    key = hashlib.sha256("\n".join(_server_requirements(server_dir)).encode()).hexdigest()[:12]
    return shared_dir() / f"server-python-{key}"


def _share_virtualenv(client: ClientSpec) -> dict[str, str]:
    """Links the client's .venv to a virtualenv shared by every tree with the same requirements."""
    requirements = client.directory / "requirements.txt"
    if ".venv" not in client.native.outputs or not requirements.is_file():
        return {}
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    shared = shared_dir() / f"{client.language}-client-venv-{key}"
    if not (shared / "bin" / "python").exists():
        python = shutil.which("python3") or sys.executable
        subprocess.run([python, "-m", "venv", "--clear", str(shared)], check=True)
    link = client.directory / ".venv"
    if not link.is_symlink():
        shutil.rmtree(link, ignore_errors=True)
        link.symlink_to(shared)
    return {"TEAMS_CLIENT_VENV": str(shared)}


def _is_npm_ci(step: tuple[str, ...]) -> bool:
    return tuple(step[:2]) == ("npm", "ci")


def _shared_node_modules(client: ClientSpec) -> Path | None:
    """Where the node_modules of every tree with this client's package files lives, if it is
    installed with `npm ci` (which installs exactly the lock file's packages, whatever the proto)."""
    lock, package = client.directory / "package-lock.json", client.directory / "package.json"
    steps = [step for step in client.native.build if _is_npm_ci(step)]
    if "node_modules" not in client.native.outputs or not lock.is_file() or not package.is_file() or not steps:
        return None
    digest = hashlib.sha256()
    node = shutil.which("node") or ""
    for part in (package.read_bytes(), lock.read_bytes(), " ".join(steps[0]).encode(), os.path.realpath(node).encode()):
        digest.update(part + b"\0")
    return shared_dir() / f"node_modules-{digest.hexdigest()[:12]}"


def _publish_node_modules(built: Path, shared: Path) -> None:
    """Hard-links a tree's fresh node_modules into the shared copy (once; another run may race)."""
    if not built.is_dir():
        return
    partial = shared.with_name(f"{shared.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        shutil.copytree(built, partial / "node_modules", symlinks=True, copy_function=os.link)
        (partial / ".complete").touch()
        partial.rename(shared)
    except OSError:
        pass  # published meanwhile by another run, or links not possible here: npm ci stays
    finally:
        shutil.rmtree(partial, ignore_errors=True)
