"""The permission seed file: the shipped layout, upstream's layout, and files that cannot be read."""

from __future__ import annotations

from pathlib import Path

from generated import errors
from meshery import permissions


def test_keys_file_layouts(tmp_path: Path) -> None:
    """The shipped layout and upstream's (a group row above the header, role columns) both read."""
    upstream = tmp_path / "upstream.csv"
    upstream.write_text(
        ",,,Authorization,,Keychain,Keys,,\n"
        "Category,Function,Feature,User,Org Admin,Keychain ID,Key ID,Inserted,Local Provider\n"
        "Settings,View Settings,See settings,X,X,Settings Management,FDC038E3-1FDF-403A-AF8A-53C0DE8D7820,X,TRUE\n"
        "Teams,Create Team,Make a team,,X,Team Management,41a9eb36-b99b-4715-8140-780f97d3c6a0,X,FALSE\n"
        ",,,,,,,,FALSE\n"
    )
    rows = permissions.load(upstream)
    assert [(r.id, r.local) for r in rows] == [
        ("fdc038e3-1fdf-403a-af8a-53c0de8d7820", True),
        ("41a9eb36-b99b-4715-8140-780f97d3c6a0", False),
    ]
    granted = permissions.local_keys(upstream)
    assert [(g.function, g.category, g.subcategory, g.description) for g in granted] == [
        ("View Settings", "Settings", "Settings Management", "See settings")
    ]
    shipped = permissions.load()
    assert len({(r.id, r.function) for r in shipped}) == len(shipped) and any(not r.local for r in shipped)
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n")
    for path in (broken, tmp_path / "absent.csv"):
        try:
            permissions.load(path)
        except errors.ErrKeysFile:
            continue
        raise AssertionError(f"{path} was read")
