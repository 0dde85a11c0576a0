"""Judges each (language, case) against the case's expectation; the other languages are context.

Results are compared as normalised views (status, parsed messages, application metadata), and a
failure explains itself: a diff against the expectation, and who else deviates.
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
REFUSED = "refused: any status but OK, no responses"


class Outcome(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    KNOWN_FAILING = "known-failing"  # failed, and the client lists it: reported, not fatal
    STALE = "stale"  # listed as known-failing but passed: the list must be updated
    UNSUPPORTED = "unsupported"  # needs a feature the client does not declare
    NOT_APPLICABLE = "not-applicable"  # needs what the server or target does not offer (test hooks...)

    @property
    def is_failure(self) -> bool:
        return self in (Outcome.FAIL, Outcome.STALE)

    @property
    def label(self) -> str:
        """The word every report uses for a cell: a reader who saw ``STALE`` in a CI log finds
        the same word in the HTML page and the step summary; failures shout."""
        return self.value.upper() if self.is_failure else self.value

    @property
    def heading(self) -> str:
        """The plural heading of a per-language count."""
        return {"pass": "passed", "fail": "failed", "not-applicable": "not applicable"}.get(self.value, self.value)


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
    if case.expect.refused:
        return _refusal(observed)
    return {
        "code": CODE_NAMES.get(observed.code, str(observed.code)),
        "message": observed.message if case.expect.compare_message else CLIENT_MADE,
        "responses": list(observed.responses),
        "initial_metadata": observed.initial_metadata,
        "trailing_metadata": observed.trailing_metadata,
    }


def _refusal(observed: Observed) -> dict[str, Any]:
    """A refused call's outcome class: the code and words are the stack's own, so not compared."""
    if observed.code != 0 and not observed.responses:
        return {"outcome": REFUSED}
    code = CODE_NAMES.get(observed.code, str(observed.code))
    return {"outcome": f"not refused: {code} with {len(observed.responses)} response(s)"}


def expected_view(case: Case, observed: Observed) -> dict[str, Any]:
    expect = case.expect
    if expect.refused:
        return {"outcome": REFUSED}
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
    """The verdict for ``client`` on ``case``: its own result against the expectation.

    Blame goes only where it is due: a language whose result meets the expectation passes,
    whatever the others saw. The others' results are context on a failing cell, naming who
    else deviates, and saying so when every language agrees against the expectation.
    """
    if not case.requires <= client.features:
        missing = ", ".join(sorted(case.requires - client.features))
        return Verdict(Outcome.UNSUPPORTED, (f"{client.language} does not declare: {missing}",))
    problems = deviations(case, results[client.language])
    listed = client.is_known_failing(case.id)
    if problems:
        if context := blame(case, client.language, results):
            problems.append(context)
        return Verdict(Outcome.KNOWN_FAILING if listed else Outcome.FAIL, tuple(problems))
    if listed:
        stale = f"{case.id} passes but {client.language}'s known_failing.txt lists it: remove the entry"
        return Verdict(Outcome.STALE, (stale,))
    return Verdict(Outcome.PASS)


def deviations(case: Case, observed: Observed) -> list[str]:
    """How one result misses the case: its content, then its latency budget."""
    problems = mismatch_with_expectation(case, observed)
    budget = case.expect.max_ms
    took = None if observed.seconds is None else observed.seconds * 1000
    if budget is not None and took is not None and not observed.error and took > budget:
        problems.append(f"{case.id}: took {took:.0f} ms, over the case's latency budget of {budget} ms")
    return problems


def blame(case: Case, language: str, results: dict[str, Observed]) -> str:
    """One line of context for a failing language: who else deviates, and who meets the case."""
    if len(results) < 2:
        return ""
    deviating = sorted(name for name, seen in results.items() if deviations(case, seen))
    meeting = sorted(name for name in results if name not in deviating)
    if not meeting:
        views = {_dump(view(case, seen)) for seen in results.values()}
        if len(views) == 1:
            return (
                "all languages agree with each other and differ from the expectation: the server or the case is wrong"
            )
        groups: dict[str, list[str]] = {}
        for name, seen in results.items():
            groups.setdefault(_dump(view(case, seen)), []).append(name)
        sides = " vs ".join("{" + ", ".join(sorted(names)) + "}" for names in groups.values())
        return f"every language differs from the expectation, in {len(groups)} ways: {sides}"
    if deviating == [language]:
        return f"{language} alone differs; {_names(meeting)} {_verb(meeting)} the expectation"
    others = [name for name in deviating if name != language]
    agreeing = [name for name in others if view(case, results[name]) == view(case, results[language])]
    same = f" ({_names(agreeing)} saw the same as {language})" if agreeing else ""
    return f"{_names(deviating)} differ from the expectation{same}; {_names(meeting)} {_verb(meeting)} it"


def _names(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _verb(names: list[str]) -> str:
    return "match" if len(names) > 1 else "matches"


def mismatch_with_expectation(case: Case, observed: Observed) -> list[str]:
    if observed.error:
        return [f"{case.id}: {observed.error}"]
    actual, wanted = view(case, observed), expected_view(case, observed)
    if actual == wanted:
        return []
    return [f"{case.id}: result differs from the expectation\n{diff(wanted, actual, 'expected', 'actual')}"]


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
