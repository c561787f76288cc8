"""Two users (alice, bob) of the reference remote provider on one server, SQLite and PostgreSQL.

``world`` starts an app under the reference provider on an empty database of the test's backend
and gives each user a client with their session and a set of stored records of their own
(``Records``): connections (Kubernetes and Meshery), a Kubernetes context, a MeshSync resource
of their cluster, a private design, a private filter, an event, an environment, a workspace and a credential.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from meshery.app import create_app
from meshery.config import Settings
from meshery.meshsync.ingest import Change, write_changes
from meshery.store import perf as perf_store
from tests.fixtures.app import SharedApp, app_settings, shared_for
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.ownership import own_clusters
from tests.fixtures.remote_provider import RemoteProviderProcess
from tests.meshsync import samples

DESIGN = """name: {name}
schemaVersion: designs.meshery.io/v1beta1
version: 0.0.1
components: []
relationships: []
"""


@dataclass
class Records:
    """One user's stored records by entity name (the spec's ``x-owned`` values)."""

    user: str
    ids: dict[str, str] = field(default_factory=dict)
    meshery_connection: str = ""


@dataclass
class World:
    app: Starlette
    clients: dict[str, httpx.AsyncClient]
    records: dict[str, Records]

    async def make_records(self, user: str) -> Records:
        return await make_records(self.app, self.clients[user], user)


def _cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"meshery-provider=Reference; token={token}"}


async def make_records(app: Starlette, http: httpx.AsyncClient, user: str) -> Records:
    """Create one record of every owned entity for ``user`` (through the API where there is a route)."""
    services = app.state.meshery.services
    rec = Records(user)
    cluster = f"cluster-{user}-{len(services.background)}-{id(rec)}"
    (conn_id,) = await own_clusters(services.store, cluster, owner=user)
    rec.ids["connection"] = conn_id
    rec.ids["kubernetes-context"] = f"ctx-{cluster}"
    pod = samples.pod(f"web-{user}", f"ns-{user}")
    await write_changes(services.store, [Change("ADDED", pod, cluster)])
    rec.ids["meshsync-resource"] = base64.b64encode(f"{cluster}.Pod.v1.ns-{user}.web-{user}".encode()).decode()

    async def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await http.post(url, json=body)
        assert response.status_code in (200, 201), (url, response.text)
        answer = response.json()
        return answer[0] if isinstance(answer, list) else answer  # type: ignore[no-any-return]

    meshery = await post(
        "/api/integrations/connections",
        {"kind": "meshery", "name": f"meshery-{user}", "type": "platform", "sub_type": "management",
         "metadata": {"server_id": f"server-{user}-{id(rec)}"}},
    )  # fmt: skip
    rec.meshery_connection = meshery["id"]
    rec.ids["design"] = (await post("/api/pattern", {"pattern_data": {"pattern_file": DESIGN.format(name=user)}}))["id"]
    module = b"\0asm\x01\0\0\0"  # the smallest WebAssembly module: the header alone
    filter_body = {"filter_data": {"name": f"filter-{user}", "filter_file": list(module)}, "config": "kind: x"}
    rec.ids["filter"] = (await post("/api/filter", filter_body))["id"]
    rec.ids["event"] = (await post("/api/system/events", {"category": "test", "action": user}))["id"]
    rec.ids["environment"] = (await post("/api/environments", {"name": f"env-{user}"}))["id"]
    rec.ids["workspace"] = (await post("/api/workspaces", {"name": f"ws-{user}", "description": "d"}))["id"]
    rec.ids["credential"] = (
        await post("/api/integrations/credentials", {"name": f"cred-{user}", "type": "token", "secret": {"t": user}})
    )["id"]
    rec.ids["schedule"] = (await post("/api/user/schedules", {"name": f"s-{user}", "cron_expression": "0 3 1 1 *"}))[
        "id"
    ]
    rec.ids["perf-profile"] = (
        await post("/api/performance/profiles", {"name": f"p-{user}", "endpoints": ["http://127.0.0.1:9/"]})
    )["id"]
    rec.ids["perf-result"] = await stored_result(services, user, rec.ids["perf-profile"])
    return rec


@pytest.fixture(params=["sqlite", "postgres"])
async def world(
    request: pytest.FixtureRequest,
    remote_provider: RemoteProviderProcess,
    shared_apps: dict[str, SharedApp],
    tmp_path_factory: pytest.TempPathFactory,
    contract: ContractChecker,
) -> AsyncIterator[World]:
    backend: str = request.param

    def settings(folder: Path, url: str) -> tuple[Settings, None]:
        base = app_settings(
            user_data_folder=folder / "meshery", provider_base_urls=(remote_provider.url,), database_url=url
        )
        return replace(base, provider="Reference"), None

    shared = shared_for(
        request,
        shared_apps,
        key="security-two-users",
        backend=backend,
        folder=lambda: tmp_path_factory.mktemp("security"),
        make=settings,
    )
    app: Starlette = create_app(shared.settings) if shared.running else shared.fresh()
    async with app.router.lifespan_context(app):
        clients: dict[str, httpx.AsyncClient] = {}
        async with contract_client(app, contract) as alice, contract_client(app, contract) as bob, \
                contract_client(app, contract) as admin:  # fmt: skip
            for name, http in (("alice", alice), ("bob", bob), ("admin", admin)):
                http.headers.update(_cookie(remote_provider.issue(name)))
                clients[name] = http
            w = World(app, clients, {})
            w.records = {"alice": await w.make_records("alice"), "bob": await w.make_records("bob")}
            yield w


async def stored_result(services: Any, user: str, profile_id: str) -> str:
    """A stored load-test result of ``user`` (results come only from runs; stored here directly)."""
    row = perf_store.PerfResultRow(
        id=str(uuid.uuid4()), user_id=user, profile_id=profile_id, name=f"r-{user}", mesh="", test_id="",
        runner_results={"ActualQPS": 1.0}, server_metrics=None, server_board_config=None,
        test_start_time=datetime.now(UTC), created_at=datetime.now(UTC), updated_at=datetime.now(UTC),
    )  # fmt: skip
    await perf_store.save(services.store, row)
    return row.id
