"""A rebuilt image does not leave the one it replaced behind: every edit or checkout rebuilds some
images, and a machine that builds each run (a CI runner) filled its disk with nameless ones.
An old image still in use (a container, another tag) must stay: nothing is forced.

Docker tier: a real engine and a real ``docker build`` of a one-line image.
"""

import io
import os
import uuid
from pathlib import Path

import pytest

from teams_interop import paths
from teams_interop.backends.docker import DockerBackend
from teams_interop.progress import Progress

BASE = os.environ.get("DEBIAN_IMAGE") or "debian:bookworm"


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch):
    """A tiny repository to build from, a backend pointed at it, and the tag it builds."""
    backend = DockerBackend(Progress(io.StringIO(), quiet=True))
    for folder in ("proto", "clients", "image"):
        (tmp_path / folder).mkdir()
    (tmp_path / "image" / "Dockerfile").write_text(f"FROM {BASE}\nCOPY image/datum.txt /datum.txt\n")
    monkeypatch.setattr(paths, "_chosen", paths.Layout(tmp_path))
    tag = f"teams-interop/test-rebuild-{uuid.uuid4().hex[:8]}:dev"
    yield backend, tmp_path / "image" / "datum.txt", tag
    if (image := backend._image_id(tag)) is not None:
        backend.docker.images.remove(image, force=True)


def _build(backend: DockerBackend, datum: Path, text: str, tag: str) -> str:
    datum.write_text(text)
    backend._build("rebuild-test", "image/Dockerfile", tag)
    return backend._image_id(tag)


def _exists(backend: DockerBackend, image: str) -> bool:
    return backend._image_id(image) is not None


def test_a_rebuild_removes_the_image_it_replaced(scratch) -> None:
    backend, datum, tag = scratch
    first = _build(backend, datum, "one\n", tag)
    second = _build(backend, datum, "two\n", tag)

    assert second != first
    assert not _exists(backend, first), "the replaced image is still on the engine, nameless"
    assert _exists(backend, second)


def test_a_replaced_image_a_container_uses_stays(scratch) -> None:
    backend, datum, tag = scratch
    first = _build(backend, datum, "one\n", tag)
    container = backend.docker.containers.create(first, command=["true"])
    try:
        second = _build(backend, datum, "two\n", tag)
        assert second != first
        assert _exists(backend, first), "an image a container uses was removed"
    finally:
        container.remove(force=True)
        backend.docker.images.remove(first, force=True)
