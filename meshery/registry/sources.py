"""Find model packages on disk and read their files, archives included.

A package is what upstream registers as one unit: a directory in the layout
``<model>/<model-version>/<def-version>/{model.json, components/, relationships/}``
(any directory holding a ``model.json``/``.yaml``, or three levels below a
source root), or a zip / tar(.gz) archive, whose members may themselves be
archives. Discovery only stats files; its fingerprint (paths, sizes, mtimes)
lets an unchanged package be skipped without reading it.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

MODEL_FILES = frozenset({"model.json", "model.yaml", "model.yml"})
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
ENTITY_SUFFIXES = (".json", ".yaml", ".yml")
SKIPPED_SUFFIXES = (".rego", ".template", ".svg", ".png", ".md")
# Guards against huge or hostile inputs: one entity file, and everything
# extracted from one archive (nested archives included).
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
MAX_NESTING = 4
LAYOUT_DEPTH = 3


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A package found on disk: where it is and its cheap fingerprint."""

    key: str
    location: str
    path: Path
    fingerprint: str


@dataclass(frozen=True, slots=True)
class RawFile:
    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FileProblem:
    name: str
    reason: str  # "too-large" or "bad-archive"
    detail: str


def package_key(location: str) -> str:
    return hashlib.sha256(location.encode()).hexdigest()[:40]


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _fingerprint_dir(path: Path) -> str:
    digest = hashlib.sha256()
    entries: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full)
            except OSError:
                continue
            entries.append((os.path.relpath(full, path), st.st_size, st.st_mtime_ns))
    for rel, size, mtime in sorted(entries):
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def _fingerprint_file(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()


def _ref(path: Path, *, archive: bool) -> PackageRef:
    location = str(path.resolve())
    fingerprint = _fingerprint_file(path) if archive else _fingerprint_dir(path)
    return PackageRef(key=package_key(location), location=location, path=path, fingerprint=fingerprint)


def discover(root: Path) -> Iterator[PackageRef]:
    """Every package under ``root`` (a missing root yields nothing)."""
    if root.is_file() and is_archive(root.name):
        yield _ref(root, archive=True)
        return
    if not root.is_dir():
        return
    yield from _walk(root, depth=0)


def _walk(directory: Path, *, depth: int) -> Iterator[PackageRef]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    files = {e.name for e in entries if e.is_file()}
    if files & MODEL_FILES or (depth >= LAYOUT_DEPTH and entries):
        yield _ref(directory, archive=False)
        return
    for entry in entries:
        if entry.is_file() and is_archive(entry.name):
            yield _ref(Path(entry.path), archive=True)
        elif entry.is_dir() and not entry.name.startswith((".", "_")) and depth < LAYOUT_DEPTH + 3:
            yield from _walk(Path(entry.path), depth=depth + 1)


def read_package(ref: PackageRef) -> tuple[list[RawFile], list[FileProblem]]:
    """The entity files of a package, archives expanded, with the files that could not be used."""
    files: list[RawFile] = []
    problems: list[FileProblem] = []
    if ref.path.is_file():
        _read_archive_file(ref.path, ref.path.name, files, problems)
        return files, problems
    # Plain strings, not Path objects: this loop runs once per component file.
    root = str(ref.path)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if is_archive(name):
                _read_archive_file(Path(full), rel, files, problems)
                continue
            if not name.lower().endswith(ENTITY_SUFFIXES):
                continue
            with open(full, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > MAX_FILE_BYTES:
                    problems.append(FileProblem(rel, "too-large", f"{size} bytes (limit {MAX_FILE_BYTES})"))
                    continue
                files.append(RawFile(rel, handle.read()))
    return files, problems


def read_archive_bytes(name: str, data: bytes | IO[bytes]) -> tuple[list[RawFile], list[FileProblem]]:
    """The entity files of an uploaded archive (its bytes, or a seekable file read in place)."""
    files: list[RawFile] = []
    problems: list[FileProblem] = []
    budget = [MAX_ARCHIVE_BYTES]
    _expand(name, data, files, problems, budget, 0)
    return files, problems


def _read_archive_file(path: Path, rel: str, files: list[RawFile], problems: list[FileProblem]) -> None:
    size = path.stat().st_size
    if size > MAX_ARCHIVE_BYTES:
        problems.append(FileProblem(rel, "too-large", f"{size} bytes (limit {MAX_ARCHIVE_BYTES})"))
        return
    _expand(rel, path.read_bytes(), files, problems, [MAX_ARCHIVE_BYTES], 0)


def _members(name: str, data: bytes | IO[bytes]) -> Iterator[tuple[str, int, io.BufferedIOBase | None]]:
    lower = name.lower()
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    if lower.endswith(".zip"):
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield info.filename, info.file_size, archive.open(info)  # type: ignore[misc]
        return
    with tarfile.open(fileobj=source, mode=_tar_mode(source)) as archive:
        for member in archive:
            if member.isfile():
                yield member.name, member.size, archive.extractfile(member)  # type: ignore[misc]


TarMode = Literal["r:", "r:gz", "r:bz2", "r:xz"]
_TAR_MAGIC: tuple[tuple[bytes, TarMode], ...] = (
    (b"\x1f\x8b", "r:gz"), (b"BZh", "r:bz2"), (b"\xfd7zXZ\x00", "r:xz"),
)


def _tar_mode(source: IO[bytes]) -> TarMode:
    """The tar mode named by the archive's first bytes. Letting tarfile try every decompressor
    in turn ("r:*") makes the xz reader consume a whole file of zeros (xz allows zero padding):
    250 MB of zeros took 26 s of CPU before the archive was refused."""
    start = source.tell()
    head = source.read(6)
    source.seek(start)
    for magic, mode in _TAR_MAGIC:
        if head.startswith(magic):
            return mode
    return "r:"


def _expand(  # noqa: PLR0917 (recursive helper; the state travels with each call)
    name: str,
    data: bytes | IO[bytes],
    files: list[RawFile],
    problems: list[FileProblem],
    budget: list[int],
    nesting: int,
) -> None:
    if nesting > MAX_NESTING:
        problems.append(FileProblem(name, "bad-archive", "archives nested too deeply"))
        return
    try:
        for member, size, handle in _members(name, data):
            inner = f"{name}!{member}"
            base = member.rsplit("/", 1)[-1]
            wanted = is_archive(base) or base.lower().endswith(ENTITY_SUFFIXES)
            if handle is None or not wanted or base.lower().endswith(SKIPPED_SUFFIXES):
                continue
            if size > (MAX_ARCHIVE_BYTES if is_archive(base) else MAX_FILE_BYTES) or size > budget[0]:
                problems.append(FileProblem(inner, "too-large", f"{size} bytes"))
                continue
            content = handle.read(size + 1)
            budget[0] -= len(content)
            if is_archive(base):
                _expand(inner, content, files, problems, budget, nesting + 1)
            else:
                files.append(RawFile(inner, content))
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError) as exc:
        problems.append(FileProblem(name, "bad-archive", f"{type(exc).__name__}: {exc}"))
