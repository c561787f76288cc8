"""The kubeconfigs an adapter operation targets, one self-contained document per context.

Upstream sends one generated kubeconfig per target context (``KubernetesMiddleware`` picks the
contexts from the repeated ``contexts`` query parameter, else the user's loaded ones).
``KubeconfigSource`` is that lookup; ``FolderKubeconfigs`` answers it from the kubeconfig file
under ``KUBECONFIG_FOLDER``, naming contexts by their kubeconfig names. When Kubernetes
connections have their own store, a source over it replaces this one in
``meshery.adapters.service``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import yaml


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
            config = yaml.safe_load(self.path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise ContextNotFound(f"the kubeconfig at {self.path} cannot be read: {exc}") from None
        if not isinstance(config, dict):
            raise ContextNotFound(f"the kubeconfig at {self.path} is not a mapping")
        return split(config, contexts)
