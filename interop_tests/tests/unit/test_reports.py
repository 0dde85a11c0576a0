"""The CI reports (JUnit, HTML, Markdown) written from a small judged matrix with every outcome.

The browser renders the HTML in interop_tests/test_report_browser.py; these check the files
themselves: they parse, count right, escape what must be escaped, and carry the diffs.
"""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from teams_interop.compare import Outcome, Verdict
from teams_interop.reports import markdown, write_all, write_html, write_junit
from teams_interop.reports.markdown import DIFF_BUDGET
from tests.helpers.matrix_sample import EXPECTED_COUNTS, sample_matrix


def test_write_all_writes_the_three_files(tmp_path: Path) -> None:
    written = write_all(sample_matrix(), tmp_path / "report")
    assert sorted(written) == ["junit.xml", "report.html", "summary.md"]
    assert all(path.is_file() and path.stat().st_size > 0 for path in written.values())


# --- JUnit


def _junit(tmp_path: Path, matrix=None) -> ET.Element:
    path = write_junit(matrix or sample_matrix(), tmp_path / "junit.xml")
    return ET.parse(path).getroot()


def test_junit_counts_per_language_and_in_total(tmp_path: Path) -> None:
    root = _junit(tmp_path)
    assert root.tag == "testsuites"
    # 15 judged cells plus one "client process" testcase per language
    assert [root.get(key) for key in ("tests", "failures", "errors", "skipped")] == ["21", "2", "0", "3"]
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == ["python@python", "go@python", "node@python"]  # client@server
    for language, counts in EXPECTED_COUNTS.items():
        suite = suites[f"{language}@python"]
        assert int(suite.get("tests")) == sum(counts.values()) + 1 == len(suite.findall("testcase"))
        failures = counts["fail"] + counts["stale"]
        assert int(suite.get("failures")) == failures == len(suite.findall("*/failure"))
        assert int(suite.get("skipped")) == counts["unsupported"] + counts["known-failing"]
        assert len(suite.findall("*/skipped")) == int(suite.get("skipped"))
    assert suites["go@python"].get("time") == "1.250"  # the language's session time
    assert _testcase(root, "go", "get_team_known_city").get("time") == "0.250"  # each case's own time
    assert suites["go@python"].find("system-err").text == "go: dialing 127.0.0.1:50051\n"  # stderr, pass or fail


def test_junit_a_failed_client_process_is_a_failing_testcase(tmp_path: Path) -> None:
    matrix = sample_matrix()
    matrix.process_problems["node"] = ["node: node process 1 exited 1 after its last result"]
    process = _testcase(_junit(tmp_path, matrix), "node", "client process").find("failure")
    assert process.get("message") == "node: node process 1 exited 1 after its last result"


def test_junit_testcases_are_client_at_server_and_case_id(tmp_path: Path) -> None:
    root = _junit(tmp_path)
    names = {(tc.get("classname"), tc.get("name")) for tc in root.iter("testcase")}
    assert ("go@python", "get_team_known_city") in names and ("node@python", "cancel_stream_after_one") in names


def _testcase(root: ET.Element, language: str, case_id: str) -> ET.Element:
    cases = root.iter("testcase")
    return next(tc for tc in cases if (tc.get("classname"), tc.get("name")) == (f"{language}@python", case_id))


def test_junit_failure_has_a_headline_and_the_diff(tmp_path: Path) -> None:
    failure = _testcase(_junit(tmp_path), "go", "status_message_escapes").find("failure")
    assert failure.get("message") == "status_message_escapes: result differs from the expectation"
    assert '-  "message": "naïve <b>bold</b> & \\"quoted\\" \'x\' — 芝加哥 🐻"' in failure.text
    assert '+  "message": "naive <i>plain</i> & ascii"' in failure.text  # unescaped by the parser
    assert "naïve <b>bold</b>" in failure.text and "芝加哥 🐻" in failure.text


