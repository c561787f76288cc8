"""MeshSync read-back routes over stored objects (both databases, contract-checked)."""

from __future__ import annotations

import base64

import httpx
from starlette.applications import Starlette

from meshery.meshsync.ingest import Change, write_changes
from tests.fixtures.ownership import own_clusters
from tests.fixtures.queries import check_baseline, counting
from tests.meshsync import samples


async def seed(app: Starlette) -> None:
    services = app.state.meshery.services
    objs = [
        samples.pod("web-1", labels={"app": "web", "tier": "front"}),
        samples.pod("web-2", labels={"app": "web"}),
        samples.pod("db-1", "data", labels={"app": "db"}),
        samples.service("web"),
        samples.namespace("default"),
        samples.namespace("data"),
    ]
    await write_changes(services.store, [Change("ADDED", o, samples.CLUSTER) for o in objs])
    other = samples.pod("web-1")  # same name in another cluster: another id
    await write_changes(services.store, [Change("ADDED", other, "other-cluster")])
    await own_clusters(services.store, samples.CLUSTER, "other-cluster")  # the user sees their clusters' data


async def test_list_filters_and_inclusions(app: Starlette, client: httpx.AsyncClient) -> None:
    await seed(app)
    url = "/api/system/meshsync/resources"
    everything = (await client.get(url, params={"pagesize": 100})).json()
    assert everything["total_count"] == 7
    assert all("spec" not in r and "status" not in r for r in everything["resources"])
    pods = (
        await client.get(url, params={"kind": "Pod", "clusterIds": samples.CLUSTER, "spec": "true", "status": "true"})
    ).json()
    assert sorted(r["metadata"]["name"] for r in pods["resources"]) == ["db-1", "web-1", "web-2"]
    web1 = next(r for r in pods["resources"] if r["metadata"]["name"] == "web-1")
    assert web1["spec"]["attribute"] == '{"containers":[{"name":"c","image":"nginx:1.27"}]}'
    assert web1["status"]["attribute"] == '{"phase":"Running"}'
    assert web1["id"] == base64.b64encode(f"{samples.CLUSTER}.Pod.v1.default.web-1".encode()).decode()
    assert web1["metadata"]["id"] == web1["id"] and web1["model"] == "kubernetes"
    assert {(kv["key"], kv["value"]) for kv in web1["metadata"]["labels"]} == {("app", "web"), ("tier", "front")}
    labelled = (await client.get(url, params={"labels": "app=web", "clusterIds": samples.CLUSTER})).json()
    assert labelled["total_count"] == 2
    both = (await client.get(url, params={"labels": ["app=web", "tier"]})).json()
    assert [r["metadata"]["name"] for r in both["resources"]] == ["web-1"]
    in_ns = (await client.get(url, params={"namespace": "data"})).json()
    assert [r["metadata"]["name"] for r in in_ns["resources"]] == ["db-1"]
    search = (await client.get(url, params={"search": "WEB", "order": "name desc", "pagesize": 2})).json()
    assert search["total_count"] == 4 and len(search["resources"]) == 2
    assert search["resources"][0]["metadata"]["name"] == "web-2"
    svc = (await client.get(url, params={"kind": "Service", "apiVersion": "v1"})).json()["resources"][0]
    assert svc["component_metadata"] == {"capabilities": {"connection": True, "urls": ["10.0.0.1:80"]}}
    assert (await client.get(url, params={"labels": "=x"})).status_code == 400
    assert (await client.get(url, params={"order": "bogus"})).status_code == 400


async def test_summary_get_and_delete(app: Starlette, client: httpx.AsyncClient) -> None:
    await seed(app)
    summary = (
        await client.get("/api/system/meshsync/resources/summary", params={"clusterIds": samples.CLUSTER})
    ).json()
    assert summary["kinds"] == [
        {"kind": "Namespace", "count": 2},
        {"kind": "Pod", "count": 3},
        {"kind": "Service", "count": 1},
    ]
    assert summary["namespaces"] == ["data", "default"]
    assert {"kind": "label", "key": "app", "value": "web", "count": 2} in summary["labels"]
    rid = base64.b64encode(f"{samples.CLUSTER}.Pod.v1.default.web-1".encode()).decode()
    one = await client.get(f"/api/system/meshsync/resources/{rid}")
    assert one.status_code == 200
    assert one.json()["spec"]["attribute"].startswith('{"containers"')
    deleted = await client.delete(f"/api/system/meshsync/resources/{rid}")
    assert deleted.status_code == 200
    gone = await client.get(f"/api/system/meshsync/resources/{rid}")
    assert gone.status_code == 404 and gone.json()["code"] == "meshery-server-1307"


async def test_ids_with_a_slash_are_reachable(app: Starlette, client: httpx.AsyncClient) -> None:
    services = app.state.meshery.services
    obj = samples.pod("p" * 5, "a??")  # chosen so the base64 id contains "/"
    await write_changes(services.store, [Change("ADDED", obj, "c")])
    await own_clusters(services.store, "c")
    rid = base64.b64encode(b"c.Pod.v1.a??.ppppp").decode()
    assert "/" in rid
    assert (await client.get(f"/api/system/meshsync/resources/{rid}")).status_code == 200


async def _graphql(client: httpx.AsyncClient, query: str, **variables: object) -> dict[str, object]:
    response = await client.post("/api/system/graphql/query", json={"query": query, "variables": variables})
    return response.json()  # type: ignore[no-any-return]


async def test_graphql_cluster_queries(app: Starlette, client: httpx.AsyncClient) -> None:
    await seed(app)
    counts = await _graphql(
        client,
        "query($ns: String!) { getClusterResources(k8scontextIDs: [], namespace: $ns) { resources { kind count } } }",
        ns="data",
    )
    # Cluster-scoped objects, the namespace's objects and every Namespace.
    assert counts["data"] == {
        "getClusterResources": {"resources": [{"kind": "Namespace", "count": 2}, {"kind": "Pod", "count": 1}]}
    }
    namespaces = await _graphql(client, "{ getAvailableNamespaces { namespace } }")
    assert namespaces["data"] == {"getAvailableNamespaces": [{"namespace": "data"}, {"namespace": "default"}]}
    described = await _graphql(
        client, 'query { getKubectlDescribe(name: "db-1", kind: "Pod", namespace: "data") { describe ctxid } }'
    )
    text = described["data"]["getKubectlDescribe"]["describe"]  # type: ignore[index]
    assert "Name:         db-1" in text and "app=db" in text and "phase: Running" in text
    missing = await _graphql(
        client, 'query { getKubectlDescribe(name: "x", kind: "Pod", namespace: "data") { describe } }'
    )
    assert missing["errors"]
    unknown = await _graphql(
        client,
        'query { resyncCluster(k8scontextID: "nope", selector: '
        '{clearDB: "true", ReSync: "true", hardReset: "false"}) }',
    )
    assert unknown["errors"]


async def test_list_statements_do_not_grow_with_the_page(
    app: Starlette, client: httpx.AsyncClient, database_url: str
) -> None:
    await seed(app)
    store = app.state.meshery.services.store
    url = "/api/system/meshsync/resources"
    counts = []
    for size in (1, 100):
        with counting(store) as statements:
            response = await client.get(url, params={"pagesize": size, "spec": "true", "status": "true"})
            assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    dialect = "postgresql" if database_url else "sqlite"
    check_baseline(f"GET {url}?spec&status ({dialect})", statements)
