"""Recognising meshes in discovered objects: control-plane members, sidecar proxies, telemetry."""

from __future__ import annotations

import pytest

from meshery.meshsync import meshes
from tests.graphql.meshes import mesh_pod, mesh_service


@pytest.mark.parametrize(
    ("image", "version"),
    [
        ("docker.io/istio/pilot:1.22.1", "1.22.1"),
        ("istio/pilot:1.22.1@sha256:abc", "1.22.1"),
        ("localhost:5000/istio/pilot", "unknown"),
        ("pilot", "unknown"),
    ],
)
def test_member_version_is_the_first_images_tag(image: str, version: str) -> None:
    member = meshes.control_plane_member(mesh_pod("istiod-1", "istio-system", [("d", image)]), meshes.MESHES["ISTIO"])
    assert member is not None and member["version"] == version


def test_member_component_comes_from_generate_name_else_name() -> None:
    istio = meshes.MESHES["ISTIO"]
    named = meshes.control_plane_member(mesh_pod("istiod-abc", "istio-system", [("d", "x/y:1")]), istio)
    generated = meshes.control_plane_member(
        mesh_pod("x", "istio-system", [("d", "x/y:1")], generate_name="istio-egressgateway-5-"), istio
    )
    assert (named or {}).get("component") == "istiod" and (generated or {}).get("component") == "istio"


def test_shared_namespaces_need_the_meshs_image_organisation() -> None:
    cilium = meshes.MESHES["CILIUM_SERVICE_MESH"]
    assert meshes.control_plane_member(mesh_pod("cilium-1", "kube-system", [("a", "quay.io/cilium/cilium:v1")]), cilium)
    assert (
        meshes.control_plane_member(mesh_pod("dns", "kube-system", [("a", "registry.k8s.io/coredns/c:1")]), cilium)
        is None
    )


def test_proxies_by_sidecar_name_anywhere_and_by_proxy_in_the_meshs_namespaces() -> None:
    linkerd = meshes.MESHES["LINKERD"]
    app = mesh_pod("web", "shop", [("web", "nginx:1"), ("linkerd-proxy", "cr.l5d.io/linkerd/proxy:edge")])
    [proxy] = meshes.proxies(app, linkerd, in_mesh_namespace=False)
    assert (proxy["controlPlaneMemberName"], proxy["containerName"]) == ("web", "linkerd-proxy")
    other = mesh_pod("gw", "shop", [("gateway-proxy", "envoy:1")])
    assert meshes.proxies(other, linkerd, in_mesh_namespace=False) == []
    assert [p["containerName"] for p in meshes.proxies(other, linkerd, in_mesh_namespace=True)] == ["gateway-proxy"]
    bare = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "linkerd-proxy"}]}}
    [unstarted] = meshes.proxies(bare, linkerd, in_mesh_namespace=False)
    assert unstarted["status"]["ready"] is False and unstarted["ports"] == [] and unstarted["image"] == ""


def test_selected_meshes() -> None:
    assert meshes.selected_meshes(None) == meshes.selected_meshes("ALL_MESH") == list(meshes.MESHES)
    assert meshes.selected_meshes("KUMA") == ["KUMA"]
    assert meshes.selected_meshes("INVALID_MESH") == meshes.selected_meshes("TANZU") == []


def test_telemetry_by_name_or_label() -> None:
    assert meshes.is_telemetry(mesh_service("prometheus-server", "monitoring"))
    assert meshes.is_telemetry(mesh_service("metrics", "monitoring", {"app.kubernetes.io/name": "grafana"}))
    assert not meshes.is_telemetry(mesh_service("web", "default"))
