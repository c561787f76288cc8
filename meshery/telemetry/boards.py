"""Grafana dashboards as the UI reads them, and the static Prometheus boards.

``normalize`` turns Grafana's dashboard JSON into upstream's ``Board`` (panels flattened out of
rows, each target with its datasource uid, template variables with their current values);
``legacy`` into the older ``GrafanaBoard`` shape of the 2024 UI (``uri``, ``panels`` as Grafana
has them, ``template_vars``). ``cluster_board`` and ``node_board`` are the two boards upstream
answers for a Prometheus connection without Grafana: the cluster's compute resources, and one
row of node-exporter panels per node instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _datasource_uid(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("uid"), str):
        return str(value["uid"])
    return ""


def _flatten(panels: Any) -> list[dict[str, Any]]:
    """Panels without row separators; a collapsed row's children are kept (Grafana nests them)."""
    out: list[dict[str, Any]] = []
    for panel in panels if isinstance(panels, list) else []:
        if not isinstance(panel, dict):
            continue
        if panel.get("type") == "row":
            out.extend(_flatten(panel.get("panels")))
        else:
            out.append(panel)
    return out


def _current(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _query_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("query"), str):
        return str(value["query"])
    return ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _grid(value: Any) -> dict[str, int]:
    grid = value if isinstance(value, dict) else {}
    return {k: _int(grid.get(k)) for k in ("x", "y", "w", "h")}


def normalize(dashboard: dict[str, Any]) -> dict[str, Any]:
    """Upstream's ``Board`` of a Grafana dashboard JSON (the ``dashboard`` member of its answer)."""
    panels = []
    for raw in _flatten(dashboard.get("panels")):
        panel_ds = _datasource_uid(raw.get("datasource"))
        field_config = raw.get("fieldConfig")
        defaults = field_config.get("defaults") if isinstance(field_config, dict) else None
        unit = defaults.get("unit") if isinstance(defaults, dict) else None
        targets = []
        raw_targets = raw.get("targets")
        for target in raw_targets if isinstance(raw_targets, list) else []:
            if not isinstance(target, dict) or not str(target.get("expr") or "").strip():
                continue
            item: dict[str, Any] = {"refId": str(target.get("refId") or ""), "expr": str(target["expr"])}
            ds = _datasource_uid(target.get("datasource")) or panel_ds
            if ds:
                item["datasourceUid"] = ds
            if target.get("legendFormat"):
                item["legendFormat"] = str(target["legendFormat"])
            targets.append(item)
        panel: dict[str, Any] = {
            "id": _int(raw.get("id")),
            "title": str(raw.get("title") or ""),
            "type": str(raw.get("type") or ""),
            "gridPos": _grid(raw.get("gridPos")),
            "targets": targets,
        }
        if isinstance(unit, str) and unit:
            panel["unit"] = unit
        panels.append(panel)
    board: dict[str, Any] = {
        "uid": str(dashboard.get("uid") or ""),
        "title": str(dashboard.get("title") or ""),
        "panels": panels,
    }
    tags = dashboard.get("tags")
    if isinstance(tags, list) and tags:
        board["tags"] = [str(t) for t in tags]
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    template_vars = []
    for var in variables if isinstance(variables, list) else []:
        if not isinstance(var, dict) or not var.get("name"):
            continue
        var_item: dict[str, Any] = {"name": str(var["name"])}
        for key in ("label", "type"):
            if var.get(key):
                var_item[key] = str(var[key])
        query = _query_text(var.get("query"))
        if query:
            var_item["query"] = query
        current = var.get("current")
        values = _current(current.get("value") if isinstance(current, dict) else None)
        if values:
            var_item["current"] = values
        if var.get("multi") is True:
            var_item["multi"] = True
        if var.get("includeAll") is True:
            var_item["includeAll"] = True
        template_vars.append(var_item)
    if template_vars:
        board["templateVars"] = template_vars
    return board


def legacy(
    dashboard: dict[str, Any],
    *,
    uri: str = "",
    org_id: int = 0,
    datasource: Callable[[Any], dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """The older ``GrafanaBoard`` shape (2024 UI): Grafana's panels with queries, ``template_vars``.

    ``datasource`` resolves a variable's datasource reference to ``{id, name}`` (the UI sends the id).
    """
    panels = [p for p in _flatten(dashboard.get("panels")) if isinstance(p.get("targets"), list) and p["targets"]]
    board: dict[str, Any] = {
        "uri": uri or str(dashboard.get("uri") or ""),
        "title": str(dashboard.get("title") or ""),
        "slug": str(dashboard.get("slug") or ""),
        "uid": str(dashboard.get("uid") or ""),
        "panels": panels,
    }
    if org_id:
        board["org_id"] = org_id
    templating = dashboard.get("templating")
    variables = templating.get("list") if isinstance(templating, dict) else None
    template_vars = []
    for var in variables if isinstance(variables, list) else []:
        if not isinstance(var, dict) or not var.get("name"):
            continue
        item: dict[str, Any] = {"name": str(var["name"])}
        query = _query_text(var.get("query"))
        if query:
            item["query"] = query
        ds = var.get("datasource")
        resolved = datasource(ds) if datasource is not None else None
        if resolved is not None:
            item["datasource"] = resolved
        elif isinstance(ds, str) and ds:
            item["datasource"] = {"name": ds}
        elif isinstance(ds, dict):
            item["datasource"] = {k: ds[k] for k in ("id", "name") if k in ds}
        if _int(var.get("hide")):
            item["hide"] = _int(var.get("hide"))
        current = var.get("current")
        if isinstance(current, dict) and current.get("value") not in (None, ""):
            item["value"] = current["value"]
        template_vars.append(item)
    if template_vars:
        board["template_vars"] = template_vars
    return board


# --- static boards of a Prometheus connection -------------------------------------------------

DATASOURCE = "prometheus"


def _panel(panel_id: int, title: str, exprs: list[tuple[str, str]], *, x: int, y: int, w: int = 12,
           unit: str = "short", kind: str = "graph") -> dict[str, Any]:
    return {
        "id": panel_id,
        "title": title,
        "type": kind,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": 7},
        "format": unit,
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend, "format": "time_series"}
            for i, (expr, legend) in enumerate(exprs)
        ],
    }


