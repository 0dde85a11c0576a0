"""The native backend over trees: the repository by default, or a server and clients apart."""

from teams_interop import paths
from teams_interop.backends.native import NativeBackend
from teams_interop.clients import ClientSpec, NativeSpec
from teams_interop.progress import Progress
from tests.helpers import make_client

REPO = paths.layout().repo
WORK_DIR = paths.layout().work_dir


def test_by_default_everything_is_where_it_always_was() -> None:
    backend = NativeBackend(Progress(quiet=True))
    assert backend.server_root == backend.clients_root == REPO
    assert backend.work_dir == WORK_DIR / "native"
    assert backend.server_log == WORK_DIR / "logs" / "native-server.log"
    assert backend.server_dir == REPO / "python_server"  # its manifest's folder, where its command runs
    assert backend.server_command()[0] == [".venv/bin/teams-server", "--drain-seconds", "0"]


def test_clients_see_their_own_trees_proto_and_build_state_stays_in_their_tree(tmp_path) -> None:
    server_tree, clients_tree = tmp_path / "v-server", tmp_path / "v-clients"
    for tree in (server_tree, clients_tree):
        (tree / "proto").mkdir(parents=True)
    directory = clients_tree / "clients" / "echo"
    directory.mkdir(parents=True)
    base = make_client("echo")
    client = ClientSpec(
        **{
            **vars(base),
            "directory": directory,
            "native": NativeSpec(
                requires=(),
                build=(("sh", "-c", 'echo "$TEAMS_PROTO_DIR" > built-with'),),
                outputs=("built-with",),
                run=("sh", "-c", 'echo "$TEAMS_PROTO_DIR"'),
            ),
        }
    )
    backend = NativeBackend(Progress(quiet=True), server_root=server_tree, clients_root=clients_tree)
    assert backend.work_dir == server_tree / ".interop" / "native"
    backend._build_client(client)
    assert (directory / "built-with").read_text().strip() == str(clients_tree / "proto")
    assert (clients_tree / ".interop" / "stamps" / "native-echo.sha256").is_file()
    process = backend.spawn(client, 1)
    process.close_stdin()
    assert process.lines.get(timeout=30).strip() == str(clients_tree / "proto")
    assert process.wait(30) == 0
