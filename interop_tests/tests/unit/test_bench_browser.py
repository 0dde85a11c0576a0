"""The bench page as a person sees it, in Debian's Chromium driven by Playwright (JavaScript off,
every request outside file:// refused), like test_report_browser.py: the chart is drawn, its
bars are as long as their ratios, the reference line sits at 1.0, and errors are visible."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from teams_interop.bench.report import write_bench_reports
from tests.helpers.bench_sample import HOSTILE, sample_bench
from tests.helpers.browser import opened


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, list[str]]]:
    report = write_bench_reports(sample_bench(), tmp_path_factory.mktemp("bench"))["bench.html"]
    with opened(report, tmp_path_factory.mktemp("chromium-profile")) as page_and_outside:
        yield page_and_outside


def test_the_page_is_self_contained(page) -> None:
    opened, outside = page
    assert opened.title() == "Performance matrix: FAILED: 1 measurement(s) with errors or failed"
    assert outside == []


def test_bars_are_drawn_to_scale_with_the_reference_at_one(page) -> None:
    opened, _ = page
    chart = opened.locator("#chart-python svg")
    assert chart.is_visible()
    half = opened.locator("#bar-python-python-unary rect").bounding_box()
    whole = opened.locator("#bar-python-node-bidi_streaming rect").bounding_box()
    line = opened.locator("#reference-line").bounding_box()
    assert half and whole and line and half["width"] > 50
    assert whole["width"] == pytest.approx(2 * half["width"], rel=0.02)
    assert whole["x"] + whole["width"] == pytest.approx(line["x"] + line["width"] / 2, abs=2)  # 1.0 ends at the line
    assert "0.50×" in opened.locator("#bar-python-python-unary").inner_html()


def test_errors_and_unsupported_are_visible_words(page) -> None:
    opened, _ = page
    errors = opened.locator("#bar-python-node-unary text")
    assert errors.is_visible() and errors.text_content().startswith("errors: 6,000 of 6,000 calls failed")
    assert errors.evaluate("element => getComputedStyle(element).fill") == "rgb(164, 14, 38)"
    assert opened.locator("#bar-python-ruby-unary text").text_content() == "unsupported"
    problem = opened.locator("#problem-node-python-unary")
    assert problem.is_visible() and HOSTILE in problem.inner_text()  # as text, not markup
    assert problem.locator("b").count() == 0
    assert opened.locator("#verdict").inner_text().startswith("FAILED")


def test_screenshot(page, tmp_path_factory: pytest.TempPathFactory) -> None:
    opened, _ = page
    path = tmp_path_factory.mktemp("screenshot") / "bench.png"
    opened.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    print(f"screenshot: {path}")
