"""Designs and cluster set-up shared by the deploy tests and the deploy benchmark."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.kubeemu import KubeContext, KubeEmulator, write_kubeconfig

GROUP = "deploytest.meshery.io"


def component(kind: str, api_version: str, config: dict[str, Any], *, model: str = "kubernetes") -> dict[str, Any]:
    """One canonical v1beta1 component (``configuration`` is the object without apiVersion/kind)."""
    return {
        "id": str(uuid.uuid4()),
        "schemaVersion": "components.meshery.io/v1beta1",
        "version": "v1.0.0",
        "displayName": config.get("metadata", {}).get("name", kind.lower()),
        "component": {"kind": kind, "version": api_version, "schema": ""},
        "model": {"name": model},
        "configuration": config,
    }


def design(name: str, components: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "schemaVersion": "designs.meshery.io/v1beta1",
        "version": "0.0.1",
        "metadata": {},
        "components": components,
        "relationships": [],
    }


def crd(plural: str = "widgets", kind: str = "Widget") -> dict[str, Any]:
    return {
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind, "listKind": f"{kind}List"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


def full_design(namespace: str = "shop") -> dict[str, Any]:
    """Namespace, ConfigMap, Deployment, Service, a CRD and one of its objects (given out of order)."""
    labels = {"app": "web"}
    return design(
        "shop",
        [
            component(
                "Widget", f"{GROUP}/v1", {"metadata": {"name": "gadget", "namespace": namespace}, "spec": {"size": 3}}
            ),
            component(
                "Deployment",
                "apps/v1",
                {
                    "metadata": {"name": "web", "namespace": namespace, "labels": labels},
                    "spec": {
                        "replicas": 2,
                        "selector": {"matchLabels": labels},
                        "template": {
                            "metadata": {"labels": labels},
                            "spec": {
                                "containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]
                            },
                        },
                    },
                },
            ),
            component(
                "Service",
                "v1",
                {
                    "metadata": {"name": "web", "namespace": namespace},
                    "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": 80}]},
                },
            ),
            component(
                "ConfigMap", "v1", {"metadata": {"name": "settings", "namespace": namespace}, "data": {"mode": "fast"}}
            ),
            component("CustomResourceDefinition", "apiextensions.k8s.io/v1", crd()),
            component("Namespace", "v1", {"metadata": {"name": namespace, "labels": {"team": "shop"}}}),
        ],
    )


def configmaps_design(count: int, namespace: str = "bench") -> dict[str, Any]:
    """A namespace and ``count - 1`` ConfigMaps in it: ``count`` objects."""
    comps = [component("Namespace", "v1", {"metadata": {"name": namespace}})]
    comps += [
        component(
            "ConfigMap", "v1", {"metadata": {"name": f"cm-{i:05d}", "namespace": namespace}, "data": {"i": str(i)}}
        )
        for i in range(count - 1)
    ]
    return design(f"bench-{count}", comps)


def as_yaml(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False)


async def upload(client: httpx.AsyncClient, kubeconfig: bytes) -> dict[str, Any]:
    """Upload a kubeconfig; the upload answer (connected and errored contexts)."""
    answer = await client.post("/api/system/kubernetes", files={"k8sfile": ("config", kubeconfig)})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def kubeconfig_with_down(emu: KubeEmulator, path: Path) -> bytes:
    """The emulator's context plus a context named ``down`` whose server refuses connections."""
    down = KubeContext(name="down", server="http://127.0.0.1:9")
    return write_kubeconfig(path, [emu.context("emulated"), down], current="emulated").read_bytes()


def manifests(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for comp in doc["components"]:
        yield {"apiVersion": comp["component"]["version"], "kind": comp["component"]["kind"], **comp["configuration"]}
