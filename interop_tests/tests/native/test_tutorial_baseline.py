"""The tutorial's own client, unchanged, against our server: the compatibility baseline.

It generates stubs from the tutorial's proto with the tutorial's command, starts our server on
the port the tutorial hard-codes (localhost:50051) and expects exactly the tutorial's output.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from teams_interop import paths
from teams_interop.health import wait_until_serving

BASELINE = paths.layout().repo / "interop_tests" / "baseline"
TUTORIAL_OUTPUT = (
    "Teams client received: Chicago Jackals\n"
    "Teams client received: Philadelphia Foxes\n"
    "Teams client received: Miami not a member\n"
)


@pytest.fixture
def tutorial_dir(tmp_path: Path) -> Path:
    """The tutorial's layout: teams/protobufs/teams.proto and teams/teams_client.py, stubs generated."""
    shutil.copytree(BASELINE / "protobufs", tmp_path / "protobufs")
    shutil.copy(BASELINE / "teams_client.py", tmp_path)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            "./protobufs",
            "--python_out=.",
            "--grpc_python_out=.",
            "./protobufs/teams.proto",
        ],
        cwd=tmp_path,
        check=True,
    )
    return tmp_path


@pytest.fixture
def server_on_50051(tmp_path: Path):
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        # calls are logged at DEBUG: the test reads the log to see the three calls arrive
        argv = [sys.executable, "-m", "teams_server", "--port", "50051", "--log-level", "DEBUG"]
        server = subprocess.Popen(argv, stderr=log)
    try:
        wait_until_serving("localhost:50051", timeout=20)
        yield log_path
    finally:
        server.terminate()
        assert server.wait(timeout=15) == 0, log_path.read_text()


def test_tutorial_client_unchanged(tutorial_dir: Path, server_on_50051: Path) -> None:
    done = subprocess.run(
        [sys.executable, "teams_client.py"], cwd=tutorial_dir, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == TUTORIAL_OUTPUT
    calls = [line for line in server_on_50051.read_text().splitlines() if "/Teams/GetTeam" in line]
    assert len(calls) == 3 and all("'user-agent': 'grpc-python/" in line for line in calls), calls
