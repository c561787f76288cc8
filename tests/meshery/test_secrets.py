"""Credentials at rest: a 0600 key file, ciphertext in the database, wrong keys detected."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshery.secrets import KEY_FILE, SecretBox, SecretError


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    box = SecretBox.for_folder(tmp_path)
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    sealed = box.seal({"token": "s3cret"})
    assert "s3cret" not in sealed
    assert SecretBox.for_folder(tmp_path).open(sealed) == {"token": "s3cret"}


def test_a_loose_key_file_is_tightened(tmp_path: Path) -> None:
    SecretBox.for_folder(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    SecretBox.for_folder(tmp_path)
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_another_key_cannot_open(tmp_path: Path) -> None:
    sealed = SecretBox.for_folder(tmp_path / "a").seal([1])
    with pytest.raises(SecretError):
        SecretBox.for_folder(tmp_path / "b").open(sealed)
