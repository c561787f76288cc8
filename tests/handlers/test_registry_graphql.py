"""GraphQL registry summary: the subscription sends the summary now and again after each change."""

from __future__ import annotations

import asyncio
import shutil

from starlette.applications import Starlette

from handlers import registry
from meshery import context
from meshery.registry import service


async def test_summary_subscription_follows_imports(registry_app: Starlette) -> None:
    services = registry_app.state.meshery.services
    token = context.activate(context.RequestContext(services=services, provider="None", user=None))
    try:
        stream = registry.subscribe_mesh_model_summary({"type": "components"})
        first = await anext(stream)
        assert first["components"] == [{"name": "demo", "count": 1}]
        # Removing the newest version makes 1.0.0 the latest: the import announces the new summary.
        (root,) = services.settings.meshery_models_path
        shutil.rmtree(root / "demo" / "2.0.0")
        report = await service.run_import(services)
        assert report.vanished == 1
        second = await asyncio.wait_for(anext(stream), timeout=10)
        assert second["components"] == [{"name": "demo", "count": 3}]
        assert second["relationships"] == [{"name": "edge", "count": 1}]
        await stream.aclose()
    finally:
        context.deactivate(token)
