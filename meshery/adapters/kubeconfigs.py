"""The kubeconfigs an adapter operation targets, one self-contained document per context.

Upstream sends one generated kubeconfig per target context (``KubernetesMiddleware`` picks the
contexts from the repeated ``contexts`` query parameter, else the user's loaded ones).
``KubeconfigSource`` is that lookup. ``ConnectionKubeconfigs`` answers it from the Kubernetes
contexts uploaded as connections (ids as upstream: connection id or context id; none given:
the user's connected ones), and hands names it does not know to ``FolderKubeconfigs``, which
reads the kubeconfig file under ``KUBECONFIG_FOLDER`` and names contexts by their kubeconfig
names.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from generated import errors
from meshery import contexts as kube_contexts
from meshery import safe_load
from meshery.connections import CONNECTED
from meshery.store import connections as repo

if TYPE_CHECKING:
    from meshery.context import Services


class ContextNotFound(LookupError):
    """A named context is not in the kubeconfig, or the kubeconfig cannot be read."""


class KubeconfigSource(Protocol):
    async def kubeconfigs(self, user_id: str, contexts: list[str]) -> list[str]:
        """One kubeconfig (YAML) per target context; ``all`` means every context."""
        ...


def _by_name(items: Any) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in items or [] if isinstance(i, dict) and isinstance(i.get("name"), str)}


def split(config: dict[str, Any], names: list[str]) -> list[str]:
    """Self-contained kubeconfigs for ``names`` (none given: the current context, if any)."""
    contexts, clusters, users = (_by_name(config.get(k)) for k in ("contexts", "clusters", "users"))
    if not names:
        current = config.get("current-context")
        names = [current] if isinstance(current, str) and current in contexts else []
    elif "all" in names:
        names = list(contexts)
    missing = [n for n in names if n not in contexts]
    if missing:
        raise ContextNotFound(f"no context named {', '.join(repr(m) for m in missing)} in the kubeconfig")
    documents = []
    for name in dict.fromkeys(names):
        ctx = contexts[name]
        spec = ctx.get("context") or {}
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": name,
            "contexts": [ctx],
            "clusters": [c for c in [clusters.get(str(spec.get("cluster")))] if c],
            "users": [u for u in [users.get(str(spec.get("user")))] if u],
            "preferences": {},
        }
        documents.append(yaml.safe_dump(doc, sort_keys=False))
    return documents


class FolderKubeconfigs:
    """Contexts of ``<KUBECONFIG_FOLDER>/config``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "config"

    async def kubeconfigs(self, user_id: str, contexts: list[str]) -> list[str]:
        if not self.path.is_file():
            if contexts:
                raise ContextNotFound(f"there is no kubeconfig at {self.path}")
            return []
        try:
            config = safe_load.yaml_document(
                self.path.read_text(), what="kubeconfig", invalid=errors.ErrRequestValidation
            )
        except (OSError, errors.MesheryError) as exc:
            raise ContextNotFound(f"the kubeconfig at {self.path} cannot be read: {exc}") from None
        if not isinstance(config, dict):
            raise ContextNotFound(f"the kubeconfig at {self.path} is not a mapping")
        return split(config, contexts)


class ConnectionKubeconfigs:
    """Contexts uploaded with ``POST /api/system/kubernetes`` (connections of kind kubernetes)."""

    def __init__(self, services: Services, fallback: KubeconfigSource) -> None:
        self.services = services
        self.fallback = fallback

    async def _document(self, conn: Any) -> str:
        context = await self.services.kube.context_of(conn)
        return yaml.safe_dump(context.config_dict(), sort_keys=False)

    async def kubeconfigs(self, user_id: str, contexts: list[str]) -> list[str]:
        store = self.services.store
        if not contexts or "all" in contexts:
            connected = [c for c in await repo.connections_by_kind(store, "kubernetes", [CONNECTED])
                         if c.user_id in (None, user_id)]
            if connected:
                return [await self._document(c) for c in connected]
            return await self.fallback.kubeconfigs(user_id, contexts)
        documents, unknown = [], []
        for context_id in dict.fromkeys(contexts):
            try:
                conn = await kube_contexts.find(self.services, context_id)
            except errors.ErrKubernetesContextNotFound:
                unknown.append(context_id)
                continue
            try:
                documents.append(await self._document(conn))
            except errors.MesheryError as exc:
                raise ContextNotFound(f"context {context_id}: {exc.message}") from None
        if unknown:
            documents.extend(await self.fallback.kubeconfigs(user_id, unknown))
        return documents
