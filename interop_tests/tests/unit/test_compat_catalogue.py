"""The lenient catalogue: today's cases against another proto version, for `interop compat`."""

import pytest

from teams_interop.cases import CatalogueError, load_catalogue, load_topic
from teams_interop.schema import ProtoSchema

TOPIC = """
method: Teams/GetTeam
cases:
  known_city:
    requests: [{city: Chicago}]
    expect: {responses: [{city: Chicago, nickname: Jackals}]}
  prefixed:
    method: Teams/ListTeams
    requests: [{cityPrefix: Chi}]
  bidi:
    method: Teams/GetTeams
    requests: [{city: Boston}]
"""


@pytest.fixture
def renamed(tmp_path) -> ProtoSchema:
    """A version without GetTeams, with city_prefix renamed and nickname turned into an int32."""
    from teams_interop import paths

    text = (paths.layout().proto_dir / "teams.proto").read_text(encoding="utf-8")
    text = text.replace("string city_prefix = 1;", "string prefix = 1;")
    text = text.replace("string nickname = 2;", "int32 nickname = 2;")
    text = text.replace("rpc GetTeams (stream TeamRequest) returns (stream TeamResponse) {}", "")
    (tmp_path / "proto").mkdir()
    (tmp_path / "proto" / "teams.proto").write_text(text, encoding="utf-8")
    return ProtoSchema.compile(tmp_path / "proto")


def topic(tmp_path):
    path = tmp_path / "topic.yaml"
    path.write_text(TOPIC, encoding="utf-8")
    return path


def test_strict_loading_still_fails_on_what_the_proto_lacks(tmp_path, renamed) -> None:
    with pytest.raises(CatalogueError):
        load_topic(topic(tmp_path), renamed)


def test_lenient_loading_skips_what_the_proto_cannot_express_and_says_why(tmp_path, renamed) -> None:
    cases = {case.id: case for case in load_topic(topic(tmp_path), renamed, lenient=True)}
    assert cases["topic_bidi"].skipped == "the proto has no RPC Teams/GetTeams"
    assert "request 0 does not fit this proto" in cases["topic_prefixed"].skipped
    assert "cityPrefix" in cases["topic_prefixed"].skipped
    # The request fits; the expectation (a string nickname) does not, so it is kept as written:
    # skew runs compare observations with each other, never with the expectation.
    known = cases["topic_known_city"]
    assert known.skipped is None
    assert known.requests == ({"city": "Chicago"},)
    assert known.expect.responses == ({"city": "Chicago", "nickname": "Jackals"},)
    assert "unary" in known.requires


def test_lenient_loading_of_the_real_catalogue_against_its_own_proto_skips_nothing(schema) -> None:
    assert [case.id for case in load_catalogue(schema, lenient=True) if case.skipped] == []
    assert load_catalogue(schema, lenient=True) == load_catalogue(schema)
