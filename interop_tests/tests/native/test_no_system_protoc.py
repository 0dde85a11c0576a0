"""No machine needs a system protobuf compiler: a native build on a PATH without `protoc` works.

The Go and Ruby clients are the ones whose builds run `protoc`; here each is built from nothing
in a copy of the repository, with every folder holding a `protoc` taken off PATH, so only the
compiler the harness puts there (grpcio-tools', pinned) can serve it. (The Ruby client's manifest
once required a `protoc` on PATH, so a fresh machine refused to build it at all.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from teams_interop import paths
from teams_interop.clients import load as load_manifest

COPIED = ("proto", "python_server", "interop_tests/cases")
BUILT = {"go": "bin/teams-client", "ruby": "gen/teams.binpb"}
BUILD_OUTPUTS = shutil.ignore_patterns("gen", "build", "*.egg-info", "__pycache__", ".venv")


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


@pytest.mark.parametrize("language", sorted(BUILT))
def test_the_client_builds_and_passes_without_a_system_protoc(tmp_path, language) -> None:
    repo = paths.layout().repo
    for part in COPIED:
        shutil.copytree(repo / part, tmp_path / "repo" / part, ignore=BUILD_OUTPUTS)
    client = tmp_path / "repo" / "clients" / language
    shutil.copytree(repo / "clients" / language, client, ignore=BUILD_OUTPUTS)
    for output in load_manifest(client / "client.toml").native.outputs:  # built from nothing
        shutil.rmtree(client / output, ignore_errors=True)
    env = {**os.environ, "PATH": path_without_protoc(tmp_path / "shadow")}
    assert shutil.which("protoc", path=env["PATH"]) is None
    done = subprocess.run(
        [sys.executable, "-m", "teams_interop", "run", "--languages", language, "--cases", "get_team_*"],
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "repo" / "clients" / language / BUILT[language]).is_file()
    assert language in done.stdout and "passed" in done.stdout
