"""Server-side apply over plain HTTP (httpx), from a kubeconfig the Meshery server sends.

Only what the sample adapter needs: pick the kubeconfig's current context, authenticate with a
bearer token, basic auth or a client certificate, find each kind's resource through discovery,
and PATCH ``application/apply-patch+yaml`` with a field manager (or DELETE).
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from typing import Any

import httpx
import yaml

from generated import errors
from meshery import safe_load

FIELD_MANAGER = "meshery-sample-adapter"
TIMEOUT = 10.0


class KubeError(Exception):
    """A kubeconfig that cannot be used, or an API call the cluster refused."""


@dataclass
class Cluster:
    """One cluster reached through one kubeconfig's current context."""

    context: str
    server: str
    headers: dict[str, str] = field(default_factory=dict)
    verify: ssl.SSLContext | bool = True
    _resources: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)

    @classmethod
    def from_kubeconfig(cls, text: str) -> Cluster:
        try:
            config = safe_load.yaml_document(text, what="kubeconfig", invalid=errors.ErrRequestValidation)
        except errors.MesheryError as exc:
            raise KubeError(f"the kubeconfig is not YAML: {exc.detail}") from None
        if not isinstance(config, dict):
            raise KubeError("the kubeconfig is not a mapping")
        contexts = {c.get("name"): c.get("context") or {} for c in config.get("contexts") or []}
        name = config.get("current-context") or next(iter(contexts), None)
        if name not in contexts:
            raise KubeError(f"the kubeconfig has no context {name!r}")
        ctx = contexts[name]
        clusters = {c.get("name"): c.get("cluster") or {} for c in config.get("clusters") or []}
        users = {u.get("name"): u.get("user") or {} for u in config.get("users") or []}
        cluster = clusters.get(ctx.get("cluster"))
        if not cluster or not cluster.get("server"):
            raise KubeError(f"context {name!r} names no cluster with a server")
        user = users.get(ctx.get("user"), {})
        headers: dict[str, str] = {}
        if user.get("token"):
            headers["Authorization"] = f"Bearer {user['token']}"
        elif user.get("username"):
            pair = f"{user['username']}:{user.get('password', '')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        verify: ssl.SSLContext | bool = True
        server = str(cluster["server"]).rstrip("/")
        if server.startswith("https://"):
            if cluster.get("insecure-skip-tls-verify"):
                verify = ssl.create_default_context()
                verify.check_hostname = False
                verify.verify_mode = ssl.CERT_NONE
            else:
                verify = ssl.create_default_context()
                if cluster.get("certificate-authority-data"):
                    verify.load_verify_locations(
                        cadata=base64.b64decode(cluster["certificate-authority-data"]).decode()
                    )
                elif cluster.get("certificate-authority"):
                    verify.load_verify_locations(cafile=cluster["certificate-authority"])
            if user.get("client-certificate-data") and user.get("client-key-data"):
                _load_client_cert(verify, user["client-certificate-data"], user["client-key-data"])
        return cls(context=str(name), server=server, headers=headers, verify=verify)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.server, headers=self.headers, verify=self.verify, timeout=TIMEOUT)

    async def _resource(self, http: httpx.AsyncClient, api_version: str, kind: str) -> tuple[str, bool]:
        """(plural, namespaced) of a kind, from the API group's discovery document."""
        if api_version not in self._resources:
            path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            response = await http.get(path)
            if response.status_code != 200:
                raise KubeError(f"{self.context}: discovery of {api_version} answered {response.status_code}")
            self._resources[api_version] = {
                r["kind"]: (r["name"], bool(r.get("namespaced")))
                for r in response.json().get("resources", [])
                if "/" not in r.get("name", "")
            }
        found = self._resources[api_version].get(kind)
        if found is None:
            raise KubeError(f"{self.context}: the cluster does not serve {kind} in {api_version}")
        return found

    async def _path(self, http: httpx.AsyncClient, obj: dict[str, Any], namespace: str) -> str:
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        name = (obj.get("metadata") or {}).get("name")
        if not api_version or not kind or not name:
            raise KubeError("every manifest needs apiVersion, kind and metadata.name")
        plural, namespaced = await self._resource(http, api_version, kind)
        prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        if namespaced:
            ns = obj["metadata"].get("namespace") or namespace
            obj["metadata"]["namespace"] = ns
            return f"{prefix}/namespaces/{ns}/{plural}/{name}"
        return f"{prefix}/{plural}/{name}"

    async def apply(self, http: httpx.AsyncClient, obj: dict[str, Any], namespace: str) -> int:
        """Server-side apply one object; returns the HTTP status (201 created, 200 updated)."""
        path = await self._path(http, obj, namespace)
        response = await http.patch(
            path,
            params={"fieldManager": FIELD_MANAGER, "force": "true"},
            content=yaml.safe_dump(obj).encode(),
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
        if response.status_code not in (200, 201):
            raise KubeError(f"{self.context}: apply {path} answered {response.status_code}: {_reason(response)}")
        return response.status_code

    async def delete(self, http: httpx.AsyncClient, obj: dict[str, Any], namespace: str) -> bool:
        """Delete one object; False when it was already gone."""
        path = await self._path(http, obj, namespace)
        response = await http.delete(path)
        if response.status_code == 404:
            return False
        if response.status_code >= 300:
            raise KubeError(f"{self.context}: delete {path} answered {response.status_code}: {_reason(response)}")
        return True

    async def version(self, http: httpx.AsyncClient) -> str:
        response = await http.get("/version")
        if response.status_code != 200:
            raise KubeError(f"{self.context}: /version answered {response.status_code}")
        return str(response.json().get("gitVersion", "?"))


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message") or response.text[:200])
    except ValueError:
        return response.text[:200]


def _load_client_cert(context: ssl.SSLContext, cert_b64: str, key_b64: str) -> None:
    """ssl wants files for a client certificate: write both to a private temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        cert, key = os.path.join(folder, "tls.crt"), os.path.join(folder, "tls.key")
        for path, data in ((cert, cert_b64), (key, key_b64)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
                out.write(base64.b64decode(data))
        context.load_cert_chain(cert, key)


def load_manifests(text: str) -> list[dict[str, Any]]:
    """Objects of a (multi-document) YAML or JSON manifest; lists (kind: List) are flattened."""
    try:
        docs = [d for d in safe_load.yaml_documents(text, what="manifest", invalid=errors.ErrRequestValidation) if d]
    except errors.MesheryError as exc:
        raise KubeError(f"the manifest is not YAML: {exc.detail}") from None
    objects: list[dict[str, Any]] = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise KubeError("every manifest document must be a mapping")
        if doc.get("kind") == "List":
            objects.extend(item for item in doc.get("items") or [] if isinstance(item, dict))
        else:
            objects.append(doc)
    return objects
