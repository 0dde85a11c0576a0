"""The harness side of the contract: request lines, result validation, output parsing."""

import json

import pytest

from teams_interop.cases import Case, Expectation
from teams_interop.contract import parse_result

CASE = Case(
    id="c1",
    method="Teams/ListTeams",
    requests=({"city_prefix": "S"},),
    expect=Expectation(),
    requires=frozenset(),
    metadata={"x-a": ["1"]},
    timeout_ms=50,
)


def test_request_line_carries_only_what_is_set() -> None:
    assert json.loads(json.dumps(CASE.request_line())) == {
        "id": "c1",
        "method": "Teams/ListTeams",
        "requests": [{"city_prefix": "S"}],
        "metadata": {"x-a": ["1"]},
        "timeout_ms": 50,
    }


def test_result_is_normalised(schema) -> None:
    observed = parse_result(
        CASE,
        {
            "id": "c1",
            "status": {"code": 0},
            "responses": [{"city": "Seattle", "nickname": "Orcas"}, {"city": "Boston"}],
            "initial_metadata": {"content-type": ["application/grpc"], "x-echo": ["a"]},
            "trailing_metadata": {"grpc-status": ["0"]},
        },
        schema,
    )
    assert observed.error is None
    assert observed.responses[1] == {"city": "Boston"}
    assert observed.initial_metadata == {"x-echo": ["a"]}
    assert observed.trailing_metadata == {}


@pytest.mark.parametrize(
    ("result", "complaint"),
    [
        ({"id": "c1"}, "malformed result"),
        ({"id": "c1", "status": {"code": 99}}, "malformed result at status/code"),
        ({"id": "c1", "status": {"code": 0}, "responses": [{"town": "x"}]}, "response 0 is not a valid"),
        ({"id": "c1", "error": "unknown method"}, "could not run the case: unknown method"),
    ],
)
def test_bad_results_are_errors(schema, result, complaint) -> None:
    assert complaint in parse_result(CASE, result, schema).error


def test_joined_ascii_metadata_values_equal_separate_ones(schema) -> None:
    """Node's HTTP/2 layer joins repeated header values with ", "; gRPC calls that equivalent."""
    joined = parse_result(
        CASE,
        {
            "id": "c1",
            "status": {"code": 0},
            "initial_metadata": {"x-a": ["first, second"], "x-b-bin": ["AA==,AQ=="]},
        },
        schema,
    )
    separate = parse_result(
        CASE,
        {
            "id": "c1",
            "status": {"code": 0},
            "initial_metadata": {"x-a": ["first", "second"], "x-b-bin": ["AA==,AQ=="]},
        },
        schema,
    )
    assert (
        joined.initial_metadata == separate.initial_metadata == {"x-a": ["first", "second"], "x-b-bin": ["AA==,AQ=="]}
    )
