"""The lenient reader: every request of reference §1, exactly as upstream's UI sends it.

Each request must get a 2xx and carry the fields the UI then reads; values that are present and
wrong still get a catalogued 4xx. The rule lives in the request layer (``meshery.lenient``,
applied by ``meshery.dispatch``) and is declared in the spec (``x-lenient``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from generated import errors as catalog
from meshery import contexts, lenient
from tests.fixtures.server import free_port
from tests.handlers.test_kubernetes import unreachable_kubeconfig, upload

ORG = "7d8bb8fb-7a1b-5c4c-9a3e-0e3c7d1f5a10"
DESIGN = """name: lenient
schemaVersion: designs.meshery.io/v1beta1
version: 0.0.1
components: []
relationships: []
"""
TEXT_PLAIN = {"Content-Type": "text/plain;charset=UTF-8"}

# (method, path with the query string as the UI writes it, what the UI reads from the answer)
UI_REQUESTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("GET", '/api/integrations/connections?page=0&pagesize=2&status=["connected"]&kind=["prometheus","grafana"]',
     ("connections", "total_count", "page", "page_size")),
    ("GET", "/api/integrations/connections?page=0&pagesize=0", ("connections", "total_count")),
    ("GET", "/api/integrations/connections?page=0&pagesize=all", ("connections", "total_count")),
    ("GET", f"/api/environments?page=0&pagesize=all&orgID={ORG}", ("environments", "total_count")),
    ("GET", f"/api/environments?page=0&pagesize=all&search=&order=&orgId={ORG}", ("environments",)),
    ("GET", "/api/system/kubernetes/contexts?pagesize=all", ("contexts", "total_count")),
    ("GET", "/api/pattern?page=0&pagesize=all&search=&order=", ("patterns", "total_count")),
    ("GET", '/api/pattern?page=0&pagesize=10&search=&order=&visibility=["public","private"]', ("patterns",)),
    ("GET", f"/api/workspaces?page=0&pagesize=10&search=&order=&orgID={ORG}", ("workspaces", "total_count")),
    ("GET", f"/api/workspaces?page=0&pagesize=all&orgId={ORG}", ("workspaces",)),
    ("GET", "/api/meshmodels/models?page=undefined&pagesize=25&paginated=true", ("models", "total_count")),
    ("GET", "/api/meshmodels/relationships?page=0&pagesize=all&trim=true&annotations=false", ("relationships",)),
    ("GET", "/api/meshmodels/registrants?page=0&pagesize=all&trim=true&annotations=false", ("registrants",)),
    ("GET", f"/api/integrations/connections?page=0&pagesize=10&orgId={ORG}&orgID={ORG}", ("connections",)),
    ("GET", "/api/environments?filter=%7B%7D", ("environments",)),
    ("GET", "/api/workspaces?filter=%7B%7D", ("workspaces",)),
    ("GET", "/api/system/kubernetes/contexts?filter=%7B%7D", ("contexts",)),
    ("GET", "/api/meshmodels/relationships?filter=%7B%7D", ("relationships",)),
    ("GET", "/api/meshmodels/registrants?filter=%7B%7D", ("registrants",)),
    ("GET", "/api/integrations/credentials?filter=%7B%7D", ("credential", "total_count")),
    ("GET", "/api/system/database?page=0&pagesize=10&search=&order=&sort=asc", ("tables", "total_tables")),
]  # fmt: skip


@pytest.mark.parametrize(("method", "target", "reads"), UI_REQUESTS, ids=[t for _, t, _ in UI_REQUESTS])
async def test_list_requests_as_the_ui_sends_them(
    client: httpx.AsyncClient, method: str, target: str, reads: tuple[str, ...]
) -> None:
    path, _, query = target.partition("?")
    # Sent as written: httpx would re-encode a params mapping; the UI's brackets and quotes go raw.
    response = await client.request(method, httpx.URL(path, query=query.encode()))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(reads) <= set(body), sorted(body)


async def test_json_array_filters_select_as_repeated_parameters(client: httpx.AsyncClient) -> None:
    await upload(client, unreachable_kubeconfig("a", "b"))
    query = 'status=["not found"]&kind=["kubernetes","prometheus"]'
    as_array = (await client.get(httpx.URL("/api/integrations/connections", query=query.encode()))).json()
    repeated = (
        await client.get("/api/integrations/connections", params=[("status", "not found"), ("kind", "kubernetes")])
    ).json()
    assert as_array["total_count"] == repeated["total_count"] == 2
    ui = '["connected"]'
    none = (await client.get(httpx.URL("/api/integrations/connections", query=f"status={ui}".encode()))).json()
    assert none["total_count"] == 0
    empty = (await client.get(httpx.URL("/api/integrations/connections", query=b"status=[]"))).json()
    assert empty["total_count"] == 2


async def test_pagesize_all_zero_and_empty_mean_everything_and_the_default(client: httpx.AsyncClient) -> None:
    await upload(client, unreachable_kubeconfig(*(f"c{i}" for i in range(12))))
    for route, key in (
        ("/api/integrations/connections", "connections"),
        ("/api/system/kubernetes/contexts", "contexts"),
    ):
        every = (await client.get(route, params={"pagesize": "all", "page": "3"})).json()
        assert (len(every[key]), every["total_count"], every["page"]) == (12, 12, 0)
        for default in ("0", ""):
            page = (await client.get(route, params={"pagesize": default})).json()
            assert (len(page[key]), page["page_size"]) == (10, 10)
        second = (await client.get(route, params={"page": "", "pagesize": "5", "order": ""})).json()
        assert (len(second[key]), second["page"]) == (5, 0)


@pytest.mark.parametrize(
    "target",
    [
        "/api/integrations/connections?page=abc",
        "/api/integrations/connections?pagesize=abc",
        "/api/integrations/connections?pagesize=-1",
        "/api/environments?page=1.5",
        '/api/integrations/connections?status=["nonsense"]',
        "/api/meshmodels/models?pagesize=al",
        "/api/pattern?order=name%3Bdrop",
    ],
)
async def test_present_and_wrong_values_still_get_a_catalogued_4xx(client: httpx.AsyncClient, target: str) -> None:
    path, _, query = target.partition("?")
    response = await client.get(httpx.URL(path, query=query.encode()))
    assert response.status_code == 400, response.text
    assert response.json()["code"].startswith("meshery-server-")


async def test_a_malformed_uuid_in_a_path_is_still_a_4xx(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/environments/not-a-uuid", params={"trim": "true"})
    assert 400 <= response.status_code < 500
    assert response.json()["code"].startswith("meshery-server-")


JsonPost = Callable[[httpx.AsyncClient, dict[str, str] | None], Awaitable[httpx.Response]]


def _post(path: str, body: dict[str, Any]) -> JsonPost:
    async def send(client: httpx.AsyncClient, headers: dict[str, str] | None) -> httpx.Response:
        data = json.dumps(body).encode()
        if headers is None:
            # What browser fetch sends for a string body without headers is text/plain; a bare
            # request (no Content-Type at all) is the other case.
            request = client.build_request("POST", path, content=data)
            request.headers.pop("Content-Type", None)
            return await client.send(request)
        return await client.post(path, content=data, headers=headers)

    return send


JSON_POSTS = {
    "pattern": (_post("/api/pattern", {"name": "lenient", "pattern_data": {"pattern_file": DESIGN}}), "name"),
    "prefs": (_post("/api/user/prefs", {"anonymousUsageStats": False}), "anonymousUsageStats"),
}


@pytest.mark.parametrize(
    "headers", [TEXT_PLAIN, {"Content-Type": "text/plain"}, None], ids=["charset", "plain", "none"]
)
@pytest.mark.parametrize("name", sorted(JSON_POSTS))
async def test_json_bodies_without_a_json_content_type(
    client: httpx.AsyncClient, name: str, headers: dict[str, str] | None
) -> None:
    send, field = JSON_POSTS[name]
    response = await send(client, headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    first = answer[0] if isinstance(answer, list) else answer
    assert field in first


async def test_a_text_plain_body_that_is_not_json_is_a_4xx(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/user/prefs", content=b"{not json", headers=TEXT_PLAIN)
    assert response.status_code == 400
    assert response.json()["code"].startswith("meshery-server-")


async def test_kubeconfig_upload_with_the_wizards_extra_fields(client: httpx.AsyncClient) -> None:
    text = unreachable_kubeconfig("a", "b", "c")
    response = await upload(client, text, contextName="b", inClusterConfig="false", unknownField="x")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["name"] for c in body["registered_contexts"]] == ["b"]
    assert sorted(c["name"] for c in body["ignored_contexts"]) == ["a", "c"]
    missing = await upload(client, text, contextName="zzz")
    assert missing.status_code == 404


async def test_in_cluster_config_outside_a_cluster_is_a_clear_4xx(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    # The wizard's multipart form, without a file.
    response = await client.post("/api/system/kubernetes", files={"inClusterConfig": (None, "true")})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "meshery-server-1720"
    assert "cluster" in body["error"]


async def test_in_cluster_config_registers_the_cluster_of_the_service_account(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "token").write_text("sa-token\n")
    (tmp_path / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nnone\n-----END CERTIFICATE-----\n")
    (tmp_path / "namespace").write_text("meshery")
    monkeypatch.setattr(contexts, "SERVICE_ACCOUNT_DIR", tmp_path)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(free_port()))  # nothing listens: unreachable, not fatal
    response = await client.post(
        "/api/system/kubernetes", files={"inClusterConfig": (None, "true"), "contextName": (None, "")}
    )
    assert response.status_code == 200, response.text
    (registered,) = response.json()["registered_contexts"]
    assert (registered["name"], registered["deployment_type"]) == ("in-cluster", "in_cluster")
    assert "sa-token" not in response.text


def test_in_cluster_kubeconfig_is_built_from_the_service_account(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("t0k\n")
    (tmp_path / "ca.crt").write_bytes(b"CA")
    (ctx,) = contexts.parse(
        contexts.in_cluster_kubeconfig(
            {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"}, tmp_path
        )
    )
    assert (ctx.name, ctx.server, ctx.namespace) == ("in-cluster", "https://[fd00::1]:6443", "default")
    with pytest.raises(catalog.ErrNotInCluster):
        contexts.in_cluster_kubeconfig({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, tmp_path / "missing")


# --- the rule itself (meshery.lenient), without an app ------------------------------------------

PLAN = lenient.plan(
    "op",
    [
        {"name": "pagesize", "in": "query", "x-lenient": {"values": {"all": "all", "0": "default", "": "default"}}},
        {"name": "status", "in": "query", "x-lenient": {"jsonArray": True}},
        {"name": "id", "in": "path"},
    ],
    {"unknownParameters": "ignore"},
)


@pytest.mark.parametrize(
    ("query", "rewritten", "carried"),
    [
        (b"pagesize=all&x=1", b"", {"pagesize": "all"}),
        (b"pagesize=0&status=a", b"status=a", {}),
        (b'status=["a","b c"]&pagesize=5', b"status=a&status=b+c&pagesize=5", {}),
        (b"status=%5B%22a%22%5D", b"status=a", {}),
        (b"status=[]", b"", {}),
        (b"status=[1,true]", b"status=1&status=true", {}),
        (b"id=7&pagesize=", b"", {}),
    ],
)
def test_a_query_is_rewritten_by_the_rule(query: bytes, rewritten: bytes, carried: dict[str, str]) -> None:
    assert PLAN is not None
    reading = PLAN.read(query)
    assert reading is not None
    assert (reading.query_string, reading.carried) == (rewritten, carried)


@pytest.mark.parametrize(
    "query", [b"pagesize=5&status=a", b"pagesize=ALL", b"status=[broken", b'status={"a":1}', b'status=[["a"]]']
)
def test_a_query_the_rule_has_nothing_to_say_about_is_left_alone(query: bytes) -> None:
    assert PLAN is not None
    assert PLAN.read(query) is None


def test_without_a_root_rule_the_strict_reader_applies() -> None:
    assert lenient.plan("op", [{"name": "a", "in": "query"}], {}) is None
    assert lenient.json_body_types({}) == frozenset()
