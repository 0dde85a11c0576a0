"""Generates the gRPC stubs from the one proto while the package is built.

The stubs become the top-level modules ``teams_pb2`` and ``teams_pb2_grpc``, exactly as the
tutorial's users have them, so the descriptor keeps its canonical file name ``teams.proto``.
The proto is looked up in ``$TEAMS_PROTO_DIR``, else ``../proto`` next to this folder (a checkout),
else ``./proto`` (a container build that copied it in).
"""

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def proto_dir() -> Path:
    candidates = [os.environ.get("TEAMS_PROTO_DIR"), HERE.parent / "proto", HERE / "proto"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "teams.proto").is_file():
            return Path(candidate).resolve()
    raise SystemExit("teams.proto not found: set TEAMS_PROTO_DIR to the folder that holds it")


class BuildPyWithStubs(build_py):
    """build_py that also writes teams_pb2*.py into the build tree."""

    def run(self) -> None:
        super().run()
        from grpc_tools import protoc  # a build requirement, see pyproject.toml

        source = proto_dir()
        out = Path(self.build_lib)
        out.mkdir(parents=True, exist_ok=True)
        args = [
            "grpc_tools.protoc",
            f"-I{source}",
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            str(source / "teams.proto"),
        ]
        if protoc.main(args) != 0:
            raise SystemExit(f"protoc failed on {source / 'teams.proto'}")


setup(cmdclass={"build_py": BuildPyWithStubs})
