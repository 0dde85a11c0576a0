"""`./interop test` refuses to start on a disk too full for the suite, in one line and at once.

Our CI once ran on a disk that filled up: every test from then on failed with ENOSPC and a
traceback, and the run went on for 90 minutes. The floors are made to fail here by asking for
more than the filesystem has (no mount needed): the check is ``ci/disk-check.sh``, and
``./interop test`` must call it before it installs or builds anything.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

from teams_interop import paths

REPO = paths.layout().repo
CHECK = REPO / "ci" / "disk-check.sh"


def free_gb(path: Path) -> float:
    return shutil.disk_usage(path).free / 1024**3


def check(*paths: Path, floor: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INTEROP_MIN_FREE_GB": floor}
    return subprocess.run(["bash", str(CHECK), *map(str, paths)], env=env, capture_output=True, text=True, timeout=60)


def test_a_filesystem_below_the_floor_is_named_in_one_line(tmp_path: Path) -> None:
    floor = int(free_gb(tmp_path)) + 1
    result = check(tmp_path, floor=str(floor))

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    mount = subprocess.run(["df", "-P", str(tmp_path)], capture_output=True, text=True).stdout.split()[-1]
    assert f"GB free on {mount} (holding {tmp_path})" in lines[0]
    assert f"the suite needs about {floor} GB" in lines[0]
    assert "INTEROP_MIN_FREE_GB" in lines[0]


def test_enough_space_or_no_floor_passes_silently(tmp_path: Path) -> None:
    assert free_gb(tmp_path) > 0.001
    for floor in ("0", str(int(free_gb(tmp_path)))):
        result = check(tmp_path, floor=floor)
        assert (result.returncode, result.stderr) == (0, ""), floor


def test_a_floor_that_is_not_a_number_is_a_usage_error(tmp_path: Path) -> None:
    result = check(tmp_path, floor="ten")

    assert result.returncode == 2
    assert result.stderr.strip() == "interop test: INTEROP_MIN_FREE_GB must be a whole number of GB, not 'ten'"


def test_interop_test_stops_before_anything_else(tmp_path: Path) -> None:
    """The front door: no tox, no packages, no engine, no traceback; exit 1 within seconds."""
    env = {**os.environ, "INTEROP_MIN_FREE_GB": str(int(free_gb(REPO)) + 1), "TMPDIR": str(tmp_path)}
    started = time.monotonic()
    command = [str(REPO / "interop"), "test", "-e", "lint"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("interop test: not enough disk:"), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 60
