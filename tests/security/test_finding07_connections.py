"""Finding 7: bob neither lists, reads, reconfigures nor deletes alice's connections (both databases)."""

from __future__ import annotations

from generated import errors
from tests.security.conftest import World


async def test_connections_are_per_user(world: World) -> None:
    alice, bob = world.clients["alice"], world.clients["bob"]
    rec = world.records["alice"]
    theirs = {rec.ids["connection"], rec.meshery_connection}

    listed = (await bob.get("/api/integrations/connections", params={"pagesize": "all"})).json()
    assert theirs.isdisjoint(c["id"] for c in listed["connections"])
    assert listed["total_count"] == 2  # bob's own two
    for conn_id in theirs:
        url = f"/api/integrations/connections/{conn_id}"
        for method, body in (("GET", None), ("PUT", {"name": "bob-was-here"}), ("DELETE", None)):
            response = await bob.request(method, url, json=body)
            assert response.status_code == 404, (method, response.text)
            assert response.json()["code"] in (errors.ErrConnectionNotFound.code, errors.ErrNotOwned.code)
        config = await bob.put(f"{url}/controllers/config", json={"operator": {"enabled": False}})
        assert config.status_code == 404
    bulk = await bob.put("/api/integrations/connections/kubernetes/status", json={rec.ids["connection"]: "ignored"})
    assert bulk.status_code == 202 and bulk.json()["updated"] == {}
    counts = (await bob.get("/api/integrations/connections/status")).json()["connections_status"]
    assert sum(c["count"] for c in counts) == 2

    # A connection id that is alice's cannot be taken over by creating one with it.
    taken = await bob.post(
        "/api/integrations/connections",
        json={"id": rec.meshery_connection, "kind": "meshery", "name": "mine now", "type": "platform",
              "sub_type": "management"},
    )  # fmt: skip
    assert taken.status_code in (404, 409), taken.text

    for conn_id in theirs:
        kept = (await alice.get(f"/api/integrations/connections/{conn_id}")).json()
        assert kept["name"] != "bob-was-here" and kept["user_id"] == "alice"
    assert (await alice.get(f"/api/integrations/connections/{rec.ids['connection']}/controllers/config")).json()[
        "operator"
    ]["enabled"]
