"""How a component's JSON is stored: body and schema in one zlib stream.

The body (the definition without the keys the registry owns) and the
JSON-encoded schema string are joined by a newline, which neither contains
(compact JSON has no raw newlines), and compressed together. One small-window
stream per component costs a fraction of two default ``zlib.compress`` calls,
whose set-up dominates at these sizes.
"""

from __future__ import annotations

import zlib

LEVEL = 1
WINDOW_BITS = 12
MEMORY_LEVEL = 8


def pack(body: bytes, schema: bytes) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW_BITS, MEMORY_LEVEL)
    return compressor.compress(body + b"\n" + schema) + compressor.flush()


def unpack(data: bytes) -> tuple[bytes, bytes]:
    """(body JSON, schema as a JSON string literal)."""
    body, _, schema = zlib.decompress(data).partition(b"\n")
    return body, schema
