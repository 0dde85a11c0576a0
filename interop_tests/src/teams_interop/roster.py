"""The tutorial's teams as the catalogue knows them: ``cases/facts/roster.yaml``.

The oracle never asks the defendant: these facts are data on the harness side, written from the
tutorial, and the server keeps its own copy. ``for_each_team`` and ``$roster`` expand from here.
"""

import functools
from pathlib import Path

import yaml

from teams_interop import paths


def roster_file(cases_dir: Path | None = None) -> Path:
    return (cases_dir or paths.layout().cases_dir) / "facts" / "roster.yaml"


@functools.cache
def _load(path: Path) -> dict[str, str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {team["city"]: team["nickname"] for team in document["teams"]}


def teams(cases_dir: Path | None = None) -> dict[str, str]:
    """City -> nickname, in roster order."""
    return dict(_load(roster_file(cases_dir)))
