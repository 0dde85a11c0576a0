"""The matrix as JUnit XML, the format every CI system and GitHub test-report action reads.

One ``<testsuite>`` per client and server, named ``language@server`` (``go@python``: the Go
client against the Python server), with one ``<testcase classname=language@server name=case id>``
per case, so a CI's test view groups by client and server and a case keeps the same id across
runs, whichever other servers ran beside it (flaky-test tracking, history). Failures (and stale
known-failing entries, which fail the run too) carry a one-line ``message`` for annotations and
the full explanation with its diff as the element's text. Unsupported, not applicable and
known-failing cases are ``<skipped>``: counted and visible, never red.
"""

import xml.etree.ElementTree as ET
from pathlib import Path

from teams_interop.compare import Outcome, Verdict
from teams_interop.matrix import MatrixRun
from teams_interop.reports.outcomes import as_runs, first_line, languages, printable


def junit_tree(runs: MatrixRun | list[MatrixRun]) -> ET.ElementTree:
    runs = as_runs(runs)
    root = ET.Element("testsuites", name=f"gRPC interop matrix ({runs[0].backend})")
    total = {"tests": 0, "failures": 0, "skipped": 0}
    seconds = 0.0
    suites = [_suite(matrix, language) for matrix in runs for language in languages(matrix)]
    for suite in suites:
        root.append(suite)
        for key in total:
            total[key] += int(suite.get(key, "0"))
        seconds += float(suite.get("time", "0"))
    root.set("tests", str(total["tests"]))
    root.set("failures", str(total["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(total["skipped"]))
    root.set("time", f"{seconds:.3f}")
    tree = ET.ElementTree(root)
    ET.indent(tree)
    return tree


def suite_name(language: str, server: str) -> str:
    return f"{language}@{server}"


def write_junit(runs: MatrixRun | list[MatrixRun], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_tree(runs).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _suite(matrix: MatrixRun, language: str) -> ET.Element:
    counts = matrix.counts(language)
    session = matrix.sessions.get(language)
    problems = matrix.process_problems.get(language, [])
    name = suite_name(language, matrix.server)
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(sum(counts.values()) + 1),
        failures=str(counts[Outcome.FAIL] + counts[Outcome.STALE] + (1 if problems else 0)),
        errors="0",
        skipped=str(counts[Outcome.UNSUPPORTED] + counts[Outcome.KNOWN_FAILING] + counts[Outcome.NOT_APPLICABLE]),
        time=f"{session.seconds if session else 0.0:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="backend", value=matrix.backend)
    ET.SubElement(properties, "property", name="client", value=language)
    ET.SubElement(properties, "property", name="server", value=matrix.server)
    for phase, seconds in matrix.phases.items():  # the run's, the same in every suite
        ET.SubElement(properties, "property", name=f"phase {phase} seconds", value=f"{seconds:.3f}")
    if session and session.first_result_seconds is not None:
        ET.SubElement(properties, "property", name="first_result_seconds", value=f"{session.first_result_seconds:.3f}")
    process = ET.SubElement(suite, "testcase", classname=name, name="client process", time="0")
    if problems:
        text = printable("\n".join(problems))
        failure = ET.SubElement(process, "failure", message=first_line(text), type="client process")
        failure.text = text
    for case in matrix.cases:
        verdict = matrix.verdicts.get((language, case.id))
        if verdict is not None:
            observed = matrix.results.get(language, {}).get(case.id)
            suite.append(_testcase(language, name, case.id, verdict, observed.seconds if observed else None))
    if session and session.stderr:
        ET.SubElement(suite, "system-err").text = printable(session.stderr)
    return suite


def _testcase(language: str, classname: str, case_id: str, verdict: Verdict, seconds: float | None) -> ET.Element:
    # each case's own time: from the harness sending it to the client answering it
    testcase = ET.Element("testcase", classname=classname, name=case_id, time=f"{seconds or 0.0:.3f}")
    explanation = printable(verdict.explanation)
    outcome = verdict.outcome
    if outcome.is_failure:
        kind = "stale known-failing entry" if outcome is Outcome.STALE else "interop mismatch"
        failure = ET.SubElement(testcase, "failure", message=first_line(explanation), type=kind)
        failure.text = explanation
    elif outcome is Outcome.UNSUPPORTED:
        ET.SubElement(testcase, "skipped", message=f"unsupported: {first_line(explanation)}")
    elif outcome is Outcome.NOT_APPLICABLE:
        ET.SubElement(testcase, "skipped", message=first_line(explanation))
    elif outcome is Outcome.KNOWN_FAILING:
        message = f"known failing (listed in clients/{language}/known_failing.txt)"
        skipped = ET.SubElement(testcase, "skipped", message=message)
        skipped.text = explanation
    return testcase
