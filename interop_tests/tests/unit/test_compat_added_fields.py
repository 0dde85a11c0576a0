"""Which response fields a newer proto added: left out when new clients meet an old server."""

import shutil
from pathlib import Path

from teams_interop.compat import pairs
from teams_interop.compat.skew import _added_response_fields
from teams_interop.schema import ProtoSchema

PAIRS = Path(__file__).resolve().parents[2] / "compat"


def schema_of(pair: str, version: str, tmp_path: Path) -> ProtoSchema:
    directory = tmp_path / pair.replace("/", "_") / version
    directory.mkdir(parents=True)
    shutil.copy(pairs.load(PAIRS / pair).proto(version), directory / "teams.proto")
    return ProtoSchema.compile(directory)


def test_an_added_field_is_recognised(tmp_path) -> None:
    old = schema_of("allowed/field_added_and_filled", "old", tmp_path)
    new = schema_of("allowed/field_added_and_filled", "new", tmp_path)
    assert _added_response_fields("Teams/GetTeam", new, old) == {"member"}
    assert _added_response_fields("Teams/GetTeam", old, new) == frozenset()


def test_a_renumbered_field_is_not_an_addition(tmp_path) -> None:
    old = schema_of("breaking/field_renumbered", "old", tmp_path)
    new = schema_of("breaking/field_renumbered", "new", tmp_path)
    assert _added_response_fields("Teams/GetTeam", new, old) == frozenset()
    assert _added_response_fields("Teams/GetTeam", old, new) == frozenset()


def test_an_rpc_the_server_lacks_hides_nothing(tmp_path) -> None:
    old = schema_of("breaking/rpc_deleted", "old", tmp_path)
    new = schema_of("breaking/rpc_deleted", "new", tmp_path)
    deleted = next(
        m for m in ("Teams/GetTeams", "Teams/ListTeams", "Teams/SummarizeTeams", "Teams/GetTeam") if _missing(new, m)
    )
    assert _added_response_fields(deleted, old, new) == frozenset()


def _missing(schema: ProtoSchema, method: str) -> bool:
    try:
        schema.method(method)
    except KeyError:
        return True
    return False


def test_a_deleted_field_is_one_the_server_lacks(tmp_path) -> None:
    """Deleting a field is adding it seen from the other side: an old client's nickname is left out
    against a server whose proto deleted (and reserved) it."""
    old = schema_of("allowed/field_deleted_reserved", "old", tmp_path)
    new = schema_of("allowed/field_deleted_reserved", "new", tmp_path)
    assert _added_response_fields("Teams/GetTeam", old, new) == {"nickname"}
    assert _added_response_fields("Teams/GetTeam", new, old) == frozenset()
