"""Filter routes (WASM filters) on both databases, every answer contract-checked.

The module is a real WebAssembly binary written by the test (``tests.filters.modules``);
it is sent the ways upstream's clients send it (an array of byte values, base64, multipart,
a URL served on loopback) and read back byte for byte.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import graphql
import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from generated.graphql_schema import SDL
from handlers import designs as design_handlers
from meshery import context
from meshery.filters import resource
from meshery.providers.local import LOCAL_USER
from tests.filters.modules import envoy_filter, module
from tests.fixtures.contract import ContractChecker, contract_client
from tests.fixtures.queries import check_baseline, counting
from tests.handlers.test_designs import TwoUsers, _as

MODULE = module()
CONFIG = envoy_filter()
TIMEOUT = 20.0


async def save(client: httpx.AsyncClient, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = await client.post("/api/filter", json=body, **kwargs)
    assert response.status_code == 200, response.text
    (record,) = response.json()
    return record  # type: ignore[no-any-return]


def ui_upload(name: str, data: bytes = MODULE, config: str = CONFIG) -> dict[str, Any]:
    """What the UI's upload sends: camelCase, the module as an array of byte values."""
    return {"save": True, "filterData": {"filterFile": list(data), "name": name}, "config": config}


async def test_save_list_get_download_clone_delete(client: httpx.AsyncClient) -> None:
    saved = await save(client, ui_upload("auth.wasm"))
    assert saved["name"] == "auth.wasm" and saved["visibility"] == "private"
    assert saved["filter_file"] == "" and saved["size"] == len(MODULE)
    assert saved["userId"] == saved["user_id"] == LOCAL_USER.user_id
    assert resource.config_of(saved["filter_resource"]) == CONFIG == saved["config"]
    component = __import__("json").loads(saved["filterResource"])
    assert component["component"]["kind"] == "WASMFilter" and component["settings"]["config"] == CONFIG
    # The older snake_case body with the module in base64.
    other = await save(
        client, {"filter_data": {"name": "metrics", "filter_file": base64.b64encode(MODULE).decode()}, "save": True}
    )

    page = (await client.get("/api/filter", params={"pagesize": 1, "order": "name asc"})).json()
    assert (page["total_count"], page["totalCount"], page["page_size"], page["pageSize"]) == (2, 2, 1, 1)
    assert [f["name"] for f in page["filters"]] == ["auth.wasm"]
    assert all(f["filter_file"] == "" for f in page["filters"])  # lists carry no modules
    found = (await client.get("/api/filter", params={"search": "METR", "visibility": '["private"]'})).json()
    assert [f["id"] for f in found["filters"]] == [other["id"]]
    none = (await client.get("/api/filter", params={"visibility": "public"})).json()
    assert none["filters"] == [] and none["total_count"] == 0

    one = (await client.get(f"/api/filter/{saved['id']}")).json()
    assert base64.b64decode(one["filter_file"]) == MODULE == base64.b64decode(one["filterFile"])
    download = await client.get(f"/api/filter/download/{saved['id']}")
    assert download.status_code == 200 and download.content == MODULE
    assert download.headers["content-type"] == "application/wasm"
    assert download.headers["content-disposition"] == 'attachment; filename="auth.wasm"'

    # The UI's config edit: id, name and config, no module; the stored module stays.
    edited = await save(client, {"filterData": {"id": saved["id"], "name": "auth"}, "config": "kind: x", "save": True})
    assert (edited["id"], edited["name"], edited["config"], edited["size"]) == (
        saved["id"],
        "auth",
        "kind: x",
        len(MODULE),
    )
    assert (await client.get(f"/api/filter/download/{saved['id']}")).content == MODULE

    clone = await client.post(f"/api/filter/clone/{saved['id']}", json={"name": "auth (Copy)"})
    assert clone.status_code == 200, clone.text
    copy = clone.json()
    assert copy["id"] != saved["id"] and copy["name"] == "auth (Copy)" and copy["config"] == "kind: x"
    assert (await client.get(f"/api/filter/download/{copy['id']}")).content == MODULE

    deleted = await client.delete(f"/api/filter/{saved['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == saved["id"]
    for url in (f"/api/filter/{saved['id']}", f"/api/filter/download/{saved['id']}"):
        gone = await client.get(url)
        assert gone.status_code == 404 and gone.json()["code"] == errors.ErrFilterNotFound.code
    assert (await client.get(f"/api/filter/download/{copy['id']}")).content == MODULE  # the copy keeps its own


async def test_multipart_upload_and_unsaved_check(client: httpx.AsyncClient) -> None:
    files = {"file": ("ratelimit.wasm", MODULE, "application/wasm")}
    answer = await client.post("/api/filter", files=files, data={"config": CONFIG})
    assert answer.status_code == 200, answer.text
    (record,) = answer.json()
    assert record["name"] == "ratelimit" and record["config"] == CONFIG
    assert (await client.get(f"/api/filter/download/{record['id']}")).content == MODULE
    checked = await save(client, {"filter_data": {"name": "dry", "filter_file": list(MODULE)}, "save": False})
    assert checked["name"] == "dry"
    assert (await client.get(f"/api/filter/{checked['id']}")).status_code == 404  # save: false stores nothing


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\0asn\x01\0\0\0", errors.ErrFilterNotWasm.code),  # wrong magic number
        (b"(module)", errors.ErrFilterNotWasm.code),  # the text format, not the binary
        (b"\0asm\x02\0\0\0", errors.ErrFilterNotWasm.code),  # unknown version
        (b"\0asm", errors.ErrFilterNotWasm.code),  # too short
    ],
)
async def test_bad_modules_are_refused(client: httpx.AsyncClient, data: bytes, code: str) -> None:
    answer = await client.post("/api/filter", json=ui_upload("bad", data))
    assert answer.status_code == 400 and answer.json()["code"] == code, answer.text
    assert (await client.get("/api/filter")).json()["total_count"] == 0


