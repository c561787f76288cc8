"""The real ``kubernetes`` Python client against the emulator: CRUD, patches, lists, watches."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kubernetes import client, config, dynamic, watch

from tests.fixtures.kubeemu import TOKEN
from tests.kubeemu import KubeEmulator


@pytest.fixture
def api(kube_emulator: KubeEmulator) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config_dict(kube_emulator.kubeconfig())
    yield api_client
    api_client.close()


def _cm(name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels or {}}, "data": data}


def _deployment(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
            },
            **spec,
        },
    }


def _raw(emu: KubeEmulator, path: str, body: Any, patch_type: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": f"application/{patch_type}+json"}
    return httpx.request("PATCH", emu.url + path, json=body, headers=headers)


def test_version_with_trailing_slash(api: client.ApiClient) -> None:
    info = client.VersionApi(api).get_code()
    assert (info.major, info.minor, info.go_version) == ("1", "32", "go1.23.0")


def test_crud_and_status_errors(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    created = v1.create_namespaced_config_map("default", _cm("x", {"a": "1"}))
    assert created.metadata.uid and created.metadata.resource_version
    with pytest.raises(client.ApiException) as exists:
        v1.create_namespaced_config_map("default", _cm("x", {"a": "1"}))
    assert exists.value.status == 409
    assert '"reason":"AlreadyExists"' in exists.value.body
    with pytest.raises(client.ApiException) as invalid:
        v1.create_namespaced_config_map("default", _cm("Not_Valid", {}))
    assert invalid.value.status == 422
    with pytest.raises(client.ApiException) as no_ns:
        v1.create_namespaced_config_map("missing", _cm("y", {}))
    assert no_ns.value.status == 404

    stale = created.to_dict()
    v1.replace_namespaced_config_map("x", "default", {**_cm("x", {"a": "2"}), "metadata": {"name": "x"}})
    with pytest.raises(client.ApiException) as conflict:
        stale_body = {"metadata": {"name": "x", "resourceVersion": stale["metadata"]["resource_version"]}, "data": {}}
        v1.replace_namespaced_config_map("x", "default", stale_body)
    assert conflict.value.status == 409

    status = v1.delete_namespaced_config_map("x", "default")
    assert status["status"] == "Success"  # the client returns the Status (or object) as a dict
    with pytest.raises(client.ApiException) as gone:
        v1.read_namespaced_config_map("x", "default")
    assert gone.value.status == 404
    assert '"reason":"NotFound"' in gone.value.body


def test_bad_token_gets_401(kube_emulator: KubeEmulator) -> None:
    bad = config.new_client_from_config_dict(kube_emulator.kubeconfig(token="wrong"))
    with pytest.raises(client.ApiException) as denied:
        client.CoreV1Api(bad).list_namespace()
    assert denied.value.status == 401
    bad.close()


def test_patch_flavours(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    body = _deployment("web")
    body["spec"]["template"]["spec"]["containers"] = [
        {"name": "main", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}]},
        {"name": "side", "image": "busybox"},
    ]
    apps.create_namespaced_deployment("default", body)
    # Strategic merge (the client's default for a dict): containers merge by name.
    patched = apps.patch_namespaced_deployment(
        "web", "default", {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}}
    )
    containers = patched.spec.template.spec.containers
    assert [(c.name, c.image) for c in containers] == [("main", "nginx:1.28"), ("side", "busybox")]
    assert containers[0].env[0].name == "A"
    # JSON patch (a list body).
    patched = apps.patch_namespaced_deployment(
        "web", "default", [{"op": "replace", "path": "/spec/replicas", "value": 4}]
    )
    assert patched.spec.replicas == 4
    assert patched.metadata.generation == 3


def test_merge_patch_on_custom_resources_and_smp_refused(api: client.ApiClient, kube_emulator: KubeEmulator) -> None:
    ext = client.ApiextensionsV1Api(api)
    ext.create_custom_resource_definition(
        {
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Cluster",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {}}}],
            },
        }
    )
    custom = client.CustomObjectsApi(api)
    custom.create_cluster_custom_object(
        "example.com",
        "v1",
        "widgets",
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"a": 1, "b": {"c": 2}}},
    )
    merged = custom.patch_cluster_custom_object("example.com", "v1", "widgets", "w", {"spec": {"b": None, "d": 3}})
    assert merged["spec"] == {"a": 1, "d": 3}
    refused = _raw(kube_emulator, "/apis/example.com/v1/widgets/w", {"spec": {}}, "strategic-merge-patch")
    assert refused.status_code == 415
    assert kube_emulator.get("example.com/v1", "Widget", "w") is not None


def test_list_selectors_and_pages(api: client.ApiClient, kube_emulator: KubeEmulator) -> None:
    v1 = client.CoreV1Api(api)
    for n in range(7):
        v1.create_namespaced_config_map("default", _cm(f"c{n}", {}, {"tier": "a" if n % 2 else "b", "n": str(n)}))
    assert len(v1.list_namespaced_config_map("default", label_selector="tier=a").items) == 3
    assert len(v1.list_namespaced_config_map("default", label_selector="tier!=a,n").items) == 4
    assert len(v1.list_namespaced_config_map("default", label_selector="n in (1,2,3)").items) == 3
    assert len(v1.list_namespaced_config_map("default", label_selector="!tier").items) == 0
    one = v1.list_config_map_for_all_namespaces(field_selector="metadata.name=c3")
    assert [i.metadata.name for i in one.items] == ["c3"]
    with pytest.raises(client.ApiException) as bad:
        v1.list_namespaced_config_map("default", label_selector="tier in a")
    assert bad.value.status == 400

    names, token = [], None
    while True:
        page = v1.list_namespaced_config_map("default", limit=3, _continue=token)
        names += [i.metadata.name for i in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert names == [f"c{n}" for n in range(7)]

    token = v1.list_namespaced_config_map("default", limit=3).metadata._continue
    v1.create_namespaced_config_map("default", _cm("later", {}))
    kube_emulator.compact()
    with pytest.raises(client.ApiException) as expired:
        v1.list_namespaced_config_map("default", limit=3, _continue=token)
    assert expired.value.status == 410


def test_watch_streams_added_modified_deleted_with_bookmarks(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    start = v1.list_namespaced_config_map("default").metadata.resource_version
    w = watch.Watch()
    seen: list[tuple[str, str]] = []
    bookmarks: list[Any] = []

    def write() -> None:
        time.sleep(0.3)
        v1.create_namespaced_config_map("default", _cm("w", {"a": "1"}))
        v1.patch_namespaced_config_map("w", "default", {"data": {"a": "2"}})
        time.sleep(0.3)  # at least one bookmark (every 0.2 s in the fixture)
        v1.delete_namespaced_config_map("w", "default")

    writer = threading.Thread(target=write)
    writer.start()
    for event in w.stream(
        v1.list_namespaced_config_map, "default", resource_version=start, allow_watch_bookmarks=True, timeout_seconds=5
    ):
        if event["type"] == "BOOKMARK":
            bookmarks.append(event["object"])
            continue
        seen.append((event["type"], event["object"].metadata.name))
        if event["type"] == "DELETED":
            w.stop()
    writer.join()
    assert seen == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")]
    assert bookmarks
    assert isinstance(bookmarks[0], dict)  # the client yields bookmarks as raw dicts
    assert int(bookmarks[-1]["metadata"]["resourceVersion"]) >= int(start)


def test_watch_resumes_from_resource_version_and_expires_with_410(
    api: client.ApiClient, kube_emulator: KubeEmulator
) -> None:
    v1 = client.CoreV1Api(api)
    first = v1.create_namespaced_config_map("default", _cm("r1", {}))
    v1.create_namespaced_config_map("default", _cm("r2", {}))
    events = list(
        watch.Watch().stream(
            v1.list_namespaced_config_map,
            "default",
            resource_version=first.metadata.resource_version,
            timeout_seconds=1,
        )
    )
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", "r2")]

    kube_emulator.compact()
    with pytest.raises(client.ApiException) as expired:
        for _ in watch.Watch().stream(
            v1.list_namespaced_config_map,
            "default",
            resource_version=first.metadata.resource_version,
            timeout_seconds=1,
        ):
            pass
    assert expired.value.status == 410
    # The recovery a client does: relist, then watch from the list's resourceVersion.
    listed = v1.list_namespaced_config_map("default")
    assert sorted(i.metadata.name for i in listed.items) == ["r1", "r2"]
    assert (
        list(
            watch.Watch().stream(
                v1.list_namespaced_config_map,
                "default",
                resource_version=listed.metadata.resource_version,
                timeout_seconds=1,
            )
        )
        == []
    )


def test_watch_without_resource_version_starts_with_current_objects(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    events = list(watch.Watch().stream(v1.list_namespace, timeout_seconds=1))
    assert {e["type"] for e in events} == {"ADDED"}
    assert "kube-system" in {e["object"].metadata.name for e in events}


def test_send_initial_events_ends_with_annotated_bookmark(api: client.ApiClient) -> None:
    v1 = client.CoreV1Api(api)
    response = v1.list_namespace(
        watch=True,
        send_initial_events=True,
        resource_version_match="NotOlderThan",
        allow_watch_bookmarks=True,
        timeout_seconds=1,
        _preload_content=False,
    )
    import json

    lines = [json.loads(line) for line in response.data.decode().splitlines() if line]
    adds = [line for line in lines if line["type"] == "ADDED"]
    assert len(adds) == 4
    marker = next(line for line in lines if line["type"] == "BOOKMARK")
    assert marker["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    with pytest.raises(client.ApiException) as refused:
        v1.list_namespace(watch=True, send_initial_events=True, timeout_seconds=1, _preload_content=False)
    assert refused.value.status == 422


def test_dynamic_client_server_side_apply(api: client.ApiClient, kube_emulator: KubeEmulator) -> None:
    dyn = dynamic.DynamicClient(api)
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    body = _deployment("d1", replicas=2)
    created = deployments.server_side_apply(body=body, namespace="default", field_manager="meshery")
    assert created.metadata.name == "d1"
    assert [m["manager"] for m in created.metadata.managedFields] == ["meshery"]
    assert any(r.method == "PATCH" and r.status == 201 for r in kube_emulator.requests)
    body["spec"]["replicas"] = 3
    updated = deployments.server_side_apply(body=body, namespace="default", field_manager="meshery")
    assert updated.spec.replicas == 3
    assert kube_emulator.requests[-1].status == 200
    assert len(deployments.get(namespace="default").items) == 1


def test_crd_is_discoverable_by_the_dynamic_client(api: client.ApiClient, kube_emulator: KubeEmulator) -> None:
    client.ApiextensionsV1Api(api).create_custom_resource_definition(
        {
            "metadata": {"name": "meshsyncs.meshery.io"},
            "spec": {
                "group": "meshery.io",
                "scope": "Namespaced",
                "names": {"plural": "meshsyncs", "singular": "meshsync", "kind": "MeshSync"},
                "versions": [
                    {"name": "v1alpha1", "served": True, "storage": False},
                    {"name": "v1alpha2", "served": True, "storage": True, "subresources": {"status": {}}},
                ],
            },
        }
    )
    dyn = dynamic.DynamicClient(api)
    meshsyncs = dyn.resources.get(api_version="meshery.io/v1alpha2", kind="MeshSync")
    client.CoreV1Api(api).create_namespace({"metadata": {"name": "meshery"}})
    meshsyncs.create(
        body={"apiVersion": "meshery.io/v1alpha2", "kind": "MeshSync", "metadata": {"name": "m"}, "spec": {"size": 1}},
        namespace="meshery",
    )
    old = dyn.resources.get(api_version="meshery.io/v1alpha1", kind="MeshSync")
    assert old.get(name="m", namespace="meshery").spec.size == 1  # every served version sees it
    # Status subresource: the main resource keeps status, /status changes only status.
    meshsyncs.patch(
        name="m", namespace="meshery", body={"status": {"x": 1}}, content_type="application/merge-patch+json"
    )
    assert "status" not in meshsyncs.get(name="m", namespace="meshery").to_dict()
    path = "/apis/meshery.io/v1alpha2/namespaces/meshery/meshsyncs/m/status"
    assert _raw(kube_emulator, path, {"status": {"x": 1}, "spec": {"size": 9}}, "merge-patch").status_code == 200
    got = meshsyncs.get(name="m", namespace="meshery")
    assert (got.status.x, got.spec.size) == (1, 1)


async def test_asyncio_client_lists_and_watches(kube_emulator: KubeEmulator) -> None:
    from kubernetes.aio import client as aclient
    from kubernetes.aio import config as aconfig
    from kubernetes.aio import watch as awatch

    api = await aconfig.new_client_from_config_dict(kube_emulator.kubeconfig())
    v1 = aclient.CoreV1Api(api)
    start = (await v1.list_namespaced_config_map("default")).metadata.resource_version

    async def write() -> None:
        await asyncio.sleep(0.2)
        await v1.create_namespaced_config_map("default", _cm("a", {}))
        await v1.delete_namespaced_config_map("a", "default")

    writer = asyncio.create_task(write())
    seen = []
    w = awatch.Watch()
    async for event in w.stream(v1.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=3):
        seen.append(event["type"])
        if event["type"] == "DELETED":
            w.stop()
    await writer
    await api.close()
    assert seen == ["ADDED", "DELETED"]
