"""Sharding: the shards of a real run, merged, give exactly the report of the unsharded run."""

import fnmatch
import subprocess
import sys
from pathlib import Path

import pytest

CASES = "get_team_*"
LANGUAGES = "python,go"


def interop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "teams_interop", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def unsharded(tmp_path_factory) -> tuple[str, Path]:
    directory = tmp_path_factory.mktemp("unsharded")
    done = interop("run", "--languages", LANGUAGES, "--cases", CASES, "--results-out", str(directory / "all.jsonl"))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, directory / "all.jsonl"


def test_merged_shards_report_exactly_what_the_unsharded_run_does(tmp_path, unsharded) -> None:
    report, _ = unsharded
    shards = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard{k}.jsonl"
        done = interop(
            "run", "--languages", LANGUAGES, "--cases", CASES, "--shard", f"{k}/3", "--results-out", str(path)
        )
        assert done.returncode == 0, done.stdout + done.stderr
        shards.append(path)
    merged = interop("report", "--languages", LANGUAGES, "--results", *map(str, shards))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert without_timings(merged.stdout) == without_timings(report)
    expected = sum(1 for line in interop("cases").stdout.splitlines() if fnmatch.fnmatchcase(line, CASES))
    assert f"go       {expected} passed, 0 failed" in merged.stdout


def without_timings(output: str) -> str:
    """The report minus its wall-clock lines (client process times, phases, client starts), which
    differ per run."""
    timed = ("client process", "phases:", "client start (to its first result)")
    return "\n".join(line for line in output.splitlines() if not any(mark in line for mark in timed))


def test_a_language_without_results_fails_the_merge_by_name(tmp_path, unsharded) -> None:
    _, results = unsharded
    merged = interop("report", "--languages", "python,go,node", "--results", str(results))
    assert merged.returncode == 1
    assert "node: no results against python (did its job or shard run?)" in merged.stdout


def test_a_missing_shard_is_an_error(tmp_path) -> None:
    path = tmp_path / "shard1.jsonl"
    assert (
        interop(
            "run", "--languages", "python", "--cases", CASES, "--shard", "1/2", "--results-out", str(path)
        ).returncode
        == 0
    )
    merged = interop("report", "--results", str(path))
    assert merged.returncode == 2
    assert "shard 2/2 missing" in merged.stderr


@pytest.mark.parametrize("spec", ["0/3", "4/3", "two/3"])
def test_bad_shard_specs_are_clear_errors(spec) -> None:
    done = interop("run", "--shard", spec)
    assert done.returncode == 2 and "--shard" in done.stderr
