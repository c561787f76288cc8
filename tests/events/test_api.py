"""The events REST API on SQLite and PostgreSQL, every answer checked against the spec."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from meshery.providers.local import LOCAL_USER_UUID

URL = "/api/system/events"


async def _post(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"category": "connection", "action": "create", "description": "d", **fields}
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _list(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    query = {k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()}
    response = await client.get(URL, params=query)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
async def seeded(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    specs = [
        {
            "category": "connection",
            "action": "create",
            "severity": "error",
            "description": "Kubernetes config uploaded.",
        },
        {
            "category": "connection",
            "action": "delete",
            "severity": "informational",
            "description": "Connection removed",
        },
        {
            "category": "pattern",
            "action": "deploy",
            "severity": "warning",
            "description": "Design 100% deployed",
            "actedUpon": "11111111-2222-4333-8444-555555555555",
        },
        {
            "category": "pattern",
            "action": "deploy",
            "severity": "error",
            "description": "Deploy failed",
            "status": "read",
            "metadata": {"error": {"code": "x"}},
        },
        {"category": "registry", "action": "register", "severity": "success", "description": "Models registered"},
    ]
    return [await _post(client, **spec) for spec in specs]


async def test_post_returns_the_stored_event(client: httpx.AsyncClient) -> None:
    event = await _post(client, severity="critical", metadata={"k": [1, 2]}, actedUpon="abc")
    assert event["owner"] == LOCAL_USER_UUID and event["status"] == "unread" and event["severity"] == "critical"
    assert event["metadata"] == {"k": [1, 2]} and event["actedUpon"] == "abc"
    listed = await _list(client)
    assert listed["events"] == [event]


async def test_list_newest_first_with_counts(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    page = await _list(client)
    assert [e["id"] for e in page["events"]] == [e["id"] for e in reversed(seeded)]
    assert (page["page"], page["page_size"], page["total_count"]) == (0, 25, 5)
    # Counts cover unread events only (the read "Deploy failed" is not counted).
    assert page["count_by_severity_level"] == [
        {"severity": "error", "count": 1},
        {"severity": "warning", "count": 1},
        {"severity": "informational", "count": 1},
        {"severity": "success", "count": 1},
    ]


FILTER_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"category": ["pattern"]}, ["Deploy failed", "Design 100% deployed"]),
    ({"category": ["pattern", "registry"], "action": ["register"]}, ["Models registered"]),
    ({"severity": ["error"]}, ["Deploy failed", "Kubernetes config uploaded."]),
    ({"actedUpon": ["11111111-2222-4333-8444-555555555555"]}, ["Design 100% deployed"]),
    ({"status": "read"}, ["Deploy failed"]),
    ({"search": "100%"}, ["Design 100% deployed"]),
    ({"search": "DEPLOY"}, ["Deploy failed", "Design 100% deployed"]),
    ({"search": "_"}, []),
    (
        {"category": []},
        [
            "Models registered",
            "Deploy failed",
            "Design 100% deployed",
            "Connection removed",
            "Kubernetes config uploaded.",
        ],
    ),
]


async def test_filters(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    for params, descriptions in FILTER_CASES:
        page = await _list(client, **params)
        assert [e["description"] for e in page["events"]] == descriptions, params
        assert page["total_count"] == len(descriptions), params


async def test_counts_follow_the_status_filter(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    page = await _list(client, status="read", category=["pattern"])
    assert page["count_by_severity_level"] == [{"severity": "error", "count": 1}]


async def test_paging_and_order(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    first = await _list(client, pagesize=2)
    second = await _list(client, pagesize=2, page=1)
    assert first["page_size"] == 2 and second["page"] == 1 and first["total_count"] == 5
    ids = [e["id"] for e in first["events"] + second["events"]]
    assert ids == [e["id"] for e in reversed(seeded)][:4]
    oldest = await _list(client, order="asc", pageSize=1)
    assert oldest["events"][0]["id"] == seeded[0]["id"]
    by_severity = await _list(client, sort="severity", order="asc")
    assert by_severity["events"][0]["severity"] == "error"
    everything = await _list(client, pagesize="all")
    assert everything["page_size"] == 5 and len(everything["events"]) == 5


INVALID_FILTERS: list[dict[str, str]] = [
    {"severity": '["fatal"]'},
    {"severity": "error"},
    {"category": "connection"},
    {"category": "[1]"},
    {"actedUpon": '{"a": 1}'},
    {"status": "not read"},
    {"status": "a-status-word-too-long"},
    {"pagesize": "-1"},
    {"pagesize": "1001"},
    {"order": "sideways"},
    {"sort": "id"},
    {"page": "-1"},
]


async def test_invalid_filters_are_refused(client: httpx.AsyncClient) -> None:
    for params in INVALID_FILTERS:
        response = await client.get(URL, params=params)
        assert response.status_code == 400, params
        assert response.json()["code"] in ("meshery-server-1001", "meshery-server-1100")


INVALID_EVENTS: list[dict[str, Any]] = [
    {"category": "c"},
    {"category": "", "action": "a"},
    {"category": "c", "action": "a", "severity": "fatal"},
    {"category": "c", "action": "a", "status": "new!"},
    {"action": "a"},
    {"category": "c", "action": "a", "operationId": "nope"},
    {"category": "c", "action": "a", "owner": "someone-else"},
]


async def test_invalid_events_are_refused(client: httpx.AsyncClient) -> None:
    for body in INVALID_EVENTS:
        response = await client.post(URL, json=body)
        assert response.status_code == 400, body


async def test_types(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    response = await client.get(f"{URL}/types")
    assert response.json() == {
        "category": ["connection", "pattern", "registry"],
        "action": ["create", "delete", "deploy", "register"],
    }


async def test_status_one_and_bulk(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    target = seeded[0]["id"]
    response = await client.put(f"{URL}/status/{target}", json={"status": "read"})
    assert response.status_code == 200
    assert response.json()["status"] == "read" and response.json()["updatedAt"] >= seeded[0]["updatedAt"]
    assert (await _list(client, status="read"))["total_count"] == 2
    ids = [e["id"] for e in seeded[:3]] + ["00000000-0000-4000-8000-000000000000"]
    response = await client.put(f"{URL}/status/bulk", json={"status": "unread", "ids": ids})
    assert response.status_code == 200
    assert sorted(e["id"] for e in response.json()) == sorted(ids[:3])
    assert all(e["status"] == "unread" for e in response.json())
    assert (await _list(client, status="read"))["total_count"] == 1


async def test_status_errors(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    missing = await client.put(f"{URL}/status/00000000-0000-4000-8000-000000000000", json={"status": "read"})
    assert missing.status_code == 404 and missing.json()["code"] == "meshery-server-1101"
    for status in ("seen it", "", "x" * 17):
        bad = await client.put(f"{URL}/status/{seeded[0]['id']}", json={"status": status})
        assert bad.status_code == 400, status
    bad_ids = await client.put(f"{URL}/status/bulk", json={"status": "read", "ids": ["x"]})
    assert bad_ids.status_code == 400


async def test_delete_one_and_bulk(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    response = await client.delete(f"{URL}/{seeded[0]['id']}")
    assert response.status_code == 204
    again = await client.delete(f"{URL}/{seeded[0]['id']}")
    assert again.status_code == 404 and again.json()["code"] == "meshery-server-1101"
    ids = [seeded[1]["id"], seeded[2]["id"], seeded[0]["id"]]
    response = await client.request("DELETE", f"{URL}/bulk", json={"ids": ids})
    assert response.status_code == 204
    remaining = await _list(client)
    assert [e["id"] for e in remaining["events"]] == [seeded[4]["id"], seeded[3]["id"]]


async def test_literal_routes_are_not_event_ids(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"{URL}/types")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
    response = await client.delete(f"{URL}/config")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, PUT"
    response = await client.patch(URL)
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, POST"


async def test_config(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{URL}/config")).json() == {"debugMode": False}
    response = await client.put(f"{URL}/config", json={"debugMode": True})
    assert response.status_code == 200 and response.json() == {"debugMode": True}
    assert (await client.get(f"{URL}/config")).json() == {"debugMode": True}
    assert (await client.put(f"{URL}/config", json={"debugMode": "yes"})).status_code == 400
    assert (await client.put(f"{URL}/config", json={"debug": True})).status_code == 400


async def test_body_that_is_not_utf8_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert response.status_code == 400


async def test_meshery_schemas_paths(client: httpx.AsyncClient) -> None:
    """The /events paths of @meshery/schemas act on the same events, with the package's answers."""
    body = {"userId": "00000000-0000-4000-8000-000000000001", "category": "design", "action": "save"}
    created = await client.post("/events", json={**body, "description": "d"})
    assert created.status_code == 201, created.text
    a = created.json()
    assert (a["category"], a["action"]) == ("design", "save")
    b = await _post(client)
    c = await _post(client)
    marked = await client.put("/events/status", json={"ids": [a["id"], b["id"]], "status": "read"})
    assert marked.status_code == 200 and sorted(marked.json()["updated"]) == sorted([a["id"], b["id"]])
    one = await client.put(f"/events/{c['id']}/status", json={"status": "read"})
    assert one.json() == {"message": "event marked read", "eventId": c["id"], "status": "read"}
    assert (await _list(client, status="unread"))["total_count"] == 0
    wrong = await client.put(f"/events/{c['id']}/status", json={"status": "not a word"})
    assert wrong.status_code == 400
    missing = "00000000-0000-4000-8000-000000000009"
    deleted = await client.post("/events/delete", json={"ids": [a["id"], missing]})
    assert deleted.json() == {"deleted": [a["id"]]}
    assert (await client.delete(f"/events/{b['id']}")).status_code == 204
    assert (await client.delete(f"/events/{b['id']}")).status_code == 404
    assert [e["id"] for e in (await _list(client))["events"]] == [c["id"]]


