"""Hand freed memory back to the operating system after large requests (glibc only).

glibc's allocator serves large blocks from ``mmap`` (returned at once when freed) but raises
that threshold to the size of every large block freed, up to 32 MiB: after a few large
requests, bodies are served from the heap, which only shrinks from its top, and the process
keeps the peak as its resident size. ``tune`` fixes the threshold (which also turns the
dynamic raise off) and caps the per-thread arenas; ``trim_soon`` runs ``malloc_trim`` (at most
once per ``TRIM_EVERY`` seconds, in a thread, after collecting garbage cycles) after a request
that buffered a large body.
Elsewhere (musl, macOS) both do nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import logging
import time

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 256 * 1024
TRIM_THRESHOLD = 4 * 1024 * 1024
ARENA_MAX = 4
TRIM_EVERY = 1.0


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _libc()


class _Trims:
    """When the last trim ran, and the one waiting to run."""

    last = 0.0
    pending: asyncio.Task[None] | None = None


def tune() -> bool:
    """Fixed mmap and trim thresholds and at most ``ARENA_MAX`` arenas; False where not glibc."""
    if _LIBC is None:
        return False
    ok = bool(_LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    ok = bool(_LIBC.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and ok
    ok = bool(_LIBC.mallopt(M_ARENA_MAX, ARENA_MAX)) and ok
    return ok


def trim() -> bool:
    """Collect garbage cycles, then ``malloc_trim(0)``: True when memory was handed back.

    The collection matters: the server's collector runs rarely (``cli.tune_gc``), and a refused
    large body is often held by a cycle (an exception, its traceback, the frame holding the body).
    """
    gc.collect()
    return bool(_LIBC.malloc_trim(0)) if _LIBC is not None else False


def trim_soon() -> None:
    """Schedule one ``trim`` (in a worker thread) unless one ran or is pending within ``TRIM_EVERY``."""
    if _Trims.pending is not None and not _Trims.pending.done():
        return
    delay = max(0.0, _Trims.last + TRIM_EVERY - time.monotonic())
    with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule on
        _Trims.pending = asyncio.get_running_loop().create_task(_trim_after(delay), name="malloc-trim")


async def _trim_after(delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    _Trims.last = time.monotonic()
    try:
        await asyncio.to_thread(trim)
    except Exception:  # a failed trim costs memory, never a request
        log.debug("malloc_trim failed", exc_info=True)
