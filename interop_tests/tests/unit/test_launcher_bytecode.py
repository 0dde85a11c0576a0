"""`./interop` keeps Python's bytecode where PYTHONDONTWRITEBYTECODE would have every run compile
the harness anew (0.06 s of each run's start on this machine): in .interop/pycache, out of the
source tree, as that setting wants."""

import os
import subprocess

from teams_interop import paths

REPO = paths.layout().repo


def test_with_bytecode_writing_off_the_harness_keeps_its_bytecode_out_of_the_source_tree() -> None:
    beside = REPO / "interop_tests" / "src" / "teams_interop" / "__pycache__"
    before = _stamps(beside)
    prefix = REPO / ".interop" / "pycache"
    cached = list(prefix.glob("**/teams_interop/servers.*.pyc"))
    for pyc in cached:
        pyc.unlink()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPYCACHEPREFIX"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run([str(REPO / "interop"), "servers"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(prefix.glob("**/teams_interop/servers.*.pyc")), f"no bytecode under {prefix}"
    # The tests' own interpreter may have written there (tox does not pass PYTHONDONTWRITEBYTECODE
    # on); the command may not.
    assert _stamps(beside) == before


def _stamps(folder) -> dict[str, int]:
    return {pyc.name: pyc.stat().st_mtime_ns for pyc in folder.glob("*.pyc")}
