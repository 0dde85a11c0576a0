"""A small judged matrix with every outcome, for the report tests (unit and browser).

Verdicts come from the real ``compare.judge``, so the explanations and diffs are the ones users
see. Three languages, six cases; the counts differ per language so a test can tell the rows apart:

===========================  ======  ======  ==============
case                         python  go      node
===========================  ======  ======  ==============
get_team_known_city          pass    pass    pass
get_team_unknown_city        pass    pass    pass
metadata_binary_echo         pass    pass    unsupported
status_message_escapes       pass    FAIL    known-failing
health_check_serving         pass    pass    STALE
cancel_stream_after_one      unsup.  pass    pass
===========================  ======  ======  ==============

(go and node differ on ``status_message_escapes``: go fails, node lists it as known-failing, and
python, which matches the expectation, passes.)
"""

from pathlib import Path

from teams_interop.cases import Case, Expectation
from teams_interop.clients import FEATURES, ClientSpec, DockerSpec, NativeSpec
from teams_interop.compare import judge
from teams_interop.contract import Observed
from teams_interop.matrix import MatrixRun
from teams_interop.sessions import Answer, Session

# HTML specials, quotes, non-ASCII and an emoji: what an escaping bug would mangle
TRICKY = "naïve <b>bold</b> & \"quoted\" 'x' — 芝加哥 🐻"
CHICAGO = {"city": "Chicago", "nickname": "Jackals"}


def client(language: str, without: set[str] = frozenset(), known_failing: tuple[str, ...] = ()) -> ClientSpec:
    return ClientSpec(
        language=language,
        summary="",
        directory=Path("/nonexistent"),
        features=FEATURES - without,
        native=NativeSpec(requires=(), build=(), outputs=(), run=("true",)),
        docker=DockerSpec(dockerfile="Dockerfile", run=("true",)),
        known_failing=known_failing,
    )


def _case(case_id: str, expect: Expectation, requires: set[str], description: str = "") -> Case:
    return Case(
        id=case_id,
        method="Teams/GetTeam",
        requests=({"city": "Chicago"},),
        expect=expect,
        requires=frozenset(requires),
        description=description,
    )


CASES = [
    _case("get_team_known_city", Expectation(responses=(CHICAGO,)), {"unary"}, "the tutorial's call"),
    _case("get_team_unknown_city", Expectation(code=5, message="not a member"), {"unary"}),
    _case("metadata_binary_echo", Expectation(responses=(CHICAGO,)), {"unary", "binary_metadata"}),
    _case("status_message_escapes", Expectation(code=9, message=TRICKY), {"unary"}, "a message <with> HTML"),
    _case("health_check_serving", Expectation(responses=(CHICAGO,)), {"unary"}),
    _case("cancel_stream_after_one", Expectation(responses=(CHICAGO,)), {"unary", "cancellation"}),
]

CLIENTS = [
    client("python", without={"cancellation"}),
    client("go"),
    client("node", without={"binary_metadata"}, known_failing=("status_*", "health_*")),
]


def _observed(case: Case, language: str) -> Observed:
    if case.id == "status_message_escapes" and language == "go":
        return Observed(code=9, message="naive <i>plain</i> & ascii", seconds=0.25)  # the odd one out
    if case.id == "status_message_escapes" and language == "node":
        return Observed(code=9, message="tab\\t escaped twice", seconds=0.25)  # a listed known failure
    return Observed(
        code=case.expect.code,
        message=case.expect.message or "",
        responses=case.expect.responses,
        seconds=0.25,
    )


def sample_matrix(backend: str = "docker") -> MatrixRun:
    """The judged sample: results as above, verdicts from ``compare.judge``."""
    matrix = MatrixRun(backend=backend, cases=list(CASES), clients=list(CLIENTS))
    for spec in CLIENTS:
        own = [case for case in CASES if case.requires <= spec.features]
        matrix.results[spec.language] = {case.id: _observed(case, spec.language) for case in own}
    matrix.sessions["go"] = Session("go", seconds=1.25, stderr="go: dialing 127.0.0.1:50051\n")
    matrix.sessions["go"].answers = {case.id: Answer(seconds=0.25) for case in CASES}
    for case in CASES:
        seen = matrix.results.items()
        by_language = {language: observed[case.id] for language, observed in seen if case.id in observed}
        for spec in CLIENTS:
            matrix.verdicts[(spec.language, case.id)] = judge(case, spec, by_language)
    return matrix


# What the table above promises, per language: the tests check the reports against this.
EXPECTED_COUNTS = {
    "python": {"pass": 5, "fail": 0, "stale": 0, "known-failing": 0, "unsupported": 1},
    "go": {"pass": 5, "fail": 1, "stale": 0, "known-failing": 0, "unsupported": 0},
    "node": {"pass": 3, "fail": 0, "stale": 1, "known-failing": 1, "unsupported": 1},
}
