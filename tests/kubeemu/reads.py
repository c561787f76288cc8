"""Reads: LIST (selectors, pages, Table) and WATCH (resume, bookmarks, 410, initial events)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from aiohttp import web

from tests.kubeemu import errors
from tests.kubeemu.base import JSON, HandlerBase, dumps, respond, served, truthy
from tests.kubeemu.resources import ResourceType
from tests.kubeemu.store import Event


class Reads(HandlerBase):
    def _list(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.Response:
        after: tuple[str, str] | None = None
        token_rv: int | None = None
        token = request.query.get("continue")
        if token:
            try:
                start = json.loads(bytes.fromhex(token).decode())
                token_rv = int(start["rv"])
                after = (str(start["after"][0]), str(start["after"][1]))
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                raise errors.bad_request("invalid continue token") from exc
            if token_rv < self.store.compacted:
                raise errors.expired(
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter."
                )
        try:
            limit = max(int(request.query.get("limit") or 0), 0)
        except ValueError as exc:
            raise errors.bad_request("limit must be an integer") from exc
        matcher = (
            self._matcher(request) if "labelSelector" in request.query or "fieldSelector" in request.query else None
        )
        items, rv, remaining = self.store.page(rt, namespace, matcher, after=after, limit=limit)
        rv = token_rv if token_rv is not None else rv
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if remaining:
            last = items[-1]["metadata"]
            nxt = {"rv": rv, "after": [last.get("namespace", ""), last["name"]]}
            metadata["continue"] = json.dumps(nxt).encode().hex()
            metadata["remainingItemCount"] = remaining
        if self._table(request):
            return respond(self._as_table(request, rt, items, metadata))
        body = {
            "kind": f"{rt.kind}List",
            "apiVersion": rt.api_version,
            "metadata": metadata,
            "items": [served(rt, o) for o in items],
        }
        return respond(body)

    async def _watch(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.StreamResponse:
        query = request.query
        matcher = self._matcher(request)
        initial = truthy(query.get("sendInitialEvents"))
        bookmarks = truthy(query.get("allowWatchBookmarks"))
        rv_text = query.get("resourceVersion", "")
        if initial and (query.get("resourceVersionMatch") != "NotOlderThan" or not bookmarks):
            raise errors.invalid(
                "meta.k8s.io",
                "ListOptions",
                "",
                [
                    (
                        "sendInitialEvents",
                        "Forbidden: sendInitialEvents requires allowWatchBookmarks and "
                        "resourceVersionMatch=NotOlderThan",
                    )
                ],
            )
        since: int | None
        if initial or rv_text in ("", "0"):
            since = None
        else:
            try:
                since = int(rv_text)
            except ValueError as exc:
                raise errors.bad_request(f"invalid resource version {rv_text!r}") from exc
        try:
            timeout = float(query.get("timeoutSeconds") or self.state.watch_timeout)
        except ValueError as exc:
            raise errors.bad_request("timeoutSeconds must be a number") from exc
        loop = asyncio.get_running_loop()
        response = web.StreamResponse(headers={"Content-Type": JSON, "Cache-Control": "no-cache"})
        response.enable_chunked_encoding()
        try:
            watcher, backlog, opened_at = self.store.watch(rt, namespace, matcher, since, loop)
        except errors.ApiError as exc:
            await response.prepare(request)
            await response.write(dumps({"type": "ERROR", "object": exc.status()}) + b"\n")
            await response.write_eof()
            return response
        self.state.streams.add(response)
        try:
            await response.prepare(request)
            as_table = self._table(request)
            for start in range(0, len(backlog), 1000):
                chunk = backlog[start : start + 1000]
                await response.write(b"".join(self._encode(request, rt, e, as_table=as_table) for e in chunk))
            if initial:
                await response.write(self._bookmark(rt, opened_at, initial_end=True))
            deadline = time.monotonic() + timeout
            next_bookmark = time.monotonic() + self.state.bookmark_interval
            while True:
                current = time.monotonic()
                if current >= deadline:
                    break
                wait = deadline - current
                if bookmarks:
                    wait = min(wait, max(next_bookmark - current, 0.0))
                try:
                    item = await asyncio.wait_for(watcher.queue.get(), timeout=wait)
                except TimeoutError:
                    if bookmarks and time.monotonic() >= next_bookmark:
                        # Queued behind every event already committed, so its resourceVersion is safe.
                        self.store.request_bookmark(watcher)
                        next_bookmark = time.monotonic() + self.state.bookmark_interval
                    continue
                # Send everything already queued in one write: bursts (seeding, relists) stay fast.
                batch: list[bytes] = []
                ended = False
                while item is not None:
                    batch.append(self._encode(request, rt, item, as_table=as_table))
                    if len(batch) >= 1000 or watcher.queue.empty():
                        break
                    item = watcher.queue.get_nowait()
                else:
                    ended = True
                if batch:
                    await response.write(b"".join(batch))
                if ended:
                    break
            with contextlib.suppress(ConnectionError, RuntimeError):
                await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.store.unwatch(watcher)
            self.state.streams.discard(response)
        return response

    def _encode(self, request: web.Request, rt: ResourceType, event: Event, *, as_table: bool) -> bytes:
        """One watch line: an event, a BOOKMARK marker or an ERROR 410 marker (see ``Store``)."""
        if event.type == "BOOKMARK":
            return self._bookmark(rt, event.rv)
        if event.type == "ERROR":
            expired = errors.expired(f"too old resource version: {event.rv}")
            return dumps({"type": "ERROR", "object": expired.status()}) + b"\n"
        obj = served(rt, event.obj)
        if as_table:
            obj = self._as_table(request, rt, [obj], {"resourceVersion": str(event.rv)})
        return dumps({"type": event.type, "object": obj}) + b"\n"

    def _bookmark(self, rt: ResourceType, rv: int, initial_end: bool = False) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        body = {"type": "BOOKMARK", "object": {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}}
        return dumps(body) + b"\n"

    # --- writes ----------------------------------------------------------------------------------
