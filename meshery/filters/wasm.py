"""The WebAssembly module of a filter: how clients send it, and the check it must pass.

Clients send the module three ways: base64 text (``format: byte``, the schemas package and
mesheryctl), an array of byte values (the UI sends ``Array.from(new Uint8Array(file))``), or
the raw bytes (multipart, URL). Whatever the way, a module must start with the binary format's
magic number (``\\0asm``) and version 1, and be at most the configured size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from generated import errors

MAGIC = b"\0asm"
VERSION_1 = b"\x01\0\0\0"
HEADER = len(MAGIC) + len(VERSION_1)
MEDIA_TYPE = "application/wasm"


def check(module: bytes, *, limit: int) -> bytes:
    """The module if it is a WebAssembly binary within ``limit`` bytes; the catalogued 4xx otherwise."""
    if len(module) > limit:
        raise errors.ErrFilterTooLarge(f"the module has {len(module)} bytes; the limit is {limit}")
    if len(module) < HEADER or module[: len(MAGIC)] != MAGIC:
        raise errors.ErrFilterNotWasm(f"the first bytes are {module[:HEADER]!r}, not {MAGIC!r} and the version")
    if module[len(MAGIC) : HEADER] != VERSION_1:
        version = int.from_bytes(module[len(MAGIC) : HEADER], "little")
        raise errors.ErrFilterNotWasm(f"binary format version {version}; only version 1 is read")
    return module


def decode(value: Any, *, limit: int) -> bytes:
    """The bytes of a module sent as base64 text or as an array of byte values (not yet checked)."""
    if isinstance(value, list):
        # Base64 takes 4/3 of the bytes and a JSON array ~4 characters per byte: refuse early.
        if len(value) > limit:
            raise errors.ErrFilterTooLarge(f"the module has {len(value)} bytes; the limit is {limit}")
        if not all(type(b) is int and 0 <= b <= 255 for b in value):
            raise errors.ErrFilterBodyInvalid("filter_file as an array must hold byte values (integers 0-255)")
        return bytes(value)
    if isinstance(value, str):
        text = "".join(value.split())
        if len(text) > (limit + 2) // 3 * 4 + 4:
            raise errors.ErrFilterTooLarge(f"the module has more than {limit} bytes")
        try:
            return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            try:
                return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                raise errors.ErrFilterBodyInvalid("filter_file is not base64 text") from None
    raise errors.ErrFilterBodyInvalid("filter_file must be base64 text or an array of byte values")


def digest(module: bytes) -> str:
    return hashlib.sha256(module).hexdigest()


def encode(module: bytes) -> str:
    return base64.b64encode(module).decode("ascii")