async def test_malformed_bodies_and_size_limit(app: Starlette, client: httpx.AsyncClient) -> None:
    bad_bytes = await client.post("/api/filter", json={"filterData": {"filterFile": [0, 97, 300], "name": "x"}})
    assert bad_bytes.status_code == 400 and bad_bytes.json()["code"] == errors.ErrFilterBodyInvalid.code
    not_b64 = await client.post("/api/filter", json={"filterData": {"filterFile": {"a": 1}, "name": "x"}})
    assert not_b64.status_code == 400 and not_b64.json()["code"] == errors.ErrFilterBodyInvalid.code
    empty = await client.post("/api/filter", json={"save": True, "config": CONFIG})
    assert empty.status_code == 400 and empty.json()["code"] == errors.ErrFilterBodyInvalid.code
    visibility = await client.get("/api/filter", params={"visibility": '["secret"]'})
    assert visibility.status_code == 400
    services = app.state.meshery.services
    settings = services.settings
    services.settings = dataclasses.replace(settings, filter_max_bytes=len(MODULE) - 1)
    try:
        for body in (
            ui_upload("big"),
            {"filter_data": {"name": "b", "filter_file": base64.b64encode(MODULE).decode()}},
        ):
            large = await client.post("/api/filter", json=body)
            assert large.status_code == 413 and large.json()["code"] == errors.ErrFilterTooLarge.code, large.text
        files = {"file": ("big.wasm", MODULE, "application/wasm")}
        large = await client.post("/api/filter", files=files)
        assert large.status_code == 413 and large.json()["code"] == errors.ErrFilterTooLarge.code
    finally:
        services.settings = settings
    wrong_method = await client.get("/api/filter/deploy")
    assert wrong_method.status_code == 405


