"""Judges each (language, case): against the case's expectation and against the other languages.

Results are compared as normalised views (status, parsed messages, application metadata), and a
failure explains itself: which languages disagree and a diff of what differs.
"""

import difflib
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from teams_interop.cases import CODE_NAMES, Case
from teams_interop.clients import ClientSpec
from teams_interop.contract import Observed

LONG_TEXT = 120
CLIENT_MADE = "(made by the client library)"


class Outcome(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    KNOWN_FAILING = "known-failing"  # failed, and the client lists it: reported, not fatal
    STALE = "stale"  # listed as known-failing but passed: the list must be updated
    UNSUPPORTED = "unsupported"  # needs a feature the client does not declare

    @property
    def is_failure(self) -> bool:
        return self in (Outcome.FAIL, Outcome.STALE)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    problems: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        return "\n\n".join(self.problems)


def view(case: Case, observed: Observed) -> dict[str, Any]:
    """What must be equal: the client library's own wording of a status it made is left out."""
    if observed.error:
        return {"error": observed.error}
    return {
        "code": CODE_NAMES.get(observed.code, str(observed.code)),
        "message": observed.message if case.expect.compare_message else CLIENT_MADE,
        "responses": list(observed.responses),
        "initial_metadata": observed.initial_metadata,
        "trailing_metadata": observed.trailing_metadata,
    }


def expected_view(case: Case, observed: Observed) -> dict[str, Any]:
    expect = case.expect
    if not expect.compare_message:
        message = CLIENT_MADE
    elif expect.message is None:
        message = observed.message  # any message: not part of the expectation
    else:
        message = expect.message
    return {
        "code": CODE_NAMES[expect.code],
        "message": message,
        "responses": list(expect.responses),
        "initial_metadata": expect.initial_metadata,
        "trailing_metadata": expect.trailing_metadata,
    }


def judge(case: Case, client: ClientSpec, results: dict[str, Observed]) -> Verdict:
    """The verdict for ``client`` on ``case``, given every language's result for the case."""
    if not case.requires <= client.features:
        missing = ", ".join(sorted(case.requires - client.features))
        return Verdict(Outcome.UNSUPPORTED, (f"{client.language} does not declare: {missing}",))
    problems = mismatch_with_expectation(case, results[client.language])
    problems += disagreement(case, client.language, results)
    listed = client.is_known_failing(case.id)
    if problems:
        return Verdict(Outcome.KNOWN_FAILING if listed else Outcome.FAIL, tuple(problems))
    if listed:
        stale = f"{case.id} passes but {client.language}'s known_failing.txt lists it: remove the entry"
        return Verdict(Outcome.STALE, (stale,))
    return Verdict(Outcome.PASS)


def mismatch_with_expectation(case: Case, observed: Observed) -> list[str]:
    if observed.error:
        return [f"{case.id}: {observed.error}"]
    actual, wanted = view(case, observed), expected_view(case, observed)
    if actual == wanted:
        return []
    return [f"{case.id}: result differs from the expectation\n{diff(wanted, actual, 'expected', 'actual')}"]


def disagreement(case: Case, language: str, results: dict[str, Observed]) -> list[str]:
    """Groups the languages by what they saw; reports this language's differences from the rest."""
    groups: dict[str, list[str]] = {}
    views = {name: view(case, observed) for name, observed in results.items()}
    for name, seen in views.items():
        groups.setdefault(_dump(seen), []).append(name)
    if len(groups) <= 1:
        return []
    sides = " vs ".join("{" + ", ".join(sorted(names)) + "}" for names in groups.values())
    problems = [f"{case.id}: languages disagree: {sides}"]
    for other in sorted(views):
        if other != language and views[other] != views[language]:
            problems.append(diff(views[other], views[language], other, language))
    return ["\n".join(problems)]


def diff(left: dict, right: dict, left_name: str, right_name: str) -> str:
    lines = difflib.unified_diff(
        _dump(_abbreviate(left)).splitlines(),
        _dump(_abbreviate(right)).splitlines(),
        fromfile=left_name,
        tofile=right_name,
        lineterm="",
    )
    return "\n".join(lines)


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _abbreviate(value: Any, key: str = "") -> Any:
    """Long strings (a 3 MB city) become a readable stand-in that still differs when they do."""
    if isinstance(value, str) and len(value) > LONG_TEXT and key != "error":
        digest = hashlib.sha256(value.encode()).hexdigest()[:12]
        return f"{value[:40]}... ({len(value)} chars, sha256 {digest})"
    if isinstance(value, list):
        return [_abbreviate(item) for item in value]
    if isinstance(value, dict):
        return {name: _abbreviate(item, name) for name, item in value.items()}
    return value
