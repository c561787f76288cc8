"""Files of the server's data folder, for ``/api/system/fileDownload`` and ``/api/system/fileView``.

Upstream opens whatever path the query names. Here a path is resolved (symbolic links
followed) and must end inside ``USER_DATA_FOLDER``; anything else is refused before the
file is touched, and so are the folder's secrets: the database files and the key that
seals credentials (``*.key``).
"""

from __future__ import annotations

import os
from pathlib import Path

from generated import errors

MAX_BYTES = 64 * 1024 * 1024
PRIVATE_PREFIXES = ("mesherydb",)
PRIVATE_SUFFIXES = (".key", ".pem", ".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".db")


def private(path: Path) -> bool:
    """The database and key files, which are never served."""
    name = path.name.lower()
    return name.startswith(PRIVATE_PREFIXES) or name.endswith(PRIVATE_SUFFIXES)


def resolve(root: Path, name: str) -> Path:
    """The regular file ``name`` (relative to ``root`` or absolute inside it)."""
    if "\x00" in name:
        raise errors.ErrFileOutsideDataFolder("the path contains a NUL byte")
    try:
        base = root.expanduser().resolve()
        candidate = Path(name)  # never expanduser: `~user` of a request names no home of ours
        target = (candidate if candidate.is_absolute() else base / candidate).resolve()
    except (OSError, RuntimeError, ValueError):
        raise errors.ErrFileNotFound(f"{name!r} cannot be a file of the data folder") from None
    if target != base and base not in target.parents:
        raise errors.ErrFileOutsideDataFolder(f"{name!r} is not inside the data folder")
    if private(target):
        raise errors.ErrFileOutsideDataFolder(f"{name!r} is a database or key file, which is never served")
    try:
        regular = target.is_file()
    except OSError:  # e.g. a name longer than the file system allows
        regular = False
    if not regular:
        raise errors.ErrFileNotFound(f"{name!r} is not a file of the data folder")
    return target


def read(root: Path, name: str) -> tuple[str, bytes]:
    """The file's base name and bytes (at most ``MAX_BYTES``)."""
    path = resolve(root, name)
    try:
        if os.path.getsize(path) > MAX_BYTES:
            raise errors.ErrFileNotFound(f"{name!r} is larger than {MAX_BYTES} bytes; it is not served")
        return path.name, path.read_bytes()
    except OSError as exc:  # unreadable (permissions) or gone since it was resolved
        raise errors.ErrFileNotFound(f"{name!r} cannot be read: {exc.strerror}") from None
