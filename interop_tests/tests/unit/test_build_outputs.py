"""A build is skipped only when its fingerprint matches and its declared outputs exist."""

from pathlib import Path

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
