"""meshery.kube.KubeClient against the Kubernetes API emulator (real HTTP, bearer token)."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from meshery.kube import KubeClient, KubeError, KubeExpired, KubeUnreachable, parse_kubeconfig
from tests.fixtures.kubeemu import TOKEN
from tests.kubeemu import KubeEmulator, pod


async def make_client(emu: KubeEmulator, token: str = TOKEN) -> KubeClient:
    (ctx,) = parse_kubeconfig(yaml.safe_dump(emu.kubeconfig("emu", token=token)))
    return await KubeClient.create(ctx)


async def test_version_discovery_and_paged_list(kube_emulator: KubeEmulator) -> None:
    kube_emulator.seed_pods(7, namespace="p")
    async with await make_client(kube_emulator) as client:
        assert (await client.version())["gitVersion"].startswith("v1.")
        assert await client.cluster_id() == kube_emulator.cluster_id
        resources = {r.id: r for r in await client.discover()}
        pods = resources["pods.v1."]
        assert pods.namespaced and pods.kind == "Pod" and "watch" in pods.verbs
        assert "deployments.v1.apps" in resources
        first = await client.list(pods, limit=5)
        assert len(first["items"]) == 5 and first["metadata"]["continue"]
        rest = await client.list(pods, limit=5, continue_=first["metadata"]["continue"])
        assert len(rest["items"]) == 2


async def test_watch_events_and_expiry(kube_emulator: KubeEmulator) -> None:
    async with await make_client(kube_emulator) as client:
        pods = await client.resource_for("v1", "Pod")
        rv = (await client.list(pods))["metadata"]["resourceVersion"]
        seen: list[str] = []

        async def watch() -> None:
            async for event in client.watch(pods, resource_version=rv, timeout_seconds=5):
                if event["type"] != "BOOKMARK":
                    seen.append(f"{event['type']} {event['object']['metadata']['name']}")
                if len(seen) == 2:
                    return

        task = asyncio.create_task(watch())
        await asyncio.sleep(0.2)
        kube_emulator.seed([pod("w1", namespace="default")])
        kube_emulator.delete("v1", "Pod", "w1", "default")
        await asyncio.wait_for(task, 5)
        assert seen == ["ADDED w1", "DELETED w1"]
        kube_emulator.compact()
        with pytest.raises(KubeExpired):
            async for _ in client.watch(pods, resource_version=rv, timeout_seconds=2):
                pass


async def test_server_side_apply_get_delete(kube_emulator: KubeEmulator) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "default"},
        "data": {"a": "1"},
    }
    async with await make_client(kube_emulator) as client:
        await client.apply(cm)
        await client.apply({**cm, "data": {"b": "2"}})
        stored = await client.get("v1", "ConfigMap", "c", "default")
        assert stored is not None and stored["data"] == {"b": "2"}  # the dropped field is removed (SSA)
        assert await client.delete(cm) is True
        assert await client.delete(cm) is False
        assert await client.get("v1", "ConfigMap", "c", "default") is None


async def test_unreachable_and_unauthorized(kube_emulator: KubeEmulator) -> None:
    async with await make_client(kube_emulator, token="wrong") as client:
        with pytest.raises(KubeError) as info:
            await client.version()
        assert info.value.status == 401
    async with await make_client(kube_emulator) as client:
        kube_emulator.stop()
        try:
            with pytest.raises(KubeUnreachable):
                await client.version()
        finally:
            kube_emulator.start()
