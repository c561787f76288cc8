"""Shared pieces of the HTTP side: server state, response helpers and the request helpers that
the read (``reads``) and write (``writes``) handlers both use."""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from aiohttp import web

from tests.kubeemu import errors, protobuf, table
from tests.kubeemu.resources import CRD_KEY, ResourceType
from tests.kubeemu.selectors import SelectorError, field_selector, label_selector
from tests.kubeemu.store import Obj, Store

JSON = "application/json"
log = logging.getLogger("tests.kubeemu")


@dataclass
class RequestRecord:
    """One request as a client sent it (``KubeEmulator.requests``), with the status answered."""

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
    #: Text served at pods/<name>/log, by (namespace, name).
    pod_logs: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Open watch responses, so a stop can end them at once.
    streams: set[web.StreamResponse] = field(default_factory=set)
    #: Injected failures: [status, times left, method or "", path prefix].
    faults: list[list[Any]] = field(default_factory=list)

    def take_fault(self, method: str, path: str) -> int | None:
        """The status of the first injected failure matching this request (used up once per match)."""
        for fault in self.faults:
            status, left, wanted_method, prefix = fault
            if left > 0 and wanted_method in ("", method) and path.startswith(prefix):
                fault[1] -= 1
                return int(status)
        return None


def dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def respond(body: Any, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(body=dumps(body), status=status, headers={"Content-Type": content_type})


def error_response(error: errors.ApiError) -> web.Response:
    return respond(error.status(), status=error.code)


def served(rt: ResourceType, obj: Obj) -> Obj:
    """The object as served at ``rt``'s version (CRDs: one stored object, several versions)."""
    if obj.get("apiVersion") == rt.api_version and obj.get("kind") == rt.kind:
        return obj
    return {**obj, "apiVersion": rt.api_version, "kind": rt.kind}


def scale_view(obj: Obj) -> Obj:
    """The ``autoscaling/v1`` Scale view of a Deployment, ReplicaSet or StatefulSet."""
    meta = obj["metadata"]
    selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
        },
    }


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


class HandlerBase:
    """What every handler needs: the state, and parsing and checking of requests."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.store = state.store
        self.catalog = state.store.catalog

    async def _body(self, request: web.Request) -> Any:
        ctype = request.headers.get("Content-Type", "")
        if "protobuf" in ctype:
            try:
                return protobuf.decode(await request.read())
            except protobuf.ProtobufError as exc:
                raise errors.ApiError(415, "UnsupportedMediaType", str(exc)) from exc
        if "cbor" in ctype:
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

    def _table(self, request: web.Request) -> bool:
        return table.wants_table(request.headers.get("Accept", ""))

    def _as_table(self, request: web.Request, rt: ResourceType, items: list[Obj], metadata: dict[str, Any]) -> Obj:
        crd = None
        if not rt.builtin:
            crd_type = self.catalog.by_key(CRD_KEY)
            if crd_type is not None:
                crd = self.store.find(crd_type, "", f"{rt.plural}.{rt.group}")
        include = request.query.get("includeObject", "Metadata")
        return table.table(rt, [served(rt, o) for o in items], crd=crd, metadata=metadata, include=include)

    def _dry_run(self, request: web.Request, body: Any = None) -> bool:
        if request.query.get("dryRun") == "All":
            return True
        return isinstance(body, dict) and body.get("dryRun") == ["All"]
