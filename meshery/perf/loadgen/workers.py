"""Running the built-in generator's worker processes from the caller's event loop, which only reads pipes.

One run uses ``processes`` workers (``python -m meshery.perf.loadgen.worker``): the connections
are split between them and each paces its share of the rate (``qps * its connections / all``),
so a run can use more than one core. Their progress lines are summed (the p50/p99 shown are the
highest of the workers', a cheap upper bound) and their final results merged: counts added, HDR
histograms added, the start the earliest and the duration the longest.

A cancel writes a line to every worker's stdin; each stops and reports what it measured. A worker
that does not within ``CANCEL_GRACE_S``, or that dies, is killed and the run fails with
``ErrLoadWorkerDied`` (1912) carrying its exit status and last stderr lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from generated import errors
from meshery.perf.loadgen import histogram

log = logging.getLogger("meshery.perf.loadgen")

CANCEL_GRACE_S = 5.0
_EOF = "eof"


def split(message: dict[str, Any], processes: int) -> list[dict[str, Any]]:
    """The worker messages of one run: connections split as evenly as possible, rate in proportion."""
    total = int(message["concurrency"])
    n = max(1, min(processes, total))
    shares = [total // n + (1 if i < total % n else 0) for i in range(n)]
    out = []
    for share in shares:
        part = dict(message)
        part["concurrency"] = share
        part["qps"] = float(message["qps"]) * share / total
        out.append(part)
    return out


def merge(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One final result of several workers' (same shape as one worker's)."""
    if len(results) == 1:
        return dict(results[0])
    codes: dict[str, int] = {}
    per_endpoint: list[int] = []
    for result in results:
        for code, n in result.get("codes", {}).items():
            codes[code] = codes.get(code, 0) + int(n)
        counts = list(result.get("per_endpoint", []))
        per_endpoint = [a + b for a, b in zip(per_endpoint or [0] * len(counts), counts, strict=False)]
    merged: dict[str, Any] = {
        "type": "result",
        "start": min(float(r["start"]) for r in results),
        "duration_s": max(float(r["duration_s"]) for r in results),
        "codes": codes,
        "per_endpoint": per_endpoint,
        "cancelled": any(bool(r.get("cancelled")) for r in results),
        "processes": len(results),
    }
    for key in ("requests", "errors", "sent", "connections"):
        merged[key] = sum(int(r.get(key, 0)) for r in results)
    merged["cpu_s"] = round(sum(float(r.get("cpu_s", 0.0)) for r in results), 3)
    for key in ("corrected", "uncorrected", "errors_hist"):
        merged[key] = histogram.encode(histogram.merged(*(histogram.decode(r.get(key, "")) for r in results)))
    return merged


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.result: dict[str, Any] | None = None
        self.stderr = b""
        self.progress: dict[str, Any] | None = None
        assert proc.stderr is not None
        self.stderr_task = asyncio.ensure_future(proc.stderr.read())  # read as it comes: a full pipe would block it


async def run(
    command: Sequence[str],
    messages: Sequence[dict[str, Any]],
    *,
    on_progress: Callable[[dict[str, Any]], Awaitable[None]],
    cancel: asyncio.Event | None,
) -> dict[str, Any]:
    """Run one worker per message; the merged final result (partial when cancelled)."""
    workers: list[_Worker] = []
    try:
        for message in messages:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *command,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    limit=2**24,
                )
            except OSError as exc:
                raise errors.ErrLoadWorkerStart(str(exc)) from exc
            workers.append(_Worker(proc))
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(message).encode() + b"\n")
            with contextlib.suppress(ConnectionError):
                await proc.stdin.drain()
        log.info(
            "load test workers started: pids %s",
            ", ".join(str(w.proc.pid) for w in workers),
        )
        return await _follow(workers, on_progress=on_progress, cancel=cancel)
    finally:
        for worker in workers:
            await _reap(worker)


