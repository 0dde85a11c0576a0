"""A report file open in Debian's Chromium, as a person sees it: Playwright's pip package drives
it (its driver only; ``playwright install`` downloads a browser build and is never used),
JavaScript off, every request outside ``file://`` refused and recorded. No Chromium is a
failure, not a skip: a report nobody checked in a browser is what these tests exist to prevent.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path(os.environ.get("INTEROP_CHROMIUM", "/usr/bin/chromium"))
# Quiet, offline, container-safe: no sandbox (root in CI), no GPU, no update or sync traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def opened(report: Path, profile: Path) -> Iterator[tuple[Page, list[str]]]:
    """``report`` open in a fresh Chromium profile; yields the page and every non-file URL asked for."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's with `apt-get install chromium` "
            "(or point INTEROP_CHROMIUM at one)",
            pytrace=False,
        )
    outside: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            java_script_enabled=False,
            viewport={"width": 1400, "height": 900},
        )
        try:

            def refuse(route) -> None:
                outside.append(route.request.url)
                route.abort()

            context.route(lambda url: not url.startswith("file:"), refuse)
            page = context.new_page()
            page.goto(report.as_uri())
            yield page, outside
        finally:
            context.close()
