"""Incremental builds: nothing is rebuilt while the inputs are unchanged."""

from teams_interop.builds import BuildError, ensure_built, fingerprint


def test_fingerprint_ignores_outputs_but_sees_sources(tmp_path) -> None:
    (tmp_path / "main.go").write_text("package main")
    (tmp_path / "bin").mkdir()
    before = fingerprint([tmp_path], skipped=["bin"])
    (tmp_path / "bin" / "client").write_text("binary")
    assert fingerprint([tmp_path], skipped=["bin"]) == before
    (tmp_path / "main.go").write_text("package main // changed")
    assert fingerprint([tmp_path], skipped=["bin"]) != before


def test_ensure_built_runs_only_when_inputs_change(tmp_path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text("1")
    step = [["sh", "-c", "echo built >> ../count"]]
    work = tmp_path / "work"
    assert ensure_built("x", [source], step, source, work_dir=work) is True
    assert ensure_built("x", [source], step, source, work_dir=work) is False
    (source / "a.txt").write_text("2")
    assert ensure_built("x", [source], step, source, work_dir=work) is True
    assert (tmp_path / "count").read_text().count("built") == 2


def test_failed_build_reports_its_output_and_is_retried(tmp_path) -> None:
    work = tmp_path / "work"
    failing = [["sh", "-c", "echo protoc: teams.proto:3: syntax error; exit 3"]]
    for _ in range(2):  # no stamp is written on failure, so it runs again
        try:
            ensure_built("y", [tmp_path], failing, tmp_path, work_dir=work)
        except BuildError as error:
            assert "exited 3" in str(error) and "syntax error" in str(error)
        else:
            raise AssertionError("a failing build must raise")
