"""pytest wiring for the interop matrix: options, the one matrix run per session, and the table.

``test_interop[<language>-<case>]`` items are generated from the catalogue and the client
manifests; the matrix itself runs once (one client process per language) the first time an item
needs it, and the language x case table is printed at the end of the session.
"""

from pathlib import Path

import pytest

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop.backends import make_backend
from teams_interop.cases import load_catalogue
from teams_interop.matrix import run_matrix, supported
from teams_interop.progress import Progress
from teams_interop.reports import text as report
from teams_interop.reports import write_all
from teams_interop.schema import ProtoSchema

_MATRIX_KEY = pytest.StashKey["Plan"]()


class Plan:
    """What this session will run: the schema, the catalogue and the chosen clients."""

    def __init__(self, config: pytest.Config) -> None:
        self.schema = ProtoSchema.compile(paths.layout().proto_dir)
        self.catalogue = load_catalogue(self.schema)
        languages = [x for x in config.getoption("languages").split(",") if x]
        self.clients = client_manifests.select(client_manifests.discover(), languages)
        self.backend = config.getoption("backend")
        self.matrix = None

    def run(self):
        if self.matrix is None:
            with Progress() as progress, make_backend(self.backend, progress) as backend:
                self.matrix = run_matrix(backend, self.clients, self.catalogue, self.schema, progress)
        return self.matrix


def plan_of(config: pytest.Config) -> Plan:
    if _MATRIX_KEY not in config.stash:
        config.stash[_MATRIX_KEY] = Plan(config)
    return config.stash[_MATRIX_KEY]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "interop_pair" in metafunc.fixturenames:
        plan = plan_of(metafunc.config)
        pairs = [(c, case) for c in plan.clients for case in supported(c, plan.catalogue)]
        metafunc.parametrize("interop_pair", pairs, ids=[f"{c.language}-{case.id}" for c, case in pairs])
    if "client" in metafunc.fixturenames:
        plan = plan_of(metafunc.config)
        metafunc.parametrize("client", plan.clients, ids=[c.language for c in plan.clients])


@pytest.fixture(scope="session")
def plan(request: pytest.FixtureRequest) -> Plan:
    return plan_of(request.config)


@pytest.fixture(scope="session")
def matrix(plan: Plan):
    return plan.run()


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    plan = config.stash.get(_MATRIX_KEY, None)
    if plan is None or plan.matrix is None:
        return
    terminalreporter.section(f"interop matrix ({plan.backend})")
    terminalreporter.write_line(report.table(plan.matrix))
    terminalreporter.write_line("")
    terminalreporter.write_line(report.summary(plan.matrix))
    if directory := config.getoption("report_dir"):
        written = write_all(plan.matrix, Path(directory))
        terminalreporter.write_line(f"reports: {', '.join(str(path) for path in written.values())}")