class _Files(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def file_server() -> Iterator[str]:
    _Files.files = {"/filters/http-auth.wasm": MODULE, "/filters/readme.txt": b"not a module"}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_save_from_url(client: httpx.AsyncClient, file_server: str) -> None:
    url = f"{file_server}/filters/http-auth.wasm"
    record = await save(client, {"save": True, "url": url, "config": CONFIG})
    assert record["name"] == "http-auth" and record["location"]["type"] == "url"
    assert record["location"]["path"] == "/filters/http-auth.wasm"
    assert (await client.get(f"/api/filter/download/{record['id']}")).content == MODULE
    named = await save(client, {"save": True, "url": url, "name": "from the UI"})
    assert named["name"] == "from the UI"
    missing = await client.post("/api/filter", json={"save": True, "url": f"{file_server}/nothing.wasm"})
    assert missing.status_code == 400 and missing.json()["code"] == errors.ErrFilterFetchFailed.code
    not_wasm = await client.post("/api/filter", json={"save": True, "url": f"{file_server}/filters/readme.txt"})
    assert not_wasm.status_code == 400 and not_wasm.json()["code"] == errors.ErrFilterNotWasm.code
    scheme = await client.post("/api/filter", json={"save": True, "url": "file:///etc/passwd"})
    assert scheme.status_code == 400 and scheme.json()["code"] == errors.ErrFilterFetchFailed.code


@pytest.fixture
async def users(app: Starlette, contract: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    app.state.meshery.provider = TwoUsers()
    async with contract_client(app, contract) as http:
        yield http


async def test_other_users_filters(users: httpx.AsyncClient) -> None:
    private = await save(users, ui_upload("alice-private"), headers=_as("alice"))
    shared = await save(
        users,
        {"filter_data": {"name": "alice-public", "filter_file": list(MODULE), "visibility": "public"}},
        headers=_as("alice"),
    )
    bob = _as("bob")
    for url in (f"/api/filter/{private['id']}", f"/api/filter/download/{private['id']}"):
        answer = await users.get(url, headers=bob)
        assert answer.status_code == 404 and answer.json()["code"] == errors.ErrFilterNotFound.code
    for method, url in (("DELETE", f"/api/filter/{private['id']}"), ("POST", f"/api/filter/clone/{private['id']}")):
        assert (await users.request(method, url, headers=bob, json={})).status_code == 404
    hijack = await users.post(
        "/api/filter", json={"filterData": {"id": private["id"], "name": "mine now"}, "config": "x"}, headers=bob
    )
    assert hijack.status_code == 404, hijack.text
    with_module = {"filterData": {"id": private["id"], "name": "mine now", "filterFile": list(MODULE)}}
    taken = await users.post("/api/filter", json=with_module, headers=bob)
    assert taken.status_code == 404, taken.text  # the id is taken by a filter that is not bob's
    deploy = await users.post("/api/filter/deploy", json={"filter_id": private["id"]}, headers=bob)
    assert deploy.status_code == 404 and deploy.json()["code"] == errors.ErrFilterNotFound.code
    listed = (await users.get("/api/filter", headers=bob)).json()
    assert [f["id"] for f in listed["filters"]] == [shared["id"]]
    # A public filter is readable and clonable by everyone, changed by its owner only.
    assert (await users.get(f"/api/filter/download/{shared['id']}", headers=bob)).content == MODULE
    assert (await users.delete(f"/api/filter/{shared['id']}", headers=bob)).status_code == 403
    edit = await users.post("/api/filter", json={"filterData": {"id": shared["id"], "name": "b"}}, headers=bob)
    assert edit.status_code == 403 and edit.json()["code"] == errors.ErrFilterNotOwner.code
    copy = await users.post(f"/api/filter/clone/{shared['id']}", json={}, headers=bob)
    assert copy.status_code == 200 and copy.json()["user_id"] == "bob" and copy.json()["visibility"] == "private"
    assert (await users.get(f"/api/filter/{private['id']}", headers=_as("alice"))).json()["name"] == "alice-private"


async def test_configuration_subscription_has_the_filters(app: Starlette, client: httpx.AsyncClient) -> None:
    services = app.state.meshery.services
    token = context.activate(context.RequestContext(services=services, provider="None", user=LOCAL_USER))
    try:
        stream = design_handlers.subscribe_configuration(
            {"page": "0", "pageSize": "10"}, {"page": "0", "pageSize": "1", "order": "name asc"}
        )
        first = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert first["filters"]["total_count"] == 0
        record = await save(client, ui_upload("followed"))
        second = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert second["filters"]["total_count"] == 1 and second["filters"]["page_size"] == 1
        (item,) = second["filters"]["filters"]
        assert (item["id"], item["filter_file"], item["visibility"]) == (record["id"], "", "private")
        assert item["created_at"].endswith("Z")
        await client.delete(f"/api/filter/{record['id']}")
        third = await asyncio.wait_for(anext(stream), TIMEOUT)
        assert third["filters"]["filters"] == []
        await stream.aclose()
    finally:
        context.deactivate(token)

    # The fields upstream's UI selects (ConfigurationSubscription) are in the schema.
    query = """subscription($p: PageFilter!, $f: PageFilter!) {
      subscribeConfiguration(patternSelector: $p, filterSelector: $f) {
        filters { page page_size total_count filters {
          id name filter_file filter_resource user_id visibility catalog_data created_at updated_at
          location { branch host path type } } } } }"""
    assert graphql.validate(graphql.build_schema(SDL), graphql.parse(query)) == []


async def test_lists_read_no_module(app: Starlette, client: httpx.AsyncClient, database_url: str) -> None:
    for i in range(12):
        await save(client, ui_upload(f"many-{i:02d}"))
    store = app.state.meshery.services.store
    with counting(store) as statements:
        page = await client.get("/api/filter", params={"pagesize": 10, "search": "many"})
    assert page.status_code == 200 and page.json()["total_count"] == 12
    assert not [s for s in statements if "meshery_filter_files" in s], statements
    dialect = "postgresql" if database_url else "sqlite"
    check_baseline(f"GET /api/filter ({dialect})", statements)
