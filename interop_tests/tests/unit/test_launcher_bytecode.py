"""`./interop` keeps Python's bytecode where PYTHONDONTWRITEBYTECODE would have every run compile
the harness anew (0.06 s of each run's start on this machine): in .interop/pycache, out of the
source tree, as that setting wants."""

import os
import subprocess

from teams_interop import paths

REPO = paths.layout().repo


def test_with_bytecode_writing_off_the_harness_keeps_its_bytecode_out_of_the_source_tree() -> None:
    prefix = REPO / ".interop" / "pycache"
    cached = list(prefix.glob("**/teams_interop/servers.*.pyc"))
    for pyc in cached:
        pyc.unlink()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPYCACHEPREFIX"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run([str(REPO / "interop"), "servers"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(prefix.glob("**/teams_interop/servers.*.pyc")), f"no bytecode under {prefix}"
    assert not (REPO / "interop_tests" / "src" / "teams_interop" / "__pycache__").exists()
