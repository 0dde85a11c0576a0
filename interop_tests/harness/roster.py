"""The server's roster, read from the server's own source so expectations have one origin.

It is loaded by path rather than imported from an installed ``teams_server``, so the harness
needs no server installed (the server under test may live in a container or another checkout).
"""

import functools
import importlib.util

from harness.paths import SERVER_DIR


@functools.cache
def _module():
    path = SERVER_DIR / "teams_server" / "roster.py"
    spec = importlib.util.spec_from_file_location("_teams_roster", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def teams() -> dict[str, str]:
    """City -> nickname, in roster order."""
    return dict(_module().TEAMS)


def not_a_member() -> str:
    return _module().NOT_A_MEMBER
