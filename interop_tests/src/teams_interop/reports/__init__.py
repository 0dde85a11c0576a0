"""Reports for people and CI systems, written from the judged ``MatrixRun`` of each server.

``write_all`` writes the three files a CI job publishes: ``junit.xml`` (test views, annotations),
``report.html`` (the artifact a person opens) and ``summary.md`` (``$GITHUB_STEP_SUMMARY``). The
terminal table is ``text``.
"""

from pathlib import Path

from teams_interop.matrix import MatrixRun
from teams_interop.reports.html import write_html
from teams_interop.reports.junit import write_junit
from teams_interop.reports.markdown import markdown
from teams_interop.reports.outcomes import as_runs

__all__ = ["markdown", "write_all", "write_html", "write_junit"]

JUNIT = "junit.xml"
HTML = "report.html"
SUMMARY = "summary.md"


def write_all(runs: MatrixRun | list[MatrixRun], directory: Path) -> dict[str, Path]:
    """Writes every report into ``directory`` (created if needed); returns them by file name."""
    runs = as_runs(runs)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    summary = directory / SUMMARY
    summary.write_text(markdown(runs), encoding="utf-8")
    return {
        JUNIT: write_junit(runs, directory / JUNIT),
        HTML: write_html(runs, directory / HTML),
        SUMMARY: summary,
    }
