"""Kubeconfig files for one or more emulators (one context per cluster/token pair)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class KubeContext:
    """One kubeconfig context: a server URL and how to authenticate to it."""

    name: str
    server: str
    token: str | None = None
    namespace: str | None = None
    cluster: str | None = None
    user: str | None = None
    #: base64 PEM of the CA, for https servers; ``insecure`` skips verification instead.
    ca_data: str | None = None
    insecure: bool = False
    #: base64 PEM client certificate and key (mutual TLS instead of a token).
    client_cert_data: str | None = None
    client_key_data: str | None = None


def kubeconfig(contexts: list[KubeContext], current: str | None = None) -> dict[str, Any]:
    """A kubeconfig document (``clusters``, ``users``, ``contexts``, ``current-context``)."""
    clusters: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    entries = []
    for ctx in contexts:
        cluster_name = ctx.cluster or ctx.name
        user_name = ctx.user or f"{ctx.name}-user"
        cluster: dict[str, Any] = {"server": ctx.server}
        if ctx.ca_data:
            cluster["certificate-authority-data"] = ctx.ca_data
        if ctx.insecure:
            cluster["insecure-skip-tls-verify"] = True
        clusters[cluster_name] = cluster
        user: dict[str, Any] = {"token": ctx.token} if ctx.token else {}
        if ctx.client_cert_data and ctx.client_key_data:
            user["client-certificate-data"] = ctx.client_cert_data
            user["client-key-data"] = ctx.client_key_data
        users[user_name] = user
        context: dict[str, Any] = {"cluster": cluster_name, "user": user_name}
        if ctx.namespace:
            context["namespace"] = ctx.namespace
        entries.append({"name": ctx.name, "context": context})
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": entries,
        "current-context": current or (contexts[0].name if contexts else ""),
    }


def write_kubeconfig(path: str | Path, contexts: list[KubeContext], current: str | None = None) -> Path:
    """Write a kubeconfig (mode 0600, as kubectl does) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(kubeconfig(contexts, current), sort_keys=False))
    target.chmod(0o600)
    return target
