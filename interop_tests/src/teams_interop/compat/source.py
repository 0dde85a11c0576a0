"""Source compatibility: does each client's code still build against the new proto?

The skew run builds only what is generic over the descriptors (the contract executors and the
server), so a proto edit always gets its wire verdict. What names RPCs and fields in its source,
the tutorial demo (``[demo]`` in client.toml), is built here, on its own, from the new version's
tree: a failure is a *source* finding ("source-incompatible: clients/go demo no longer compiles:
..."), a warning by default and an error with ``--strict-source``, never a reason the gate cannot
run. An executor that fails to build against one version is a source finding too; its language
then sits out the skew run (the others still give the verdict).
"""

from dataclasses import dataclass

from teams_interop import builds
from teams_interop.clients import ClientSpec
from teams_interop.compat.trees import Tree
from teams_interop.progress import Progress

DEMO, EXECUTOR = "demo", "contract executor"


@dataclass(frozen=True)
class SourceFinding:
    language: str
    folder: str  # clients/go
    target: str  # DEMO or EXECUTOR
    version: str  # "old" or "new": the tree it failed in
    error: str  # the build's message (command, exit status, end of its log)

    @property
    def first_error(self) -> str:
        """The line most worth showing: the compiler's first complaint, else the failed command."""
        lines = [line.strip() for line in self.error.splitlines() if line.strip()]
        for line in lines[1:]:
            if line.startswith("$ "):  # the log's echo of a command
                continue
            lowered = line.lower()
            if "error" in lowered or "undefined" in lowered or "cannot" in lowered or "not found" in lowered:
                return line
        return lines[0] if lines else "the build failed"

    @property
    def headline(self) -> str:
        verb = "no longer compiles" if self.version == "new" else "does not compile"
        where = "" if self.version == "new" else " (against the old proto)"
        return f"source-incompatible: {self.folder} {self.target} {verb}{where}: {self.first_error}"


def check_demos(tree: Tree, clients: list[ClientSpec], progress: Progress) -> list[SourceFinding]:
    """Builds each client's demo in ``tree`` (after its executor, whose outputs it may use)."""
    found = []
    for client in clients:
        if client.demo is None or not client.demo.build:
            continue
        progress.step(client.language, "building the demo (source compatibility)")
        work_dir = tree.root / ".interop"
        env = {"TEAMS_PROTO_DIR": str(tree.proto), "PATH": builds.protoc_on_path(work_dir)}
        try:
            builds.ensure_built(
                f"demo-{client.language}",
                [tree.proto, client.directory],
                client.demo.build,
                client.directory,
                env,
                client.native.outputs,
                work_dir=work_dir,
            )
        except builds.BuildError as error:
            found.append(SourceFinding(client.language, _folder(client), DEMO, tree.label, str(error)))
    return found


def executor_finding(client: ClientSpec, version: str, error: Exception) -> SourceFinding:
    return SourceFinding(client.language, _folder(client), EXECUTOR, version, str(error))


def _folder(client: ClientSpec) -> str:
    return f"clients/{client.directory.name}"
