"""Operations that deploy: the sample adapter server-side-applies to the Kubernetes emulator.

The server turns the named contexts of the kubeconfig under KUBECONFIG_FOLDER into one
kubeconfig each; the adapter applies with ``application/apply-patch+yaml`` over plain HTTP
(TLS with a bearer token for one of the two clusters) and reports progress as events.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from meshery.adapters.sample import kube
from meshery.adapters.sample.manifests import APP
from meshery.events import EVENTS_SUBJECT
from tests.adapters.conftest import RunningAdapter
from tests.kubeemu import KubeEmulator, write_kubeconfig


@pytest.fixture
async def clusters(tmp_path: Path) -> AsyncIterator[tuple[KubeEmulator, KubeEmulator]]:
    async with KubeEmulator(cluster_name="plain") as plain, KubeEmulator(
        cluster_name="secure", tls=True, tokens=["s3cret"]
    ) as secure:
        write_kubeconfig(
            tmp_path / "kube" / "config",
            [plain.context("plain"), secure.context("secure", token="s3cret")],
            current="plain",
        )
        yield plain, secure


async def _events(app: Starlette, operation_id: str, count: int, subscription: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def collect() -> None:
        async for message in subscription:
            event = json.loads(message.data)
            if event.get("operationId") == operation_id:
                found.append(event)
                if len(found) == count:
                    return

    await asyncio.wait_for(collect(), 10)
    return found


async def _run(client: httpx.AsyncClient, adapter: RunningAdapter, contexts: list[str], **form: str) -> str:
    response = await client.post(
        "/api/system/adapter/operation", params={"contexts": contexts}, data={"adapter": adapter.location, **form}
    )
    assert response.status_code == 200, response.text
    operation_id: str = response.json()["operation_id"]
    return operation_id


@pytest.mark.parametrize("backend", [("sqlite", "AdapterService")], indirect=True)
async def test_sample_application_is_applied_to_each_context_and_removed(
    adapter_app: Starlette,
    adapter_client: httpx.AsyncClient,
    sample_adapter: RunningAdapter,
    clusters: tuple[KubeEmulator, KubeEmulator],
) -> None:
    plain, secure = clusters
    services = adapter_app.state.meshery.services
    await services.adapters.tracker.wait_for(sample_adapter.location, "up", 5)
    await sample_adapter.subscribed()
    subscription = await services.bus.subscribe(EVENTS_SUBJECT)

    op = await _run(adapter_client, sample_adapter, ["all"], query="sample_app_install", namespace="demo")
    events = await _events(adapter_app, op, 4, subscription)  # installing + deployed, per context
    assert [e["severity"] for e in events] == ["informational"] * 4
    assert {e["description"] for e in events} >= {
        "Sample application deployed to context plain", "Sample application deployed to context secure"
    }
    for emu in (plain, secure):
        deployment = emu.get("apps/v1", "Deployment", APP, "demo")
        assert deployment is not None
        managers = {m["manager"] for m in deployment["metadata"]["managedFields"]}
        assert managers == {kube.FIELD_MANAGER}
        assert emu.get("v1", "Service", APP, "demo") is not None
        assert emu.get("v1", "Namespace", "demo") is not None
    patches = [r for r in secure.requests if r.method == "PATCH"]
    assert patches and all(r.query.get("fieldManager") == kube.FIELD_MANAGER for r in patches)

    # Undo on one context only: "removed" in the summary makes the action undeploy.
    op = await _run(adapter_client, sample_adapter, ["secure"], query="sample_app_install", namespace="demo",
                    deleteOp="on")
    events = await _events(adapter_app, op, 2, subscription)
    assert events[-1]["action"] == "undeploy"
    assert secure.get("apps/v1", "Deployment", APP, "demo") is None
    assert plain.get("apps/v1", "Deployment", APP, "demo") is not None


@pytest.mark.parametrize("backend", [("sqlite", "AdapterService")], indirect=True)
async def test_custom_manifest_and_cluster_check(
    adapter_app: Starlette,
    adapter_client: httpx.AsyncClient,
    sample_adapter: RunningAdapter,
    clusters: tuple[KubeEmulator, KubeEmulator],
) -> None:
    plain, _secure = clusters
    services = adapter_app.state.meshery.services
    await services.adapters.tracker.wait_for(sample_adapter.location, "up", 5)
    await sample_adapter.subscribed()
    subscription = await services.bus.subscribe(EVENTS_SUBJECT)

    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-meshery}\ndata: {k: v}\n"
    op = await _run(adapter_client, sample_adapter, [], query="custom", customBody=manifest)  # current context
    await _events(adapter_app, op, 2, subscription)
    assert plain.get("v1", "ConfigMap", "from-meshery", "default")["data"] == {"k": "v"}

    op = await _run(adapter_client, sample_adapter, ["plain", "secure"], query="validate_clusters")
    events = await _events(adapter_app, op, 2, subscription)
    assert all("answers (Kubernetes" in e["description"] for e in events)

    bad = await _run(adapter_client, sample_adapter, ["plain"], query="custom", customBody="kind: [")
    [event] = await _events(adapter_app, bad, 1, subscription)
    assert event["severity"] == "error" and "not YAML" in event["metadata"]["error"]["LongDescription"][0]


@pytest.mark.parametrize("backend", [("sqlite", "AdapterService")], indirect=True)
async def test_operation_targets_uploaded_contexts_by_id(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter, tmp_path: Path
) -> None:
    """Contexts uploaded as Kubernetes connections are addressed by id, as upstream's UI does."""
    async with KubeEmulator(cluster_name="uploaded") as emu:
        text = (tmp_path / "uploaded.yaml")
        write_kubeconfig(text, [emu.context("uploaded")])
        uploaded = await adapter_client.post(
            "/api/system/kubernetes", files={"k8sfile": ("config", text.read_bytes())}
        )
        assert uploaded.status_code == 200, uploaded.text
        [connected] = uploaded.json()["connected_contexts"]
        services = adapter_app.state.meshery.services
        await services.adapters.tracker.wait_for(sample_adapter.location, "up", 5)
        await sample_adapter.subscribed()
        subscription = await services.bus.subscribe(EVENTS_SUBJECT)
        for target, namespace in (([connected["connection_id"]], "by-id"), ([], "by-default")):
            op = await _run(adapter_client, sample_adapter, target, query="sample_app_install", namespace=namespace)
            events = await _events(adapter_app, op, 2, subscription)
            assert events[-1]["description"] == "Sample application deployed to context uploaded"
            assert emu.get("apps/v1", "Deployment", APP, namespace) is not None
