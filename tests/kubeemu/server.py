"""The HTTP side: an aiohttp application answering the Kubernetes REST API from a ``Store``.

Routing is done by hand (``/api/v1/...``, ``/apis/<group>/<version>/...``, optional
``namespaces/<ns>/``, ``<plural>[/<name>[/<subresource>]]``) because the set of kinds changes at
run time with CRDs. Every error is a ``Status`` object.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import random
import string
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from aiohttp import web

from tests.kubeemu import apply as ssa
from tests.kubeemu import discovery, errors
from tests.kubeemu.patch import PatchError, json_patch, merge_patch, strategic_merge
from tests.kubeemu.resources import NAMESPACE_KEY, ResourceType
from tests.kubeemu.selectors import SelectorError, field_selector, label_selector
from tests.kubeemu.store import Event, Obj, Store, now

JSON = "application/json"


@dataclass
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    accept: str
    status: int = 0


@dataclass
class ServerState:
    """What the handlers need; owned by the ``KubeEmulator``."""

    store: Store
    tokens: set[str] = field(default_factory=set)
    version: tuple[str, str, str] = ("1", "32", "0")
    bookmark_interval: float = 1.0
    watch_timeout: float = 1800.0
    address: str = "127.0.0.1:0"
    requests: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=5000))
    #: Extra seconds of latency before each answer (tests of timeouts).
    latency: float = 0.0
    #: Open watch responses, so a stop can end them at once.
    streams: set[web.StreamResponse] = field(default_factory=set)


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _json(body: Any, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(body=_dumps(body), status=status, headers={"Content-Type": content_type})


def _error(error: errors.ApiError) -> web.Response:
    return _json(error.status(), status=error.code)


def _out(rt: ResourceType, obj: Obj) -> Obj:
    """The object as served at ``rt``'s version (CRDs: one stored object, several versions)."""
    if obj.get("apiVersion") == rt.api_version and obj.get("kind") == rt.kind:
        return obj
    return {**obj, "apiVersion": rt.api_version, "kind": rt.kind}


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


# --- middleware --------------------------------------------------------------------------------

_PUBLIC = ("/healthz", "/livez", "/readyz")


def _middleware(state: ServerState) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        record = RequestRecord(
            request.method,
            request.path,
            dict(request.query),
            request.headers.get("Content-Type", ""),
            request.headers.get("Accept", ""),
        )
        state.requests.append(record)
        if state.latency:
            await asyncio.sleep(state.latency)
        if state.tokens and not request.path.startswith(_PUBLIC):
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else None
            peer = request.transport.get_extra_info("peercert") if request.transport is not None else None
            if token not in state.tokens and not (peer and token is None):
                record.status = 401
                return _json(errors.status_object(401, "Unauthorized", "Unauthorized"), status=401)
        try:
            response = await handler(request)
        except errors.ApiError as exc:
            response = _error(exc)
        except web.HTTPException as exc:
            code = exc.status
            reason = {404: "NotFound", 405: "MethodNotAllowed"}.get(code, "BadRequest")
            response = _json(errors.status_object(code, reason, exc.reason or reason), status=code)
        record.status = response.status
        return response

    return middleware


# --- app ---------------------------------------------------------------------------------------


def build_app(state: ServerState) -> web.Application:
    app = web.Application(middlewares=[_middleware(state)], client_max_size=64 * 1024 * 1024)
    handlers = _Handlers(state)
    app.router.add_route("*", "/{tail:.*}", handlers.dispatch)
    return app


