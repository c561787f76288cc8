"""Telemetry routes against real loopback fakes of Grafana and Prometheus (both databases).

A connection of the caller points at a fake; every route is called as the UI calls it and the
answer checked, together with what the fake received (paths, parameters, the credential).
Failures of the target are catalogued 4xx/502 answers that never carry the target's body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from generated import errors
from meshery.fetch import NOT_FETCHED
from meshery.telemetry import fetch
from tests.handlers.test_workspaces import BOB, MISSING, users_client
from tests.telemetry import fakes
from tests.telemetry.fakes import LEAK, Fake

__all__ = ["users_client"]


@pytest.fixture
def grafana() -> Iterator[Fake]:
    with fakes.serve("grafana", key=fakes.GRAFANA_KEY) as fake:
        yield fake


@pytest.fixture
def prometheus() -> Iterator[Fake]:
    with fakes.serve("prometheus") as fake:
        yield fake


async def connect(client: httpx.AsyncClient, kind: str, url: str, *, secret: str | None = None,
                  headers: dict[str, str] | None = None) -> str:
    body: dict[str, Any] = {"name": f"my {kind}", "kind": kind, "type": "observability", "sub_type": "monitoring",
                            "status": "connected", "metadata": {"url": url}}
    if secret is not None:
        body["credential_secret"] = {"secret": secret}
    response = await client.post("/api/integrations/connections", json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assert_error(response: httpx.Response, status: int, error: type[errors.MesheryError]) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == error.code, body
    assert LEAK not in response.text
    return body


async def test_grafana_routes(client: httpx.AsyncClient, grafana: Fake) -> None:
    cid = await connect(client, "grafana", grafana.url + "/", secret=fakes.GRAFANA_KEY)
    base = f"/api/telemetry/grafana/{cid}"

    ping = await client.get(f"{base}/ping")
    assert ping.status_code == 200, ping.text
    assert ping.json() == {"reachable": True, "version": "10.4.1", "database": "ok"}
    assert grafana.seen[-1].authorization == f"Bearer {fakes.GRAFANA_KEY}"
    events = (await client.get("/api/system/events", params={"category": "[\"connection\"]"})).json()["events"]
    assert any(e["action"] == "ping" and "reachable (Grafana 10.4.1)" in e["description"] for e in events)

    listed = (await client.get(f"{base}/boards", params={"search": "mesh"})).json()
    assert listed == [{"uid": "mesh-1", "title": "Mesh Overview", "url": "/d/mesh-1/mesh-overview", "tags": ["mesh"]}]
    assert grafana.seen[-1].query == {"type": ["dash-db"], "limit": ["5000"], "query": ["mesh"]}

    board = (await client.get(f"{base}/boards/mesh-1")).json()
    assert [p["title"] for p in board["panels"]] == ["Requests", "Latency", "Notes"]
    requests, latency, _notes = board["panels"]
    assert requests["unit"] == "reqps" and requests["gridPos"] == {"x": 0, "y": 0, "w": 12, "h": 8}
    assert requests["targets"] == [{"refId": "A", "expr": "sum(rate(istio_requests_total[1m]))",
                                    "datasourceUid": "prom-uid", "legendFormat": "rps"}]
    assert latency["targets"][0]["datasourceUid"] == "other-uid"
    assert board["templateVars"] == [{"name": "namespace", "label": "Namespace", "type": "query",
                                      "query": "label_values(up, namespace)",
                                      "current": ["default", "istio-system"], "multi": True}]
    missing = await client.get(f"{base}/boards/nope")
    assert_error(missing, 502, errors.ErrTelemetryStatus)

    sources = (await client.get(f"{base}/datasources")).json()
    assert [(s["uid"], s["name"], s["isDefault"]) for s in sources] == [
        ("prom-uid", "Prometheus", True), ("loki-uid", "Loki", False)]

    window = {"query": "up", "start": "1700000000", "end": "1700000600", "step": "15"}
    by_uid = await client.get(f"{base}/query_range", params={"ds": "prom-uid", **window})
    assert by_uid.status_code == 200 and by_uid.json() == fakes.matrix("up")
    assert grafana.seen[-1].path == "/api/datasources/proxy/uid/prom-uid/api/v1/query_range"
    assert grafana.seen[-1].query == {k: [v] for k, v in window.items()}
    # A datasource named instead of its uid is resolved and tried again, as upstream.
    by_name = await client.get(f"{base}/query_range", params={"ds": "Prometheus", **window})
    assert by_name.status_code == 200 and by_name.json() == fakes.matrix("up")
    by_type = await client.get(f"{base}/query_range", params={"ds": "prometheus", **window})
    assert by_type.status_code == 200 and grafana.seen[-1].path.endswith("/uid/prom-uid/api/v1/query_range")
    unknown = await client.get(f"{base}/query_range", params={"ds": "Nope", **window})
    body = assert_error(unknown, 404, errors.ErrTelemetryDatasourceNotFound)
    assert "Prometheus (uid=prom-uid)" in body["error"]
    no_ds = await client.get(f"{base}/query_range", params=window)
    assert_error(no_ds, 400, errors.ErrTelemetryParameter)
    bad = await client.get(f"{base}/query_range", params={**window, "ds": "prom-uid", "query": "bad("})
    assert_error(bad, 502, errors.ErrTelemetryStatus)

    batch = await client.post(f"{base}/query_range_batch", json={
        "start": "1700000000", "end": "1700000600", "step": "15",
        "queries": [{"id": "1:A", "ds": "prom-uid", "query": "up"}, {"id": "1:B", "ds": "Nope", "query": "up"},
                    {"id": "2:A", "ds": "Prometheus", "query": "rate(x[1m])"}]})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [r["id"] for r in results] == ["1:A", "1:B", "2:A"]
    assert results[0]["response"] == fakes.matrix("up") and "error" not in results[0]
    assert "response" not in results[1] and "Grafana has no such datasource" in results[1]["error"]
    assert results[2]["response"] == fakes.matrix("rate(x[1m])")
    empty = await client.post(f"{base}/query_range_batch", json={"queries": []})
    assert_error(empty, 400, errors.ErrTelemetryBatch)
    many = await client.post(f"{base}/query_range_batch", json={"queries": [{"id": str(i)} for i in range(201)]})
    assert_error(many, 400, errors.ErrTelemetryBatch)

    assert (await client.get(f"{base}/pinned")).json() == []
    pins = [{"uid": "mesh-1", "title": "Mesh Overview"}]
    assert (await client.post(f"{base}/pinned", json=pins)).json() == pins
    assert (await client.get(f"{base}/pinned")).json() == pins
    conn = (await client.get(f"/api/integrations/connections/{cid}")).json()
    assert conn["metadata"]["telemetryPinnedBoards"] == pins
    assert (await client.post(f"{base}/pinned", json=[])).json() == []
    conn = (await client.get(f"/api/integrations/connections/{cid}")).json()
    assert "telemetryPinnedBoards" not in conn["metadata"] and conn["metadata"]["url"] == grafana.url + "/"
    not_a_list = await client.post(f"{base}/pinned", json={"uid": "x"})
    assert_error(not_a_list, 400, errors.ErrRequestValidation)


async def test_grafana_refuses_a_wrong_key_without_relaying_it(client: httpx.AsyncClient, grafana: Fake) -> None:
    cid = await connect(client, "grafana", grafana.url, secret="wrong")
    ping = await client.get(f"/api/telemetry/grafana/{cid}/ping")
    assert_error(ping, 502, errors.ErrTelemetryAuth)
    events = (await client.get("/api/system/events", params={"category": "[\"connection\"]"})).json()["events"]
    assert any(e["action"] == "ping" and e["severity"] == "error" for e in events)
    anonymous = await connect(client, "grafana", grafana.url)
    assert_error(await client.get(f"/api/telemetry/grafana/{anonymous}/boards"), 502, errors.ErrTelemetryAuth)
    assert grafana.seen[-1].authorization is None
    # user:password is Basic auth, as upstream reads the secret.
    basic = await connect(client, "grafana", grafana.url, secret="admin:admin")
    await client.get(f"/api/telemetry/grafana/{basic}/datasources")
    assert grafana.seen[-1].authorization == "Basic YWRtaW46YWRtaW4="


async def test_prometheus_routes(client: httpx.AsyncClient, prometheus: Fake) -> None:
    cid = await connect(client, "prometheus", prometheus.url)
    base = f"/api/telemetry/prometheus/{cid}"
    assert (await client.get(f"{base}/ping")).json() == {"reachable": True, "version": "2.51.0"}
    assert prometheus.seen[-1].authorization is None

    assert (await client.get(f"{base}/metrics")).json() == fakes.METRICS
    assert (await client.get(f"{base}/metrics", params={"search": "CPU", "limit": 1})).json() == [
        "node_cpu_seconds_total"]
    assert (await client.get(f"{base}/labels")).json() == ["__name__", "instance", "job"]
    assert (await client.get(f"{base}/labels", params={"match": "up"})).json() == ["__name__", "job"]
    assert prometheus.seen[-1].query == {"match[]": ["up"]}
    assert (await client.get(f"{base}/label_values", params={"label": "job"})).json() == [
        "node-exporter", "prometheus"]
    assert_error(await client.get(f"{base}/label_values"), 400, errors.ErrTelemetryParameter)
    assert_error(await client.get(f"{base}/label_values", params={"label": "nope"}), 502, errors.ErrTelemetryStatus)

    meta = await client.get(f"{base}/metadata", params={"metric": "up"})
    assert meta.json()["data"]["up"][0]["type"] == "gauge" and prometheus.seen[-1].query == {"metric": ["up"]}
    instant = (await client.get(f"{base}/query", params={"query": "up", "time": "1700000001"})).json()
    assert instant["data"]["result"][0]["value"] == [1700000001.0, "1"]
    window = {"query": "up", "start": "1700000000", "end": "1700000600", "step": "15"}
    assert (await client.get(f"{base}/query_range", params=window)).json() == fakes.matrix("up")
    assert prometheus.seen[-1].query == {k: [v] for k, v in window.items()}
    assert_error(await client.get(f"{base}/query_range", params={**window, "query": "bad("}), 502,
                 errors.ErrTelemetryStatus)

    batch = (await client.post(f"{base}/query_range_batch", json={
        "start": "1", "end": "2", "step": "1", "queries": [{"id": "a", "query": "up"}, {"id": "b", "query": "bad("}]
    })).json()["results"]
    assert batch[0] == {"id": "a", "response": fakes.matrix("up")}
    assert batch[1]["id"] == "b" and "answered 400" in batch[1]["error"] and LEAK not in batch[1]["error"]

    panels = [{"id": "p1", "title": "Up", "expr": "up", "type": "stat", "unit": "short",
               "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4}}]
    assert (await client.get(f"{base}/panels")).json() == []
    assert (await client.post(f"{base}/panels", json=panels)).json() == panels
    assert (await client.get(f"{base}/panels")).json() == panels


async def test_wrong_kind_missing_and_malformed_connections(client: httpx.AsyncClient, prometheus: Fake) -> None:
    cid = await connect(client, "prometheus", prometheus.url)
    assert_error(await client.get(f"/api/telemetry/grafana/{cid}/boards"), 400, errors.ErrTelemetryConnectionKind)
    assert_error(await client.get(f"/api/telemetry/grafana/{cid}/pinned"), 400, errors.ErrTelemetryConnectionKind)
    assert_error(await client.get(f"/api/telemetry/prometheus/{MISSING}/ping"), 404, errors.ErrConnectionNotFound)
    assert_error(await client.get("/api/telemetry/prometheus/not-a-uuid/ping"), 400, errors.ErrRequestValidation)
    no_url = await client.post("/api/integrations/connections", json={"name": "p", "kind": "prometheus"})
    assert_error(await client.get(f"/api/telemetry/prometheus/{no_url.json()['id']}/labels"), 400,
                 errors.ErrTelemetryUrlInvalid)
    file_url = await connect(client, "prometheus", "file:///etc/passwd")
    assert_error(await client.get(f"/api/telemetry/prometheus/{file_url}/labels"), 400, errors.ErrTelemetryUrlInvalid)


async def test_unreachable_slow_and_oversized_targets(
    client: httpx.AsyncClient, prometheus: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fakes.serve("prometheus") as gone:
        url = gone.url
    dead = await connect(client, "prometheus", url)
    assert_error(await client.get(f"/api/telemetry/prometheus/{dead}/ping"), 502, errors.ErrTelemetryUnreachable)
    cid = await connect(client, "prometheus", prometheus.url)
    deadline = fetch.DEADLINE
    monkeypatch.setattr(fetch, "DEADLINE", 0.2)
    prometheus.delay = 1.0
    slow = await client.get(f"/api/telemetry/prometheus/{cid}/labels")
    assert_error(slow, 502, errors.ErrTelemetryUnreachable)
    assert NOT_FETCHED in slow.json()["error"]  # the uniform reason of meshery.fetch, whatever failed
    prometheus.delay = 0.0
    monkeypatch.setattr(fetch, "DEADLINE", deadline)  # the size limit, not the clock, must stop the next one
    monkeypatch.setattr(fetch, "MAX_BODY", 1000)
    prometheus.big = 5000
    big = await client.get(f"/api/telemetry/prometheus/{cid}/query", params={"query": "up"})
    assert_error(big, 502, errors.ErrTelemetryAnswer)


async def test_another_users_connection_is_not_found(users_client: httpx.AsyncClient, prometheus: Fake) -> None:
    cid = await connect(users_client, "prometheus", prometheus.url)
    assert (await users_client.get(f"/api/telemetry/prometheus/{cid}/labels")).status_code == 200
    for path in ("labels", "panels"):
        other = await users_client.get(f"/api/telemetry/prometheus/{cid}/{path}", headers=BOB)
        assert_error(other, 404, errors.ErrConnectionNotFound)
    assert (await users_client.get("/api/telemetry/metrics/config")).json()["total_count"] == 1
    assert (await users_client.get("/api/telemetry/metrics/config", headers=BOB)).json()["total_count"] == 0


async def test_older_routes_of_the_2024_ui(client: httpx.AsyncClient, grafana: Fake, prometheus: Fake) -> None:
    # Prometheus: configure by form, list, ping, static boards, queries, selected boards.
    saved = await client.post("/api/telemetry/metrics/config", data={
        "prometheusURL": prometheus.url + "/graph?g0.expr=up", "prometheusConnectionName": "prom"})
    assert saved.status_code == 200 and saved.json() == {}, saved.text
    assert prometheus.seen[-1].path == "/api/v1/status/config"
    page = (await client.get("/api/telemetry/metrics/config")).json()
    assert page["total_count"] == 1 and page["connections"][0]["kind"] == "prometheus"
    conn = page["connections"][0]
    assert (conn["name"], conn["status"], conn["metadata"]["url"]) == ("prom", "connected", prometheus.url)
    cid = conn["id"]
    assert (await client.get(f"/api/telemetry/metrics/ping/{cid}")).json() == {}
    boards = (await client.get(f"/api/telemetry/metrics/static-board/{cid}")).json()
    assert set(boards) == {"cluster", "node"}
    assert boards["cluster"]["panels"] and all(p["targets"][0]["expr"] for p in boards["cluster"]["panels"])
    node_titles = [p["title"] for p in boards["node"]["panels"]]
    assert "CPU Usage (10.0.0.1:9100)" in node_titles and "CPU Usage (10.0.0.2:9100)" in node_titles
    assert prometheus.seen[-1].query["match[]"] == ['node_boot_time_seconds{cluster="", job="node-exporter"}']
    window = {"query": "up", "start": "1", "end": "2", "step": "1"}
    # As the 2024 UI sends it: with the target's URL and key, which are never used.
    as_ui = {**window, "ds": "Prometheus", "uuid": "", "url": "http://169.254.169.254", "api-key": "x"}
    assert (await client.get(f"/api/prometheus/query_range/{cid}", params=as_ui)).json() == fakes.matrix("up")
    assert prometheus.seen[-1].query == {k: [v] for k, v in window.items()}
    # Template-variable queries of the older board views.
    plain = await client.get(f"/api/telemetry/metrics/query/{cid}", params={"query": "up"})
    assert plain.json() == {"status": "success", "data": ["up"]}
    jobs = await client.get(f"/api/telemetry/metrics/query/{cid}", params={"query": "label_values(job)"})
    assert jobs.json()["data"] == ["node-exporter", "prometheus"]
    series = await client.get(f"/api/telemetry/metrics/query/{cid}", params={
        "query": "label_values(up, instance)", "start": "1", "end": "2"})
    assert series.json()["data"][0]["instance"] == "10.0.0.2:9100"
    assert prometheus.seen[-1].query == {"match[]": ["up"], "start": ["1"], "end": ["2"]}
    result = await client.get(f"/api/telemetry/metrics/query/{cid}", params={"query": "query_result(count(up))"})
    assert result.json()["data"]["result"][0]["metric"] == {"query": "count(up)"}
    imported = await client.post(f"/api/telemetry/metrics/board_import/{cid}", json=fakes.DASHBOARD)
    assert imported.status_code == 200 and [p["id"] for p in imported.json()["panels"]] == [1, 3]
    selection = [{"board": {"title": "b"}, "panels": [{"id": 1}], "templateVars": []}]
    assert (await client.post(f"/api/telemetry/metrics/boards/{cid}", json=selection)).json() == {}
    stored = (await client.get(f"/api/integrations/connections/{cid}")).json()["metadata"]
    assert stored["prometheus_boards"] == selection
    assert_error(await client.delete("/api/telemetry/metrics/config"), 410, errors.ErrTelemetryDeprecated)
    refused = await client.post("/api/telemetry/metrics/config", data={"prometheusURL": "ftp://x"})
    assert_error(refused, 400, errors.ErrTelemetryUrlInvalid)

    # Grafana: the form checks the key before saving anything.
    wrong = await client.post("/api/telemetry/metrics/grafana/config", data={
        "grafanaURL": grafana.url, "grafanaAPIKey": "wrong", "grafanaConnectioncName": "g"})
    assert_error(wrong, 502, errors.ErrTelemetryAuth)
    assert (await client.get("/api/telemetry/metrics/grafana/config")).json()["total_count"] == 0
    made = await client.post("/api/telemetry/metrics/grafana/config", data={
        "grafanaURL": grafana.url, "grafanaAPIKey": fakes.GRAFANA_KEY, "grafanaConnectioncName": "g"})
    assert made.status_code == 200, made.text
    gid = made.json()["id"]
    assert made.json()["kind"] == "grafana" and made.json()["credential_id"]
    assert (await client.get(f"/api/telemetry/metrics/grafana/ping/{gid}")).json() == {}
    legacy = (await client.get(f"/api/telemetry/metrics/grafana/boards/{gid}",
                                params={"dashboardSearch": "mesh"})).json()
    assert len(legacy) == 1 and legacy[0]["uid"] == "mesh-1" and legacy[0]["org_id"] == 1
    assert [p["title"] for p in legacy[0]["panels"]] == ["Requests", "Latency"]
    assert legacy[0]["template_vars"][0]["value"] == ["default", "istio-system"]
    assert legacy[0]["template_vars"][0]["datasource"] == {"id": 1, "name": "Prometheus"}  # the UI sends its id
    ranged = await client.get(f"/api/grafana/query_range/{gid}", params={
        "ds": "Prometheus", **window, "url": "http://169.254.169.254", "api-key": "x"})
    assert ranged.json() == fakes.matrix("up")
    assert grafana.seen[-1].path == "/api/datasources/proxy/1/api/v1/query_range"
    assert (await client.post(f"/api/telemetry/metrics/grafana/boards/{gid}", json=selection)).json() == {}
    variable = await client.get(f"/api/telemetry/metrics/grafana/query/{gid}",
                                params={"query": "label_values(job)", "dsid": "1"})
    assert variable.json()["data"] == ["node-exporter", "prometheus"]
    assert grafana.seen[-1].path == "/api/datasources/proxy/1/api/v1/label/job/values"
    by_name = await client.get(f"/api/telemetry/metrics/grafana/query/{gid}",
                               params={"query": "query_result(up)", "dsid": "Prometheus"})
    assert by_name.json()["data"]["resultType"] == "vector"
    # The UI's `dsid=undefined` (a variable without datasource) is Grafana's default datasource.
    default = await client.get(f"/api/telemetry/metrics/grafana/query/{gid}",
                               params={"query": "label_values(job)", "dsid": "undefined"})
    assert default.status_code == 200 and grafana.seen[-1].path.startswith("/api/datasources/proxy/1/")
    unknown = await client.get(f"/api/telemetry/metrics/grafana/query/{gid}", params={"query": "x", "dsid": "nope"})
    assert_error(unknown, 404, errors.ErrTelemetryDatasourceNotFound)
    assert_error(await client.delete("/api/telemetry/metrics/grafana/config"), 410, errors.ErrTelemetryDeprecated)
