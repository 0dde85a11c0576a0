"""Each catalogue mistake is one line naming the file, the line and the case, and exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from teams_interop import paths
from teams_interop.cases import CatalogueError, load_catalogue

GOOD = """\
method: Teams/GetTeam
cases:
  known_city:
    requests: [{city: Chicago}]
    timeout_ms: 500
    expect:
      responses: [{city: Chicago, nickname: Jackals}]
  empty_city:
    requests: [{city: ""}]
    expect: {code: INVALID_ARGUMENT, message: city must not be empty}
"""

# fmt: off
MISTAKES = {
    "misspelt_cases": (GOOD.replace("cases:", "case:"), "topic.yaml:2: unknown key(s) ('case' was unexpected)"),
    "timeout_not_a_number": (GOOD.replace("timeout_ms: 500", "timeout_ms: fast"), "topic.yaml:5: case 'known_city': timeout_ms: 'fast' is not of type 'integer'"),  # noqa: E501
    "duplicate_case_name": (GOOD.replace("empty_city:", "known_city:"), "topic.yaml:8: duplicate key 'known_city' (first on line 3)"),  # noqa: E501
    "unknown_case_key": (GOOD.replace("timeout_ms: 500", "timeout: 500"), "topic.yaml:5: case 'known_city': unknown key(s) ('timeout' was unexpected)"),  # noqa: E501
    "unknown_method": (GOOD.replace("Teams/GetTeam", "Teams/GetTeem"), "topic.yaml:3: case 'known_city': unknown method: 'Teams/GetTeem' is not an RPC of the proto"),  # noqa: E501
    "unknown_status_code": (GOOD.replace("INVALID_ARGUMENT", "INVALID_ARGUMNT"), "topic.yaml:10: case 'empty_city': expect/code: 'INVALID_ARGUMNT' is not one of"),  # noqa: E501
    "unknown_feature": (GOOD.replace("    timeout_ms: 500", "    timeout_ms: 500\n    requires: [telepathy]"), "topic.yaml:6: case 'known_city': requires/0: 'telepathy' is not one of"),  # noqa: E501
    "yaml_syntax": (GOOD.replace("[{city: Chicago}]", "[{city: Chicago}"), "topic.yaml:5:5: YAML syntax error: expected ',' or ']'"),  # noqa: E501
    # A heavy case not kept apart from the deadline waits (the 1,000-message streams that made
    # the Node server's first stream responses late): 101 messages, or past 65,535 bytes.
    "long_stream_not_exclusive": (GOOD.replace("Teams/GetTeam", "Teams/GetTeams").replace("requests: [{city: Chicago}]", "requests: {$repeat_list: [{city: Chicago}, 100]}"), "topic.yaml:3: case 'known_city': heavy: 101 messages, "),  # noqa: E501
    "megabytes_not_exclusive": (GOOD.replace("[{city: Chicago}]", "[{city: {$repeat: [a, 65482]}}]"), "topic.yaml:3: case 'known_city': heavy: 2 messages, 65,536 bytes (past 100 messages or 65,535 bytes): mark it `exclusive: true`"),  # noqa: E501
}
# fmt: on


@pytest.fixture
def catalogue(tmp_path: Path):
    def write(text: str) -> Path:
        cases = tmp_path / "cases"
        (cases / "facts").mkdir(parents=True, exist_ok=True)
        (cases / "facts" / "roster.yaml").write_text((paths.layout().cases_dir / "facts" / "roster.yaml").read_text())
        (cases / "topic.yaml").write_text(text)
        return cases

    return write


def test_a_heavy_case_marked_exclusive_loads_and_one_just_under_needs_no_mark(catalogue, schema) -> None:
    """The limits, exactly: 100 messages and 65,535 bytes are not heavy."""
    marked = MISTAKES["long_stream_not_exclusive"][0].replace("timeout_ms: 500", "timeout_ms: 500\n    exclusive: true")
    assert [case.exclusive for case in load_catalogue(schema, catalogue(marked))] == [True, False]
    under = GOOD.replace("Teams/GetTeam", "Teams/GetTeams").replace(
        "requests: [{city: Chicago}]", "requests: {$repeat_list: [{city: Chicago}, 99]}"
    )
    assert len(load_catalogue(schema, catalogue(under))[0].requests) == 99
    bytes_under = GOOD.replace("[{city: Chicago}]", "[{city: {$repeat: [a, 65481]}}]")
    assert not load_catalogue(schema, catalogue(bytes_under))[0].exclusive


def test_the_good_file_loads(catalogue, schema) -> None:
    assert [case.id for case in load_catalogue(schema, catalogue(GOOD))] == [
        "topic_known_city",
        "topic_empty_city",
    ]


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_a_mistake_is_one_line_with_file_line_and_case(name, catalogue, schema) -> None:
    text, expected = MISTAKES[name]
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(schema, catalogue(text))
    message = str(raised.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_the_command_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for part in ("proto", "clients"):
        (repo / part).mkdir(parents=True)
    for proto in paths.layout().proto_dir.glob("*.proto"):
        (repo / "proto" / proto.name).write_text(proto.read_text())
    cases = repo / "interop_tests" / "cases"
    (cases / "facts").mkdir(parents=True)
    (cases / "facts" / "roster.yaml").write_text((paths.layout().cases_dir / "facts" / "roster.yaml").read_text())
    (cases / "topic.yaml").write_text(MISTAKES["timeout_not_a_number"][0])
    done = subprocess.run(
        [sys.executable, "-m", "teams_interop", "--repo", str(repo), "cases"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "interop: topic.yaml:5: case 'known_city': timeout_ms: 'fast' is not of type 'integer'"
    ]


def test_a_cases_pattern_that_matches_nothing_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "teams_interop", "run", "--cases", "no_such_case_*"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no case id matches 'no_such_case_*'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_kept_catalogue_never_hides_an_edit_or_a_mistake(catalogue, schema) -> None:
    """load_catalogue keeps a good load in .interop/cache: same inputs, same cases; any edit
    (here a nickname, then a mistake) is read afresh."""
    cases_dir = catalogue(GOOD)
    first = load_catalogue(schema, cases_dir)
    assert load_catalogue(schema, cases_dir) == first
    catalogue(GOOD.replace("nickname: Jackals", "nickname: Impostors"))
    assert load_catalogue(schema, cases_dir)[0].expect.responses == ({"city": "Chicago", "nickname": "Impostors"},)
    catalogue(GOOD.replace("timeout_ms: 500", "timeout_ms: fast"))
    with pytest.raises(CatalogueError, match="timeout_ms: 'fast' is not of type 'integer'"):
        load_catalogue(schema, cases_dir)
