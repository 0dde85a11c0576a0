"""The proto compatibility gate on real builds: every test pair's verdicts, and the command end to end.

Each pair in interop_tests/compat/{allowed,breaking}/<name>/ is checked exactly as `interop compat`
checks a pull request: buf on the two protos, then the server and every client built from each
version and run across versions (old clients against the new server, new clients against the old
one, every language, the whole catalogue). A version's builds are shared by every pair that has
it, and most pairs share their old version (interop_tests/compat/base.proto), so the set costs
one build per distinct proto. Languages: python, go and node by default (the reference clients);
TEAMS_COMPAT_LANGUAGES=all (or a comma-separated list) checks others too.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from teams_interop import paths
from teams_interop.compat import pairs, report, static, trees
from teams_interop.compat.check import GateResult, check
from teams_interop.progress import Progress

REPO = paths.layout().repo

PAIRS = pairs.discover()
_OUTCOMES: dict[str, GateResult] = {}
_CHOSEN = os.environ.get("TEAMS_COMPAT_LANGUAGES", "python,go,node")
LANGUAGES = None if _CHOSEN == "all" else [name for name in _CHOSEN.split(",") if name]


def outcome_of(pair: pairs.Pair) -> GateResult:
    """The pair's full check, run once per session however many tests look at it."""
    if pair.name not in _OUTCOMES:
        _OUTCOMES[pair.name] = check(
            pair.source("old", LANGUAGES),
            pair.source("new", LANGUAGES),
            LANGUAGES,
            progress=Progress(quiet=True),
        )
    return _OUTCOMES[pair.name]


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_static_verdict(pair: pairs.Pair) -> None:
    old, new = trees.materialize(pair.source("old")), trees.materialize(pair.source("new"))
    found = static.check(new.root, old.proto)
    fired = {f.rule for f in found.findings}
    assert set(pair.rules) <= fired, f"{pair.change}\nexpected {sorted(pair.rules)}, buf said {sorted(fired)}"
    assert found.clean == (not pair.rules), f"{pair.name}: buf said {sorted(fired)}"
    for finding in found.findings:  # every finding points at a spot of the new proto
        assert finding.path == "proto/teams.proto" and finding.line > 0 and finding.column > 0


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_dynamic_verdict(pair: pairs.Pair) -> None:
    outcome = outcome_of(pair)
    summary = report.summary(outcome)
    assert outcome.skew.baseline_errors == [], summary
    assert outcome.dynamic == pair.dynamic, f"{pair.change}\n\n{summary}"
    for expected in pair.breaks:
        diffs = [b.diff for b in outcome.skew.breaks if (b.clients, b.server) == (expected.clients, expected.server)]
        direction = f"{expected.clients} clients -> {expected.server} server"
        assert any(pairs.hint_matches(expected.hint, diff) for diff in diffs), (
            f"no {direction} diff shows {expected.hint!r}\n\n{summary}"
        )
    broken = {(b.clients, b.server) for b in outcome.skew.breaks}
    assert broken == {(b.clients, b.server) for b in pair.breaks}, summary
    assert outcome.compatible == (not pair.rules and pair.dynamic == "compatible")


@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_the_gate_agrees_with_buf_and_names_source_breaks(pair: pairs.Pair) -> None:
    """The exit code is buf's verdict (0 clean, 1 breaking) on every pair, never 2; a client whose
    code no longer builds against the new proto is a source finding, not a reason to stop."""
    outcome = outcome_of(pair)
    summary = report.summary(outcome)
    assert outcome.exit_code() == (1 if pair.rules else 0), summary
    languages = {c.language for c in outcome.skew.versions["old"].clients} | {
        f.language for f in outcome.source_findings
    }
    expected = {name for name in pair.source_incompatible if name in languages}
    assert {f.language for f in outcome.source_findings} == expected, summary
    for finding in outcome.source_findings:
        assert f"source-incompatible: {finding.folder} " in summary
    if expected:
        assert outcome.exit_code(strict_source=True) == 1


def interop(*args: str, repo: Path = REPO) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "teams_interop", *args]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=1200)


def test_the_working_tree_against_head_is_compatible(tmp_path) -> None:
    done = interop("compat", "--against", "HEAD", "--json-out", str(tmp_path / "compat.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: compatible" in done.stdout
    document = json.loads((tmp_path / "compat.json").read_text())
    assert document["verdict"] == "compatible" and document["static"]["findings"] == []


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """This checkout's files in a fresh repository on main; the shared virtualenvs are reused."""
    copy = tmp_path / "repo"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    shared = REPO / ".interop" / "compat" / "shared"
    shared.mkdir(parents=True, exist_ok=True)
    (copy / ".interop" / "compat").mkdir(parents=True)
    (copy / ".interop" / "compat" / "shared").symlink_to(shared)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run([*git, *step], cwd=copy, check=True, capture_output=True)
    return copy


def test_a_broken_working_proto_fails_with_the_finding_and_the_break(repo_copy, tmp_path) -> None:
    proto = repo_copy / "proto" / "teams.proto"
    text = proto.read_text()
    deleted = "  rpc GetTeams (stream TeamRequest) returns (stream TeamResponse) {}\n"
    proto.write_text(text.replace(deleted, ""))
    line = next(i for i, row in enumerate(proto.read_text().splitlines(), 1) if row.startswith("service Teams"))
    report_path = tmp_path / "compat.json"
    done = interop(
        "compat",
        "--languages",
        "go",
        "--cases",
        "get_teams_*",
        "--json-out",
        str(report_path),
        repo=repo_copy,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"proto/teams.proto:{line}:1: RPC_NO_DELETE" in done.stdout, done.stdout
    assert "the merge base with main" in done.stdout
    assert "verdict: BREAKING" in done.stdout
    document = json.loads(report_path.read_text())
    (finding,) = document["static"]["findings"]
    assert (finding["path"], finding["line"], finding["column"], finding["rule"]) == (
        "proto/teams.proto",
        line,
        1,
        "RPC_NO_DELETE",
    )
    assert document["dynamic"]["verdict"] == "broken"
    assert {(b["clients"], b["server"], b["language"]) for b in document["dynamic"]["breaks"]} == {("old", "new", "go")}
    assert all('"UNIMPLEMENTED"' in b["diff"] for b in document["dynamic"]["breaks"])


def test_an_unknown_ref_is_a_clear_error() -> None:
    done = interop("compat", "--against", "no-such-ref-anywhere")
    assert done.returncode == 2
    assert "'no-such-ref-anywhere' is not a commit" in done.stderr
