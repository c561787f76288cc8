"""The adapters routes on SQLite and PostgreSQL against the sample adapter under both service names.

Every answer is contract-checked against the spec. Events are observed on the bus subject the
events area streams from, and in the ``events`` table.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import grpc.aio
import httpx
import pytest
from starlette.applications import Starlette

from generated import errors
from meshery.adapters.sample import server as sample
from meshery.events import EVENTS_SUBJECT
from meshery.providers.local import LOCAL_USER_UUID
from tests.adapters.conftest import RunningAdapter
from tests.fixtures.app import app_settings
from tests.fixtures.server import free_port

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _services(app: Starlette) -> Any:
    return app.state.meshery.services


async def _wait_up(app: Starlette, location: str) -> None:
    await _services(app).adapters.tracker.wait_for(location, "up", 5)


async def _next_event(subscription: Any, **match: Any) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        async for message in subscription:
            event: dict[str, Any] = json.loads(message.data)
            if all(event.get(k) == v for k, v in match.items()):
                return event
        raise AssertionError("subscription ended")

    return await asyncio.wait_for(find(), 5)


async def test_lists_configured_adapter_with_health(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter
) -> None:
    await _wait_up(adapter_app, sample_adapter.location)
    response = await adapter_client.get("/api/system/adapters")
    assert response.status_code == 200
    [adapter] = response.json()
    assert adapter["adapter_location"] == sample_adapter.location
    assert (adapter["name"], adapter["version"], adapter["git_commit_sha"]) == (sample.NAME, sample.VERSION, "sample")
    assert adapter["health"] == "up" and adapter["service"] == sample_adapter.service
    assert {(op["key"], op["category"]) for op in adapter["ops"]} == {
        ("sample_app_install", 1),
        ("custom", 4),
        ("validate_clusters", 3),
        ("echo", 2),
    }


async def test_ping(adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter) -> None:
    response = await adapter_client.get("/api/system/adapters", params={"adapter": sample_adapter.location})
    assert (response.status_code, response.json()) == (200, {})
    unknown = await adapter_client.get("/api/system/adapters", params={"adapter": "localhost:1"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, errors.ErrAdapterNotConfigured.code)
    malformed = await adapter_client.get("/api/system/adapters", params={"adapter": "grpc://x"})
    assert (malformed.status_code, malformed.json()["code"]) == (400, errors.ErrRequestValidation.code)


async def test_ping_a_configured_adapter_that_is_down(
    adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter
) -> None:
    await sample_adapter.stop()
    response = await adapter_client.get("/api/system/adapters", params={"adapter": sample_adapter.location})
    assert (response.status_code, response.json()["code"]) == (502, errors.ErrAdapterUnavailable.code)


async def test_manage_adds_lists_and_removes_with_events(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, start_adapter: Any, sample_adapter: RunningAdapter
) -> None:
    other = await start_adapter("MeshService")
    bus = _services(adapter_app).bus
    subscription = await bus.subscribe(EVENTS_SUBJECT)

    added = await adapter_client.post(
        "/api/system/adapter/manage", content=f"meshLocationURL=localhost%3A{other.port}", headers=FORM
    )
    assert added.status_code == 200, added.text
    [entry] = added.json()
    assert (entry["adapter_location"], entry["name"]) == (other.location, sample.NAME)
    event = await _next_event(subscription, category="adapter", action="register")
    assert event["severity"] == "success" and event["owner"] == LOCAL_USER_UUID
    assert event["metadata"]["location"] == other.location
    assert event["metadata"]["manifest"]["Sample Applications"]

    # Now watched by the server too, and a second add is a no-op (a bare port means localhost).
    await _wait_up(adapter_app, other.location)
    again = await adapter_client.post("/api/system/adapter/manage", data={"meshLocationURL": str(other.port)})
    assert [a["adapter_location"] for a in again.json()] == [other.location]
    listed = (await adapter_client.get("/api/system/adapters")).json()
    assert {a["adapter_location"] for a in listed} == {sample_adapter.location, other.location}

    removed = await adapter_client.delete("/api/system/adapter/manage", params={"adapter": other.location})
    assert (removed.status_code, removed.json()) == (200, [])
    event = await _next_event(subscription, action="unregister")
    assert event["description"] == f"Removed {sample.NAME} Adapter"
    listed = (await adapter_client.get("/api/system/adapters")).json()
    assert [a["adapter_location"] for a in listed] == [sample_adapter.location]
    gone = await adapter_client.delete("/api/system/adapter/manage", params={"adapter": other.location})
    assert (gone.status_code, gone.json()["code"]) == (404, errors.ErrAdapterNotConfigured.code)


async def test_manage_rejects_malformed_locations(bare_client: httpx.AsyncClient) -> None:
    invalid = errors.ErrRequestValidation.code  # the spec's pattern rejects them before the handler
    cases = [
        ("http://localhost:10000", 400, invalid),
        ("localhost", 400, invalid),
        ("localhost:99999", 400, invalid),
        ("bad host:1", 400, invalid),
        ("", 400, invalid),
        ("10.0.0.1:10000", 403, errors.ErrAdapterNotAllowed.code),  # test servers dial loopback only
    ]
    for location, status, code in cases:
        response = await bare_client.post("/api/system/adapter/manage", data={"meshLocationURL": location})
        assert (location, response.status_code, response.json()["code"]) == (location, status, code)
    assert (await bare_client.get("/api/system/adapters")).json() == []


async def test_manage_unreachable_or_foreign_adapter_is_404_and_an_error_event(
    bare_app: Starlette, bare_client: httpx.AsyncClient
) -> None:
    adapter_client = bare_client
    subscription = await _services(bare_app).bus.subscribe(EVENTS_SUBJECT)
    unreachable = f"127.0.0.1:{free_port()}"
    response = await adapter_client.post("/api/system/adapter/manage", data={"meshLocationURL": unreachable})
    assert (response.status_code, response.json()["code"]) == (404, errors.ErrAdapterUnreachable.code)
    event = await _next_event(subscription, action="register")
    assert event["severity"] == "error" and event["description"] == "Error adding Adapter"
    assert (await adapter_client.get("/api/system/adapter/manage")).status_code == 405

    foreign = grpc.aio.server()  # a gRPC server, but not an adapter
    port = foreign.add_insecure_port("127.0.0.1:0")
    await foreign.start()
    try:
        response = await adapter_client.post(
            "/api/system/adapter/manage", data={"meshLocationURL": f"127.0.0.1:{port}"}
        )
        assert (response.status_code, response.json()["code"]) == (404, errors.ErrAdapterUnreachable.code)
        assert "neither meshes.AdapterService nor meshes.MeshService" in response.json()["error"]
    finally:
        await foreign.stop(0)


async def test_operation_relays_progress_events(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter
) -> None:
    await _wait_up(adapter_app, sample_adapter.location)
    await sample_adapter.subscribed()
    subscription = await _services(adapter_app).bus.subscribe(EVENTS_SUBJECT)
    response = await adapter_client.post(
        "/api/system/adapter/operation",
        data={"adapter": sample_adapter.location, "query": "echo", "customBody": "hello", "namespace": "demo"},
    )
    assert response.status_code == 200, response.text
    operation_id = response.json()["operation_id"]
    event = await _next_event(subscription, operationId=operation_id)
    assert (event["category"], event["action"], event["severity"]) == ("sample", "deploy", "informational")
    assert event["description"] == "Echo" and event["owner"] == LOCAL_USER_UUID
    assert event["metadata"]["details"] == "hello"
    assert event["metadata"]["adapter"]["location"] == sample_adapter.location
    stored = (await adapter_client.get("/api/system/database", params={"search": "events"})).json()
    assert stored["tables"][0]["count"] >= 1


async def test_failed_operation_becomes_an_error_event_with_meshkit_error(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter
) -> None:
    await _wait_up(adapter_app, sample_adapter.location)
    await sample_adapter.subscribed()
    subscription = await _services(adapter_app).bus.subscribe(EVENTS_SUBJECT)
    # No kubeconfig under KUBECONFIG_FOLDER and no contexts named: the adapter reports the failure.
    response = await adapter_client.post(
        "/api/system/adapter/operation", data={"adapter": sample_adapter.location, "query": "sample_app_install"}
    )
    operation_id = response.json()["operation_id"]
    event = await _next_event(subscription, operationId=operation_id)
    assert event["severity"] == "error"
    error = event["metadata"]["error"]
    assert error["Code"] == sample.ERR_APPLY
    assert error["ShortDescription"] == ["Operation sample_app_install failed"]
    assert "no Kubernetes context" in error["LongDescription"][0]
    assert error["ProbableCause"] and error["SuggestedRemediation"]


async def test_operation_rejections(adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter) -> None:
    async def run(**form: str) -> httpx.Response:
        return await adapter_client.post("/api/system/adapter/operation", data=form)

    unknown_op = await run(adapter=sample_adapter.location, query="install_everything")
    assert (unknown_op.status_code, unknown_op.json()["code"]) == (400, errors.ErrAdapterOperationUnknown.code)
    assert "echo" in unknown_op.json()["error"]
    unknown_adapter = await run(adapter="localhost:1", query="echo")
    assert (unknown_adapter.status_code, unknown_adapter.json()["code"]) == (404, errors.ErrAdapterNotConfigured.code)
    malformed = await run(adapter="not a location", query="echo")
    assert (malformed.status_code, malformed.json()["code"]) == (400, errors.ErrRequestValidation.code)
    missing = await run(adapter=sample_adapter.location)
    assert (missing.status_code, missing.json()["code"]) == (400, errors.ErrRequestValidation.code)
    no_context = await adapter_client.post(
        "/api/system/adapter/operation",
        params={"contexts": "kind-missing"},
        data={"adapter": sample_adapter.location, "query": "echo"},
    )
    assert (no_context.status_code, no_context.json()["code"]) == (400, errors.ErrAdapterContextNotFound.code)


async def test_operation_on_an_adapter_that_went_down(
    adapter_client: httpx.AsyncClient, sample_adapter: RunningAdapter
) -> None:
    await sample_adapter.stop()
    response = await adapter_client.post(
        "/api/system/adapter/operation", data={"adapter": sample_adapter.location, "query": "echo"}
    )
    assert (response.status_code, response.json()["code"]) == (502, errors.ErrAdapterUnavailable.code)


async def test_available_adapters(bare_client: httpx.AsyncClient) -> None:
    response = await bare_client.get("/api/system/availableAdapters")
    assert response.status_code == 200
    body = response.json()
    assert body[0] == {
        "adapter_location": "10000",
        "name": "meshery-istio",
        "version": "",
        "git_commit_sha": "",
        "ops": None,
    }
    assert {"name": "meshery-sample", "adapter_location": "10020"}.items() <= body[-1].items()


CHANGE = """mutation($input: AdapterStatusInput) { changeAdapterStatus(input: $input) }"""


async def test_change_adapter_status_watches_and_unwatches(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, start_adapter: Any, sample_adapter: RunningAdapter
) -> None:
    other = await start_adapter()

    async def change(**fields: str) -> dict[str, Any]:
        response = await adapter_client.post(
            "/api/system/graphql/query", json={"query": CHANGE, "variables": {"input": fields}}
        )
        body: dict[str, Any] = response.json()
        return body

    enabled = await change(targetStatus="ENABLED", targetPort=str(other.port), adapter="meshery-other")
    assert enabled == {"data": {"changeAdapterStatus": "PROCESSING"}}
    await _wait_up(adapter_app, other.location)
    operation = await adapter_client.post(
        "/api/system/adapter/operation", data={"adapter": other.location, "query": "echo"}
    )
    assert operation.status_code == 200  # deployed adapters are usable by every user
    disabled = await change(targetStatus="DISABLED", targetPort=str(other.port), adapter="meshery-other")
    assert disabled["data"]["changeAdapterStatus"] == "PROCESSING"
    listed = (await adapter_client.get("/api/system/adapters")).json()
    assert [a["adapter_location"] for a in listed] == [sample_adapter.location]

    bad = await change(targetStatus="ENABLED", targetPort="", adapter="meshery-unknown")
    assert bad["errors"][0]["message"].startswith(errors.ErrAdapterStatusInput.short)


@pytest.mark.parametrize("bare_database_url", ["sqlite"], indirect=True)
async def test_change_adapter_status_starts_and_stops_the_sample_adapter(
    bare_app: Starlette, bare_client: httpx.AsyncClient
) -> None:
    port = free_port()
    runtime = _services(bare_app).adapters

    async def change(target: str) -> Any:
        response = await bare_client.post(
            "/api/system/graphql/query",
            json={
                "query": CHANGE,
                "variables": {"input": {"targetStatus": target, "targetPort": str(port), "adapter": "meshery-sample"}},
            },
        )
        return response.json()["data"]["changeAdapterStatus"]

    assert await change("ENABLED") == "PROCESSING"
    assert runtime.deployer.running(port)
    state = await runtime.tracker.wait_for(f"localhost:{port}", "up", 15)
    assert state.name == "meshery-sample"
    assert await change("DISABLED") == "PROCESSING"
    assert not runtime.deployer.running(port)
    assert runtime.tracker.states() == []


async def test_adapter_urls_refused_by_loopback_only_are_logged_not_watched(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from meshery.app import create_app

    settings = app_settings(user_data_folder=tmp_path / "m",
        adapter_urls=("10.0.0.1:10000",),
        adapter_loopback_only=True,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        assert _services(application).adapters.tracker.states() == []
    assert errors.ErrAdapterNotAllowed.code in caplog.text


async def test_user_list_is_mirrored_to_preferences_and_read_from_them(
    adapter_app: Starlette, adapter_client: httpx.AsyncClient, start_adapter: Any, sample_adapter: RunningAdapter
) -> None:
    other = await start_adapter()
    added = await adapter_client.post("/api/system/adapter/manage", data={"meshLocationURL": other.location})
    assert added.status_code == 200
    prefs = (await adapter_client.get("/api/user/prefs")).json()
    assert [a["adapter_location"] for a in prefs["meshAdapters"]] == [other.location]
    assert prefs["meshAdapters"][0]["name"] == sample.NAME and "health" not in prefs["meshAdapters"][0]
    await adapter_client.delete("/api/system/adapter/manage", params={"adapter": other.location})
    assert (await adapter_client.get("/api/user/prefs")).json()["meshAdapters"] == []

    # A list written straight into the preferences (as upstream's UI does) counts as the user's.
    third = await start_adapter()
    entry = {"adapter_location": third.location, "name": "x", "version": "", "git_commit_sha": "", "ops": []}
    assert (await adapter_client.post("/api/user/prefs", json={"meshAdapters": [entry]})).status_code == 200
    pinged = await adapter_client.get("/api/system/adapters", params={"adapter": third.location})
    assert (pinged.status_code, pinged.json()) == (200, {})
    run = await adapter_client.post("/api/system/adapter/operation", data={"adapter": third.location, "query": "echo"})
    assert run.status_code == 200, run.text
