"""Options every tier shares, and one clear line when the container tier cannot run."""

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("interop")
    group.addoption(
        "--backend",
        choices=["native", "docker"],
        default="native",
        help="where the server and clients run (default: native)",
    )
    group.addoption("--languages", default="", help="comma-separated client languages (default: all)")
    group.addoption(
        "--servers", default="", help="comma-separated servers for the matrix (default: every server manifest)"
    )
    group.addoption("--report-dir", default="", help="write junit.xml, report.html and summary.md here")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("backend") == "docker" and (reason := os.environ.get("INTEROP_NO_DOCKER")):
        pytest.exit(f"container tier: {reason}", returncode=2)
