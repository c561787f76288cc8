"""A real Prometheus scrapes a real server's ``/metrics`` (when Debian's ``prometheus`` is installed).

``make prometheus-deps`` installs it (optional, as root); without it the test is skipped, and
``test_metrics.py`` still parses the same text with the client library's parser.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.server import ServerProcess, free_port

PROMETHEUS = shutil.which("prometheus")
QUERY = 'meshery_http_requests_total{operation="getSystemVersion",status="200"}'


def query(client: httpx.Client, base: str, expression: str) -> list[dict[str, Any]]:
    try:
        answer = client.get(f"{base}/api/v1/query", params={"query": expression})
    except httpx.TransportError:  # Prometheus still starting
        return []
    if answer.status_code != 200:
        return []
    found: list[dict[str, Any]] = answer.json()["data"]["result"]
    return found


@pytest.mark.skipif(PROMETHEUS is None, reason="Debian's prometheus is not installed (make prometheus-deps)")
def test_prometheus_scrapes_metrics(server_factory: type[ServerProcess], tmp_path: Path) -> None:
    server = server_factory(env={"METRICS_ACCESS": "public"})
    server.start()
    with httpx.Client(timeout=5) as client:
        for _ in range(3):
            assert client.get(f"{server.url}/api/system/version").status_code == 200
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: meshery\n"
            "    metrics_path: /metrics\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{server.port}']}}]\n"
        )
        log = (tmp_path / "prometheus.log").open("wb")
        prometheus = subprocess.Popen(
            [
                str(PROMETHEUS),
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                up = query(client, base, 'up{job="meshery"}')
                counted = query(client, base, QUERY)
                if up and counted:
                    break
                assert prometheus.poll() is None, (tmp_path / "prometheus.log").read_text()
                assert time.monotonic() < deadline, f"no scrape within 60 s: up={up} counted={counted}"
                time.sleep(0.5)
        finally:
            prometheus.terminate()
            prometheus.wait(10)
            log.close()
    assert up[0]["value"][1] == "1"
    assert float(counted[0]["value"][1]) >= 3
