"""Verdicts: each language against the expectation, blame only where due, known failures, features."""

from teams_interop.cases import Case, Expectation
from teams_interop.compare import Outcome, judge
from teams_interop.contract import Observed
from tests.helpers import make_client

CHICAGO = {"city": "Chicago", "nickname": "Jackals"}
CASE = Case(
    id="get_team_known_city",
    method="Teams/GetTeam",
    requests=({"city": "Chicago"},),
    expect=Expectation(responses=(CHICAGO,)),
    requires=frozenset({"unary"}),
)
GOOD = Observed(code=0, message="", responses=(CHICAGO,))
WRONG = Observed(code=0, message="", responses=({"city": "Chicago", "nickname": "Bears"},))


def test_all_agree_and_match() -> None:
    results = {"python": GOOD, "go": GOOD}
    assert judge(CASE, make_client("go"), results).outcome is Outcome.PASS


def test_a_lying_language_fails_alone_and_the_honest_ones_pass() -> None:
    results = {"python": GOOD, "go": WRONG, "node": GOOD}
    verdict = judge(CASE, make_client("go"), results)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.problems[-1] == "go alone differs; node and python match the expectation"
    assert '-      "nickname": "Jackals"' in verdict.explanation
    assert '+      "nickname": "Bears"' in verdict.explanation
    assert judge(CASE, make_client("python"), results).outcome is Outcome.PASS
    assert judge(CASE, make_client("node"), results).outcome is Outcome.PASS


def test_two_deviating_languages_are_named_together() -> None:
    results = {"python": GOOD, "go": WRONG, "node": WRONG}
    verdict = judge(CASE, make_client("node"), results)
    assert (
        verdict.problems[-1] == "go and node differ from the expectation (go saw the same as node); python matches it"
    )


def test_agreeing_on_the_wrong_answer_blames_the_server_or_the_case() -> None:
    verdict = judge(CASE, make_client("go"), {"python": WRONG, "go": WRONG, "node": WRONG})
    assert verdict.outcome is Outcome.FAIL
    assert "differs from the expectation" in verdict.explanation
    assert verdict.problems[-1] == (
        "all languages agree with each other and differ from the expectation: the server or the case is wrong"
    )


def test_a_latency_budget_fails_only_the_slow_language() -> None:
    import dataclasses

    budgeted = dataclasses.replace(CASE, expect=dataclasses.replace(CASE.expect, max_ms=2000))
    slow = dataclasses.replace(GOOD, seconds=3.2)
    results = {"python": dataclasses.replace(GOOD, seconds=0.1), "go": slow}
    verdict = judge(budgeted, make_client("go"), results)
    assert verdict.outcome is Outcome.FAIL
    assert "took 3200 ms, over the case's latency budget of 2000 ms" in verdict.explanation
    assert judge(budgeted, make_client("python"), results).outcome is Outcome.PASS


def test_client_made_messages_are_not_compared() -> None:
    case = Case(
        id="d",
        method="Teams/GetTeam",
        requests=({},),
        requires=frozenset({"unary"}),
        expect=Expectation(code=4, message=None, compare_message=False),
    )
    results = {
        "python": Observed(code=4, message="Deadline Exceeded"),
        "go": Observed(code=4, message="context deadline exceeded"),
    }
    assert judge(case, make_client("go"), results).outcome is Outcome.PASS


def test_a_case_without_a_message_accepts_any_message() -> None:
    case = Case(
        id="s",
        method="Teams/GetTeam",
        requests=({},),
        requires=frozenset({"unary"}),
        expect=Expectation(code=12, message=None),
    )
    results = {"python": Observed(code=12, message="Method not found!"), "go": Observed(code=12, message="x")}
    assert judge(case, make_client("go"), results).outcome is Outcome.PASS
    assert judge(case, make_client("go"), {"go": Observed(code=13, message="x")}).outcome is Outcome.FAIL


def test_known_failing_and_stale_entries() -> None:
    listed = make_client("go", known_failing=["get_team_*"])
    assert judge(CASE, listed, {"python": GOOD, "go": WRONG}).outcome is Outcome.KNOWN_FAILING
    stale = judge(CASE, listed, {"python": GOOD, "go": GOOD})
    assert stale.outcome is Outcome.STALE and stale.outcome.is_failure


def test_unsupported_feature_is_reported_not_dropped() -> None:
    verdict = judge(CASE, make_client("go", features={"server_streaming"}), {"python": GOOD})
    assert verdict.outcome is Outcome.UNSUPPORTED
    assert "unary" in verdict.explanation


def test_a_client_error_is_a_failure_with_its_text() -> None:
    broken = Observed(error="client could not run the case: unknown method")
    verdict = judge(CASE, make_client("go"), {"python": GOOD, "go": broken})
    assert verdict.outcome is Outcome.FAIL and "unknown method" in verdict.explanation


def test_a_server_message_must_match_the_expectation_even_when_all_agree() -> None:
    case = Case(
        id="e",
        method="Teams/GetTeam",
        requests=({},),
        requires=frozenset({"unary"}),
        expect=Expectation(code=3, message="city must not be empty"),
    )
    wrong = Observed(code=3, message="bad city")
    verdict = judge(case, make_client("go"), {"python": wrong, "go": wrong})
    assert verdict.outcome is Outcome.FAIL
    assert '"message": "bad city"' in verdict.explanation
