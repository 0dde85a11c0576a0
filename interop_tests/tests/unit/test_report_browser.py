"""The HTML report as a person sees it: rendered by a real headless Chromium, read from the DOM.

The unit tests check the file's text; only a browser shows whether the counts and the failing diff
are actually *visible* (CSS can hide what the text contains), whether the page stays
self-contained (no request leaves ``file://``) and whether it works with JavaScript off.

It drives Debian's ``chromium`` (tests/helpers/browser.py): no chromium is a failure, not a skip.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from teams_interop.reports import write_all
from tests.helpers.browser import opened
from tests.helpers.matrix_sample import EXPECTED_COUNTS, sample_matrix

FAILING = '[data-language="go"][data-case="status_message_escapes"]'


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, list[str]]]:
    """The sample report open in Chromium (JavaScript off), and every non-file URL it asked for."""
    report = write_all(sample_matrix(), tmp_path_factory.mktemp("report"))["report.html"]
    with opened(report, tmp_path_factory.mktemp("chromium-profile")) as page_and_outside:
        yield page_and_outside


def test_the_page_asks_for_nothing_outside_the_file(rendered) -> None:
    page, outside = rendered
    assert page.title().startswith("gRPC interop matrix: FAILED")
    assert outside == []


def test_the_summary_shows_each_languages_counts(rendered) -> None:
    page, _ = rendered
    for language, counts in EXPECTED_COUNTS.items():
        row = page.locator(f"#summary-{language}")
        assert row.is_visible()
        for outcome, count in counts.items():
            cell = page.locator(f"#count-{language}-{outcome}")
            assert cell.is_visible() and cell.inner_text().strip() == str(count), (language, outcome)
        assert page.locator(f"#count-{language}-total").inner_text().strip() == str(sum(counts.values()))


def test_outcomes_differ_by_colour_and_by_text(rendered) -> None:
    page, _ = rendered
    colours: dict[str, set[str]] = {}
    words = {"pass": "pass", "fail": "FAIL", "stale": "STALE", "known-failing": "known-failing"}
    words["unsupported"] = "unsupported"
    for cell in page.locator("#matrix td.cell").all():
        outcome = cell.get_attribute("data-outcome")
        colour = cell.evaluate("element => getComputedStyle(element).backgroundColor")
        colours.setdefault(outcome, set()).add(colour)
        assert words[outcome] in cell.locator(".label").inner_text()
    assert set(colours) == set(words)
    assert all(len(seen) == 1 for seen in colours.values()), colours
    assert len({next(iter(seen)) for seen in colours.values()}) == len(words), colours


def test_a_failing_cell_shows_its_diff(rendered) -> None:
    page, _ = rendered
    cell = page.locator(f"#matrix td{FAILING}")
    cell.scroll_into_view_if_needed()
    diff = cell.locator("pre")
    assert cell.is_visible() and diff.is_visible()
    text = diff.inner_text()
    assert "status_message_escapes: result differs from the expectation" in text
    assert '-  "message": "naïve <b>bold</b> & \\"quoted\\" \'x\' — 芝加哥 🐻",' in text
    assert '+  "message": "naive <i>plain</i> & ascii",' in text
    assert diff.locator("b, i").count() == 0  # shown as text, never parsed as markup
    box = diff.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100


def test_the_failing_list_links_to_the_row(rendered) -> None:
    page, outside = rendered
    links = page.locator("#failing a")
    assert links.count() == 2
    links.first.click()
    assert page.url.endswith("#case-status_message_escapes") and outside == []
    assert page.locator("#case-status_message_escapes th.case").is_visible()
    assert page.locator("#case-status_message_escapes").evaluate(
        "row => { const box = row.getBoundingClientRect(); return box.top >= 0 && box.top < innerHeight; }"
    )


def test_a_known_failing_cell_folds_its_explanation_until_clicked(rendered) -> None:
    page, _ = rendered
    cell = page.locator('#matrix td[data-language="node"][data-case="status_message_escapes"]')
    assert "known-failing" in cell.inner_text()
    assert not cell.locator("pre").is_visible()
    cell.locator("summary").click()  # <details> opens without JavaScript
    assert cell.locator("pre").is_visible()
    assert "go and node differ from the expectation; python matches it" in cell.locator("pre").inner_text()


def test_screenshot(rendered, tmp_path_factory: pytest.TempPathFactory) -> None:
    page, _ = rendered
    path = tmp_path_factory.mktemp("screenshot") / "report.png"
    page.locator("h1").scroll_into_view_if_needed()  # sticky headers are drawn where the view is
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    print(f"screenshot: {path}")
