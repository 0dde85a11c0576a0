"""No machine needs a system protobuf compiler: a native build on a PATH without `protoc` works.

The Go client is the one whose build runs `protoc`; here it is built from nothing in a copy of
the repository, with every folder holding a `protoc` taken off PATH, so only the compiler the
harness puts there (grpcio-tools', pinned) can serve it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from teams_interop import paths

COPIED = ("proto", "python_server", "clients/go", "interop_tests/cases")
BUILD_OUTPUTS = shutil.ignore_patterns("bin", "gen", "build", "*.egg-info", "__pycache__")


def path_without_protoc(shadow_root: Path) -> str:
    """PATH with every folder that holds a `protoc` replaced by a copy of it (symlinks) without it."""
    folders = []
    for index, folder in enumerate(filter(None, os.environ.get("PATH", "").split(os.pathsep))):
        if (Path(folder) / "protoc").exists():
            shadow = shadow_root / str(index)
            shadow.mkdir(parents=True)
            for entry in Path(folder).iterdir():
                if entry.name != "protoc":
                    (shadow / entry.name).symlink_to(entry)
            folder = str(shadow)
        folders.append(folder)
    return os.pathsep.join(folders)


def test_the_go_client_builds_and_passes_without_a_system_protoc(tmp_path) -> None:
    repo = paths.layout().repo
    for part in COPIED:
        shutil.copytree(repo / part, tmp_path / "repo" / part, ignore=BUILD_OUTPUTS)
    env = {**os.environ, "PATH": path_without_protoc(tmp_path / "shadow")}
    assert shutil.which("protoc", path=env["PATH"]) is None
    done = subprocess.run(
        [sys.executable, "-m", "teams_interop", "run", "--languages", "go", "--cases", "get_team_*"],
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "repo" / "clients" / "go" / "bin" / "teams-client").is_file()
    assert "go" in done.stdout and "passed" in done.stdout