class _Handlers:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.store = state.store
        self.catalog = state.store.catalog

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        method = request.method
        if method == "GET":
            simple = self._simple_get(request, path, parts)
            if simple is not None:
                return simple
        if len(parts) >= 2 and parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) >= 3 and parts[0] == "apis":
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        return await self._resource(request, group, version, rest)

    # --- version, health, discovery, openapi ---------------------------------------------------

    def _simple_get(self, request: web.Request, path: str, parts: list[str]) -> web.StreamResponse | None:
        if path == "/version":
            return _json(discovery.version_info(*self.state.version))
        if parts and parts[0] in ("healthz", "livez", "readyz"):
            return web.Response(text="ok", content_type="text/plain")
        accept = request.headers.get("Accept", "")
        if path in ("/api", "/apis"):
            agg = discovery.aggregated_version(accept)
            if agg is not None:
                body = discovery.aggregated(self.catalog, legacy=path == "/api", version=agg)
                ctype = discovery.AGGREGATED_V2 if agg == "v2" else discovery.AGGREGATED_V2BETA1
                return _json(body, content_type=ctype)
            if path == "/api":
                return _json(discovery.api_versions(self.state.address))
            return _json(discovery.api_group_list(self.catalog))
        if len(parts) == 2 and parts[0] == "api":
            return self._resource_list_doc("", parts[1])
        if len(parts) == 2 and parts[0] == "apis":
            versions = self.catalog.groups().get(parts[1])
            if not versions:
                raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
            return _json({"kind": "APIGroup", "apiVersion": "v1", **discovery.api_group(parts[1], versions)})
        if len(parts) == 3 and parts[0] == "apis":
            return self._resource_list_doc(parts[1], parts[2])
        if path == "/openapi/v3":
            return _json(discovery.openapi_v3_root(self.catalog))
        if parts[:2] == ["openapi", "v3"]:
            rest = parts[2:]
            doc = None
            if len(rest) == 2 and rest[0] == "api":
                doc = discovery.openapi_v3_document(self.catalog, "", rest[1])
            elif len(rest) == 3 and rest[0] == "apis":
                doc = discovery.openapi_v3_document(self.catalog, rest[1], rest[2])
            if doc is None:
                raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
            return _json(doc)
        if path == "/openapi/v2":
            if "json" not in accept and accept not in ("", "*/*"):
                raise errors.ApiError(404, "NotFound", "only application/json is served for /openapi/v2")
            return _json(discovery.openapi_v2(self.catalog))
        return None

    def _resource_list_doc(self, group: str, version: str) -> web.Response:
        doc = discovery.api_resource_list(self.catalog, group, version)
        if doc is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        return _json(doc)

    # --- resources -----------------------------------------------------------------------------

    async def _resource(self, request: web.Request, group: str, version: str, rest: list[str]) -> web.StreamResponse:
        namespace: str | None = None
        if (
            len(rest) >= 3
            and rest[0] == "namespaces"
            and not (group == "" and len(rest) == 3 and rest[2] in ("status", "finalize"))
        ):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        rt = self.catalog.lookup(group, version, rest[0])
        if rt is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        if namespace is not None and not rt.namespaced:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else ""
        if sub and sub not in rt.subresources:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        ns_key = (namespace or "") if rt.namespaced else ""
        method = request.method
        if name is None:
            if method == "GET":
                if _bool(request.query.get("watch")):
                    return await self._watch(request, rt, namespace)
                return self._list(request, rt, namespace)
            if method == "POST":
                if rt.namespaced and namespace is None:
                    raise errors.ApiError(405, "MethodNotAllowed", "POST requires a namespace for namespaced kinds")
                return await self._create(request, rt, ns_key)
            if method == "DELETE":
                return await self._delete_collection(request, rt, namespace)
            raise errors.ApiError(405, "MethodNotAllowed", f"{method} is not supported on collections")
        if rt.namespaced and namespace is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        if method == "GET":
            obj = self.store.get(rt, ns_key, name)
            return _json(_out(rt, obj))
        if method == "PUT":
            return await self._replace(request, rt, ns_key, name, sub)
        if method == "PATCH":
            return await self._patch(request, rt, ns_key, name, sub)
        if method == "DELETE":
            return await self._delete(request, rt, ns_key, name)
        if method == "POST" and sub:
            raise errors.ApiError(405, "MethodNotAllowed", f"POST to {sub} is not supported by the emulator")
        raise errors.ApiError(405, "MethodNotAllowed", f"{method} is not supported on objects")

    async def _body(self, request: web.Request) -> Any:
        ctype = request.headers.get("Content-Type", "")
        if "protobuf" in ctype or "cbor" in ctype:
            raise errors.ApiError(
                415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {ctype}"
            )
        raw = await request.read()
        if not raw:
            return None
        try:
            if "yaml" in request.headers.get("Content-Type", ""):
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"the body of the request was in an unknown format: {exc}") from exc

    def _manager(self, request: web.Request) -> str:
        manager = request.query.get("fieldManager")
        if manager:
            return manager
        agent = request.headers.get("User-Agent", "unknown")
        return agent.split("/", 1)[0] or "unknown"

    def _check_object(self, rt: ResourceType, body: Any, namespace: str) -> Obj:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be a JSON object")
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if api_version is not None and kind is not None:
            group = str(api_version).rpartition("/")[0]
            if group != rt.group or kind != rt.kind:
                raise errors.bad_request(
                    f"the API version in the data ({api_version}) does not match the expected API version "
                    f"({rt.api_version})"
                    if group != rt.group
                    else f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
                )
        meta = body.get("metadata")
        if meta is None:
            body["metadata"] = meta = {}
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        body_ns = meta.get("namespace")
        if rt.namespaced and body_ns and body_ns != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        for key in ("labels", "annotations"):
            value = meta.get(key)
            if value is not None and (
                not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())
            ):
                raise errors.invalid(
                    rt.group,
                    rt.kind,
                    str(meta.get("name", "")),
                    [(f"metadata.{key}", "Invalid value: must be a map of strings")],
                )
        return body

    # --- list and watch --------------------------------------------------------------------------

    def _matcher(self, request: web.Request) -> Callable[[Obj], bool]:
        try:
            labels = label_selector(request.query.get("labelSelector"))
            fields = field_selector(request.query.get("fieldSelector"))
        except SelectorError as exc:
            raise errors.bad_request(str(exc)) from exc
        return lambda obj: labels(obj) and fields(obj)

    def _list(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.Response:
        items, rv = self.store.select(rt, namespace, self._matcher(request))
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        token = request.query.get("continue")
        if token:
            try:
                start = json.loads(bytes.fromhex(token).decode())
                rv = int(start["rv"])
                after = tuple(start["after"])
            except (ValueError, KeyError, TypeError) as exc:
                raise errors.bad_request("invalid continue token") from exc
            items = [o for o in items if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > after]
            metadata["resourceVersion"] = str(rv)
        limit_text = request.query.get("limit")
        if limit_text:
            try:
                limit = int(limit_text)
            except ValueError as exc:
                raise errors.bad_request("limit must be an integer") from exc
            if 0 < limit < len(items):
                last = items[limit - 1]["metadata"]
                nxt = {"rv": rv, "after": [last.get("namespace", ""), last["name"]]}
                metadata["continue"] = json.dumps(nxt).encode().hex()
                metadata["remainingItemCount"] = len(items) - limit
                items = items[:limit]
        body = {
            "kind": f"{rt.kind}List",
            "apiVersion": rt.api_version,
            "metadata": metadata,
            "items": [_out(rt, o) for o in items],
        }
        return _json(body)

    async def _watch(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.StreamResponse:
        query = request.query
        matcher = self._matcher(request)
        initial = _bool(query.get("sendInitialEvents"))
        bookmarks = _bool(query.get("allowWatchBookmarks"))
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
            await response.write(_dumps({"type": "ERROR", "object": exc.status()}) + b"\n")
            await response.write_eof()
            return response
        self.state.streams.add(response)
        try:
            await response.prepare(request)
            for event in backlog:
                await self._send(response, rt, event)
            if initial:
                await self._bookmark(response, rt, opened_at, initial_end=True)
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
                if item is None:
                    break
                if item.type == "BOOKMARK":
                    await self._bookmark(response, rt, item.rv)
                else:
                    await self._send(response, rt, item)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.store.unwatch(watcher)
            self.state.streams.discard(response)
        return response

    async def _send(self, response: web.StreamResponse, rt: ResourceType, event: Event) -> None:
        await response.write(_dumps({"type": event.type, "object": _out(rt, event.obj)}) + b"\n")

    async def _bookmark(
        self, response: web.StreamResponse, rt: ResourceType, rv: int, initial_end: bool = False
    ) -> None:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        body = {"type": "BOOKMARK", "object": {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}}
        await response.write(_dumps(body) + b"\n")

    # --- writes ----------------------------------------------------------------------------------

    def _dry_run(self, request: web.Request, body: Any = None) -> bool:
        if request.query.get("dryRun") == "All":
            return True
        return isinstance(body, dict) and body.get("dryRun") == ["All"]

    async def _create(self, request: web.Request, rt: ResourceType, namespace: str) -> web.Response:
        body = self._check_object(rt, await self._body(request), namespace)
        meta = body["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
            meta["name"] = f"{meta['generateName']}{suffix}"
        name = str(meta.get("name") or "")
        manager = self._manager(request)
        stamp = now()

        def create(current: Obj | None) -> Obj:
            if current is not None:
                raise errors.already_exists(rt.group, rt.plural, name)
            body["metadata"].pop("managedFields", None)
            ssa.record_update(None, body, manager=manager, api_version=rt.api_version, now=stamp)
            return body

        obj, _ = self.store.mutate(rt, namespace, name, create, dry_run=self._dry_run(request))
        assert obj is not None
        return _json(_out(rt, obj), status=201)

    def _keep_status(self, rt: ResourceType, current: Obj, new: Obj, sub: str) -> Obj:
        """Status subresource semantics: the main resource keeps status; /status changes only status."""
        if sub == "status":
            result = copy.deepcopy(current)
            if "status" in new:
                result["status"] = new["status"]
            else:
                result.pop("status", None)
            return result
        if "status" in rt.subresources:
            if "status" in current:
                new["status"] = current["status"]
            else:
                new.pop("status", None)
        return new

    async def _replace(
        self, request: web.Request, rt: ResourceType, namespace: str, name: str, sub: str
    ) -> web.Response:
        body = self._check_object(rt, await self._body(request), namespace)
        if body["metadata"].get("name") not in (None, name):
            raise errors.bad_request("the name of the object does not match the name on the URL")
        manager = self._manager(request)
        stamp = now()

        def replace(current: Obj | None) -> Obj:
            if current is None:
                raise errors.not_found(rt.group, rt.plural, name)
            expected = body["metadata"].get("resourceVersion")
            if expected and expected != current["metadata"].get("resourceVersion"):
                raise errors.conflict(
                    rt.group,
                    rt.plural,
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                )
            new = self._keep_status(rt, current, body, sub)
            self._track(current, new, manager, rt, stamp, sub=sub)
            return new

        obj, _ = self.store.mutate(rt, namespace, name, replace, dry_run=self._dry_run(request))
        assert obj is not None
        return _json(_out(rt, obj))

    def _track(self, current: Obj, new: Obj, manager: str, rt: ResourceType, stamp: str, *, sub: str = "") -> None:
        sent = new.get("metadata", {}).get("managedFields")
        if sent is not None and sent != current["metadata"].get("managedFields"):
            return  # the client set managedFields itself: store them as sent
        new["metadata"]["managedFields"] = current["metadata"].get("managedFields", [])
        ssa.record_update(current, new, manager=manager, api_version=rt.api_version, now=stamp, subresource=sub)

    async def _patch(self, request: web.Request, rt: ResourceType, namespace: str, name: str, sub: str) -> web.Response:
        ctype = request.headers.get("Content-Type", "").split(";")[0].strip()
        body = await self._body(request)
        manager = self._manager(request)
        stamp = now()
        force = _bool(request.query.get("force"))
        if ctype == "application/apply-patch+yaml":
            if not request.query.get("fieldManager"):
                raise errors.invalid(
                    "meta.k8s.io", "PatchOptions", "", [("fieldManager", "Required value: is required for apply patch")]
                )
            config = self._check_object(rt, body, namespace)
            if config.get("apiVersion") is None or config.get("kind") is None:
                raise errors.bad_request("apiVersion and kind are required for apply patch")
            if config["metadata"].get("name") not in (None, name):
                raise errors.bad_request("the name of the object does not match the name on the URL")
            config["metadata"]["name"] = name
            config["metadata"].pop("managedFields", None)

            def apply_change(current: Obj | None) -> Obj:
                try:
                    result = ssa.apply(
                        current, config, manager=manager, api_version=rt.api_version, now=stamp, force=force
                    )
                except ssa.ApplyConflict as exc:
                    raise errors.ApiError(
                        409,
                        "Conflict",
                        str(exc),
                        {
                            "causes": [
                                {
                                    "reason": "FieldManagerConflict",
                                    "message": f'conflict with "{m}"',
                                    "field": ssa.format_path(p),
                                }
                                for m, p in exc.conflicts
                            ]
                        },
                    ) from exc
                if current is not None:
                    result = self._keep_status(rt, current, result, sub)
                return result

            obj, created = self.store.mutate(rt, namespace, name, apply_change, dry_run=self._dry_run(request))
            assert obj is not None
            return _json(_out(rt, obj), status=201 if created else 200)

        if ctype == "application/json-patch+json":
            operator: Callable[[Obj], Any] = lambda current: json_patch(current, body)  # noqa: E731
        elif ctype == "application/merge-patch+json":
            if not isinstance(body, dict):
                raise errors.bad_request("a merge patch must be a JSON object")
            operator = lambda current: merge_patch(current, body)  # noqa: E731
        elif ctype == "application/strategic-merge-patch+json":
            if not rt.builtin:
                raise errors.ApiError(
                    415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources"
                )
            if not isinstance(body, dict):
                raise errors.bad_request("a strategic merge patch must be a JSON object")
            operator = lambda current: strategic_merge(current, body)  # noqa: E731
        else:
            raise errors.ApiError(
                415, "UnsupportedMediaType", f"the body of the request was in an unknown format: {ctype or 'none'}"
            )

        def patch_change(current: Obj | None) -> Obj:
            if current is None:
                raise errors.not_found(rt.group, rt.plural, name)
            try:
                new = operator(copy.deepcopy(current))
            except PatchError as exc:
                raise errors.ApiError(422, "Invalid", str(exc)) from exc
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.ApiError(422, "Invalid", "the patch made the object invalid")
            expected = new["metadata"].get("resourceVersion")
            if expected and expected != current["metadata"].get("resourceVersion"):
                raise errors.conflict(
                    rt.group,
                    rt.plural,
                    name,
                    "the object has been modified; please apply your changes to the latest version and try again",
                )
            self._check_object(rt, new, namespace)
            new = self._keep_status(rt, current, new, sub)
            self._track(current, new, manager, rt, stamp, sub=sub)
            return new

        obj, _ = self.store.mutate(rt, namespace, name, patch_change, dry_run=self._dry_run(request))
        assert obj is not None
        return _json(_out(rt, obj))

    async def _delete_options(self, request: web.Request) -> dict[str, Any]:
        body = await self._body(request)
        options = body if isinstance(body, dict) else {}
        for key in ("propagationPolicy", "gracePeriodSeconds"):
            if key in request.query:
                options[key] = request.query[key]
        if request.query.get("dryRun") == "All":
            options["dryRun"] = ["All"]
        return options

    async def _delete(self, request: web.Request, rt: ResourceType, namespace: str, name: str) -> web.Response:
        options = await self._delete_options(request)
        pre = options.get("preconditions") or {}
        obj, removed = self.store.delete(
            rt,
            namespace,
            name,
            propagation=str(options.get("propagationPolicy") or "Background"),
            uid=pre.get("uid"),
            resource_version=pre.get("resourceVersion"),
            dry_run=options.get("dryRun") == ["All"],
        )
        if removed and rt.key not in (("", "pods"), NAMESPACE_KEY):
            details = {"name": name, "group": rt.group, "kind": rt.plural, "uid": obj["metadata"].get("uid")}
            return _json(
                {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
            )
        return _json(_out(rt, obj), status=200 if removed else 202 if rt.key == NAMESPACE_KEY else 200)

    async def _delete_collection(self, request: web.Request, rt: ResourceType, namespace: str | None) -> web.Response:
        options = await self._delete_options(request)
        items, _ = self.store.select(rt, namespace, self._matcher(request))
        deleted = []
        for obj in items:
            meta = obj["metadata"]
            with contextlib.suppress(errors.ApiError):
                gone, _ = self.store.delete(
                    rt,
                    meta.get("namespace", ""),
                    meta["name"],
                    propagation=str(options.get("propagationPolicy") or "Background"),
                    dry_run=options.get("dryRun") == ["All"],
                )
                deleted.append(_out(rt, gone))
        return _json({"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": {}, "items": deleted})
