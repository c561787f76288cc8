"""The registry's life in the server: the start-up import, its event and the summary stream.

The import runs as a background task once the database is migrated, so
``/healthz/ready`` never waits for it. When it changed anything, an event
with the totals and failures is raised and the new summary is published on
``SUMMARY_SUBJECT`` (GraphQL ``subscribeMeshModelSummary`` listens there).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path
from typing import Any

import orjson

from meshery import events
from meshery.context import Services
from meshery.registry import importer
from meshery.store import Store, registry_queries

log = logging.getLogger(__name__)

SUMMARY_SUBJECT = "meshery.registry.summary"
BUNDLED = Path(__file__).parent / "models"
# One import at a time per database handle: the start-up import and an
# explicit one (tests, tools) queue instead of writing the same packages twice.
_locks: weakref.WeakKeyDictionary[Store, asyncio.Lock] = weakref.WeakKeyDictionary()


def _lock(store: Store) -> asyncio.Lock:
    lock = _locks.get(store)
    if lock is None:
        lock = _locks[store] = asyncio.Lock()
    return lock


def sources(services: Services) -> list[Path]:
    """MESHERY_MODELS_PATH, or the models bundled with the server."""
    return list(services.settings.meshery_models_path) or [BUNDLED]


async def run_import(services: Services, roots: list[Path] | None = None) -> importer.Report:
    async with _lock(services.store):
        report = await importer.import_sources(
            services.store,
            sources(services) if roots is None else roots,
            static_k8s=services.settings.register_static_k8s,
            core_model=services.settings.register_core_model,
        )
    log.info(
        "registry import done in %.2f s: %d packages (%d imported, %d unchanged, %d failed, %d ignored, "
        "%d vanished), %d components (%.0f components/s), %d relationships, %d problems",
        report.seconds,
        report.packages,
        report.imported,
        report.unchanged,
        report.failed,
        report.ignored,
        report.vanished,
        report.components,
        report.components / report.seconds if report.seconds else 0.0,
        report.relationships,
        len(report.problems),
    )
    for problem in report.problems[:20]:
        log.warning(
            "registry: %s %s: %s (%s)", problem["code"], problem["file"], problem["message"], problem["package"]
        )
    if report.changed:
        await announce(services, report)
    return report


async def startup_import(services: Services) -> None:
    """The background task started with the server; errors are logged, never raised."""
    try:
        await run_import(services)
    except Exception:
        log.exception("registry import failed")


async def announce(services: Services, report: importer.Report) -> None:
    failed = report.failed + (1 if report.problems else 0)
    await events.raise_event(
        services,
        events.NewEvent(
            category="registry",
            action="import",
            severity="warning" if failed else "success",
            description=(
                f"Registry import: {report.imported} packages imported ({report.components} components, "
                f"{report.relationships} relationships), {report.failed} failed, {report.unchanged} unchanged, "
                f"{report.vanished} removed"
            ),
            metadata={**report.as_dict(), "errors": report.problems[:50]},
        ),
    )
    await publish_summary(services)


async def summary(services: Services, selector_type: str = "") -> dict[str, Any]:
    return await registry_queries.summary(services.store)


async def publish_summary(services: Services) -> None:
    await services.bus.publish(SUMMARY_SUBJECT, orjson.dumps(await summary(services)))
