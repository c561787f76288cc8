"""Grafana dashboards as the UI reads them, and the static Prometheus boards."""

from __future__ import annotations

from meshery.telemetry import boards
from tests.telemetry.fakes import DASHBOARD


def test_normalize_flattens_rows_and_keeps_queries_only() -> None:
    board = boards.normalize(DASHBOARD)
    assert [p["id"] for p in board["panels"]] == [1, 3, 4]
    assert board["panels"][2]["targets"] == []  # a text panel: no query
    assert board["panels"][0]["targets"][0]["datasourceUid"] == "prom-uid"  # the panel's datasource
    assert "unit" not in board["panels"][1] and board["panels"][1]["gridPos"] == {"x": 0, "y": 0, "w": 0, "h": 0}


def test_normalize_survives_odd_shapes() -> None:
    odd = {"uid": 7, "panels": [None, {"type": "row"}, {"targets": "x", "gridPos": []}], "templating": {"list": [{}]}}
    board = boards.normalize(odd)
    assert board == {"uid": "7", "title": "", "panels": [
        {"id": 0, "title": "", "type": "", "gridPos": {"x": 0, "y": 0, "w": 0, "h": 0}, "targets": []}]}


def test_legacy_shape() -> None:
    board = boards.legacy(DASHBOARD, uri="db/mesh", org_id=3)
    assert (board["uri"], board["uid"], board["org_id"]) == ("db/mesh", "mesh-1", 3)
    assert [p["id"] for p in board["panels"]] == [1, 3]
    assert board["template_vars"] == [{"name": "namespace", "query": "label_values(up, namespace)",
                                       "datasource": {"name": "Prometheus"}, "value": ["default", "istio-system"]}]


def test_static_boards() -> None:
    cluster = boards.cluster_board()
    assert len(cluster["panels"]) == len(boards.CLUSTER_PANELS)
    ids = [p["id"] for p in cluster["panels"]]
    assert ids == sorted(set(ids))
    assert all(0 <= p["gridPos"]["x"] < 24 and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in cluster["panels"])
    node = boards.node_board(["a:9100", "b:9100"])
    assert len(node["panels"]) == 2 * len(boards.NODE_PANELS)
    assert 'instance="b:9100"' in node["panels"][-1]["targets"][0]["expr"]
    assert {p["id"] for p in node["panels"]} == set(range(1, len(node["panels"]) + 1))
    assert boards.node_board([])["panels"] == []