async def _read(index: int, worker: _Worker, queue: asyncio.Queue[tuple[int, Any]]) -> None:
    stdout = worker.proc.stdout
    assert stdout is not None
    while True:
        line = await stdout.readline()
        if not line:
            await queue.put((index, _EOF))
            return
        try:
            await queue.put((index, json.loads(line)))
        except ValueError:
            log.warning("load test worker %d printed %r", worker.proc.pid, line[:200])


async def _follow(
    workers: list[_Worker],
    *,
    on_progress: Callable[[dict[str, Any]], Awaitable[None]],
    cancel: asyncio.Event | None,
) -> dict[str, Any]:
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    readers = [asyncio.ensure_future(_read(i, w, queue)) for i, w in enumerate(workers)]
    cancel_task = asyncio.ensure_future(cancel.wait()) if cancel is not None else None
    deadline: asyncio.Future[Any] | None = None
    open_workers = len(workers)
    cancelled = False
    try:
        while open_workers:
            get = asyncio.ensure_future(queue.get())
            waiting: set[asyncio.Future[Any]] = {get}
            if cancel_task is not None and not cancelled:
                waiting.add(cancel_task)
            if deadline is not None:
                waiting.add(deadline)
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if get not in done:
                get.cancel()
            if cancel_task is not None and cancel_task in done and not cancelled:
                cancelled = True
                log.info("load test cancelled: stopping %d worker(s)", len(workers))
                for worker in workers:
                    with contextlib.suppress(ConnectionError, RuntimeError, AttributeError):
                        assert worker.proc.stdin is not None
                        worker.proc.stdin.write(b"cancel\n")
                        await worker.proc.stdin.drain()
                deadline = asyncio.ensure_future(asyncio.sleep(CANCEL_GRACE_S))
            if deadline is not None and deadline in done:
                raise errors.ErrLoadWorkerDied(f"a worker did not stop within {CANCEL_GRACE_S:g} s of the cancel")
            if get not in done:
                continue
            index, message = get.result()
            worker = workers[index]
            if message == _EOF:
                open_workers -= 1
                if worker.result is None:
                    await _reap(worker)
                    raise _died(worker)
                continue
            kind = message.get("type")
            if kind == "progress":
                worker.progress = message
                if index == 0:
                    await on_progress(_sum_progress([w.progress for w in workers if w.progress]))
            elif kind == "result":
                worker.result = message
            elif kind == "error":
                raise errors.ErrLoadWorkerDied(str(message.get("message")))
    finally:
        for task in (*readers, cancel_task, deadline):
            if task is not None:
                task.cancel()
    return merge([w.result for w in workers if w.result is not None])


def _sum_progress(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "elapsed_s": max(float(p["elapsed_s"]) for p in parts),
        "requests": sum(int(p["requests"]) for p in parts),
        "errors": sum(int(p["errors"]) for p in parts),
        "current_qps": round(sum(float(p["current_qps"]) for p in parts), 1),
        "p50_ms": max(float(p["p50_ms"]) for p in parts),
        "p99_ms": max(float(p["p99_ms"]) for p in parts),
    }


def _died(worker: _Worker) -> errors.MesheryError:
    tail = worker.stderr.decode(errors="replace").strip().splitlines()[-3:]
    status = worker.proc.returncode
    return errors.ErrLoadWorkerDied(
        f"the worker (pid {worker.proc.pid}) exited with status {status} without a result"
        + (f": {' / '.join(tail)}" if tail else "")
    )


async def _reap(worker: _Worker) -> None:
    """Close the worker's stdin, wait for it (killing it if it lingers), keep its stderr."""
    proc = worker.proc
    if proc.stdin is not None:
        with contextlib.suppress(Exception):
            proc.stdin.close()
    if worker.result is None and proc.returncode is None:
        # Failing or abandoned: no result is coming. A worker that is exiting by itself is let
        # finish (its exit status is the message), one that is not is killed.
        try:
            await asyncio.wait_for(proc.wait(), 1)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
    try:
        await asyncio.wait_for(proc.wait(), 5)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    if not worker.stderr:
        with contextlib.suppress(Exception):
            worker.stderr = await asyncio.wait_for(worker.stderr_task, 1)
    worker.stderr_task.cancel()
