"""The gate's verdict beyond buf and the wire: source findings, exit codes, annotations, pairs' base."""

import argparse
import dataclasses
import textwrap
from pathlib import Path

from teams_interop.cases import load_catalogue
from teams_interop.clients import load as load_manifest
from teams_interop.compat import command, pairs, report, source, trees
from teams_interop.compat.check import BREAKING, COMPATIBLE, COULD_NOT_RUN, GateResult
from teams_interop.compat.elements import Element
from teams_interop.compat.skew import Break, SkewResult, Version
from teams_interop.compat.static import Finding, StaticResult
from teams_interop.compat.trees import Tree, TreeError
from teams_interop.compat.verdict import FindingNote
from teams_interop.progress import Progress
from tests.helpers import make_client

RULES = ("WIRE_JSON", "SERVICE_NO_DELETE", "RPC_NO_DELETE")


def gate(schema, findings=(), breaks=(), demos=()) -> GateResult:
    cases = load_catalogue(schema)[:3]
    versions = {
        label: Version(Tree(label, label, Path(f"/nowhere/v-{label}")), schema, cases, {}, [make_client("go")])
        for label in ("old", "new")
    }
    notes = tuple(FindingNote(f, Element("service", "Teams", "Teams"), ("x",), ()) for f in findings)
    return GateResult(
        old=versions["old"].tree,
        new=versions["new"].tree,
        static=StaticResult("1.74.0", RULES, tuple(findings)),
        skew=SkewResult(versions=versions, breaks=list(breaks)),
        notes=notes,
        seconds=1.0,
        demos=tuple(demos),
    )


DEMO = source.SourceFinding(
    "go",
    "clients/go",
    source.DEMO,
    "new",
    "demo-go: `go build` exited 1 (log)\ncmd/teams-demo/main.go:70:52: resp.GetNickname undefined",
)


def test_a_demo_that_no_longer_compiles_warns_and_fails_only_when_strict(schema) -> None:
    result = gate(schema, demos=[DEMO])
    assert result.compatible and result.exit_code() == COMPATIBLE
    assert result.exit_code(strict_source=True) == BREAKING
    text = report.summary(result)
    assert (
        "warning: source-incompatible: clients/go demo no longer compiles: "
        "cmd/teams-demo/main.go:70:52: resp.GetNickname undefined"
    ) in text
    assert text.endswith("verdict: compatible on the wire; 1 source warning(s)")
    assert report.summary(result, strict_source=True).endswith(
        "verdict: BREAKING: 1 source-incompatible client(s) (--strict-source)"
    )
    assert report.to_json(result)["source"][0]["target"] == "demo"


def test_a_breaking_change_exits_1_whatever_the_source_says(schema) -> None:
    finding = Finding("proto/teams.proto", 17, 10, "RPC_NO_DELETE", "Previously present RPC was deleted.", True)
    broken = Break("old", "new", "go", "get_team_known_city", {"code": "OK"}, {"code": "UNIMPLEMENTED"})
    result = gate(schema, findings=[finding], breaks=[broken], demos=[DEMO])
    assert result.exit_code() == BREAKING == result.exit_code(strict_source=True)
    lines = report.annotations(result)
    assert lines[0].startswith("::error file=proto/teams.proto,line=17,col=10::RPC_NO_DELETE Previously")
    assert lines[1] == (
        "::error file=proto/teams.proto::version skew: old clients -> new server: 1 result(s) changed "
        "(go get_team_known_city)"
    )
    assert lines[2].startswith("::warning file=clients/go::source-incompatible: clients/go demo")
    assert report.annotations(result, strict_source=True)[2].startswith("::error file=clients/go::")


def test_annotation_text_is_escaped() -> None:
    assert report._data("50% done\nnext") == "50%25 done%0Anext"
    assert report._property("a:b,c") == "a%3Ab%2Cc"


def synthetic_client(root: Path, demo_build: str) -> Path:
    """A client folder in a version tree whose demo build is a shell command."""
    folder = root / "clients" / "toy"
    folder.mkdir(parents=True)
    (root / "proto").mkdir()
    (root / "proto" / "teams.proto").write_text('syntax = "proto3";\n')
    (folder / "client.toml").write_text(
        textwrap.dedent(
            f"""\
            language = "toy"
            features = ["unary"]
            [native]
            build = []
            run = ["true"]
            [demo]
            build = [["sh", "-c", {demo_build!r}]]
            run = ["true"]
            [docker]
            run = ["true"]
            """
        )
    )
    return folder


def test_a_demo_build_failure_is_a_source_finding(tmp_path) -> None:
    script = "echo compiling >&2; echo 'main.go:3:7: undefined: teamspb.FetchTeam' >&2; exit 1"
    folder = synthetic_client(tmp_path / "v-new", script)
    tree = Tree("new", "working tree", tmp_path / "v-new")
    (found,) = source.check_demos(tree, [load_manifest(folder / "client.toml")], Progress(quiet=True))
    assert (
        found.headline == "source-incompatible: clients/toy demo no longer compiles: "
        "main.go:3:7: undefined: teamspb.FetchTeam"
    )


def test_a_demo_that_builds_and_a_client_without_demo_say_nothing(tmp_path) -> None:
    folder = synthetic_client(tmp_path / "v-new", "test -f ../../proto/teams.proto")
    tree = Tree("new", "working tree", tmp_path / "v-new")
    client = load_manifest(folder / "client.toml")
    assert source.check_demos(tree, [client], Progress(quiet=True)) == []
    assert source.check_demos(tree, [dataclasses.replace(client, demo=None)], Progress(quiet=True)) == []


def test_a_gate_that_cannot_run_exits_2_with_one_line(monkeypatch, capsys) -> None:
    def unknown(*args, **kwargs):
        raise TreeError("--against 'nope' is not a commit in this repository")

    monkeypatch.setattr(trees, "git_ref", unknown)
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(["--against", "nope", "--github-annotations"])
    assert command.main(args) == COULD_NOT_RUN
    err = capsys.readouterr()
    assert err.err.startswith("interop compat: could not run: --against 'nope' is not a commit")
    assert len(err.err.strip().splitlines()) == 1
    assert err.out.startswith("::error::interop compat could not run: --against 'nope'")


def test_pairs_share_one_base_and_never_repeat_it() -> None:
    base = pairs.base_proto().read_bytes()
    found = pairs.discover()
    assert sum(1 for p in found if p.proto("old") == pairs.base_proto()) >= 14
    for pair in found:
        assert pair.proto("old").read_bytes() != pair.proto("new").read_bytes(), pair.name
        if (pair.directory / "old.proto").is_file():
            assert (pair.directory / "old.proto").read_bytes() != base, pair.name


def test_the_base_is_todays_proto() -> None:
    """When proto/teams.proto evolves (compatibly), copy it to base.proto: the pairs edit today's file."""
    from teams_interop import paths

    assert pairs.base_proto().read_text() == (paths.layout().proto_dir / "teams.proto").read_text()