def test_junit_stale_fails_unsupported_and_known_failing_skip(tmp_path: Path) -> None:
    root = _junit(tmp_path)
    stale = _testcase(root, "node", "health_check_serving").find("failure")
    assert "remove the entry" in stale.get("message")
    unsupported = _testcase(root, "node", "metadata_binary_echo").find("skipped")
    assert unsupported.get("message") == "unsupported: node does not declare: binary_metadata"
    known = _testcase(root, "node", "status_message_escapes").find("skipped")
    assert known.get("message").startswith("known failing")
    assert known.text.endswith("go and node differ from the expectation; python matches it")
    assert list(_testcase(root, "go", "get_team_known_city")) == []  # a pass is a bare testcase


def test_junit_stays_valid_xml_with_control_characters(tmp_path: Path) -> None:
    matrix = sample_matrix()
    matrix.verdicts[("go", "get_team_known_city")] = Verdict(Outcome.FAIL, ("nul\x00 esc\x1b[31m del\x7f",))
    failure = _testcase(_junit(tmp_path, matrix), "go", "get_team_known_city").find("failure")
    assert failure.text == "nul\\u0000 esc\\u001b[31m del\\u007f"


# --- HTML


class _Cells(HTMLParser):
    """Collects the matrix cells' data attributes and the tags used, from the raw page."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self.tags: set[str] = set()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if values.get("id"):
            assert values["id"] not in self.ids, f"duplicate id {values['id']}"
            self.ids.add(values["id"])
        if tag == "td" and "data-case" in values:
            self.cells[(values["data-language"], values["data-case"])] = values["data-outcome"]


def _html(tmp_path: Path, matrix=None) -> str:
    return write_html(matrix or sample_matrix(), tmp_path / "report.html").read_text(encoding="utf-8")


def test_html_cells_carry_their_outcome(tmp_path: Path) -> None:
    parser = _Cells()
    parser.feed(_html(tmp_path))
    matrix = sample_matrix()
    assert parser.cells == {key: verdict.outcome.value for key, verdict in matrix.verdicts.items()}
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags


def test_html_is_self_contained(tmp_path: Path) -> None:
    page = _html(tmp_path)
    assert not re.search(r"""src\s*=|url\(|@import""", page)
    links = re.findall(r'href="([^"]*)"', page)
    assert links == ["#case-status_message_escapes", "#case-health_check_serving"]  # in-page only


def test_html_counts_have_stable_ids(tmp_path: Path) -> None:
    page = _html(tmp_path)
    for language, counts in EXPECTED_COUNTS.items():
        for outcome, count in counts.items():
            assert re.search(rf'id="count-{language}-{outcome}"[^>]*>{count}</td>', page), (language, outcome)


def test_html_escapes_the_explanation(tmp_path: Path) -> None:
    page = _html(tmp_path)
    assert "<b>bold</b>" not in page and "<i>plain</i>" not in page
    assert "naïve &lt;b&gt;bold&lt;/b&gt; &amp; \\&quot;quoted\\&quot; &#x27;x&#x27; — 芝加哥 🐻" in page
    assert "a message &lt;with&gt; HTML" in page  # the case description too


def test_html_failing_cell_shows_the_diff_open(tmp_path: Path) -> None:
    page = _html(tmp_path)
    cell = re.search(r'<td [^>]*data-language="go" data-case="status_message_escapes".*?</td>', page, re.S)
    assert cell and '<details class="explanation" open>' in cell.group()
    assert '<span class="add">+  &quot;message&quot;: &quot;naive &lt;i&gt;plain' in cell.group()


def test_html_of_a_passing_run_says_passed(tmp_path: Path) -> None:
    matrix = sample_matrix()
    matrix.verdicts = {key: Verdict(Outcome.PASS) for key in matrix.verdicts}
    page = _html(tmp_path, matrix)
    assert 'class="verdict passed" data-failures="0">PASSED<' in page
    assert '<details class="explanation" open>' not in page  # only the folded stderr


# --- Markdown


def test_markdown_table_rows_and_cells() -> None:
    text = markdown(sample_matrix())
    assert text.startswith("## gRPC interop matrix: ❌ 2 failing\n")
    assert "| case | python | go | node |\n| --- | :-: | :-: | :-: |\n" in text
    assert "| `status_message_escapes` | ✅ pass · 250 ms | ❌ FAIL · 250 ms | 🟡 known-failing · 250 ms |" in text
    assert "| `health_check_serving` | ✅ pass · 250 ms | ✅ pass · 250 ms | ⚠️ STALE · 250 ms |" in text
    assert "| `cancel_stream_after_one` | ⚪ unsupported | ✅ pass · 250 ms | ✅ pass · 250 ms |" in text


def test_markdown_summary_line_per_language() -> None:
    lines = markdown(sample_matrix()).splitlines()
    assert "- **go**: ✅ 5 passed · ❌ 1 failed" in lines
    assert "- **node**: ✅ 3 passed · ⚠️ 1 stale · 🟡 1 known-failing · ⚪ 1 unsupported" in lines


def test_markdown_failures_fold_their_diffs() -> None:
    text = markdown(sample_matrix())
    block = text.split("<summary>❌ FAIL: go / <code>status_message_escapes</code></summary>", 1)[1]
    assert block.startswith("\n\n```diff\nstatus_message_escapes: result differs from the expectation\n")
    assert "<summary>⚠️ STALE: node / <code>health_check_serving</code></summary>" in text
    assert "known-failing: node" not in text  # known failures are not listed as failures


def test_markdown_fences_survive_backticks_and_long_diffs() -> None:
    matrix = sample_matrix()
    matrix.verdicts[("go", "get_team_known_city")] = Verdict(Outcome.FAIL, ("a ```` fence\n" + "x" * 10_000,))
    text = markdown(matrix)
    assert "`````diff\na ```` fence\n" in text
    assert "… (cut; the HTML report has all of it)\n`````" in text
    assert "x" * DIFF_BUDGET not in text


def test_markdown_of_a_passing_run_has_no_failures_section() -> None:
    matrix = sample_matrix()
    matrix.verdicts = {key: Verdict(Outcome.PASS) for key in matrix.verdicts}
    text = markdown(matrix)
    assert text.startswith("## gRPC interop matrix: ✅ passed") and "### Failures" not in text


def test_github_annotations_name_the_case_file_and_the_language() -> None:
    from teams_interop.reports.text import github_annotations

    matrix = sample_matrix()
    matrix.process_problems["node"] = ["node: node process 1 exited 1 after its last result"]
    lines = github_annotations(matrix).splitlines()
    assert any(
        line.startswith("::error ") and "title=go::status_message_escapes: go and node differ" in line for line in lines
    )
    assert "::error title=node client process::node: node process 1 exited 1 after its last result" in lines


def test_every_report_has_the_phases_and_each_clients_start(tmp_path: Path) -> None:
    from teams_interop.reports.text import processes

    matrix = sample_matrix()
    matrix.phases = {"client builds": 0.5, "server start": 0.25, "cases": 1.5}
    matrix.sessions["go"].first_result_seconds = 0.125
    wanted = [
        "phases: client builds 0.50s, server start 0.25s, cases 1.50s",
        "client start (to its first result): go 0.12s",
    ]
    assert processes(matrix).splitlines()[-2:] == wanted
    text = markdown(matrix)
    assert all(f"<sub>{line}</sub><br>" in text for line in wanted)
    page = _html(tmp_path, matrix)
    assert all(f'<p class="timings">{line}</p>' in page for line in wanted)
    suite = next(s for s in _junit(tmp_path, matrix).iter("testsuite") if s.get("name") == "go@python")
    found = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert found["phase cases seconds"] == "1.500" and found["first_result_seconds"] == "0.125"
