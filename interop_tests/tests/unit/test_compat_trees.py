"""Version trees: content-named copies without build outputs, edits, and refs older than the harness."""

import os
import subprocess

import pytest

from teams_interop import paths
from teams_interop.compat import trees
from teams_interop.compat.trees import Edit, TreeError

PROTO_DIR = paths.layout().proto_dir


@pytest.fixture(autouse=True)
def compat_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(trees, "compat_dir", lambda: tmp_path / "compat")
    return tmp_path / "compat"


def test_a_tree_is_named_by_its_content_and_holds_sources_only() -> None:
    first = trees.materialize(trees.working_tree(["go", "python"]))
    again = trees.materialize(trees.working_tree(["go", "python"]))
    assert first.root == again.root and first.root.name.startswith("v-")
    assert (first.proto / "teams.proto").read_text() == (PROTO_DIR / "teams.proto").read_text()
    assert (first.root / "python_server" / "teams_server" / "service.py").is_file()
    assert (first.root / "clients" / "go" / "build.sh").is_file()
    for output in ("clients/go/bin", "clients/go/gen", "clients/python/.venv", "clients/python/gen"):
        assert not (first.root / output).exists(), output
    assert not (first.root / "clients" / "node").exists()  # not chosen
    assert [c.language for c in first.clients()] == ["go", "python"]


def test_an_edit_gives_another_tree(tmp_path) -> None:
    plain = trees.materialize(trees.working_tree(["python"]))
    source = trees.working_tree(["python"])
    source.edits = (Edit("python_server/teams_server/service.py", "nickname=", "team_name="),)
    edited = trees.materialize(source)
    assert edited.root != plain.root
    assert "team_name=roster" in (edited.root / "python_server" / "teams_server" / "service.py").read_text()


def test_an_edit_that_does_not_match_exactly_once_is_an_error() -> None:
    source = trees.working_tree(["python"])
    source.edits = (Edit("python_server/teams_server/service.py", "no such text", "x"),)
    with pytest.raises(TreeError, match="occurs 0 times"):
        trees.materialize(source)


def git(repo, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def old_repo(tmp_path):
    """A repository from before the harness: proto/teams.proto and nothing else, on main."""
    repo = tmp_path / "repo"
    (repo / "proto").mkdir(parents=True)
    (repo / "proto" / "teams.proto").write_text('syntax = "proto3";\nmessage TeamRequest { string city = 1; }\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "proto only")
    return repo


def test_a_ref_without_server_or_clients_falls_back_to_todays_code_and_says_so(old_repo) -> None:
    source = trees.git_ref("HEAD", ["go"], repo=old_repo)
    assert source.description.startswith("HEAD at ")
    assert "message TeamRequest" in source.protos["teams.proto"].read_text()
    assert source.server == paths.layout().server_dir
    assert source.clients["go"] == paths.layout().clients_dir / "go"
    assert any("its server is today's code" in note for note in source.notes)
    assert any("its go client is today's code built with its proto" in note for note in source.notes)


def test_the_default_base_is_the_merge_base_with_main(old_repo) -> None:
    head = git(old_repo, "rev-parse", "HEAD")
    git(old_repo, "checkout", "-q", "-b", "feature")
    (old_repo / "README").write_text("x")
    git(old_repo, "add", ".")
    git(old_repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "feature")
    assert trees.default_base(old_repo) == head


def test_unknown_refs_are_clear_errors(old_repo) -> None:
    with pytest.raises(TreeError, match="not a commit"):
        trees.git_ref("no-such-branch", repo=old_repo)


def test_pruning_keeps_the_most_recently_used_trees(compat_dir) -> None:
    for age, name in enumerate(["v-new", "v-mid", "v-old"]):
        (compat_dir / name).mkdir(parents=True)
        (compat_dir / name / ".used").touch()
        os.utime(compat_dir / name / ".used", (1000 - age, 1000 - age))
    deleted = trees.prune(keep=2)
    assert [p.name for p in deleted] == ["v-old"]
    assert sorted(p.name for p in compat_dir.iterdir()) == ["v-mid", "v-new"]
