"""The baseline: an idiomatic FastAPI app serving the two benchmarked routes over the same services.

Same store, same service functions (``meshery.system``), same start-up and shutdown
(``meshery.lifecycle``, which ``meshery.app``'s lifespan calls too), same JSON fields; only
the web framework differs, so the REST ratio measures what Connexion's spec-driven routing
and validation cost. Serve it with ``uvicorn --factory bench.fastapi_baseline:create_app``
(settings from the environment, as the real server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from pydantic import BaseModel, Field

from meshery import lifecycle, system
from meshery.config import Settings
from meshery.context import Services

# The same query constraints as the spec's parameters (spec/openapi), so both sides validate alike.
ORDER_PATTERN = "^(name|count)( (asc|desc))?$"


class SystemVersion(BaseModel):
    build: str
    commitsha: str
    release_channel: str
    latest: str
    outdated: bool


class TableCount(BaseModel):
    name: str
    count: int = Field(ge=0)


class DatabaseSummary(BaseModel):
    page: int
    page_size: int
    total_tables: int
    record_count: int
    tables: list[TableCount]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def create_app(settings: Settings | None = None) -> FastAPI:
    """The baseline app; ``settings`` default to the environment (``Settings.from_env``)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = await lifecycle.start_services(settings)
        try:
            yield
        finally:
            await lifecycle.stop_services(app.state.services)

    api = FastAPI(title="meshery-bench-baseline", lifespan=lifespan)

    @api.get("/api/system/version", response_model=SystemVersion)
    async def get_system_version() -> SystemVersion:
        v = system.version(settings)
        return SystemVersion(
            build=v.build,
            commitsha=v.commitsha,
            release_channel=v.release_channel,
            latest=v.latest,
            outdated=v.outdated,
        )

    @api.get("/api/system/database", response_model=DatabaseSummary)
    async def get_system_database(
        *,
        svc: Annotated[Services, Depends(services)],
        page: Annotated[int, Query(ge=0)] = 0,
        pagesize: Annotated[int, Query(ge=1, le=1000)] = 10,
        page_size: Annotated[int | None, Query(alias="pageSize", ge=1, le=1000)] = None,
        search: Annotated[str | None, Query(max_length=256)] = None,
        order: Annotated[str | None, Query(pattern=ORDER_PATTERN)] = None,
    ) -> DatabaseSummary:
        summary = await system.database_summary(
            svc, page=page, page_size=page_size or pagesize, search=search, order=order
        )
        return DatabaseSummary(
            page=summary.page,
            page_size=summary.page_size,
            total_tables=summary.total_tables,
            record_count=summary.record_count,
            tables=[TableCount(name=t.name, count=t.count) for t in summary.tables],
        )

    return api
