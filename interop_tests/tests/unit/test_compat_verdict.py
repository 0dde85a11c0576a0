"""What each static finding is about, what the wire said of it, and the report built from that."""

import json
import shutil
from pathlib import Path

import pytest

from teams_interop.cases import load_catalogue
from teams_interop.compat import pairs, report
from teams_interop.compat.check import GateResult
from teams_interop.compat.elements import Element, compile_with_source_info, element_at, reaches
from teams_interop.compat.skew import Break, SkewResult, Version
from teams_interop.compat.static import Finding, StaticResult
from teams_interop.compat.trees import Tree
from teams_interop.compat.verdict import FindingNote, dynamic_verdict
from tests.helpers import make_client

RULES = ("WIRE_JSON", "SERVICE_NO_DELETE", "RPC_NO_DELETE")


def new_proto(tmp_path: Path, pair: str) -> tuple[Path, list[str]]:
    proto = tmp_path / pair / "proto"
    proto.mkdir(parents=True)
    shutil.copyfile(pairs.pairs_dir() / pair / "new.proto", proto / "teams.proto")
    return proto, (proto / "teams.proto").read_text().splitlines()


def spot(lines: list[str], text: str) -> tuple[int, int]:
    """1-based line and column of ``text``, as buf reports them."""
    number = next(i for i, line in enumerate(lines) if text in line)
    return number + 1, lines[number].index(text) + 1


@pytest.mark.parametrize(
    ("pair", "text", "expected"),
    [
        ("breaking/field_renamed", "team_name", Element("field", "TeamResponse.team_name", "TeamResponse")),
        ("breaking/rpc_deleted", "service Teams", Element("service", "Teams", "Teams")),
        ("breaking/unary_made_streaming", "rpc GetTeam ", Element("method", "Teams.GetTeam", "Teams")),
        (
            "breaking/field_deleted",
            "message TeamResponse",
            Element("message", "TeamResponse", "TeamResponse"),
        ),
        ("breaking/unused_enum_value_deleted", "enum Division", Element("enum", "Division", "Division")),
        ("breaking/package_added", "package teams.v1", Element("file", "teams.proto", "teams.proto")),
    ],
)
def test_a_finding_is_mapped_to_the_element_at_its_spot(tmp_path, pair, text, expected) -> None:
    proto, lines = new_proto(tmp_path, pair)
    line, column = spot(lines, text)
    assert element_at(compile_with_source_info(proto), "proto/teams.proto", line, column) == expected


def test_which_cases_reach_an_element(schema) -> None:
    cases = {case.id: case for case in load_catalogue(schema)}

    def reached(element: Element) -> set[str]:
        return {case_id for case_id, case in cases.items() if reaches(case, schema, element)}

    nickname = reached(Element("field", "TeamResponse.nickname", "TeamResponse"))
    assert {"get_team_known_city", "list_teams_one", "get_teams_one"} <= nickname
    assert "summarize_teams_one" not in nickname and "health_serving" not in nickname
    get_team = reached(Element("method", "Teams.GetTeam", "Teams"))
    assert "get_team_known_city" in get_team
    assert "unimplemented_method" not in get_team  # sent to another path with GetTeam's types
    assert "health_serving" not in reached(Element("file", "teams.proto", "teams.proto"))
    assert reached(Element("enum", "Division", "Division")) == set()


def finding(rule: str = "FIELD_SAME_NAME", wire: bool = False) -> Finding:
    return Finding("proto/teams.proto", 17, 10, rule, f"{rule} happened.", wire)


FIELD = Element("field", "TeamResponse.team_name", "TeamResponse")


def test_what_the_wire_said_about_a_finding() -> None:
    assert FindingNote(finding(), FIELD, ("a",), ()).dynamic == (
        "not observable on the wire — the static check's verdict stands"
    )
    wire = finding("RPC_NO_DELETE", wire=True)
    assert FindingNote(wire, FIELD, (), ()).dynamic == "not exercised by any case — the static check's verdict stands"
    assert FindingNote(wire, FIELD, ("a", "b"), ()).dynamic.startswith("not observed: none of the 2 cases")
    assert FindingNote(wire, FIELD, ("a", "b"), ("b",)).dynamic.startswith("observed on the wire: 1 of the 2")


