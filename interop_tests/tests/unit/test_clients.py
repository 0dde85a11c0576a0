"""Client manifests: every real one loads; bad ones are clear errors."""

import pytest

from teams_interop.clients import ManifestError, command, discover, load, select


def test_every_client_manifest_loads() -> None:
    languages = {client.language for client in discover()}
    assert {"python", "go", "node"} <= languages


def test_unknown_feature_is_rejected(tmp_path) -> None:
    manifest = tmp_path / "client.toml"
    manifest.write_text('language = "x"\nfeatures = ["telepathy"]\n[native]\nrun = ["x"]\n[docker]\nrun = ["x"]\n')
    with pytest.raises(ManifestError, match="telepathy"):
        load(manifest)


def test_missing_section_names_the_file(tmp_path) -> None:
    manifest = tmp_path / "client.toml"
    manifest.write_text('language = "x"\nfeatures = []\n')
    with pytest.raises(ManifestError, match=r"client\.toml"):
        load(manifest)


def test_select_unknown_language() -> None:
    with pytest.raises(ManifestError, match="no client for cobol"):
        select(discover(), ["cobol"])


def test_target_is_substituted() -> None:
    assert command(("c", "--target", "{target}"), "h:1") == ["c", "--target", "h:1"]
