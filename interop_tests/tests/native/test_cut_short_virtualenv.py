"""A Python client whose virtualenv was cut short (a full disk, a killed build) builds again.

On a full disk the python client's `python -m venv` stopped half-way; every later build then
failed with `.venv/bin/pip: Permission denied` until someone deleted `.venv` by hand. Here the
cut-short virtualenv is one made without pip, in a copy of each Python client.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from teams_interop import paths

REPO = paths.layout().repo


@pytest.mark.parametrize("language", ["python", "python-grpclib"])
def test_a_virtualenv_without_pip_is_made_anew(tmp_path: Path, language: str) -> None:
    client = tmp_path / language
    shutil.copytree(REPO / "clients" / language, client, ignore=shutil.ignore_patterns(".venv", "gen", "__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(client / ".venv")], check=True, timeout=120)

    env = {**os.environ, "PYTHON": sys.executable, "TEAMS_PROTO_DIR": str(REPO / "proto")}
    env.pop("TEAMS_CLIENT_VENV", None)
    built = subprocess.run(["sh", "build.sh"], cwd=client, env=env, capture_output=True, text=True, timeout=600)

    assert built.returncode == 0, built.stdout + built.stderr
    assert (client / "gen" / "teams_pb2.py").is_file()
