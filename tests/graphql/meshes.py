"""Pods and services of service meshes, as MeshSync discovers them, for the mesh queries' tests."""

from __future__ import annotations

from typing import Any


def mesh_pod(
    name: str,
    namespace: str,
    containers: list[tuple[str, str]],
    *,
    generate_name: str | None = None,
    ports: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A running pod with the given (container name, image) pairs; the first gets ``ports``."""
    specs: list[dict[str, Any]] = [{"name": c, "image": i} for c, i in containers]
    if ports:
        specs[0]["ports"] = ports
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": f"uid-{namespace}-{name}"}
    meta["labels"] = {"app": name}
    if generate_name:
        meta["generateName"] = generate_name
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": specs},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {"name": c, "image": i, "ready": True, "restartCount": 1, "started": True,
                 "imageID": f"{i}@sha256:00", "containerID": f"containerd://{name}-{c}",
                 "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}, "lastState": {}}
                for c, i in containers
            ],
        },
    }  # fmt: skip


def mesh_service(name: str, namespace: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-svc-{namespace}-{name}",
                     "labels": labels or {"app": name}},
        "spec": {"clusterIP": "10.0.0.9", "ports": [{"name": "http", "port": 9090}]},
        "status": {"loadBalancer": {}},
    }  # fmt: skip


def mesh_objects() -> list[dict[str, Any]]:
    """Istio (istiod + gateway + a sidecar in an app namespace), Linkerd, Cilium and add-ons."""
    return [
        mesh_pod("istiod-7d4f9-abcde", "istio-system", [("discovery", "docker.io/istio/pilot:1.22.1")],
                 generate_name="istiod-7d4f9-"),
        mesh_pod("istio-ingressgateway-5f-xyz", "istio-system", [("istio-proxy", "docker.io/istio/proxyv2:1.22.1")],
                 generate_name="istio-ingressgateway-5f-"),
        mesh_pod("productpage-v1-1", "bookinfo",
                 [("productpage", "docker.io/istio/examples-bookinfo-productpage-v1:1.18.0"),
                  ("istio-proxy", "docker.io/istio/proxyv2:1.22.1")],
                 ports=[{"name": "http", "containerPort": 9080, "protocol": "TCP"}]),
        mesh_pod("linkerd-destination-9-q", "linkerd", [("destination", "cr.l5d.io/linkerd/controller:edge-24.5.1")],
                 generate_name="linkerd-destination-9-"),
        mesh_pod("cilium-x1", "kube-system", [("cilium-agent", "quay.io/cilium/cilium:v1.15.5")],
                 generate_name="cilium-"),
        mesh_pod("coredns-1", "kube-system", [("coredns", "registry.k8s.io/coredns/coredns:v1.11.1")],
                 generate_name="coredns-"),
        mesh_service("prometheus", "istio-system"),
        mesh_service("grafana", "istio-system"),
        mesh_service("kiali", "istio-system"),
        mesh_service("kube-prometheus-stack-grafana", "monitoring", {"app.kubernetes.io/name": "grafana"}),
        mesh_service("web", "default"),
    ]  # fmt: skip
