"""Conformance with upstream's published API package ``@meshery/schemas`` (pinned, installed by
``make conformance-deps``): every operation it tags for Meshery Server, outside the areas other
issues own, is served, takes the package's request bodies and its client's query parameters,
and answers what the package's response schemas describe, except the rows of spec/DIFFERENCES.md.

The figures (``python -m tests.conformance``) are the issue's: operations served, bodies,
parameters, answer differences."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.conformance import checks, differences, package

pytestmark = pytest.mark.skipif(package.unavailable() is not None, reason=str(package.unavailable()))


@pytest.fixture
async def plain_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client without the contract check: the package's requests are not all in our spec."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


def test_package_operations_and_client_calls() -> None:
    pkg = package.load()
    assert pkg.version == package.VERSION
    assert len(pkg.operations) == 81
    assert len(pkg.client) == 81
    assert {c.key for c in pkg.client} <= {op.key for op in pkg.operations}
    # the 56: what the client sends on its GET calls outside identity and performance
    sent = [
        p
        for c in pkg.client
        if c.method == "GET"
        for p in c.params
        if (op := pkg.operation(c.key)) is not None and op.area is None and not op.identity
    ]
    assert len(sent) == 56
    assert sorted({op.area for op in pkg.operations if op.area}) == [
        "performance (issue of its own)",
        "relationship evaluation (issue of its own)",
    ]


def test_differences_table_names_package_operations() -> None:
    keys = {op.key for op in package.load().operations}
    rows = differences.documented()
    assert rows, f"no rows read from {differences.DOC}"
    unknown = [d.row for d in rows if d.operation != "*" and d.operation not in keys]
    assert not unknown, "rows of spec/DIFFERENCES.md naming no operation of the package:\n" + "\n".join(unknown)


async def test_operations_conform(plain_client: httpx.AsyncClient) -> None:
    rows = differences.documented()
    result = await checks.run(plain_client, package.load(), rows)
    failures = [f"{key}: " + "; ".join(problems) for key, problems in sorted(result.problems.items())]
    stale = [d.row for d in rows if d.row not in result.documented_hits]
    message = "\n".join(
        [checks.report(result).split("\n\n")[0], *failures]
        + (["rows of spec/DIFFERENCES.md no answer shows any more:", *stale] if stale else [])
    )
    assert not failures and not stale, message