# The cluster board follows the "Kubernetes / Compute Resources / Cluster" dashboard of the
# Kubernetes monitoring mixin that upstream ships (with the cluster variable left empty).
CLUSTER_PANELS: tuple[tuple[str, list[tuple[str, str]], str, str], ...] = (
    ("CPU Utilisation", [(
        "1 - avg(rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))", "")], "percentunit", "singlestat"),
    ("CPU Requests Commitment", [(
        "sum(kube_pod_container_resource_requests{resource=\"cpu\"}) / "
        "sum(kube_node_status_allocatable{resource=\"cpu\"})", "")], "percentunit", "singlestat"),
    ("CPU Limits Commitment", [(
        "sum(kube_pod_container_resource_limits{resource=\"cpu\"}) / "
        "sum(kube_node_status_allocatable{resource=\"cpu\"})", "")], "percentunit", "singlestat"),
    ("Memory Utilisation", [(
        "1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)", "")], "percentunit", "singlestat"),
    ("Memory Requests Commitment", [(
        "sum(kube_pod_container_resource_requests{resource=\"memory\"}) / "
        "sum(kube_node_status_allocatable{resource=\"memory\"})", "")], "percentunit", "singlestat"),
    ("Memory Limits Commitment", [(
        "sum(kube_pod_container_resource_limits{resource=\"memory\"}) / "
        "sum(kube_node_status_allocatable{resource=\"memory\"})", "")], "percentunit", "singlestat"),
    ("CPU Usage", [(
        "sum(rate(container_cpu_usage_seconds_total{container!=\"\"}[1m])) by (namespace)",
        "{{namespace}}")], "short", "graph"),
    ("Memory Usage (w/o cache)", [(
        "sum(container_memory_rss{container!=\"\"}) by (namespace)", "{{namespace}}")], "bytes", "graph"),
    ("Receive Bandwidth", [(
        "sum(rate(container_network_receive_bytes_total[1m])) by (namespace)", "{{namespace}}")], "Bps", "graph"),
    ("Transmit Bandwidth", [(
        "sum(rate(container_network_transmit_bytes_total[1m])) by (namespace)", "{{namespace}}")], "Bps", "graph"),
)

NODE_PANELS: tuple[tuple[str, str, str], ...] = (
    ("CPU Usage", "1 - avg(rate(node_cpu_seconds_total{{mode=\"idle\", instance=\"{i}\"}}[1m]))", "percentunit"),
    ("Load Average", "node_load1{{instance=\"{i}\"}}", "short"),
    ("Memory Usage", "1 - node_memory_MemAvailable_bytes{{instance=\"{i}\"}} / "
                     "node_memory_MemTotal_bytes{{instance=\"{i}\"}}", "percentunit"),
    ("Disk I/O", "sum(rate(node_disk_io_time_seconds_total{{instance=\"{i}\"}}[1m]))", "s"),
    ("Network Received", "sum(rate(node_network_receive_bytes_total{{instance=\"{i}\", device!=\"lo\"}}[1m]))", "Bps"),
    ("Network Transmitted",
     "sum(rate(node_network_transmit_bytes_total{{instance=\"{i}\", device!=\"lo\"}}[1m]))", "Bps"),
)


def cluster_board() -> dict[str, Any]:
    panels = []
    for index, (title, exprs, unit, kind) in enumerate(CLUSTER_PANELS):
        small = kind == "singlestat"
        width = 4 if small else 12
        x = (index * width) % 24 if small else (index - 6) % 2 * 12
        y = 0 if small else 7 + (index - 6) // 2 * 7
        panels.append(_panel(index + 1, title, exprs, x=x, y=y, w=width, unit=unit, kind=kind))
    return {"uri": "kubernetes-compute-resources-cluster", "title": "Kubernetes / Compute Resources / Cluster",
            "slug": "kubernetes-compute-resources-cluster", "panels": panels}


def node_board(instances: list[str]) -> dict[str, Any]:
    panels = []
    for row, instance in enumerate(instances):
        for column, (title, expr, unit) in enumerate(NODE_PANELS):
            panel_id = row * len(NODE_PANELS) + column + 1
            panels.append(_panel(panel_id, f"{title} ({instance})", [(expr.format(i=instance), instance)],
                                 x=column % 3 * 8, y=(row * 2 + column // 3) * 7, w=8, unit=unit))
    return {"uri": "node-metrics", "title": "Node Metrics", "slug": "node-metrics", "panels": panels}
