"""The interop matrix: every language must see exactly what the case expects, from every server."""

import pytest

from teams_interop.compare import Outcome
from teams_interop.matrix import unmatched_patterns


def test_interop(runs, interop_pair) -> None:
    server, client, case = interop_pair
    verdict = runs[server.name].verdict(client.language, case.id)
    if verdict.outcome is Outcome.KNOWN_FAILING:
        pytest.xfail(f"listed in {client.language}/known_failing.txt:\n{verdict.explanation}")
    assert verdict.outcome is Outcome.PASS, verdict.explanation


def test_known_failing_list_is_current(plan, client) -> None:
    """Every known_failing.txt pattern must match a case, so the list cannot go stale silently."""
    assert unmatched_patterns(client, plan.catalogue) == []
