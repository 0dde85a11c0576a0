"""pytest wiring for the interop matrix: options, the one matrix run per session, and the table.

``test_interop[<language>@<server>-<case>]`` items are generated from the catalogue and the client
and server manifests (every client against every server, the cases applicable to it); the matrix
runs once per server (one client process per language) the first time an item needs it, and the
tables and the client x server grid are printed at the end of the session.
"""

from pathlib import Path

import pytest

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop import servers as server_manifests
from teams_interop.backends import make_backend
from teams_interop.cases import load_catalogue
from teams_interop.matrix import run_servers, supported
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
        found = server_manifests.discover()
        names = [x for x in config.getoption("servers").split(",") if x] or [s.name for s in found]
        self.servers = server_manifests.select(found, names)
        self.backend = config.getoption("backend")
        self.runs = None
        self.failure: str | None = None

    def run(self):
        """The judged run of each server, by server name.

        If the matrix cannot run (a build fails, no engine), the first call raises the whole error
        and every later one fails with one line pointing at it.
        """
        if self.failure is not None:
            pytest.fail(self.failure, pytrace=False)
        if self.runs is None:
            try:
                with Progress() as progress:
                    runs = run_servers(
                        lambda server: make_backend(self.backend, progress, server),
                        self.servers,
                        self.clients,
                        self.catalogue,
                        self.schema,
                        progress,
                    )
            except Exception as error:
                first = (str(error).splitlines() or [""])[0]
                self.failure = f"the matrix did not run (the first cell says why): {type(error).__name__}: {first}"
                raise
            self.runs = {run.server: run for run in runs}
        return self.runs

    def pairs(self):
        """(server, client, case) for every case a client supports and a server can serve."""
        return [
            (server, client, case)
            for server in self.servers
            for client in self.clients
            for case in supported(client, self.catalogue)
            if not server.missing(case.server_needs)
        ]


def plan_of(config: pytest.Config) -> Plan:
    if _MATRIX_KEY not in config.stash:
        config.stash[_MATRIX_KEY] = Plan(config)
    return config.stash[_MATRIX_KEY]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "interop_pair" in metafunc.fixturenames:
        plan = plan_of(metafunc.config)
        pairs = plan.pairs()
        ids = [f"{c.language}@{server.name}-{case.id}" for server, c, case in pairs]
        metafunc.parametrize("interop_pair", pairs, ids=ids)
    if "client" in metafunc.fixturenames:
        plan = plan_of(metafunc.config)
        metafunc.parametrize("client", plan.clients, ids=[c.language for c in plan.clients])


@pytest.fixture(scope="session")
def plan(request: pytest.FixtureRequest) -> Plan:
    return plan_of(request.config)


@pytest.fixture
def runs(plan: Plan):
    """Per cell, not per session, over the cached ``Plan.run``: a session fixture's error is
    printed again, traceback and build log, for each of the ~2,500 cells (a full disk made a
    250,000-line log)."""
    return plan.run()


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    plan = config.stash.get(_MATRIX_KEY, None)
    if plan is None or plan.runs is None:
        return
    runs = list(plan.runs.values())
    for run in runs:
        terminalreporter.section(f"interop matrix ({plan.backend}, against the {run.server} server)")
        terminalreporter.write_line(report.table(run))
        terminalreporter.write_line("")
        terminalreporter.write_line(report.summary(run))
    if len(runs) > 1:
        terminalreporter.write_line("")
        terminalreporter.write_line(report.server_grid(runs))
    if directory := config.getoption("report_dir"):
        try:
            written = write_all(runs, Path(directory))
        except OSError as error:  # a full disk: one line, not an INTERNALERROR trace over the table
            terminalreporter.write_line(f"reports: not written: {error}", red=True)
            return
        terminalreporter.write_line(f"reports: {', '.join(str(path) for path in written.values())}")
