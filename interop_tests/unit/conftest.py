"""Shared pieces for the harness's own tests: the real schema, and small synthetic clients."""

from pathlib import Path

import pytest

from harness.clients import ClientSpec, DockerSpec, NativeSpec
from harness.paths import PROTO_DIR
from harness.schema import ProtoSchema


@pytest.fixture(scope="session")
def schema() -> ProtoSchema:
    return ProtoSchema.compile(PROTO_DIR)


def make_client(language: str, features=None, known_failing=()) -> ClientSpec:
    from harness.clients import FEATURES

    return ClientSpec(
        language=language,
        summary="",
        directory=Path("/nonexistent"),
        features=frozenset(FEATURES if features is None else features),
        native=NativeSpec(requires=(), build=(), outputs=(), run=("true",)),
        docker=DockerSpec(dockerfile="Dockerfile", run=("true",)),
        known_failing=tuple(known_failing),
    )
