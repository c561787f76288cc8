"""The HTTP side: an aiohttp application answering the Kubernetes REST API from a ``Store``.

Routing is done by hand (``/api/v1/...``, ``/apis/<group>/<version>/...``, optional
``namespaces/<ns>/``, ``<plural>[/<name>[/<subresource>]]``) because the set of kinds changes at
run time with CRDs. Every error is a ``Status`` object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.kubeemu import discovery, errors
from tests.kubeemu.base import RequestRecord, ServerState, error_response, log, respond, served, truthy
from tests.kubeemu.reads import Reads
from tests.kubeemu.writes import Writes

# --- middleware --------------------------------------------------------------------------------

_PUBLIC = ("/healthz", "/livez", "/readyz")
_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


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
        fault = state.take_fault(request.method, request.path)
        if fault is not None:
            record.status = fault
            reason = _REASONS.get(fault, "InternalError")
            return respond(errors.status_object(fault, reason, f"kubeemu: injected {fault}"), status=fault)
        if state.tokens and not request.path.startswith(_PUBLIC):
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else None
            peer = request.transport.get_extra_info("peercert") if request.transport is not None else None
            if token not in state.tokens and not (peer and token is None):
                record.status = 401
                return respond(errors.status_object(401, "Unauthorized", "Unauthorized"), status=401)
        try:
            response = await handler(request)
        except errors.ApiError as exc:
            response = error_response(exc)
        except web.HTTPException as exc:
            code = exc.status
            reason = {404: "NotFound", 405: "MethodNotAllowed"}.get(code, "BadRequest")
            response = respond(errors.status_object(code, reason, exc.reason or reason), status=code)
        except Exception as exc:  # an emulator bug: answer as an API server would, and say so in the log
            log.exception("kubeemu: %s %s failed", request.method, request.path_qs)
            response = respond(errors.status_object(500, "InternalError", f"kubeemu: {exc!r}"), status=500)
        record.status = response.status
        return response

    return middleware


# --- app ---------------------------------------------------------------------------------------


def build_app(state: ServerState) -> web.Application:
    app = web.Application(middlewares=[_middleware(state)], client_max_size=64 * 1024 * 1024)
    handlers = _Handlers(state)
    app.router.add_route("*", "/{tail:.*}", handlers.dispatch)
    return app


class _Handlers(Reads, Writes):
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
            return respond(discovery.version_info(*self.state.version))
        if parts and parts[0] in ("healthz", "livez", "readyz"):
            return web.Response(text="ok", content_type="text/plain")
        accept = request.headers.get("Accept", "")
        if path in ("/api", "/apis"):
            agg = discovery.aggregated_version(accept)
            if agg is not None:
                body = discovery.aggregated(self.catalog, legacy=path == "/api", version=agg)
                ctype = discovery.AGGREGATED_V2 if agg == "v2" else discovery.AGGREGATED_V2BETA1
                return respond(body, content_type=ctype)
            if path == "/api":
                return respond(discovery.api_versions(self.state.address))
            return respond(discovery.api_group_list(self.catalog))
        if len(parts) == 2 and parts[0] == "api":
            return self._resource_list_doc("", parts[1])
        if len(parts) == 2 and parts[0] == "apis":
            versions = self.catalog.groups().get(parts[1])
            if not versions:
                raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
            return respond({"kind": "APIGroup", "apiVersion": "v1", **discovery.api_group(parts[1], versions)})
        if len(parts) == 3 and parts[0] == "apis":
            return self._resource_list_doc(parts[1], parts[2])
        if path == "/openapi/v3":
            return respond(discovery.openapi_v3_root(self.catalog))
        if parts[:2] == ["openapi", "v3"]:
            rest = parts[2:]
            doc = None
            if len(rest) == 2 and rest[0] == "api":
                doc = discovery.openapi_v3_document(self.catalog, "", rest[1])
            elif len(rest) == 3 and rest[0] == "apis":
                doc = discovery.openapi_v3_document(self.catalog, rest[1], rest[2])
            if doc is None:
                raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
            return respond(doc)
        if path == "/openapi/v2":
            if "json" not in accept and accept not in ("", "*/*"):
                raise errors.ApiError(404, "NotFound", "only application/json is served for /openapi/v2")
            return respond(discovery.openapi_v2(self.catalog))
        return None

    def _resource_list_doc(self, group: str, version: str) -> web.Response:
        doc = discovery.api_resource_list(self.catalog, group, version)
        if doc is None:
            raise errors.ApiError(404, "NotFound", "the server could not find the requested resource")
        return respond(doc)

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
        if not rt.stored:
            if method != "POST" or name is not None:
                raise errors.ApiError(405, "MethodNotAllowed", f"{rt.kind} only supports create")
            return await self._review(request, rt, namespace)
        if name is None:
            if method == "GET":
                if truthy(request.query.get("watch")):
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
        if sub == "token" and method == "POST":
            return await self._token_request(request, rt, ns_key, name)
        if sub in ("exec", "token", "log") or (sub == "scale" and method in ("GET", "PUT", "PATCH")):
            return await self._special_subresource(request, rt, ns_key, name, sub)
        if method == "DELETE" and sub:
            raise errors.ApiError(405, "MethodNotAllowed", f"DELETE is not supported on {sub}")
        if method == "GET":
            obj = self.store.get(rt, ns_key, name)
            if not sub and self._table(request):
                return respond(
                    self._as_table(request, rt, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]})
                )
            return respond(served(rt, obj))
        if method == "PUT":
            return await self._replace(request, rt, ns_key, name, sub)
        if method == "PATCH":
            return await self._patch(request, rt, ns_key, name, sub)
        if method == "DELETE":
            return await self._delete(request, rt, ns_key, name)
        if method == "POST" and sub:
            raise errors.ApiError(405, "MethodNotAllowed", f"POST to {sub} is not supported by the emulator")
        raise errors.ApiError(405, "MethodNotAllowed", f"{method} is not supported on objects")
