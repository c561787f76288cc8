"""Spans of a server configured by ``OTEL_CONFIG`` reach an OTLP/HTTP receiver on loopback.

The receiver is a plain HTTP server this test starts; it decodes each body with the
OpenTelemetry protobuf definitions (``opentelemetry-proto``), as a collector would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from meshery.app import create_app
from meshery.observability import tracing
from tests.fixtures.app import app_settings


class Receiver:
    """Collects the bodies and headers POSTed to ``/v1/traces``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], ExportTraceServiceRequest]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                message = ExportTraceServiceRequest()
                message.ParseFromString(body)
                receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, message))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def spans(self) -> list[dict[str, str]]:
        """Every span received: name, service name, trace id, span id and parent span id (hex)."""
        found: list[dict[str, str]] = []
        for _path, _headers, message in self.requests:
            for resource_spans in message.resource_spans:
                service = next(
                    a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"
                )
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        found.append(
                            {
                                "name": span.name,
                                "service": service,
                                "trace": span.trace_id.hex(),
                                "id": span.span_id.hex(),
                                "parent": span.parent_span_id.hex(),
                            }
                        )
        return found


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.server.shutdown()
        found.server.server_close()
        thread.join(5)


async def test_spans_exported_over_otlp_http(receiver: Receiver, tmp_path: Path) -> None:
    config = tmp_path / "otel.yaml"
    config.write_text(
        f"service_name: meshery-under-test\nendpoint: 127.0.0.1:{receiver.port}\ninsecure: true\n"
        "headers: {x-collector-key: k1}\n"
    )
    settings = app_settings(user_data_folder=tmp_path / "meshery", otel_config=str(config))
    try:
        app = create_app(settings)
        assert tracing.ON
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://meshery") as client:
                assert (await client.get("/api/system/database")).status_code == 200
        tracing.flush()
    finally:
        tracing.uninstall()
    assert receiver.requests, "nothing was exported"
    path, headers, _message = receiver.requests[0]
    assert path == "/v1/traces"
    assert headers["content-type"] == "application/x-protobuf"
    assert headers["x-collector-key"] == "k1"
    received = receiver.spans()
    (root,) = [s for s in received if s["name"] == "getSystemDatabase"]
    assert root["service"] == "meshery-under-test"
    assert root["parent"] == ""
    statements = [s for s in received if s["name"] == "SELECT" and s["trace"] == root["trace"]]
    assert statements and all(s["parent"] == root["id"] for s in statements)
