"""The designs service other areas use (load_design, design_ids_exist) and the change notices on the bus."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from starlette.applications import Starlette

from generated import errors
from handlers import designs as design_handlers
from meshery import context
from meshery.app import create_app
from meshery.context import Services, User
from meshery.designs import service
from meshery.store import designs as repo
from tests.fixtures.app import app_settings
from tests.fixtures.nats import NatsServer

DESIGN = {
    "name": "svc",
    "components": [
        {
            "displayName": "cm",
            "component": {"kind": "ConfigMap", "version": "v1"},
            "model": {"name": "kubernetes"},
            "configuration": {"metadata": {"name": "cm"}, "data": {"a": "b"}},
        }
    ],
    "relationships": [],
}
ALICE, BOB = User(user_id="alice"), User(user_id="bob")


def _services(app: Starlette) -> Services:
    services: Services = app.state.meshery.services
    return services


async def test_load_design_respects_visibility(app: Starlette) -> None:
    services = _services(app)
    private = await service.save(services, ALICE, service.Draft(design=dict(DESIGN)))
    public = await service.save(services, ALICE, service.Draft(design=dict(DESIGN), name="pub", visibility="public"))
    design = await service.load_design(services, ALICE, private.id)
    assert (design["id"], design["name"]) == (private.id, "svc")
    assert design["components"][0]["configuration"]["data"] == {"a": "b"}
    assert design["schemaVersion"] == "designs.meshery.io/v1beta1"
    assert (await service.load_design(services, BOB, public.id))["name"] == "pub"
    for user, design_id in ((BOB, private.id), (ALICE, str(uuid.uuid4())), (ALICE, "not-a-uuid")):
        with pytest.raises(errors.ErrDesignNotFound):
            await service.load_design(services, user, design_id)


async def test_design_ids_exist_and_store_reads(app: Starlette) -> None:
    services = _services(app)
    rows = [await service.save(services, ALICE, service.Draft(design=dict(DESIGN))) for _ in range(3)]
    unknown = str(uuid.uuid4())
    ids = [r.id for r in rows]
    assert await service.design_ids_exist(services, [*ids, unknown, ids[0]]) == set(ids)
    assert await service.design_ids_exist(services, []) == set()
    async with services.store.read() as session:
        assert await repo.design_exists(session, ids[0])
        assert not await repo.design_exists(session, unknown)
        row = await repo.get_design_row(session, ids[1])
    assert row is not None and row.source_type == "Design" and row.source_content
    assert (row.view_count, row.clone_count, row.user_id) == (0, 0, "alice")


async def test_changes_are_announced_to_configuration_subscribers(app: Starlette) -> None:
    services = _services(app)
    token = context.activate(context.RequestContext(services=services, provider="None", user=ALICE))
    try:
        stream = design_handlers.subscribe_configuration(
            {"page": "0", "pageSize": "10"}, {"page": "0", "pageSize": "1"}
        )
        first = await anext(stream)
        assert first["patterns"]["total_count"] == 0 and first["filters"]["filters"] == []
        row = await service.save(services, ALICE, service.Draft(design=dict(DESIGN), name="live"))
        second = await asyncio.wait_for(anext(stream), timeout=10)
        assert [p["name"] for p in second["patterns"]["patterns"]] == ["live"]
        await service.delete(services, ALICE, [row.id])
        third = await asyncio.wait_for(anext(stream), timeout=10)
        assert third["patterns"]["total_count"] == 0
        await stream.aclose()
    finally:
        context.deactivate(token)


@pytest.mark.postgres
@pytest.mark.nats
async def test_subscribers_of_another_replica_see_the_change(
    pg_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    """Two replicas on one PostgreSQL and one NATS: a save on one pushes a page on the other."""
    apps = [
        create_app(app_settings(user_data_folder=tmp_path / f"r{i}", database_url=pg_url, nats_url=nats_server.url))
        for i in range(2)
    ]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        writer, reader = _services(apps[0]), _services(apps[1])
        token = context.activate(context.RequestContext(services=reader, provider="None", user=ALICE))
        try:
            stream = design_handlers.subscribe_configuration({"page": "0", "pageSize": "10"})
            assert (await anext(stream))["patterns"]["total_count"] == 0
            await service.save(writer, ALICE, service.Draft(design=dict(DESIGN), name="elsewhere"))
            pushed = await asyncio.wait_for(anext(stream), timeout=10)
            assert [p["name"] for p in pushed["patterns"]["patterns"]] == ["elsewhere"]
            await stream.aclose()
        finally:
            context.deactivate(token)
