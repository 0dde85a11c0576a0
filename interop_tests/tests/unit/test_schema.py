"""The compiled schema: kept between runs by the proto's bytes, and quick on big ASCII strings
without letting a string protobuf refuses through."""

import shutil

import pytest
from google.protobuf import json_format

from teams_interop import paths
from teams_interop import schema as compiled
from teams_interop.schema import ProtoSchema


def test_an_unpaired_surrogate_is_still_refused(schema) -> None:
    with pytest.raises(json_format.ParseError, match="Unpaired surrogate"):
        schema.response("Teams/GetTeam", {"city": "Chicago \ud800", "nickname": "Jackals"})
    paired = schema.response("Teams/GetTeam", {"city": "Z\u00fcrich \U0001f3c8"})
    assert paired.city == "Z\u00fcrich \U0001f3c8"


def test_an_ascii_string_skips_protobufs_scan_and_any_other_value_does_not(schema) -> None:
    # In place (a protobuf that renamed its pattern would leave the harness slow, silently) ...
    assert isinstance(json_format._UNPAIRED_SURROGATE_PATTERN, compiled._AsciiSkipsSurrogateScan)
    city = "a" * 5_000_000
    assert schema.response("Teams/GetTeam", {"city": city}).city == city

    seen = []  # ... and protobuf's own pattern sees every value that is not an ASCII string

    class Spy:
        def search(self, value):
            seen.append(value)

    scan = compiled._AsciiSkipsSurrogateScan(Spy())
    for value in (city, "Chicago", "", "Z\u00fcrich", "\ud800", b"bytes"):
        scan.search(value)
    assert seen == ["Z\u00fcrich", "\ud800", b"bytes"]


def copy_proto(tmp_path, extra: str = ""):
    folder = tmp_path / "proto"
    shutil.copytree(paths.layout().proto_dir, folder)
    if extra:
        with (folder / "teams.proto").open("a", encoding="utf-8") as proto:
            proto.write(extra)
    return folder


def test_the_same_proto_is_read_from_the_cache_and_a_changed_one_is_compiled(tmp_path, monkeypatch) -> None:
    folder = copy_proto(tmp_path, "\n// one\n")
    first = ProtoSchema.compile(folder)
    cached = compiled._cached_set(folder)
    assert cached.is_file()
    compiled._compile.cache_clear()
    monkeypatch.setattr(compiled, "descriptor_set", lambda *_, **__: pytest.fail("compiled again"))
    assert ProtoSchema.compile(folder).fingerprint == first.fingerprint

    monkeypatch.undo()
    (folder / "teams.proto").write_text((folder / "teams.proto").read_text() + "message Extra {}\n")
    compiled._compile.cache_clear()
    assert compiled._cached_set(folder) != cached
    changed = ProtoSchema.compile(folder)
    assert changed.pool.FindMessageTypeByName("Extra")
    cached.unlink()
    compiled._cached_set(folder).unlink()


def test_a_damaged_cache_entry_is_compiled_afresh(tmp_path) -> None:
    folder = copy_proto(tmp_path, "\n// two\n")
    cached = compiled._cached_set(folder)
    cached.parent.mkdir(parents=True, exist_ok=True)
    for damage in (b"", b"\xff\xfe not a descriptor set"):
        cached.write_bytes(damage)
        compiled._compile.cache_clear()
        assert ProtoSchema.compile(folder).method("Teams/GetTeam").name == "GetTeam"
        assert cached.read_bytes() != damage
    cached.unlink()
