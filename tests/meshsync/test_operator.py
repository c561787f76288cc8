"""Operator mode: upstream MeshSync messages over a real NATS, read back through REST.

Messages are built exactly as upstream's broker.Message (capitalised keys, raw-JSON spec and
status). Two server instances on one PostgreSQL and one NATS store each message once (queue
group), and the server asks MeshSync for its store at start.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from starlette.applications import Starlette

from meshery.app import create_app
from meshery.config import Settings
from meshery.meshsync.operator import CORE_SUBJECT, REQUEST_SUBJECT, STORE_SUBJECT
from tests.fixtures.app import app_settings
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.nats import NatsServer
from tests.fixtures.ownership import own_clusters
from tests.meshsync import samples

pytestmark = pytest.mark.nats


async def eventually(check: Callable[[], Any], within: float = 60.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
async def nats_client(nats_server: NatsServer) -> AsyncIterator[Any]:
    nats_server.start()
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


async def start_app(stack: AsyncExitStack, settings: Settings) -> Starlette:
    app = create_app(settings)
    await stack.enter_async_context(app.router.lifespan_context(app))
    return app


async def test_messages_are_stored_and_read_back(
    nats_server: NatsServer, nats_client: Any, tmp_path: Path, database_url: str, contract: ContractChecker
) -> None:
    requests: list[dict[str, Any]] = []
    got_request = asyncio.Event()

    async def on_request(msg: Any) -> None:
        requests.append(json.loads(msg.data))
        got_request.set()

    await nats_client.subscribe(REQUEST_SUBJECT, cb=on_request)
    await nats_client.flush()
    settings = app_settings(user_data_folder=tmp_path / "m", database_url=database_url, nats_url=nats_server.url,
                        meshsync_default_deployment_mode="operator")  # fmt: skip
    async with AsyncExitStack() as stack:
        app = await start_app(stack, settings)
        await asyncio.wait_for(got_request.wait(), 5)
        assert requests[0]["Request"] == {"Entity": "informer-store", "Payload": {"Reply": STORE_SUBJECT}}
        client = await stack.enter_async_context(contract_client(app, contract))
        await own_clusters(app.state.meshery.services.store, samples.CLUSTER)  # the user sees their cluster's data

        await nats_client.publish(CORE_SUBJECT, samples.event_message("ADDED", samples.pod("a")))
        await nats_client.publish(CORE_SUBJECT, samples.event_message("ADDED", samples.pod("gone")))
        await nats_client.publish(CORE_SUBJECT, samples.event_message("MODIFIED", samples.pod("a", labels={"v": "2"})))
        await nats_client.publish(CORE_SUBJECT, samples.event_message("DELETED", samples.pod("gone")))
        await nats_client.publish(CORE_SUBJECT, b"not json")
        await nats_client.publish(CORE_SUBJECT, b'{"ObjectType": "meshsync-data", "EventType": "ADDED", "Object": 3}')
        await nats_client.publish(STORE_SUBJECT, samples.store_message([samples.namespace(f"ns{i}") for i in range(5)]))

        async def listed() -> Any:
            body = (await client.get("/api/system/meshsync/resources", params={"pagesize": 50, "spec": "true"})).json()
            return body if body["total_count"] == 6 else None

        body = await eventually(listed)
        names = sorted(r["metadata"]["name"] for r in body["resources"])
        assert names == ["a", "ns0", "ns1", "ns2", "ns3", "ns4"]
        pod = next(r for r in body["resources"] if r["kind"] == "Pod")
        assert pod["id"] == base64.b64encode(f"{samples.CLUSTER}.Pod.v1.default.a".encode()).decode()
        assert pod["cluster_id"] == samples.CLUSTER
        assert [(kv["key"], kv["value"]) for kv in pod["metadata"]["labels"]] == [("v", "2")]
        assert json.loads(pod["spec"]["attribute"])["containers"][0]["image"] == "nginx:1.27"
        consumer = app.state.meshery.services.kube.operator
        assert consumer.rejected == 2


@pytest.mark.postgres
async def test_two_replicas_store_each_message_once(
    nats_server: NatsServer, nats_client: Any, tmp_path: Path, pg_url: str
) -> None:
    async with AsyncExitStack() as stack:
        apps = [
            await start_app(stack, app_settings(user_data_folder=tmp_path / f"r{i}", database_url=pg_url,
                                            nats_url=nats_server.url, meshsync_default_deployment_mode="operator"))
            for i in range(2)
        ]  # fmt: skip
        consumers = [a.state.meshery.services.kube.operator for a in apps]
        await own_clusters(apps[0].state.meshery.services.store, samples.CLUSTER)  # the user sees their cluster's data
        total = 200
        for i in range(total):
            await nats_client.publish(CORE_SUBJECT, samples.event_message("ADDED", samples.pod(f"p{i}")))
        await nats_client.flush()

        async def all_received() -> bool:
            return sum(c.received for c in consumers) >= total

        await eventually(all_received)
        await asyncio.sleep(0.3)  # a duplicate delivery would show up by now
        assert sum(c.received for c in consumers) == total
        assert all(c.received > 0 for c in consumers)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://t")
        async with client:

            async def stored() -> bool:
                body = (await client.get("/api/system/meshsync/resources", params={"kind": "Pod"})).json()
                return bool(body["total_count"] == total)

            await eventually(stored)
