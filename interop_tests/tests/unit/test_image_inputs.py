"""The docker backend's image fingerprint: every input counts, nothing ignored does."""

from pathlib import Path

from teams_interop.image_inputs import fingerprint

DOCKERFILE = """\
ARG BASE_IMAGE=debian:bookworm
FROM ${BASE_IMAGE} AS build
COPY proto/ /src/proto/
COPY app/*.py \\
     app/build.sh ./
RUN sh build.sh
FROM build
COPY --from=build /src /src
"""


def tree(root: Path) -> Path:
    files = {
        "app/Dockerfile": DOCKERFILE,
        "app/main.py": "print(1)\n",
        "app/build.sh": "true\n",
        "app/notes.txt": "not copied\n",
        "app/__pycache__/main.pyc": "x",
        "proto/teams.proto": 'syntax = "proto3";\n',
        "other/file.txt": "not an input\n",
        ".dockerignore": "**/__pycache__\nproto/*.tmp\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def images(reference: str) -> str | None:
    return {"debian:bookworm": "sha256:aaa", "other:1": "sha256:bbb"}.get(reference)


def test_unchanged_inputs_give_the_same_fingerprint_and_outside_files_do_not_count(tmp_path: Path) -> None:
    root = tree(tmp_path)
    first = fingerprint(root, "app/Dockerfile", {}, images)
    assert first is not None
    for name in ("other/file.txt", "app/notes.txt", "app/__pycache__/main.pyc", "proto/x.tmp"):
        (root / name).write_text("changed")
    assert fingerprint(root, "app/Dockerfile", {}, images) == first


def test_every_input_changes_the_fingerprint(tmp_path: Path) -> None:
    root = tree(tmp_path)
    first = fingerprint(root, "app/Dockerfile", {}, images)
    seen = {first}
    for name in ("app/main.py", "app/build.sh", "proto/teams.proto", "proto/new.proto", "app/Dockerfile"):
        (root / name).write_text((root / name).read_text() + "\n# changed\n" if (root / name).exists() else "new")
        seen.add(fingerprint(root, "app/Dockerfile", {}, images))
    seen.add(fingerprint(root, "app/Dockerfile", {"BASE_IMAGE": "other:1"}, images))  # another base image
    assert len(seen) == 7


def test_a_base_image_the_engine_lacks_or_an_unreadable_line_means_build(tmp_path: Path) -> None:
    root = tree(tmp_path)
    assert fingerprint(root, "app/Dockerfile", {"BASE_IMAGE": "missing:1"}, images) is None
    (root / "app/Dockerfile").write_text("FROM debian:bookworm\nADD https://example.com/x /x\n")
    assert fingerprint(root, "app/Dockerfile", {}, images) is None
