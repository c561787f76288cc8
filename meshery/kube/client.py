"""A client for one Kubernetes context: raw-JSON requests, ping, discovery, list, watch, apply.

Built on ``kubernetes.aio``: the official loader turns the context's kubeconfig into a
configured ``ApiClient`` (TLS files, tokens, exec plugins), and requests go through its
``param_serialize``/``call_api`` so authentication is the client's own. Bodies are parsed as
plain JSON. Failures are reduced to three exceptions: ``KubeUnreachable`` (no answer),
``KubeExpired`` (HTTP 410, a watch must relist) and ``KubeError`` (any other non-2xx).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from kubernetes.aio import config as kube_config
from kubernetes.aio.client import ApiClient
from kubernetes.aio.config.config_exception import ConfigException

from meshery.kube import instrument
from meshery.kube.kubeconfig import KubeconfigError, KubeContext

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 10.0
PING_TIMEOUT = 3.0
WATCH_TIMEOUT_SECONDS = 300
FIELD_MANAGER = "meshery"
APPLY_PATCH = "application/apply-patch+yaml"


# The one message of every failure to reach a context's API server: a kubeconfig may name any
# URL, and the error must not tell a closed port from an open one speaking something else.
UNREACHABLE = "did not answer as a Kubernetes API server"


class KubeUnreachable(Exception):
    """The API server did not answer (refused, reset, timed out, DNS, TLS)."""


class KubeError(Exception):
    """The API server answered with a non-2xx status."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class KubeExpired(KubeError):
    """HTTP 410 / watch ERROR Expired: the resource version is too old; list again."""


@dataclass(frozen=True, slots=True)
class ApiResource:
    """One listable resource of the API (plural name, group, version, kind, scope)."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def id(self) -> str:
        """MeshSync's resource id: ``<plural>.<version>.<group>`` (core group empty)."""
        return f"{self.resource}.{self.version}.{self.group}"

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.resource}"
        if name:
            base += f"/{quote(name, safe='')}"
        return base


def _status_error(status: int, body: bytes) -> KubeError:
    """The error of a non-2xx answer: a Kubernetes ``Status`` document's reason and message, and
    nothing of any other answer (a kubeconfig may name any URL; what it answers is not echoed)."""
    reason, message = "", "the server did not answer a Kubernetes Status"
    try:
        doc = json.loads(body)
        if isinstance(doc, dict) and doc.get("kind") == "Status":
            reason, message = str(doc.get("reason", ""))[:100], str(doc.get("message", message))[:1000]
    except ValueError:
        pass
    cls = KubeExpired if status == 410 else KubeError
    return cls(status, reason or "Error", message)


