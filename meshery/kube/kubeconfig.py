"""Kubeconfig files: parse, validate and split into one self-contained config per context.

Pure data handling (no network). Each context becomes a ``KubeContext`` holding its cluster and
user blocks; ``config_dict()`` rebuilds a one-context kubeconfig the client can load. The
context id is derived from the server, context and user names, so uploading the same file twice
finds the same contexts.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generated import errors
from meshery import safe_load

MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024
_ID_NAMESPACE = uuid.UUID("8a0c6f1e-1d4b-4c55-9a51-6b0f2f7e3c01")


class KubeconfigError(ValueError):
    """The uploaded text is not a usable kubeconfig; the message says why."""


@dataclass(frozen=True)
class KubeContext:
    """One context of a kubeconfig with the cluster and user it names."""

    name: str
    server: str
    cluster_name: str
    cluster: dict[str, Any]
    user_name: str
    auth: dict[str, Any]
    namespace: str = ""
    current: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable id of this context: the same server, context and user give the same id."""
        return str(uuid.uuid5(_ID_NAMESPACE, f"{self.server}\x00{self.name}\x00{self.user_name}"))

    def config_dict(self) -> dict[str, Any]:
        """A kubeconfig with only this context, as the client's loader expects."""
        context: dict[str, Any] = {"cluster": self.cluster_name, "user": self.user_name}
        if self.namespace:
            context["namespace"] = self.namespace
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": self.cluster_name, "cluster": dict(self.cluster)}],
            "users": [{"name": self.user_name, "user": dict(self.auth)}],
            "contexts": [{"name": self.name, "context": context}],
            "current-context": self.name,
        }

    @classmethod
    def from_parts(
        cls, *, name: str, cluster: dict[str, Any], auth: dict[str, Any], namespace: str = ""
    ) -> KubeContext:
        """Rebuild a context from stored parts (the cluster and user blocks)."""
        return cls(
            name=name,
            server=str(cluster.get("server", "")),
            cluster_name=f"{name}-cluster",
            cluster=cluster,
            user_name=f"{name}-user",
            auth=auth,
            namespace=namespace,
        )


def _named(doc: dict[str, Any], key: str, inner: str) -> dict[str, dict[str, Any]]:
    items = doc.get(key) or []
    if not isinstance(items, list):
        raise KubeconfigError(f"'{key}' must be a list")
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise KubeconfigError(f"every entry of '{key}' needs a name")
        body = item.get(inner) or {}
        if not isinstance(body, dict):
            raise KubeconfigError(f"'{key}' entry {item['name']!r}: '{inner}' must be a mapping")
        out[item["name"]] = body
    return out


def _inline_files(block: dict[str, Any], base: Path | None, pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Replace file references with their ``*-data`` content when the file is readable."""
    out = dict(block)
    for path_key, data_key in pairs:
        ref = out.get(path_key)
        if not isinstance(ref, str) or data_key in out:
            continue
        path = Path(ref).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            out[data_key] = base64.b64encode(path.read_bytes()).decode()
        except OSError:
            continue
        del out[path_key]
    return out


def parse_kubeconfig(text: str | bytes, *, base_dir: Path | None = None) -> list[KubeContext]:
    """Every context of a kubeconfig, in file order; raises KubeconfigError when unusable."""
    if len(text) > MAX_KUBECONFIG_BYTES:
        raise KubeconfigError(f"the kubeconfig is larger than {MAX_KUBECONFIG_BYTES} bytes")
    budget = safe_load.Budget(max_bytes=MAX_KUBECONFIG_BYTES)
    try:
        doc = safe_load.yaml_document(text, what="kubeconfig", invalid=errors.ErrRequestValidation, budget=budget)
    except errors.ErrRequestValidation as exc:
        raise KubeconfigError(f"not YAML: {str(exc.detail).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        raise KubeconfigError("a kubeconfig is a YAML mapping with clusters, users and contexts")
    clusters = _named(doc, "clusters", "cluster")
    users = _named(doc, "users", "user")
    raw_contexts = _named(doc, "contexts", "context")
    if not raw_contexts:
        raise KubeconfigError("the kubeconfig has no contexts")
    current = doc.get("current-context") or ""
    contexts: list[KubeContext] = []
    for name, ctx in raw_contexts.items():
        cluster_name = ctx.get("cluster")
        user_name = ctx.get("user") or ""
        if not isinstance(cluster_name, str) or cluster_name not in clusters:
            raise KubeconfigError(f"context {name!r} names cluster {cluster_name!r}, which is not defined")
        if user_name and (not isinstance(user_name, str) or user_name not in users):
            raise KubeconfigError(f"context {name!r} names user {user_name!r}, which is not defined")
        cluster = _inline_files(
            clusters[cluster_name], base_dir, (("certificate-authority", "certificate-authority-data"),)
        )
        server = cluster.get("server")
        if not isinstance(server, str) or not server.startswith(("http://", "https://")):
            raise KubeconfigError(f"cluster {cluster_name!r} needs a server URL (http:// or https://)")
        auth = _inline_files(
            users.get(user_name, {}) if user_name else {},
            base_dir,
            (("client-certificate", "client-certificate-data"), ("client-key", "client-key-data")),
        )
        namespace = ctx.get("namespace") or ""
        contexts.append(
            KubeContext(
                name=name,
                server=server.rstrip("/"),
                cluster_name=cluster_name,
                cluster=cluster,
                user_name=user_name or f"{name}-user",
                auth=auth,
                namespace=namespace if isinstance(namespace, str) else "",
                current=name == current,
            )
        )
    return contexts
