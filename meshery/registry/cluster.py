"""CRDs found in a connected cluster become components of generated models (``SKIP_COMP_GEN``).

Embedded MeshSync hands over the CustomResourceDefinitions it lists and watches. They are
grouped by API group; each group is one model (named after the group) whose components are
generated from the CRDs' served versions and registered like an uploaded package. A group is
registered again only when its CRDs change, so relists and restarts of discovery cost nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import defaultdict
from typing import Any

from meshery.context import Services
from meshery.events import NewEvent, raise_event
from meshery.registry.generate import generate

log = logging.getLogger(__name__)


def _group(crd: dict[str, Any]) -> str:
    spec = crd.get("spec")
    return str(spec.get("group") or "") if isinstance(spec, dict) else ""


def _fingerprint(crds: list[dict[str, Any]]) -> str:
    """Hash of what generation reads (names and specs), not of metadata that changes on every write."""
    parts = sorted(
        json.dumps([(c.get("metadata") or {}).get("name"), c.get("spec")], sort_keys=True, default=str) for c in crds
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class ClusterComponents:
    """Registers the CRDs of every cluster of one server; remembers what each group looked like."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._crds: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # group -> name -> CRD
        self._registered: dict[str, str] = {}  # group -> fingerprint last registered
        self._lock = asyncio.Lock()

    async def crds_seen(self, crds: list[dict[str, Any]], *, context: str) -> int:
        """Take listed or watched CRDs of a cluster; returns the number of components registered."""
        touched: set[str] = set()
        for crd in crds:
            group, name = _group(crd), str((crd.get("metadata") or {}).get("name") or "")
            if group and name:
                self._crds[group][name] = crd
                touched.add(group)
        registered = 0
        async with self._lock:
            for group in sorted(touched):
                try:
                    registered += await self._register(group, context)
                except Exception:  # one bad group must not stop discovery of the cluster
                    log.exception("components of CRD group %s (context %s) could not be generated", group, context)
        return registered

    async def _register(self, group: str, context: str) -> int:
        crds = list(self._crds[group].values())
        fingerprint = _fingerprint(crds)
        if self._registered.get(group) == fingerprint:
            return 0
        body = {
            "crds": "\n---\n".join(json.dumps(c, default=str) for c in crds),
            "model": {
                "name": group,
                "displayName": group,
                "registrant": {"kind": "kubernetes", "name": "Kubernetes", "type": "registry"},
                "metadata": {"source": "cluster", "context": context},
            },
            "register": True,
        }
        result = await generate(self.services, body)
        self._registered[group] = fingerprint
        count = len(result["components"]) if result["registered"] else 0
        problems = result["errors"]
        log.info(
            "context %s: %d components of CRD group %s registered (%d problems)", context, count, group, len(problems)
        )
        await raise_event(
            self.services,
            NewEvent(
                category="registry",
                action="register",
                severity="warning" if problems or not result["registered"] else "informational",
                description=f"{count} components generated from the CRDs of group {group} found in context {context}.",
                metadata={"model": group, "context": context, "components": count, "errors": problems[:20]},
            ),
        )
        return count