class KubeClient:
    """Requests to one context's API server. Create with ``await KubeClient.create(ctx)``."""

    def __init__(self, api: ApiClient, context: KubeContext) -> None:
        self._api = api
        self.context = context
        self._resources: dict[tuple[str, str], ApiResource] | None = None

    @classmethod
    async def create(cls, context: KubeContext) -> KubeClient:
        """Load the context's configuration; KubeconfigError when the client rejects it."""
        try:
            load = kube_config.new_client_from_config_dict
            api = await load(config_dict=context.config_dict(), context=context.name)  # type: ignore[no-untyped-call]
        except (ConfigException, ValueError, TypeError, KeyError, OSError) as exc:
            raise KubeconfigError(f"context {context.name!r}: {exc}") from None
        return cls(api, context)

    async def close(self) -> None:
        await self._api.close()  # type: ignore[no-untyped-call]

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _send(
        self,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, Any]] = (),
        body: Any = None,
        content_type: str = "application/json",
        limits: aiohttp.ClientTimeout | None = None,
    ) -> Any:
        """The raw aiohttp response of one request (caller reads and releases it)."""
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            _method, url, headers, body, _post = await self._api.param_serialize(
                method, path, query_params=list(query), header_params=headers, body=body, auth_settings=["BearerToken"]
            )
            resp = await self._api.call_api(
                method,
                url,
                header_params=headers,
                body=body,
                _request_timeout=limits or aiohttp.ClientTimeout(total=REQUEST_TIMEOUT, sock_connect=PING_TIMEOUT),
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.info("context %s: %s not reached: %s: %s", self.context.name, self.context.server,
                     type(exc).__name__, exc)
            raise KubeUnreachable(f"{self.context.server}: {UNREACHABLE}") from None
        return resp.response

    @instrument.traced  # one client span per call while tracing is on (meshery.observability)
    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, Any]] = (),
        body: Any = None,
        content_type: str = "application/json",
        seconds: float = REQUEST_TIMEOUT,
    ) -> Any:
        """The parsed JSON answer of one request; raises KubeError on non-2xx."""
        resp = await self._send(
            method,
            path,
            query=query,
            body=body,
            content_type=content_type,
            limits=aiohttp.ClientTimeout(total=seconds, sock_connect=min(seconds, PING_TIMEOUT)),
        )
        try:
            data = await resp.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.info("context %s: answer of %s broken: %s", self.context.name, self.context.server, type(exc).__name__)
            raise KubeUnreachable(f"{self.context.server}: {UNREACHABLE}") from None
        finally:
            resp.release()
        if resp.status >= 300:
            raise _status_error(resp.status, data)
        try:
            return json.loads(data) if data else None
        except ValueError:
            raise KubeUnreachable(f"{self.context.server}: {UNREACHABLE}") from None

    # --- cluster facts --------------------------------------------------------------------

    async def version(self, seconds: float = PING_TIMEOUT) -> dict[str, Any]:
        """``/version`` of the API server (the ping)."""
        doc = await self.request("GET", "/version", seconds=seconds)
        return doc if isinstance(doc, dict) else {}

    async def cluster_id(self) -> str:
        """UID of namespace kube-system, MeshSync's cluster id ("" when it cannot be read)."""
        try:
            doc = await self.request("GET", "/api/v1/namespaces/kube-system")
        except KubeError:
            return ""
        return str((doc or {}).get("metadata", {}).get("uid", ""))

    async def discover(self, *, refresh: bool = False) -> list[ApiResource]:
        """Every listable resource, preferred version per group (legacy discovery)."""
        if self._resources is not None and not refresh:
            return list(dict.fromkeys(self._resources.values()))
        docs: list[tuple[str, str, Any]] = [("", "v1", await self.request("GET", "/api/v1"))]
        groups = await self.request("GET", "/apis")
        wanted: list[tuple[str, str]] = []
        for group in (groups or {}).get("groups", []):
            preferred = (group.get("preferredVersion") or {}).get("version")
            if not preferred and group.get("versions"):
                preferred = group["versions"][0].get("version")
            if preferred:
                wanted.append((group["name"], preferred))

        async def fetch(group: str, version: str) -> tuple[str, str, Any]:
            try:
                return group, version, await self.request("GET", f"/apis/{group}/{version}")
            except KubeError:
                return group, version, None

        docs.extend(await asyncio.gather(*(fetch(g, v) for g, v in wanted)))
        found: dict[tuple[str, str], ApiResource] = {}
        for group, version, doc in docs:
            for item in (doc or {}).get("resources", []):
                name = item.get("name", "")
                if not name or "/" in name:
                    continue
                res = ApiResource(
                    group=group,
                    version=version,
                    resource=name,
                    kind=item.get("kind", ""),
                    namespaced=bool(item.get("namespaced")),
                    verbs=tuple(item.get("verbs") or ()),
                )
                found[(res.api_version, res.kind)] = res
                found[(res.api_version, res.resource)] = res
        self._resources = found
        return list(dict.fromkeys(found.values()))

    async def resource_for(self, api_version: str, kind: str) -> ApiResource:
        """The resource serving ``kind`` in ``api_version`` (discovery is refreshed once if unknown)."""
        for refresh in (False, True):
            if self._resources is None or refresh:
                await self.discover(refresh=True)
            assert self._resources is not None
            res = self._resources.get((api_version, kind))
            if res is not None:
                return res
        raise KubeError(404, "NotFound", f"the server has no resource for {kind} in {api_version}")

    # --- reading ---------------------------------------------------------------------------

    async def list(self, resource: ApiResource, *, limit: int = 500, continue_: str = "") -> dict[str, Any]:
        """One page of a cluster-wide list (``items``, ``metadata.resourceVersion``/``continue``)."""
        query: list[tuple[str, Any]] = [("limit", limit)]
        if continue_:
            query.append(("continue", continue_))
        doc = await self.request("GET", resource.path(), query=query, seconds=60.0)
        return doc if isinstance(doc, dict) else {}

    async def watch(
        self, resource: ApiResource, *, resource_version: str, timeout_seconds: int = WATCH_TIMEOUT_SECONDS
    ) -> AsyncIterator[dict[str, Any]]:
        """Watch events (``{"type", "object"}``) from ``resource_version``, bookmarks included.

        Ends when the server closes the stream; raises KubeExpired on a 410 (as status or as an
        ERROR event) and KubeUnreachable when the connection breaks.
        """
        query = [
            ("watch", "true"),
            ("resourceVersion", resource_version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", timeout_seconds),
        ]
        resp = await self._send(
            "GET",
            resource.path(),
            query=query,
            limits=aiohttp.ClientTimeout(total=None, sock_connect=PING_TIMEOUT, sock_read=timeout_seconds + 30),
        )
        try:
            if resp.status >= 300:
                raise _status_error(resp.status, await resp.read())
            buffer = b""
            async for chunk in resp.content.iter_any():
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield _watch_event(line)
            if buffer.strip():
                yield _watch_event(buffer)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.info("context %s: watch broken: %s", self.context.name, type(exc).__name__)
            raise KubeUnreachable(f"{self.context.server}: watch broken") from None
        finally:
            resp.release()

    # --- writing ---------------------------------------------------------------------------

    async def apply(self, obj: dict[str, Any], *, field_manager: str = FIELD_MANAGER, force: bool = True) -> Any:
        """Server-side apply of one manifest (created or updated)."""
        meta = obj.get("metadata") or {}
        res = await self.resource_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        namespace = (meta.get("namespace") or "default") if res.namespaced else None
        query = [("fieldManager", field_manager), ("force", "true" if force else "false")]
        return await self.request(
            "PATCH", res.path(namespace, meta.get("name")), query=query, body=obj, content_type=APPLY_PATCH
        )

    async def delete(self, obj: dict[str, Any]) -> bool:
        """Delete the object a manifest names; False when it was already gone."""
        meta = obj.get("metadata") or {}
        try:
            res = await self.resource_for(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        except KubeError:
            return False
        namespace = (meta.get("namespace") or "default") if res.namespaced else None
        try:
            await self.request(
                "DELETE", res.path(namespace, meta.get("name")), body={"propagationPolicy": "Background"}
            )
        except KubeError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """One object, or None when it does not exist."""
        res = await self.resource_for(api_version, kind)
        try:
            doc = await self.request("GET", res.path(namespace or "default" if res.namespaced else None, name))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise
        return doc if isinstance(doc, dict) else None


def _watch_event(line: bytes) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError:
        raise KubeUnreachable(f"watch: {UNREACHABLE}") from None
    if not isinstance(event, dict):
        raise KubeUnreachable(f"watch: {UNREACHABLE}")
    if event.get("type") == "ERROR":
        status = event.get("object") or {}
        code = int(status.get("code") or 500)
        raise (KubeExpired if code == 410 else KubeError)(
            code, str(status.get("reason", "")), str(status.get("message", ""))
        )
    return event
