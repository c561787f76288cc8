"""meshery.data_files: only regular, non-secret files inside the data folder are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from generated import errors
from meshery import data_files


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("A")
    (folder / "credentials.key").write_text("K")
    (tmp_path / "outside.txt").write_text("O")
    return folder


def test_relative_and_absolute_names_inside(root: Path) -> None:
    assert data_files.read(root, "sub/a.txt") == ("a.txt", b"A")
    assert data_files.read(root, str(root / "sub" / "a.txt")) == ("a.txt", b"A")
    assert data_files.read(root, "sub/../sub/./a.txt") == ("a.txt", b"A")


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/hostname", "sub/../../outside.txt", "credentials.key",
                                  "mesherydb.sqlite3", "a\x00b"])  # fmt: skip
def test_refused(root: Path, name: str) -> None:
    with pytest.raises(errors.ErrFileOutsideDataFolder):
        data_files.resolve(root, name)


@pytest.mark.parametrize("name", ["sub", "none.txt", "x" * 300, "~nobody-at-all/x"])
def test_not_found(root: Path, name: str) -> None:
    with pytest.raises(errors.ErrFileNotFound):
        data_files.resolve(root, name)


def test_symlinks_leading_out_are_refused(root: Path) -> None:
    (root / "link.txt").symlink_to(root.parent / "outside.txt")
    with pytest.raises(errors.ErrFileOutsideDataFolder):
        data_files.resolve(root, "link.txt")
