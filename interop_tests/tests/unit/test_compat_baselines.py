"""A version's baseline (its clients against its own server) is kept in its tree and reused only
when nothing it depends on changed; one with an error is never kept."""

import dataclasses
from pathlib import Path

import pytest

from teams_interop.cases import load_catalogue
from teams_interop.compare import Outcome, Verdict
from teams_interop.compat import skew
from teams_interop.compat.skew import SkewResult, Version
from teams_interop.compat.trees import Tree
from teams_interop.contract import Observed
from teams_interop.matrix import MatrixRun
from teams_interop.progress import Progress
from tests.helpers import make_client


class Runs(list):
    answer = Observed(code=0, responses=({"city": "Chicago"},))
    outcome = Outcome.PASS


@pytest.fixture
def runs(monkeypatch) -> Runs:
    """Replaces the real run: each one answers every case with ``runs.answer``."""
    made = Runs()

    def fake_run(clients, server, cases, progress, result):
        made.append(cases)
        answer = made.answer
        matrix = MatrixRun("native", cases, clients.clients)
        matrix.results = {c.language: {case.id: answer for case in cases} for c in clients.clients}
        matrix.verdicts = {(c.language, case.id): Verdict(made.outcome) for c in clients.clients for case in cases}
        return matrix

    monkeypatch.setattr(skew, "_run", fake_run)
    return made


def version(root: Path, schema) -> Version:
    cases = load_catalogue(schema)[:4]
    return Version(Tree("old", "old", root / "v-abc"), schema, cases, {}, [make_client("go")])


def baseline(old: Version, cases=None) -> dict:
    return skew._kept_baseline(old, cases or old.cases, Progress(quiet=True), SkewResult(versions={}))


def test_a_clean_baseline_is_kept_and_reused(tmp_path, schema, runs) -> None:
    old = version(tmp_path, schema)
    first = baseline(old)
    result = SkewResult(versions={})
    again = skew._kept_baseline(old, old.cases, Progress(quiet=True), result)
    assert again == first and len(runs) == 1
    assert result.runs == [skew.Run("old", "old", 4, 0.0, reused=True)]
    assert again["go"][old.cases[0].id].responses == ({"city": "Chicago"},)


def test_another_case_set_or_a_changed_case_runs_again(tmp_path, schema, runs) -> None:
    old = version(tmp_path, schema)
    baseline(old)
    baseline(old, old.cases[:2])
    changed = [dataclasses.replace(old.cases[0], timeout_ms=1234), *old.cases[1:]]
    baseline(old, changed)
    assert len(runs) == 3


def test_a_baseline_with_an_error_is_not_kept(tmp_path, schema, runs) -> None:
    old = version(tmp_path, schema)
    runs.answer = Observed(error="client could not run the case: boom")
    baseline(old)
    baseline(old)
    assert len(runs) == 2


def test_a_baseline_that_misses_an_expectation_is_not_kept(tmp_path, schema, runs) -> None:
    old = version(tmp_path, schema)
    runs.outcome = Outcome.FAIL  # e.g. a response late for its deadline on a loaded machine
    baseline(old)
    runs.outcome = Outcome.KNOWN_FAILING
    baseline(old)
    baseline(old)
    assert len(runs) == 2


def test_reuse_can_be_turned_off(tmp_path, schema, runs, monkeypatch) -> None:
    monkeypatch.setattr(skew, "REUSE_BASELINES", False)
    old = version(tmp_path, schema)
    baseline(old)
    baseline(old)
    assert len(runs) == 2
