"""The matrix under docker compose, run exactly as documented: ``docker compose up --build
--abort-on-container-exit`` from the repository root must print the table and exit 0.

Docker tier: it needs a Docker engine with the compose v2 plugin (in our registry-less sandbox,
``ci/docker/setup.sh`` and ``. ci/docker/local-images.env`` first). A missing one fails, never skips.
"""

import re
import shutil
import subprocess
import uuid

import pytest

from teams_interop import clients as client_manifests
from teams_interop import paths
from teams_interop.cases import load_catalogue
from teams_interop.matrix import supported
from teams_interop.schema import ProtoSchema

REPO = paths.layout().repo
WORK_DIR = paths.layout().work_dir

COMPOSE_FILE = REPO / "docker-compose.yml"
UP = ["docker", "compose", "up", "--build", "--abort-on-container-exit"]
# Also the project's images: its name is unique, so its tags would pile up (the build cache stays).
DOWN = ["docker", "compose", "down", "-v", "--rmi", "local", "-t", "2"]
SERVER_TARGET = "server:50051"
UP_TIMEOUT_SECONDS = 1800  # a cold build of every image takes minutes


def expected_summary_lines() -> list[str]:
    """The summary report.summary prints when every case passes (or is listed as known-failing)."""
    catalogue = load_catalogue(ProtoSchema.compile(paths.layout().proto_dir))
    lines = [f"backend: compose, against the python server, {len(catalogue)} cases"]
    for client in client_manifests.discover():
        own = supported(client, catalogue)
        known = sum(client.is_known_failing(case.id) for case in own)
        lines.append(
            f"{client.language:<8} {len(own) - known} passed, 0 failed, "
            f"{len(catalogue) - len(own)} unsupported, {known} known-failing"
        )
    return lines


def require_docker_compose() -> None:
    if shutil.which("docker") is None:
        pytest.fail("no `docker` CLI on PATH: install Docker (without one: `bash ci/docker/setup.sh`)")
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.fail(
            "`docker compose` (the compose v2 plugin) is missing: install it, or run "
            f"`bash ci/docker/compose.sh` ({version.stderr.strip()})"
        )
    info = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if info.returncode != 0:
        pytest.fail(f"no Docker engine answered: start one (`bash ci/docker/engine.sh start`): {info.stderr}")


def test_compose_up_runs_the_whole_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    require_docker_compose()
    expected = expected_summary_lines()
    project = f"teams-interop-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", project)
    # the classic builder, as the docker backend's SDK builds use: one layer cache for both tiers
    monkeypatch.setenv("DOCKER_BUILDKIT", "0")
    log_path = WORK_DIR / "logs" / f"{project}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log_path.open("w", encoding="utf-8") as log:
            up = subprocess.run(UP, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, timeout=UP_TIMEOUT_SECONDS)
    finally:
        subprocess.run(DOWN, cwd=REPO, capture_output=True)
    output = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", log_path.read_text(encoding="utf-8", errors="replace"))
    tail = "\n".join(output.splitlines()[-80:])
    assert up.returncode == 0, f"{' '.join(UP)} exited {up.returncode} (full log: {log_path}):\n{tail}"
    missing = [line for line in expected if line not in output]
    assert not missing, f"summary lines missing from the output (full log: {log_path}): {missing}\n{tail}"
