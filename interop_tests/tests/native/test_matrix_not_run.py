"""A matrix that cannot run says why once, in its first cell, and one line in every other cell.

pytest keeps a session fixture's error and prints it again for each test that uses it: a build
failure on a full disk printed the same build log for each of ~2,500 cells (a 250,000-line log).
The matrix is made to fail here for real, by pointing the docker backend at an engine that is not
there (``DOCKER_HOST`` on a socket no one listens on), for the python client against the python
server: no build, no container.
"""

import os
import subprocess
import sys
from pathlib import Path

from teams_interop import paths

REPO = paths.layout().repo
CAUSE = "no Docker engine answered"
LINES_PER_CELL = 10  # a line or two for each cell but the first; the whole error takes ~44


def test_the_first_cell_has_the_error_and_the_others_point_to_it(tmp_path: Path) -> None:
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "COLUMNS": "1000"}
    env.pop("INTEROP_NO_DOCKER", None)
    command = [
        sys.executable, "-m", "pytest", "interop_tests/tests/matrix", "--backend", "docker",
        "--languages", "python", "--servers", "python", "-p", "no:cacheprovider", "-q", "-k", "test_interop",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)

    assert done.returncode == 1, done.stdout[-3000:] + done.stderr
    errors = [line for line in done.stdout.splitlines() if line.startswith("ERROR interop_tests/tests/matrix")]
    assert len(errors) > 50, done.stdout[-3000:]
    assert f"EnvironmentProblem: {CAUSE}" in errors[0]
    for line in errors[1:]:
        assert f"Failed: the matrix did not run (the first cell says why): EnvironmentProblem: {CAUSE}" in line
    lines_per_cell = len(done.stdout.splitlines()) / len(errors)
    assert lines_per_cell < LINES_PER_CELL, "the whole error is printed again for each cell"
