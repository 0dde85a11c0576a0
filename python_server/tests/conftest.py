"""Helpers shared by the server's tests: start the real command and find its port."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest


class Command:
    """A ``teams-server`` process whose stderr goes to a log file we can read."""

    def __init__(self, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        self.log_file = log_path.open("w")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "teams_server", "--host", "127.0.0.1", *args],
            stderr=self.log_file,
            env=env,
        )
        try:
            self.port = self._wait_for_port()
        except BaseException:
            self.process.kill()  # never leave a server behind a failed start
            self.process.wait(timeout=10)
            raise

    def _wait_for_port(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_path.read_text().splitlines():
                found = re.search(r"listening on \S+:(\d+)", line)
                if found:
                    return int(found.group(1))
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.log_path.read_text()}")
            time.sleep(0.05)
        raise AssertionError("the server never said where it listens")

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        finally:
            self.log_file.close()


@pytest.fixture
def command(tmp_path):
    started = []

    def start(*args: str, name: str = "server") -> Command:
        running = Command(["--port", "0", "--drain-seconds", "0", *args], tmp_path / f"{name}.log")
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(timeout=10)
