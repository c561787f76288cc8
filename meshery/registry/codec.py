"""How a component's JSON is stored: body and schema in one zlib stream.

The body (the definition without the keys the registry owns) and the
JSON-encoded schema string are joined by a newline, which neither contains
(compact JSON has no raw newlines), and compressed together. One small-window
stream per component costs a fraction of two default ``zlib.compress`` calls,
whose set-up dominates at these sizes.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

import orjson

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


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON of definitions, also for what orjson refuses (integers beyond 64 bits in posted JSON)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=False, default=str).encode()
