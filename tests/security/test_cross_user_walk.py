"""Bob walks every operation whose path names an owned record, with alice's ids: all 404.

Generated from the spec: a path parameter marked ``x-owned: <entity>`` names a stored record
of that entity, and every operation with one is called with bob's session

- once with alice's record for every owned parameter, and
- once per owned parameter with alice's record there and bob's own records in the others
  (linking alice's design into bob's workspace, her connection into his environment, ...).

Each call must answer 404, or an empty list, and leave alice's records as they were. An
operation added to the spec later with an ``x-owned`` parameter is walked without touching
this file; the operations without one are checked not to name an owned id by another name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from meshery import apispec
from tests.security.conftest import Records, World

# Values of path parameters that do not name a stored record.
PLAIN_VALUES = {"connectionKind": "kubernetes", "sourcetype": "design"}
ANY_ID = "6f0c2a3e-1b4d-4c5e-8f9a-0b1c2d3e4f50"

# A plausible body per operation that takes one (so a 404 is not a 400 in disguise).
BODIES: dict[str, Any] = {
    "updateConnectionById": {"name": "bob-was-here", "status": "ignored"},
    "updateConnectionControllersConfig": {"operator": {"enabled": False}},
    "updateEnvironment": {"name": "bob-was-here"},
    "updateWorkspace": {"name": "bob-was-here"},
    "updateEventStatus": {"status": "read"},
    "resyncKubernetesContext": {"reSync": True, "clearDb": True},
    "clonePattern": {"name": "bob-clone"},
    "cloneFilter": {"name": "bob-clone"},
    "createPatternFromSource": {"name": "bob", "save": True},
    "updatePatternFromSource": {"name": "bob", "save": True},
    "updatePerformanceProfile": {"name": "bob-was-here"},
}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    owned: dict[str, str]  # path parameter -> entity
    params: tuple[str, ...]


def _resolve(doc: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in item:
        return item
    node: Any = doc
    for part in item["$ref"].lstrip("#/").split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def owned_operations() -> list[Operation]:
    doc = apispec.document()
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            params = [_resolve(doc, p) for p in [*item.get("parameters", []), *op.get("parameters", [])]]
            path_params = [p for p in params if p.get("in") == "path"]
            owned = {p["name"]: p["x-owned"] for p in path_params if "x-owned" in p}
            if owned:
                names = tuple(p["name"] for p in path_params)
                found.append(Operation(op["operationId"], method.upper(), path, owned, names))
    return sorted(found, key=lambda o: o.operation_id)


OPERATIONS = owned_operations()


def _value(op: Operation, name: str, rec: Records) -> str:
    entity = op.owned[name]
    if entity == "connection" and "/meshery/" in op.path:
        return rec.meshery_connection
    return rec.ids[entity]


def _url(op: Operation, owners: dict[str, Records]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in op.owned:
            return _value(op, name, owners[name])
        return PLAIN_VALUES.get(name, ANY_ID)

    return re.sub(r"\{([^}]+)\}", fill, op.path)


def _variants(op: Operation, alice: Records, bob: Records) -> list[dict[str, Records]]:
    everything = {name: alice for name in op.owned}
    if len(op.owned) == 1:
        return [everything]
    return [everything, *({n: (alice if n == name else bob) for n in op.owned} for name in op.owned)]


async def _snapshot(world: World) -> dict[str, Any]:
    """Alice's records as alice reads them (what bob must not have changed)."""
    http, rec = world.clients["alice"], world.records["alice"]
    urls = {
        "connection": f"/api/integrations/connections/{rec.ids['connection']}",
        "meshery": f"/api/integrations/connections/{rec.meshery_connection}",
        "config": f"/api/integrations/connections/{rec.ids['connection']}/controllers/config",
        "context": f"/api/system/kubernetes/contexts/{rec.ids['kubernetes-context']}",
        "resource": f"/api/system/meshsync/resources/{rec.ids['meshsync-resource']}",
        "design": f"/api/pattern/{rec.ids['design']}",
        "filter": f"/api/filter/{rec.ids['filter']}",
        "environment": f"/api/environments/{rec.ids['environment']}",
        "workspace": f"/api/workspaces/{rec.ids['workspace']}",
        "credential": f"/api/integrations/credentials/{rec.ids['credential']}",
        "perf-profile": f"/api/performance/profiles/{rec.ids['perf-profile']}",
        "perf-result": f"/api/perf/profile/result/{rec.ids['perf-result']}",
        "schedule": f"/api/user/schedules/{rec.ids['schedule']}",
    }
    state: dict[str, Any] = {}
    for key, url in urls.items():
        response = await http.get(url)
        body = response.json() if response.status_code == 200 else None
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in ("updated_at", "updatedAt", "view_count", "viewCount")}
        state[key] = (response.status_code, body)
    events = (await http.get("/api/system/events", params={"pagesize": "all"})).json()
    mine = [e for e in events.get("events") or events.get("data") or [] if e.get("id") == rec.ids["event"]]
    state["event"] = [(e.get("status"), e.get("action")) for e in mine]
    return state


def _reached(response: httpx.Response, alice: Records) -> bool:
    if response.status_code == 404:
        return False
    if response.status_code >= 400:
        return True  # neither "not found" nor success: counted, and shown in the failure
    text = response.text
    if any(value in text for value in (*alice.ids.values(), alice.meshery_connection)):
        return True
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return bool(text.strip())
    return not _empty(body)


def _empty(body: Any) -> bool:
    """An empty list (or a page of one) carries nothing of alice's."""
    if isinstance(body, list):
        return not body
    if isinstance(body, dict):
        lists = [v for v in body.values() if isinstance(v, list)]
        return bool(lists) and all(not v for v in lists)
    return body in (None, "")


def test_the_spec_marks_owned_parameters() -> None:
    entities = {e for op in OPERATIONS for e in op.owned.values()}
    assert {"connection", "kubernetes-context", "meshsync-resource", "design", "event", "environment",
            "workspace", "credential", "filter"} <= entities  # fmt: skip
    assert len(OPERATIONS) >= 40


async def test_bob_reaches_none_of_alices_records(world: World) -> None:
    alice, bob = world.records["alice"], world.records["bob"]
    http = world.clients["bob"]
    before = await _snapshot(world)
    assert all(status == 200 for status, _ in (v for k, v in before.items() if k != "event")), before
    reached: list[str] = []
    calls = 0
    for op in OPERATIONS:
        for owners in _variants(op, alice, bob):
            url = _url(op, owners)
            body = BODIES.get(op.operation_id, {}) if op.method in ("PUT", "POST") else None
            response = await http.request(op.method, url, json=body)
            calls += 1
            after = await _snapshot(world)
            if _reached(response, alice) or after != before:
                reached.append(f"{op.operation_id} {op.method} {url}: {response.status_code} {response.text[:200]}")
            if after != before:  # bob changed or removed alice's records: make them again
                world.records["alice"] = alice = await world.make_records("alice")
                before = await _snapshot(world)
    print(f"\ncross-user walk: {len(OPERATIONS)} operations, {calls} calls, {len(reached)} reached alice's data")
    assert not reached, "\n".join(reached)
