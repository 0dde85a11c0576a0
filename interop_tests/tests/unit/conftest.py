"""The real schema, compiled once for the unit tests."""

import pytest

from teams_interop import paths
from teams_interop.schema import ProtoSchema


@pytest.fixture(scope="session")
def schema() -> ProtoSchema:
    return ProtoSchema.compile(paths.layout().proto_dir)