def skew_result(schema, breaks=()) -> SkewResult:
    cases = load_catalogue(schema)[:3]
    clients = [make_client("go")]
    versions = {
        label: Version(Tree(label, label, Path(f"/nowhere/v-{label}")), schema, cases, {}, clients)
        for label in ("old", "new")
    }
    return SkewResult(versions=versions, breaks=list(breaks))


def test_the_dynamic_verdict(schema) -> None:
    clean = skew_result(schema)
    json_only = FindingNote(finding(), FIELD, ("a",), ())
    unreached = FindingNote(finding(wire=True), FIELD, (), ())
    unseen = FindingNote(finding(wire=True), FIELD, ("a",), ())
    assert dynamic_verdict([], clean) == "compatible"
    assert dynamic_verdict([json_only], clean) == "not_observable"
    assert dynamic_verdict([json_only, unreached], clean) == "not_exercised"
    assert dynamic_verdict([unreached, unseen], clean) == "not_observed"
    broken = skew_result(schema, [Break("old", "new", "go", "c", {"code": "OK"}, {"code": "UNIMPLEMENTED"})])
    assert dynamic_verdict([], broken) == "broken"


def test_the_report_names_findings_breaks_and_the_verdict(schema) -> None:
    item = Break("old", "new", "go", "get_team_known_city", {"code": "OK"}, {"code": "UNIMPLEMENTED"})
    skew = skew_result(schema, [item])
    note = FindingNote(finding("RPC_NO_DELETE", wire=True), Element("service", "Teams", "Teams"), ("x",), ("x",))
    outcome = GateResult(
        old=skew.versions["old"].tree,
        new=skew.versions["new"].tree,
        static=StaticResult("1.74.0", RULES, (note.finding,)),
        skew=skew,
        notes=(note,),
        seconds=1.0,
    )
    text = report.summary(outcome)
    assert "proto/teams.proto:17:10: RPC_NO_DELETE: RPC_NO_DELETE happened." in text
    assert "service Teams: observed on the wire: 1 of the 1 cases that reach it changed" in text
    assert "BROKEN for go: 1 case(s): get_team_known_city" in text
    assert '+  "code": "UNIMPLEMENTED"' in text
    assert text.endswith("verdict: BREAKING: 1 static finding(s) (RPC_NO_DELETE); 1 result(s) changed across versions")
    document = json.loads(json.dumps(report.to_json(outcome)))
    assert document["verdict"] == "breaking"
    assert (
        document["static"]["findings"][0] | {"line": 17, "column": 10, "rule": "RPC_NO_DELETE"}
        == (document["static"]["findings"][0])
    )
    assert document["dynamic"]["breaks"][0]["clients"] == "old"
    assert document["dynamic"]["verdict"] == "broken"


def test_every_test_pair_loads_and_the_required_changes_are_there() -> None:
    names = {pair.name for pair in pairs.discover()}
    required = {
        "allowed/field_added",
        "allowed/field_deleted_reserved",
        "allowed/enum_value_added",
        "breaking/field_renumbered",
        "breaking/field_type_changed",
        "breaking/field_renamed",
        "breaking/field_deleted",
        "breaking/rpc_deleted",
        "breaking/rpc_renamed",
        "breaking/package_added",
        "breaking/unary_made_streaming",
        "breaking/streaming_made_unary",
        "breaking/int32_made_int64",
        "breaking/repeated_made_singular",
        "breaking/message_renamed",
        "allowed/rpc_added",
    }
    assert required <= names


def test_a_malformed_pair_is_a_clear_error(tmp_path) -> None:
    pair = tmp_path / "breaking" / "odd"
    pair.mkdir(parents=True)
    (pair / "old.proto").write_text("")
    (pair / "new.proto").write_text("")
    (pair / "case.yaml").write_text("change: x\nstatic: {rules: []}\ndynamic: {verdict: fine}\n")
    with pytest.raises(pairs.PairError) as error:
        pairs.load(pair)
    assert "not one of broken" in str(error.value) and "names the rules that must fire" in str(error.value)


def test_hints_match_diffs_whatever_the_indentation() -> None:
    diff = '-      "nickname": "Jackals"\n+      "city": "Chicago"'
    assert pairs.hint_matches('- "nickname": "Jackals"', diff)
    assert not pairs.hint_matches('+ "nickname": "Jackals"', diff)
