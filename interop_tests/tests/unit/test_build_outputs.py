"""A build is skipped only when its fingerprint matches and its declared outputs exist."""

import time
from pathlib import Path

import pytest

from teams_interop import builds


def test_deleted_outputs_make_the_build_run_again(tmp_path: Path) -> None:
    source = tmp_path / "client"
    source.mkdir()
    (source / "main.txt").write_text("source")
    output = source / "bin" / "teams-client"
    steps = [["sh", "-c", "mkdir -p bin && echo built >> bin/teams-client && echo x >> ../runs"]]

    def build() -> bool:
        return builds.ensure_built(
            "client", [source], steps, source, skipped=["bin"], work_dir=tmp_path / "work", outputs=[output]
        )

    assert build() is True
    assert build() is False  # warm: nothing changed, the output is there
    output.unlink()  # `git clean -fdx clients/` while .interop/ remains
    assert build() is True
    assert output.is_file()
    assert (tmp_path / "runs").read_text().count("x") == 2


def test_a_hung_build_step_is_killed_with_its_children_and_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("INTEROP_BUILD_TIMEOUT", "1")
    source = tmp_path / "client"
    source.mkdir()
    # the step's child outlives a kill of the shell alone; the whole group must go
    steps = [["sh", "-c", "sleep 300 & echo $! > child.pid; wait"]]
    started = time.monotonic()
    with pytest.raises(builds.BuildError) as error:
        builds.ensure_built("hangs", [source], steps, source, work_dir=tmp_path / "work")
    assert time.monotonic() - started < 10
    assert str(error.value).startswith("hangs: `sh -c sleep 300 & echo $! > child.pid; wait` did not finish within 1s")
    child = int((source / "child.pid").read_text())
    time.sleep(0.2)
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
