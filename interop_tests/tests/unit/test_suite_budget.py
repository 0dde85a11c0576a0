"""`./interop test` ends in bounded time: past INTEROP_TEST_TIMEOUT seconds tox is interrupted
(as by Ctrl-C, so pytest names the test it was in), the run exits 124 and says why in one line.

The suite here is a stand-in tox environment (no dependencies, its own folder) whose command
sleeps far past the budget and writes its pid, so the test can see that it was stopped. It starts
with SIGINT ignored, as a CI runner's background job does (every process of our own CI run had
it so): tox must still be interruptible, and nothing may outlive the run.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

from teams_interop import paths

REPO = paths.layout().repo


def suite(tmp_path: Path, budget: str, sleep: float) -> tuple[subprocess.CompletedProcess, float, Path]:
    pid_file = tmp_path / "pid"
    stand_in = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep({sleep})"
    command = [
        str(REPO / "interop"), "test", "-e", "lint",
        "-x", "testenv:lint.deps=",
        "-x", "testenv:lint.env_dir={work_dir}/budget-probe",
        "-x", f'testenv:lint.commands=python -c "{stand_in}"',
    ]  # fmt: skip
    env = {**os.environ, "INTEROP_TEST_TIMEOUT": budget, "INTEROP_MIN_FREE_GB": "0"}
    started = time.monotonic()
    ignoring_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)  # noqa: E731
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, preexec_fn=ignoring_sigint)
    return result, time.monotonic() - started, pid_file


def test_a_suite_past_its_budget_is_stopped_and_says_so(tmp_path: Path) -> None:
    result, seconds, pid_file = suite(tmp_path, budget="15", sleep=600)

    assert result.returncode == 124, result.stderr
    assert "interop test: the suite did not finish within 15 s (INTEROP_TEST_TIMEOUT): stopping it" in result.stderr
    assert seconds < 90
    pid = int(pid_file.read_text())
    alive = Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the suite's process outlived the run"


def test_a_suite_within_its_budget_keeps_its_own_status(tmp_path: Path) -> None:
    result, seconds, _ = suite(tmp_path, budget="120", sleep=0)

    assert result.returncode == 0, result.stderr
    assert "INTEROP_TEST_TIMEOUT" not in result.stderr
    assert seconds < 60, "the watchdog held the run up after the suite ended"


def test_a_budget_that_is_not_a_number_is_a_usage_error() -> None:
    env = {**os.environ, "INTEROP_TEST_TIMEOUT": "80m"}
    result = subprocess.run([str(REPO / "interop"), "test"], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert result.stderr.strip() == "interop test: INTEROP_TEST_TIMEOUT must be a whole number of seconds, not '80m'"
