"""Design routes (upstream "patterns") on both databases, every answer contract-checked."""

from __future__ import annotations

import base64
import http.server
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import httpx
import pytest
import yaml
from starlette.applications import Starlette

from generated import errors
from meshery.context import User
from meshery.designs import intake
from meshery.fetch import NOT_FETCHED
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.queries import check_baseline, counting
from tests.fixtures.registry import GOLDEN

DESIGN = """name: demo
schemaVersion: designs.meshery.io/v1beta1
version: 0.0.1
components:
- id: 7a1f5b4e-0c0e-4a58-9f0a-5b8c1d2e3f40
  displayName: web
  component: {kind: Deployment, version: apps/v1}
  model: {name: kubernetes}
  configuration: {metadata: {name: web}, spec: {replicas: 1}}
relationships: []
"""
LEGACY = """name: old
services:
  web:
    type: Deployment
    namespace: default
    settings: {replicas: 2}
"""


class TwoUsers:
    """A provider whose bearer token is the user id (``alice`` or ``bob``)."""

    name = "Two users"

    async def authenticate(self, *, token: str | None) -> User | None:
        return User(user_id=token, provider=self.name) if token in ("alice", "bob") else None


def _as(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {user}"}


@pytest.fixture
async def users(app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    app.state.meshery.provider = TwoUsers()
    async with contract_client(app, contract) as http:
        yield http


async def save(client: httpx.AsyncClient, text: str = DESIGN, **data: Any) -> dict[str, Any]:
    headers = data.pop("headers", None)
    name = data.pop("name", None)
    body: dict[str, Any] = {"pattern_data": {"pattern_file": text, **data}}
    if name:
        body["name"] = name
    response = await client.post("/api/pattern", json=body, headers=headers)
    assert response.status_code == 200, response.text
    (record,) = response.json()
    return record  # type: ignore[no-any-return]


def _golden(path: str) -> dict[str, Any]:
    file = GOLDEN / "internal/cli/root/design/fixtures" / path
    if not file.is_file():
        pytest.skip(f"mesheryctl golden file not present at {file}")
    return json.loads(file.read_text())  # type: ignore[no-any-return]


async def test_save_read_list_download_delete(client: httpx.AsyncClient) -> None:
    record = await save(client, name="first")
    assert (record["name"], record["visibility"], record["designType"]) == ("first", "private", "Design")
    stored = yaml.safe_load(record["pattern_file"])
    assert stored["id"] == record["id"] and stored["name"] == "first"
    assert stored["components"][0]["configuration"]["spec"] == {"replicas": 1}

    one = await client.get(f"/api/pattern/{record['id']}")
    assert one.status_code == 200 and one.json()["pattern_file"] == record["pattern_file"]
    assert (await client.get(f"/api/pattern/{record['id']}")).json()["view_count"] == 2

    listed = (await client.get("/api/pattern")).json()
    assert (listed["total_count"], listed["totalCount"], listed["page_size"]) == (1, 1, 10)
    assert "pattern_file" not in listed["patterns"][0]
    populated = (await client.get("/api/pattern", params={"populate": "pattern_file"})).json()
    assert populated["patterns"][0]["patternFile"] == record["pattern_file"]

    unicode = await save(client, name='デザイン "x"')
    odd = await client.get(f"/api/pattern/download/{unicode['id']}")
    assert odd.status_code == 200 and 'filename="____ _x_.yml"' in odd.headers["content-disposition"]
    await client.delete(f"/api/pattern/{unicode['id']}")
    download = await client.get(f"/api/pattern/download/{record['id']}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/x-yaml")
    assert 'filename="first.yml"' in download.headers["content-disposition"]
    assert yaml.safe_load(download.text)["components"] == stored["components"]

    gone = await client.delete(f"/api/pattern/{record['id']}")
    assert gone.status_code == 200 and gone.json()["id"] == record["id"]
    missing = await client.get(f"/api/pattern/{record['id']}")
    assert missing.status_code == 404 and missing.json()["code"] == errors.ErrDesignNotFound.code
    assert (await client.delete(f"/api/pattern/{record['id']}")).status_code == 404
    assert (await client.get("/api/pattern/not-a-uuid")).status_code == 404


async def test_update_keeps_identity_and_counters(client: httpx.AsyncClient) -> None:
    record = await save(client)
    await client.get(f"/api/pattern/{record['id']}")
    changed = DESIGN.replace("replicas: 1", "replicas: 3")
    again = await save(client, changed, id=record["id"], visibility="public")
    assert again["id"] == record["id"] and again["created_at"] == record["created_at"]
    assert (again["visibility"], again["view_count"]) == ("public", 1)
    assert yaml.safe_load(again["pattern_file"])["components"][0]["configuration"]["spec"]["replicas"] == 3
    assert (await client.get("/api/pattern")).json()["total_count"] == 1


async def test_legacy_services_form_is_converted(client: httpx.AsyncClient) -> None:
    record = await save(client, LEGACY)
    design = yaml.safe_load(record["pattern_file"])
    assert design["schemaVersion"] == "designs.meshery.io/v1beta1"
    assert [c["component"]["kind"] for c in design["components"]] == ["Deployment"]


async def test_answers_have_the_golden_keys(client: httpx.AsyncClient) -> None:
    await save(client, name="golden")
    listed = (await client.get("/api/pattern", params={"populate": "pattern_file"})).json()
    for name in ("list.design.api.response.golden", "view.pattern.api.response.golden"):
        golden = _golden(name)
        assert set(golden) <= set(listed), name
        assert set(golden["patterns"][0]) <= set(listed["patterns"][0]), name
        assert set(golden["patterns"][0]["location"]) <= set(listed["patterns"][0]["location"]), name
    one = (await client.get(f"/api/pattern/{listed['patterns'][0]['id']}")).json()
    golden = _golden("view.design.by.id.api.response.golden")
    assert set(golden) <= set(one)
    assert set(golden["location"]) <= set(one["location"])


async def test_list_parameters(client: httpx.AsyncClient) -> None:
    for name, visibility in (("alpha", "private"), ("beta", "public"), ("gamma", "published")):
        await save(client, name=name, visibility=visibility)
    ordered = (await client.get("/api/pattern", params={"order": "name asc"})).json()
    assert [p["name"] for p in ordered["patterns"]] == ["alpha", "beta", "gamma"]
    paged = (await client.get("/api/pattern", params={"order": "name desc", "pageSize": 2, "page": 1})).json()
    assert ([p["name"] for p in paged["patterns"]], paged["total_count"], paged["pageSize"]) == (["alpha"], 3, 2)
    assert [p["name"] for p in (await client.get("/api/pattern", params={"search": "AMM"})).json()["patterns"]] == [
        "gamma"
    ]
    shared = (await client.get("/api/pattern", params={"visibility": '["public","published"]', "order": "name"})).json()
    assert [p["name"] for p in shared["patterns"]] == ["beta", "gamma"]
    comma = (await client.get("/api/pattern", params={"visibility": "private"})).json()
    assert [p["name"] for p in comma["patterns"]] == ["alpha"]
    later = (await client.get("/api/pattern", params={"updated_after": "2999-01-01T00:00:00Z"})).json()
    assert later["total_count"] == 0
    earlier = (await client.get("/api/pattern", params={"updated_after": "2000-01-01T00:00:00Z"})).json()
    assert earlier["total_count"] == 3
    for params in ({"visibility": "secret"}, {"visibility": "[1"}, {"updated_after": "yesterday"}):
        bad = await client.get("/api/pattern", params=params)
        assert bad.status_code == 400, params


async def test_ownership_and_visibility(users: httpx.AsyncClient) -> None:
    private = await save(users, name="mine", headers=_as("alice"))
    public = await save(users, name="ours", visibility="public", headers=_as("alice"))
    assert private["user_id"] == "alice" == private["owner"]
    bob_list = (await users.get("/api/pattern", headers=_as("bob"))).json()
    assert [p["name"] for p in bob_list["patterns"]] == ["ours"]
    hidden = await users.get(f"/api/pattern/{private['id']}", headers=_as("bob"))
    assert hidden.status_code == 404 and hidden.json()["code"] == errors.ErrDesignNotFound.code
    assert (await users.get(f"/api/pattern/download/{private['id']}", headers=_as("bob"))).status_code == 404
    assert (await users.get(f"/api/pattern/{public['id']}", headers=_as("bob"))).status_code == 200

    refused = await users.delete(f"/api/pattern/{public['id']}", headers=_as("bob"))
    assert refused.status_code == 403 and refused.json()["code"] == errors.ErrDesignNotOwner.code
    assert (await users.delete(f"/api/pattern/{private['id']}", headers=_as("bob"))).status_code == 404
    overwrite = await users.post(
        "/api/pattern", json={"pattern_data": {"id": public["id"], "pattern_file": DESIGN}}, headers=_as("bob")
    )
    assert overwrite.status_code == 403
    bulk = (
        await users.post(
            "/api/patterns/delete", json={"patterns": [{"id": public["id"]}, {"id": private["id"]}]}, headers=_as("bob")
        )
    ).json()
    assert (bulk["deleted"], sorted(bulk["notDeleted"])) == ([], sorted([public["id"], private["id"]]))

    copy = (await users.post(f"/api/pattern/clone/{public['id']}", headers=_as("bob"))).json()
    assert (copy["name"], copy["user_id"], copy["visibility"]) == ("ours (Copy)", "bob", "private")
    assert (await users.post(f"/api/pattern/clone/{private['id']}", headers=_as("bob"))).status_code == 404
    alice_list = (await users.get("/api/pattern", headers=_as("alice"))).json()
    assert sorted(p["name"] for p in alice_list["patterns"]) == ["mine", "ours"]
    assert (await users.get(f"/api/pattern/{public['id']}", headers=_as("alice"))).json()["clone_count"] == 1


async def test_clone_and_bulk_delete(client: httpx.AsyncClient) -> None:
    first = await save(client, name="one")
    copy = await client.post(f"/api/pattern/clone/{first['id']}", json={"name": "two"})
    assert copy.status_code == 200
    clone = copy.json()
    assert clone["id"] != first["id"] and clone["name"] == "two"
    cloned = yaml.safe_load(clone["pattern_file"])
    assert cloned["id"] == clone["id"] and cloned["components"] == yaml.safe_load(first["pattern_file"])["components"]
    third = await save(client, name="three")
    unknown = "00000000-0000-0000-0000-000000000000"
    ids = [first["id"], clone["id"], unknown, "junk"]
    result = (await client.post("/api/patterns/delete", json={"patterns": [{"id": i} for i in ids]})).json()
    assert sorted(r["id"] for r in result["deleted"]) == sorted([first["id"], clone["id"]])
    assert result["notDeleted"] == [unknown, "junk"]
    left = (await client.get("/api/pattern")).json()
    assert [p["id"] for p in left["patterns"]] == [third["id"]]


async def test_source_type_routes(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/pattern/Design", json={"name": "typed", "pattern_data": {"pattern_file": DESIGN}})
    assert created.status_code == 200, created.text
    (record,) = created.json()
    assert record["designType"] == "Design"
    update = {"pattern_data": {"id": record["id"], "pattern_file": DESIGN.replace("web", "api")}}
    updated = await client.put("/api/pattern/design", json=update)
    assert updated.status_code == 200 and updated.json()[0]["id"] == record["id"]
    missing = {"pattern_data": {"id": "00000000-0000-0000-0000-000000000001", "pattern_file": DESIGN}}
    assert (await client.put("/api/pattern/design", json=missing)).status_code == 404
    assert (await client.put("/api/pattern/design", json={"pattern_data": {"pattern_file": DESIGN}})).status_code == 400
    unknown = await client.post("/api/pattern/terraform", json={"pattern_data": {"pattern_file": DESIGN}})
    assert unknown.status_code == 400 and unknown.json()["code"] == errors.ErrImportSourceType.code
    for method in ("PUT", "DELETE"):
        wrong_method = await client.request(method, "/api/pattern/import", json={"pattern_data": {}})
        assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST", method
    assert (await client.put("/api/pattern/types", json={})).headers["allow"] == "GET, HEAD"

    source = await client.get(f"/api/pattern/download/{record['id']}/Design")
    assert source.status_code == 200
    assert yaml.safe_load(source.text)["components"][0]["displayName"] == "api"
    wrong = await client.get(f"/api/pattern/download/{record['id']}/helm")
    assert wrong.status_code == 404 and wrong.json()["code"] == errors.ErrDesignSourceNotFound.code
    assert (await client.get(f"/api/pattern/download/{record['id']}/nope")).status_code == 400

    types = (await client.get("/api/pattern/types")).json()
    assert [t["design_type"] for t in types] == ["Design", "Kubernetes Manifest", "Helm Chart", "Docker Compose"]


async def test_save_false_and_bad_bodies(client: httpx.AsyncClient) -> None:
    dry = await client.post("/api/pattern", json={"save": False, "pattern_data": {"pattern_file": DESIGN}})
    assert dry.status_code == 200 and dry.json()[0]["name"] == "demo"
    assert (await client.get("/api/pattern")).json()["total_count"] == 0
    bodies: tuple[dict[str, Any], ...] = (
        {},
        {"pattern_data": {}},
        {"pattern_data": {"pattern_file": DESIGN, "id": "x"}},
        {"pattern_data": {"pattern_file": "- a\n- b\n"}},
        {"pattern_data": {"pattern_file": DESIGN}, "visibility": "secret"},
    )
    for body in bodies:
        response = await client.post("/api/pattern", json=body)
        assert response.status_code == 400, (body, response.text)
    as_object = await client.post("/api/pattern", json={"pattern_data": {"pattern_file": yaml.safe_load(DESIGN)}})
    assert as_object.status_code == 200


async def test_import_forms(client: httpx.AsyncClient) -> None:
    encoded = base64.b64encode(DESIGN.encode()).decode()
    by_base64 = await client.post("/api/pattern/import", json={"name": "b64", "file": encoded})
    assert by_base64.status_code == 200, by_base64.text
    assert (by_base64.json()["name"], by_base64.json()["designType"]) == ("b64", "Design")
    data_url = f"data:application/x-yaml;name=mine.yaml;base64,{encoded}"
    by_data_url = await client.post("/api/pattern/import", json={"file": data_url, "designType": "Meshery Design"})
    assert by_data_url.status_code == 200 and by_data_url.json()["name"] == "demo"
    form = {"name": "multi", "visibility": "public"}
    by_part = await client.post("/api/pattern/import", files={"file": ("d.yaml", DESIGN.encode())}, data=form)
    assert by_part.status_code == 200, by_part.text
    assert (by_part.json()["name"], by_part.json()["visibility"]) == ("multi", "public")

    source = await client.get(f"/api/pattern/download/{by_part.json()['id']}/design")
    assert source.content == DESIGN.encode()

    for body, code in (
        ({}, errors.ErrDesignBodyInvalid.code),
        ({"file": "   "}, errors.ErrDesignBodyInvalid.code),
        ({"file": "data:;base64,@@@"}, errors.ErrDesignBodyInvalid.code),
        ({"file": encoded, "designType": "Terraform"}, errors.ErrImportSourceType.code),
        ({"url": "ftp://example.invalid/x.yaml"}, errors.ErrDesignFetchFailed.code),
        ({"url": "not a url"}, errors.ErrDesignFetchFailed.code),
        ({"file": base64.b64encode(b"[1, 2]").decode()}, errors.ErrImportSourceType.code),
        ({"file": base64.b64encode(b"name: [").decode()}, errors.ErrDesignInvalid.code),
    ):
        response = await client.post("/api/pattern/import", json=body)
        assert (response.status_code, response.json()["code"]) == (400, code), body
    assert (await client.get("/api/pattern")).json()["total_count"] == 3


async def test_download_then_import_round_trips(client: httpx.AsyncClient) -> None:
    record = await save(client, name="round")
    text = (await client.get(f"/api/pattern/download/{record['id']}")).content
    again = await client.post("/api/pattern/import", files={"file": ("round.yml", text)})
    assert again.status_code == 200, again.text
    imported = again.json()
    assert imported["id"] != record["id"] and imported["name"] == "round"
    first, second = yaml.safe_load(record["pattern_file"]), yaml.safe_load(imported["pattern_file"])
    assert first["components"] == second["components"]
    assert {k: v for k, v in first.items() if k != "id"} == {k: v for k, v in second.items() if k != "id"}


async def test_changes_raise_pattern_events(client: httpx.AsyncClient) -> None:
    record = await save(client)
    await client.post(f"/api/pattern/clone/{record['id']}")
    await client.get(f"/api/pattern/download/{record['id']}")
    await client.post("/api/pattern/import", json={"file": DESIGN})
    await client.delete(f"/api/pattern/{record['id']}")
    events = (await client.get("/api/system/events", params={"category": '["pattern"]', "pagesize": 50})).json()
    actions = sorted(e["action"] for e in events["events"])
    assert actions == ["clone", "create", "delete", "download", "import"]
    assert all(e["category"] == "pattern" for e in events["events"])


async def test_graphql_fetch_patterns(client: httpx.AsyncClient) -> None:
    await save(client, name="gql", visibility="public")
    query = """query($s: PageFilter!) { fetchPatterns(selector: $s) {
        page page_size total_count patterns { id name user_id pattern_file visibility canSupport
        location { type } type { String Valid } created_at } } }"""
    answer = await client.post(
        "/api/system/graphql/query", json={"query": query, "variables": {"s": {"page": "0", "pageSize": "5"}}}
    )
    body = answer.json()
    assert "errors" not in body, body
    page = body["data"]["fetchPatterns"]
    assert (page["total_count"], page["page_size"]) == (1, 5)
    (item,) = page["patterns"]
    assert (item["name"], item["location"]) == ("gql", {"type": "local"})
    assert item["type"] == {"String": "Design", "Valid": True}
    assert yaml.safe_load(item["pattern_file"])["name"] == "gql"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", item["created_at"]), item["created_at"]
    bad = await client.post(
        "/api/system/graphql/query", json={"query": query, "variables": {"s": {"page": "x", "pageSize": "5"}}}
    )
    assert bad.json()["errors"]


class _Files(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(2)
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            return  # the client gave up first (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def file_server() -> Iterator[str]:
    _Files.files = {"/designs/web.yaml": DESIGN.encode(), "/big.yaml": DESIGN.encode() * 50, "/slow": b"x"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_import_from_url(client: httpx.AsyncClient, file_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fetched = await client.post("/api/pattern/import", json={"url": f"{file_server}/designs/web.yaml"})
    assert fetched.status_code == 200, fetched.text
    assert (fetched.json()["name"], fetched.json()["designType"]) == ("demo", "Design")
    parts = {"url": (None, f"{file_server}/designs/web.yaml"), "name": (None, "from form")}
    form = await client.post("/api/pattern/import", files=parts)
    assert form.status_code == 200 and form.json()["name"] == "from form"
    missing = await client.post("/api/pattern/import", json={"url": f"{file_server}/nothing.yaml"})
    assert missing.status_code == 400 and missing.json()["code"] == errors.ErrDesignFetchFailed.code
    # One uniform reason (meshery.fetch): what the source answered is not echoed.
    assert "404" not in missing.json()["error"] and NOT_FETCHED in missing.json()["error"]
    monkeypatch.setattr(intake, "MAX_SOURCE_BYTES", 1000)
    big = await client.post("/api/pattern/import", json={"url": f"{file_server}/big.yaml"})
    assert big.status_code == 413 and big.json()["code"] == errors.ErrDesignTooLarge.code
    monkeypatch.setattr(intake, "FETCH_TIMEOUT", 0.3)
    slow = await client.post("/api/pattern/import", json={"url": f"{file_server}/slow"})
    assert slow.status_code == 400 and "did not answer" in slow.json()["error"]
    refused = await client.post("/api/pattern/import", json={"url": "http://127.0.0.1:1/x.yaml"})
    assert refused.status_code == 400 and refused.json()["code"] == errors.ErrDesignFetchFailed.code
    assert (await client.get("/api/pattern")).json()["total_count"] == 2


async def test_list_statements_do_not_grow_with_designs(
    client: httpx.AsyncClient, app: Starlette, database_url: str
) -> None:
    store = app.state.meshery.services.store
    for i in range(12):
        await save(client, name=f"d{i}")
    await client.get("/api/pattern")
    with counting(store) as statements:
        page = await client.get("/api/pattern", params={"populate": "pattern_file", "pagesize": 25})
    assert len(page.json()["patterns"]) == 12
    check_baseline(f"GET /api/pattern?populate=pattern_file ({'postgresql' if database_url else 'sqlite'})", statements)


async def test_read_statements(client: httpx.AsyncClient, app: Starlette, database_url: str) -> None:
    store = app.state.meshery.services.store
    record = await save(client)
    await client.get(f"/api/pattern/{record['id']}")
    with counting(store) as statements:
        assert (await client.get(f"/api/pattern/{record['id']}")).status_code == 200
    check_baseline(f"GET /api/pattern/{{id}} ({'postgresql' if database_url else 'sqlite'})", statements)
