"""Permission keys: the seed file the local provider grants from (upstream ``server/permissions/keys.csv``).

The UI builds its permissions (CASL abilities) from the keys of ``GET
/api/identity/orgs/{orgId}/users/keys``: each key's ``id`` is a permission id the
UI checks. The project ships its own file, ``keys.csv`` next to this module, with
upstream's key ids and its "Local Provider" column; ``KEYS_PATH`` names another
file. Either layout is read: this project's (one header row) and upstream's (a
group row above the header row). Columns are found by name, case-insensitive:

    Key ID                      -> id (rows without one are skipped)
    Function                    -> function
    Category                    -> category
    Keychain | Keychain ID      -> subcategory
    Description | Feature       -> description
    Local Provider              -> granted by the local provider when TRUE

The UI grants itself an action when a key has its id *and* its function (compared in lodash's
``lowerCase``); UI versions spell some functions differently (2024's "Manage service mesh life
cycle" is now "Manage cloud native infrastructure life cycle"), so a key id may appear on several
rows, one per function spelling.

    rows = permissions.local_keys(settings.keys_path)   # the granted rows, file order
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from generated import errors

DEFAULT_KEYS = Path(__file__).with_name("keys.csv")
HEADER_MARK = "key id"
# Column name (lower case) -> field; the first name found wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("key id",),
    "function": ("function",),
    "category": ("category",),
    "subcategory": ("keychain", "keychain id"),
    "description": ("description", "feature"),
    "local": ("local provider",),
}
MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class KeyRow:
    """One row of the seed file."""

    id: str
    function: str
    category: str
    subcategory: str
    description: str
    local: bool


_cache: dict[Path, tuple[float, int, tuple[KeyRow, ...]]] = {}


def parse(text: str, *, source: str = "keys file") -> tuple[KeyRow, ...]:
    """The rows of a seed file's text; ``ErrKeysFile`` when it has no header row with ``Key ID``."""
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next(
        (i for i, row in enumerate(rows) if any(cell.strip().lower() == HEADER_MARK for cell in row)), None
    )
    if header_at is None:
        raise errors.ErrKeysFile(f"{source}: no header row with a 'Key ID' column")
    header = [cell.strip().lower() for cell in rows[header_at]]
    index: dict[str, int | None] = {}
    for field, names in COLUMNS.items():
        index[field] = next((header.index(n) for n in names if n in header), None)

    def cell(row: list[str], field: str) -> str:
        at = index[field]
        return row[at].strip() if at is not None and at < len(row) else ""

    found: list[KeyRow] = []
    for row in rows[header_at + 1 :]:
        key_id = cell(row, "id").lower()
        if not key_id:
            continue
        found.append(
            KeyRow(
                id=key_id,
                function=cell(row, "function"),
                category=cell(row, "category"),
                subcategory=cell(row, "subcategory"),
                description=cell(row, "description"),
                local=cell(row, "local").lower() == "true",
            )
        )
    return tuple(found)


def load(path: Path | None = None) -> tuple[KeyRow, ...]:
    """Every row of the seed file (``path``, or the shipped file), re-read when the file changes."""
    file = path or DEFAULT_KEYS
    try:
        stat = file.stat()
    except OSError as exc:
        raise errors.ErrKeysFile(f"{file}: {exc.strerror or type(exc).__name__}") from None
    cached = _cache.get(file)
    if cached is not None and cached[:2] == (stat.st_mtime, stat.st_size):
        return cached[2]
    if stat.st_size > MAX_BYTES:
        raise errors.ErrKeysFile(f"{file}: larger than {MAX_BYTES} bytes")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.ErrKeysFile(f"{file}: {type(exc).__name__}") from None
    rows = parse(text, source=str(file))
    _cache[file] = (stat.st_mtime, stat.st_size, rows)
    return rows


def local_keys(path: Path | None = None) -> tuple[KeyRow, ...]:
    """The rows the local provider grants: those whose "Local Provider" is TRUE (each id and function once)."""
    seen: set[tuple[str, str]] = set()
    granted: list[KeyRow] = []
    for row in load(path):
        key = (row.id, row.function.lower())
        if row.local and key not in seen:
            seen.add(key)
            granted.append(row)
    return tuple(granted)
