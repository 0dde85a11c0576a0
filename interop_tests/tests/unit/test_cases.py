"""The catalogue loader: expansion, directives, derived features and clear errors."""

import pytest

from teams_interop import roster
from teams_interop.cases import CatalogueError, load_catalogue, load_topic


def write(tmp_path, text: str):
    path = tmp_path / "topic.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_real_catalogue_loads_with_unique_ids(schema) -> None:
    cases = load_catalogue(schema)
    assert len(cases) >= 50
    assert len({case.id for case in cases}) == len(cases)


def test_for_each_team_expands_from_the_roster(tmp_path, schema) -> None:
    path = write(
        tmp_path,
        """
method: Teams/GetTeam
cases:
  roster:
    for_each_team: true
    requests: [{city: "{city}"}]
    expect: {responses: [{city: "{city}", nickname: "{nickname}"}]}
""",
    )
    cases = load_topic(path, schema)
    assert len(cases) == len(roster.teams()) == 10
    new_york = next(case for case in cases if case.id == "topic_roster_new_york")
    assert new_york.expect.responses == ({"city": "New York", "nickname": "Metros"},)


def test_directives(tmp_path, schema) -> None:
    path = write(
        tmp_path,
        """
cases:
  big:
    method: Teams/ListTeams
    requests: [{cityPrefix: {$repeat: [ab, 3]}}]
    metadata: {x-teams-status-message-bin: {$utf8: "é"}}
    expect: {responses: {$roster: {prefix: Bo}}}
""",
    )
    (case,) = load_topic(path, schema)
    assert case.requests == ({"cityPrefix": "ababab"},)
    assert case.metadata == {"x-teams-status-message-bin": ["w6k="]}
    assert case.expect.responses == ({"city": "Boston", "nickname": "Revolutionaries"},)


def test_features_are_derived_from_the_case(tmp_path, schema) -> None:
    path = write(
        tmp_path,
        """
cases:
  c:
    method: Teams/GetTeams
    requests: []
    metadata: {x-a-bin: AA==}
    timeout_ms: 5
    cancel_after_responses: 0
""",
    )
    (case,) = load_topic(path, schema)
    assert case.requires == {"bidi_streaming", "metadata", "binary_metadata", "deadline", "cancellation"}


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("cases: {c: {method: Teams/Nope, requests: [{}]}}", "not an RPC"),
        ("cases: {c: {method: Teams/GetTeam, requests: []}}", "exactly one request"),
        ("cases: {c: {method: Teams/GetTeam, requests: [{town: x}]}}", "town"),
        ("cases: {c: {method: Teams/GetTeam, requests: [{}], expect: {code: NOPE}}}", "NOPE"),
        ("cases: {c: {method: Teams/GetTeam, requests: [{}], oops: 1}}", "oops"),
    ],
)
def test_bad_cases_are_clear_errors(tmp_path, schema, body, complaint) -> None:
    with pytest.raises(CatalogueError, match=complaint) as raised:
        load_topic(write(tmp_path, body), schema)
    assert "topic.yaml" in str(raised.value)


def test_duplicate_ids_are_rejected(tmp_path, schema) -> None:
    (tmp_path / "a.yaml").write_text("cases: {b_c: {method: Teams/GetTeam, requests: [{}]}}")
    (tmp_path / "a_b.yaml").write_text("cases: {c: {method: Teams/GetTeam, requests: [{}]}}")
    with pytest.raises(CatalogueError, match="a_b_c"):
        load_catalogue(schema, tmp_path)


def test_the_status_code_table_is_grpcs() -> None:
    """cases.CODES is written out (grpcio's import is kept off the run's start): it must be
    every code grpcio knows, by the same name and number."""
    import grpc

    from teams_interop.cases import CODES

    assert {code.name: code.value[0] for code in grpc.StatusCode} == CODES
