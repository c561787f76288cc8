"""The spans of one design deploy, in memory: REST span -> statements, Kubernetes calls, bus publish.

Also: a ``traceparent`` sent by the client makes the REST span part of the client's trace,
GraphQL operations get their own span under the HTTP one, and with tracing off nothing is made.
"""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from meshery.observability import tracing
from tests.designs.deploy_samples import as_yaml, full_design
from tests.observability.conftest import Spans


@pytest.fixture(scope="module")
def database_backend() -> str:
    """SQLite only: the tree is the same on PostgreSQL, whose statements the store suite covers."""
    return "sqlite"


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def descendants(spans: Spans, root: ReadableSpan) -> list[ReadableSpan]:
    found, todo = [], [root]
    while todo:
        children = spans.children(todo.pop())
        found += children
        todo += children
    return found


async def test_design_deploy_tree(spans: Spans, connection: str, client: httpx.AsyncClient) -> None:
    spans.clear()
    answer = await client.post(
        "/api/pattern/deploy", json={"pattern_file": as_yaml(full_design())}, params={"contexts": connection}
    )
    assert answer.status_code == 200, answer.text
    root = spans.one("deployPattern")
    assert root.kind is SpanKind.SERVER
    assert root.parent is None
    assert root.attributes is not None
    assert root.attributes["http.route"] == "/api/pattern/deploy"
    assert root.attributes["http.request.method"] == "POST"
    assert root.attributes["http.response.status_code"] == 200
    below = descendants(spans, root)
    assert {s.context.trace_id for s in below if s.context} == {root.context.trace_id if root.context else 0}
    statements = [s for s in below if s.attributes and s.attributes.get("db.system.name") == "sqlite"]
    assert statements, "no statement spans under the deploy"
    assert all(s.kind is SpanKind.CLIENT and s.attributes and s.attributes["db.query.text"] for s in statements)
    kube = [s for s in below if s.name.startswith("kube ")]
    applies = [s for s in kube if s.attributes and s.attributes["http.request.method"] == "PATCH"]
    assert len(applies) >= 3, sorted(s.name for s in kube)  # a Namespace, a CRD, a Deployment, a Service...
    assert all(s.attributes and s.attributes["k8s.context.name"] for s in kube)
    published = [s for s in below if s.kind is SpanKind.PRODUCER]
    assert any(s.name == "publish meshery-server.events" for s in published), sorted(s.name for s in published)


async def test_client_trace_context_is_continued(spans: Spans, client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/system/version", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"})
    assert answer.status_code == 200
    span = spans.one("getSystemVersion")
    assert span.context is not None and span.parent is not None
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert format(span.parent.span_id, "016x") == PARENT_ID


async def test_errors_and_unmatched_paths(spans: Spans, client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/pattern/not-a-uuid")).status_code in (400, 404)
    assert (await client.get("/api/no/such/route")).status_code == 404
    names = {s.name for s in spans.all() if s.kind is SpanKind.SERVER}
    assert "GET other" in names
    other = next(s for s in spans.all() if s.name == "GET other")
    assert other.attributes is not None and other.attributes["http.response.status_code"] == 404
    assert other.attributes["url.path"] == "/api/no/such/route" and "http.route" not in other.attributes


async def test_graphql_operation_span(spans: Spans, client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/system/graphql/query", json={"query": "query Version { serverVersion { build } }"})
    assert answer.status_code == 200, answer.text
    http_span = spans.one("graphql")
    operation = spans.one("query Version")
    assert operation.parent is not None and http_span.context is not None
    assert operation.parent.span_id == http_span.context.span_id
    assert operation.attributes is not None and operation.attributes["graphql.operation.name"] == "Version"
    bad = await client.post("/api/system/graphql/query", json={"query": "query Broken { noSuchField }"})
    assert bad.status_code == 400
    failed = [s for s in spans.all() if s.name == "graphql" and s.kind is SpanKind.INTERNAL]
    assert failed and not failed[0].status.is_ok


def test_off_makes_nothing() -> None:
    assert not tracing.ON
    with tracing.span("anything") as span:
        assert span is None
    assert tracing.inject({"a": "b"}) == {"a": "b"}
    assert tracing.inject(None) is None
    assert tracing.current_ids() is None
    assert tracing.start("x") is None
