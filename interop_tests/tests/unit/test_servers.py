"""Servers described like clients: manifests, what a case needs of a server, the client x server
matrix's judging, reports and merged results, and the live target's command line."""

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from teams_interop import cli, paths, servers
from teams_interop.cases import load_catalogue
from teams_interop.compare import Outcome
from teams_interop.matrix import MatrixRun, judge_matrix, name_server_differences
from teams_interop.reports import markdown, text
from teams_interop.reports.html import render
from teams_interop.reports.junit import junit_tree
from teams_interop.results import read_results, write_results
from teams_interop.schema import ProtoSchema
from tests.helpers.matrix_sample import sample_matrix

MANIFEST = """name = "{name}"
features = {features}
[native]
run = ["bin/server"]
[docker]
port = 50051
"""


@pytest.fixture(scope="module")
def catalogue():
    return {case.id: case for case in load_catalogue(ProtoSchema.compile(paths.layout().proto_dir))}


def write_manifest(folder: Path, name: str = "x", features: str = '["health"]', text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "server.toml"
    path.write_text(text if text is not None else MANIFEST.format(name=name, features=features))
    return path


def test_the_repositorys_servers_load_with_known_features() -> None:
    found = {server.name: server for server in servers.discover()}
    assert next(iter(found)) == "python"  # python_server/ first, then servers/*/ in name order
    assert "go" in found
    for server in found.values():
        assert server.features <= servers.FEATURES and server.native.run and server.docker.port
    assert found["python"].image == "teams-interop/server:dev"
    assert found["go"].image == "teams-interop/server-go:dev"


@pytest.mark.parametrize(
    ("features", "text", "message"),
    [
        ('["health", "telepathy"]', None, "unknown features ['telepathy']"),
        (None, 'name = "Big Server"\nfeatures = []\n[native]\nrun = ["x"]\n[docker]\n', "lower-case letters"),
        (None, 'name = "x"\nfeatures = []\n[docker]\n', "KeyError: 'native'"),
        (None, 'name = "x"\nfeature = []\n', "unknown keys ['feature']"),
        (None, 'name = "x"\nfeatures = [', "TOMLDecodeError"),
    ],
)
def test_a_broken_manifest_is_one_line_naming_the_file(tmp_path, features, text, message) -> None:
    path = write_manifest(tmp_path / "s", features=features or "[]", text=text)
    with pytest.raises(servers.ManifestError) as error:
        servers.load(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_select_keeps_the_order_given_and_names_what_is_unknown(tmp_path) -> None:
    found = servers.discover()
    assert [s.name for s in servers.select(found, ["go", "python"])] == ["go", "python"]
    assert [s.name for s in servers.select(found, None)] == ["python"]
    with pytest.raises(servers.ManifestError, match="no server named rust; known: go, node, python"):
        servers.select(found, ["rust"])
    with pytest.raises(servers.ManifestError, match="named twice"):
        servers.select(found, ["go", "go"])


def test_two_servers_with_one_name_are_refused(tmp_path) -> None:
    write_manifest(tmp_path / "python_server", name="python")
    write_manifest(tmp_path / "servers" / "again", name="python")
    with pytest.raises(servers.ManifestError, match="two servers are named 'python'"):
        servers.discover(tmp_path)


def test_a_tree_from_before_manifests_gets_todays_python_manifest(tmp_path) -> None:
    (tmp_path / "python_server").mkdir()
    server = servers.default(tmp_path)
    assert server.name == "python" and server.directory == tmp_path / "python_server"


def test_what_a_case_needs_of_a_server_is_read_off_the_case(catalogue) -> None:
    assert catalogue["get_team_known_city"].server_needs == frozenset()
    assert catalogue["deadline_unary_exceeded"].server_needs == {"test_hooks"}  # x-teams-delay-ms
    assert catalogue["tls_server_authenticated"].server_needs == {"tls"}
    assert catalogue["token_valid"].server_needs == {"token"}
    assert catalogue["health_serving"].server_needs == {"health"}
    assert catalogue["limits_request_over_server_limit"].server_needs == {"limits"}  # server_requires
    assert "compression" in catalogue["compression_request_unary"].server_needs
    assert catalogue["compression_response_unary"].server_needs == {"test_hooks", "response_compression"}
    assert catalogue["compression_both_bidi"].server_needs == {"test_hooks", "compression", "response_compression"}


def test_a_case_the_server_cannot_serve_is_not_applicable_for_every_language(catalogue) -> None:
    base = sample_matrix()
    hooks = dataclasses.replace(catalogue["deadline_unary_exceeded"], id="needs_hooks")
    matrix = MatrixRun(
        backend="native",
        cases=[*base.cases, hooks],
        clients=base.clients,
        results=base.results,
        server="target",
        server_features=frozenset({"health"}),
        live=True,
    )
    judge_matrix(matrix)
    for client in matrix.clients:
        verdict = matrix.verdict(client.language, "needs_hooks")
        assert verdict.outcome is Outcome.NOT_APPLICABLE
        assert verdict.explanation == "not applicable to this target: the case needs test_hooks"
        assert not verdict.outcome.is_failure
    assert matrix.counts("python")[Outcome.NOT_APPLICABLE] == 1


def two_servers() -> list[MatrixRun]:
    """The sample judged against "python", and against "go" where go's client passes everything."""
    python = dataclasses.replace(sample_matrix(), server="python", server_features=servers.FEATURES)
    go = dataclasses.replace(sample_matrix(), server="go", server_features=servers.FEATURES)
    go.results = {language: dict(observed) for language, observed in python.results.items()}
    go.verdicts = {}
    go.results["go"]["status_message_escapes"] = go.results["python"]["status_message_escapes"]
    judge_matrix(go)
    return name_server_differences([python, go])


def test_a_cell_failing_against_one_server_only_says_the_servers_differ() -> None:
    python, go = two_servers()
    verdict = python.verdict("go", "status_message_escapes")
    assert verdict.outcome is Outcome.FAIL
    assert verdict.problems[-1] == ("the servers differ: go passes this case against go and fails it against python")
    assert go.verdict("go", "status_message_escapes").outcome is Outcome.PASS


def test_reports_group_by_server_with_a_client_by_server_grid(tmp_path) -> None:
    runs = two_servers()
    grid = text.server_grid(runs)
    assert grid.splitlines()[0] == "client x server (passed/ran):"
    row = next(line for line in grid.splitlines() if line.startswith("go "))
    assert row.split()[1:] == ["5/6", "FAIL", "1", "6/6"]
    page = render(runs)
    assert 'id="grid-go-python"' in page and 'data-failed="1"' in page
    assert 'id="python--case-' in page and 'id="go--case-' in page  # sections with prefixed ids
    summary = markdown(runs)
    assert "| client | python server | go server |" in summary
    assert "### Against the go server" in summary
    suites = [suite.get("name") for suite in junit_tree(runs).getroot().iter("testsuite")]
    assert suites == ["python@python", "go@python", "node@python", "python@go", "go@go", "node@go"]


def test_results_of_several_servers_merge_per_server(tmp_path) -> None:
    runs = two_servers()
    write_results(runs, tmp_path / "r.jsonl")
    merged = read_results([tmp_path / "r.jsonl"])
    assert list(merged.servers) == ["python", "go"]
    case = "status_message_escapes"
    assert merged.servers["go"].results["go"][case] == runs[1].results["go"][case]
    assert merged.servers["python"].features == servers.FEATURES


def test_results_from_before_servers_are_the_python_servers(tmp_path) -> None:
    old = tmp_path / "old.jsonl"
    header = {"format": "teams-interop-results/2", "backend": "native", "shard": "1/1", "cases": ["c"]}
    record = {"language": "go", "case": "c", "observed": {"code": 0}}
    old.write_text(json.dumps(header) + "\n" + json.dumps(record) + "\n")
    merged = read_results([old])
    assert list(merged.servers) == ["python"] and merged.servers["python"].features is None
    assert merged.servers["python"].results["go"]["c"].code == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--tls"], "--tls: only with --target HOST:PORT"),
        (["--target", "nohost"], "--target takes HOST:PORT"),
        (["--target", "h:1", "--tls"], "--tls needs --ca FILE"),
        (["--target", "h:1", "--server-name", "x"], "--server-name is the name of the target's TLS certificate"),
        (["--target", "h:1", "--token-file", "/nonexistent"], "--token-file /nonexistent: no such file"),
        (["--target", "h:1", "--servers", "go"], "leave out --servers"),
        (["--target", "h:1", "--target-features", "magic"], "--target-features: unknown magic"),
        (["--servers", "cobol"], "no server named cobol"),
        (["--backend", "compose", "--servers", "go"], "the compose backend runs the server of docker-compose.yml"),
    ],
)
def test_live_target_and_server_mistakes_are_one_line_and_exit_2(capsys, argv, message) -> None:
    assert cli.main(["run", "--languages", "python", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("interop: ") and message in err and err.count("\n") == 1


def test_interop_servers_lists_the_manifests(capsys) -> None:
    assert cli.main(["servers", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in listed][:1] == ["python"]
    assert {"name", "directory", "dockerfile", "image", "features", "summary"} <= set(listed[0])


def test_junit_of_a_live_target_skips_what_is_not_applicable(catalogue) -> None:
    base = sample_matrix()
    hooks = dataclasses.replace(catalogue["deadline_unary_exceeded"], id="needs_hooks")
    matrix = MatrixRun(
        backend="native", cases=[*base.cases, hooks], clients=base.clients, results=base.results,
        server="target", server_features=frozenset(), live=True,
    )  # fmt: skip
    judge_matrix(matrix)
    tree = junit_tree(matrix).getroot()
    case = next(tc for tc in tree.iter("testcase") if tc.get("name") == "needs_hooks")
    assert case.get("classname") == "python@target"
    assert case.find("skipped").get("message") == "not applicable to this target: the case needs test_hooks"
    assert isinstance(tree, ET.Element)