async def test_any_status_word(client: httpx.AsyncClient, seeded: list[dict[str, Any]]) -> None:
    """A status other than read/unread (the package's `failed`, `completed`) is stored, listed by it,
    and moves the event out of the unread counts and back."""
    unread = (await _list(client))["count_by_severity_level"]
    target = seeded[0]
    marked = await client.put("/events/status", json={"ids": [target["id"]], "status": "failed"})
    assert marked.status_code == 200 and marked.json() == {"updated": [target["id"]]}
    failed = await _list(client, status="failed")
    assert [e["id"] for e in failed["events"]] == [target["id"]] and failed["events"][0]["status"] == "failed"
    assert failed["count_by_severity_level"] == [{"severity": target["severity"], "count": 1}]
    again = await client.put(f"/events/{target['id']}/status", json={"status": "completed"})
    assert again.json() == {"message": "event marked completed", "eventId": target["id"], "status": "completed"}
    assert (await _list(client, status="failed"))["total_count"] == 0
    assert (await _list(client, status="completed"))["total_count"] == 1
    back = await client.put(f"{URL}/status/{target['id']}", json={"status": target["status"]})
    assert back.status_code == 200 and back.json()["status"] == target["status"]
    assert (await _list(client))["count_by_severity_level"] == unread


async def test_package_event_without_category_or_action(client: httpx.AsyncClient) -> None:
    """`POST /events` takes the package's body `{}`: the event is stored with them empty;
    `POST /api/system/events` still needs both (upstream's ClientEventHandler)."""
    created = await client.post("/events", json={})
    assert created.status_code == 201, created.text
    event = created.json()
    assert (event["category"], event["action"], event["owner"]) == ("", "", LOCAL_USER_UUID)
    assert [e["id"] for e in (await _list(client))["events"]] == [event["id"]]
    partial = await client.post("/events", json={"category": "design", "severity": "warning"})
    assert partial.status_code == 201 and (partial.json()["category"], partial.json()["action"]) == ("design", "")
    assert (await client.post("/events", json={"severity": "fatal"})).status_code == 400
    assert (await client.post(URL, json={})).status_code == 400
