"""SMP test configurations the user stores (upstream's ``SMPTestConfigStore/Get/Fetch/Delete``).

A configuration is kept as given (an SMP ``PerformanceTestConfig`` object); its ``id`` is the
uuid it is stored under, which is what storing answers (as text, as upstream).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from generated import errors
from meshery.context import Services
from meshery.perf import wire
from meshery.perf.profiles import ID_LENGTH
from meshery.store import perf as repo


async def store(services: Services, user_id: str, body: Mapping[str, Any]) -> str:
    if not isinstance(body, Mapping):
        raise errors.ErrPerfTestConfigInvalid("the body is not an SMP test configuration object")
    wanted = str(body.get("id") or "")
    if len(wanted) > ID_LENGTH:
        raise errors.ErrPerfTestConfigInvalid("a test configuration id is a UUID")
    existing = await repo.get(services.store, repo.SmpConfigRow, wanted) if wanted else None
    now = datetime.now(UTC)
    config_id = existing.id if existing else (wanted or str(uuid.uuid4()))
    config = {**body, "id": config_id}
    await repo.save(
        services.store,
        repo.SmpConfigRow(
            id=config_id,
            user_id=user_id,
            name=str(body.get("name") or "")[:255],
            config=config,
            created_at=existing.created_at if existing else now,
            updated_at=now,
        ),
    )
    return config_id


async def get(services: Services, config_id: str) -> dict[str, Any]:
    row = await repo.get(services.store, repo.SmpConfigRow, config_id)
    if row is None:
        raise errors.ErrPerfTestConfigNotFound(f"no SMP test configuration {config_id}")
    return dict(row.config)


async def list_page(services: Services, query: repo.PageQuery) -> dict[str, Any]:
    rows, total = await repo.list_test_configs(services.store, query)
    return wire.page(
        "test_configs", [dict(r.config) for r in rows], page=query.page, page_size=query.page_size, total=total
    )


async def delete(services: Services, config_id: str) -> None:
    if await repo.remove(services.store, repo.SmpConfigRow, config_id) is None:
        raise errors.ErrPerfTestConfigNotFound(f"no SMP test configuration {config_id}")
