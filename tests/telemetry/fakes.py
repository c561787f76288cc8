"""Loopback fakes of Grafana and Prometheus (real HTTP servers on 127.0.0.1) for the telemetry tests.

Each answers the few API paths the server calls with fixed data, checks the Authorization header
when a key is set, and records every request (path, query, headers) for the tests to inspect.
Error bodies carry ``LEAK``, a string that must never reach the server's answers.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

LEAK = "internal-detail-do-not-relay"
GRAFANA_KEY = "grafana-key"
DATASOURCES = [
    {"id": 1, "uid": "prom-uid", "name": "Prometheus", "type": "prometheus", "isDefault": True},
    {"id": 2, "uid": "loki-uid", "name": "Loki", "type": "loki", "isDefault": False},
]
DASHBOARD = {
    "uid": "mesh-1",
    "title": "Mesh Overview",
    "tags": ["mesh"],
    "panels": [
        {"id": 1, "title": "Requests", "type": "timeseries", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
         "datasource": {"type": "prometheus", "uid": "prom-uid"}, "fieldConfig": {"defaults": {"unit": "reqps"}},
         "targets": [{"refId": "A", "expr": "sum(rate(istio_requests_total[1m]))", "legendFormat": "rps"},
                     {"refId": "B", "expr": ""}]},
        {"id": 2, "title": "Collapsed", "type": "row", "collapsed": True, "gridPos": {"x": 0, "y": 8, "w": 24, "h": 1},
         "panels": [{"id": 3, "title": "Latency", "type": "timeseries", "datasource": "Prometheus",
                     "targets": [{"refId": "A", "expr": "histogram_quantile(0.99, sum(rate(x[1m])) by (le))",
                                  "datasource": {"uid": "other-uid"}}]}]},
        {"id": 4, "title": "Notes", "type": "text"},
    ],
    "templating": {"list": [{"name": "namespace", "label": "Namespace", "type": "query",
                             "query": {"query": "label_values(up, namespace)"}, "datasource": "Prometheus",
                             "current": {"value": ["default", "istio-system"]}, "multi": True}]},
}
SEARCH: list[dict[str, Any]] = [
    {"uid": "mesh-1", "title": "Mesh Overview", "uri": "db/mesh-overview", "url": "/d/mesh-1/mesh-overview",
     "type": "dash-db", "tags": ["mesh"]},
    {"uid": "folder-1", "title": "A folder", "type": "dash-folder"},
]
METRICS = ["up", "node_cpu_seconds_total", "process_cpu_seconds_total", "istio_requests_total"]


def matrix(query: str) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"query": query}, "values": [[1700000000, "1"], [1700000015, "2"]]}]}}


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    authorization: str | None


@dataclass
class Fake:
    """One running fake: its base URL and the requests it received."""

    url: str
    seen: list[Seen] = field(default_factory=list)
    key: str | None = None
    delay: float = 0.0
    big: int = 0

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


class _Handler(http.server.BaseHTTPRequestHandler):
    fake: Fake
    kind: str

    def log_message(self, *_args: Any) -> None:
        return None

    def _send(self, status: int, body: Any) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        fake = self.fake
        fake.seen.append(Seen(parts.path, query, self.headers.get("Authorization")))
        if fake.delay:
            time.sleep(fake.delay)
        if fake.key and self.headers.get("Authorization") != f"Bearer {fake.key}":
            self._send(401, {"message": f"invalid API key {LEAK}"})
            return
        if fake.big:
            self._send(200, b'{"pad": "' + b"x" * fake.big + b'"}')
            return
        answer = (self._grafana if self.kind == "grafana" else self._prometheus)(parts.path, query)
        if answer is None:
            self._send(404, {"message": f"not found {LEAK}"})
        else:
            self._send(*answer)

    def _grafana(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path == "/api/health":
            return 200, {"database": "ok", "version": "10.4.1", "commit": "abc"}
        if path == "/api/search":
            needle = query.get("query", [""])[0].lower()
            return 200, [h for h in SEARCH if needle in str(h["title"]).lower()]
        if path == f"/api/dashboards/uid/{DASHBOARD['uid']}":
            return 200, {"dashboard": DASHBOARD, "meta": {"orgId": 1, "slug": "mesh-overview"}}
        if path == "/api/datasources":
            return 200, DATASOURCES
        for ds in ("uid/prom-uid", "1"):
            prefix = f"/api/datasources/proxy/{ds}"
            if path.startswith(prefix + "/api/v1/"):  # Grafana's proxy to its Prometheus datasource
                return self._prometheus(path.removeprefix(prefix), query)
        return None

    def _prometheus(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        expr = query.get("query", [""])[0]
        if path == "/api/v1/status/buildinfo":
            return 200, {"status": "success", "data": {"version": "2.51.0"}}
        if path == "/api/v1/status/config":
            return 200, {"status": "success", "data": {"yaml": "global: {}"}}
        if path == "/api/v1/label/__name__/values":
            return 200, {"status": "success", "data": METRICS}
        if path == "/api/v1/labels":
            return 200, {"status": "success", "data": ["__name__", "job"] if "match[]" in query
                         else ["__name__", "instance", "job"]}
        if path == "/api/v1/label/job/values":
            return 200, {"status": "success", "data": ["node-exporter", "prometheus"]}
        if path == "/api/v1/metadata":
            return 200, {"status": "success", "data": {"up": [{"type": "gauge", "help": "Target up.", "unit": ""}]}}
        if path == "/api/v1/query":
            return 200, {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"query": expr}, "value": [float(query.get("time", ["1700000000"])[0]), "1"]}]}}
        if path == "/api/v1/query_range":
            if expr == "bad(":
                return 400, {"status": "error", "error": f"parse error {LEAK}"}
            return 200, matrix(expr)
        if path == "/api/v1/series":
            return 200, {"status": "success", "data": [
                {"__name__": "node_boot_time_seconds", "instance": "10.0.0.2:9100", "job": "node-exporter"},
                {"__name__": "node_boot_time_seconds", "instance": "10.0.0.1:9100", "job": "node-exporter"}]}
        return None


@contextmanager
def serve(kind: str, *, key: str | None = None) -> Iterator[Fake]:
    """A fake ``grafana`` or ``prometheus`` on a free loopback port, for the duration of the block."""
    fake = Fake(url="", key=key)
    handler = type(f"{kind.capitalize()}Handler", (_Handler,), {"fake": fake, "kind": kind})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
