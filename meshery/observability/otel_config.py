"""What ``OTEL_CONFIG`` and the standard ``OTEL_*`` variables ask of tracing.

Upstream (MeshKit's tracing package) reads ``OTEL_CONFIG`` as a YAML document with
``service_name``, ``service_version``, ``environment``, ``endpoint`` and ``insecure``, the
variable holding the text itself (``\\n`` written literally is a line break). Here the value
may also be the path of a YAML file, and three more keys are understood:

- ``exporter``: ``otlp`` (default; OTLP over HTTP/protobuf), ``console`` (spans printed as
  JSON on stdout) or ``none`` (spans made, nothing sent);
- ``sampling``: the ratio of new traces kept, 0 to 1 (parent-based: a request that arrives
  with a sampled ``traceparent`` is always kept);
- ``headers``: a mapping sent with every export (e.g. an API key of the collector).

``endpoint`` without a scheme (upstream writes ``host:port``) becomes ``http://`` when
``insecure`` is true, else ``https://``, and ``/v1/traces`` is added when it has no path.
Everything the file leaves out comes from the standard variables, which the SDK reads
itself: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_TRACES_SAMPLER`` (+ ``_ARG``), ``OTEL_SERVICE_NAME``
and ``OTEL_RESOURCE_ATTRIBUTES``. Without ``OTEL_CONFIG``, ``OTEL_TRACES_EXPORTER=otlp`` or
``console`` turns tracing on; ``OTEL_SDK_DISABLED=true`` turns it off whatever else is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

EXPORTERS = ("otlp", "console", "none")
KEYS = {"service_name", "service_version", "environment", "endpoint", "insecure", "exporter", "sampling", "headers"}
DEFAULT_SERVICE = "meshery-server"


@dataclass(frozen=True)
class TraceConfig:
    """Tracing as configured; ``None`` fields are left to the SDK's own ``OTEL_*`` reading."""

    service_name: str | None = None
    service_version: str | None = None
    environment: str | None = None
    endpoint: str | None = None
    insecure: bool = False
    exporter: str = "otlp"
    sampling: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def _document(value: str) -> str:
    """The YAML text: the file ``value`` names, or ``value`` itself (literal ``\\n`` as newlines)."""
    text = value.strip()
    if "\n" not in text:
        path = Path(text).expanduser()
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except OSError as exc:  # a name too long for a path is YAML text; an unreadable file is not
            if len(text) < 256:
                raise ValueError(f"cannot read {text!r}: {exc.strerror}") from None
        if ":" not in text:
            raise ValueError(f"no such file {text!r} (OTEL_CONFIG is a YAML document or the path of one)")
    return text.replace("\\n", "\n")


def _endpoint(value: Any, *, insecure: bool) -> str:
    text = str(value).strip()
    if "://" not in text:
        text = f"{'http' if insecure else 'https'}://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"endpoint {value!r}: expected host:port or an http(s) URL (OTLP over HTTP)")
    if parts.path in ("", "/"):
        text = text.rstrip("/") + "/v1/traces"
    return text


def parse(value: str) -> TraceConfig:
    """The configuration ``OTEL_CONFIG`` holds; ValueError says what is wrong with it."""
    try:
        doc = yaml.safe_load(_document(value))
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {exc.__class__.__name__}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ValueError("a YAML mapping of tracing settings")
    unknown = sorted(set(doc) - KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(sorted(KEYS))}")
    insecure = doc.get("insecure", False)
    if not isinstance(insecure, bool):
        raise ValueError("insecure: true or false")
    exporter = str(doc.get("exporter", "otlp")).lower()
    if exporter not in EXPORTERS:
        raise ValueError(f"exporter {exporter!r}: one of {', '.join(EXPORTERS)}")
    sampling = doc.get("sampling")
    if sampling is not None:
        if isinstance(sampling, bool) or not isinstance(sampling, int | float) or not 0 <= sampling <= 1:
            raise ValueError("sampling: a ratio from 0 to 1")
        sampling = float(sampling)
    headers = doc.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValueError("headers: a mapping of header names to values")

    def text(key: str) -> str | None:
        found = doc.get(key)
        return None if found is None or str(found) == "" else str(found)

    endpoint = doc.get("endpoint")
    return TraceConfig(
        service_name=text("service_name"),
        service_version=text("service_version"),
        environment=text("environment"),
        endpoint=None if endpoint in (None, "") else _endpoint(endpoint, insecure=insecure),
        insecure=insecure,
        exporter=exporter,
        sampling=sampling,
        headers={str(k): str(v) for k, v in headers.items()},
    )


def wanted(*, otel_config: str, traces_exporter: str, sdk_disabled: bool) -> TraceConfig | None:
    """The configuration to trace with, or None when tracing stays off."""
    if sdk_disabled:
        return None
    if otel_config:
        return parse(otel_config)
    exporter = traces_exporter.strip().lower()
    if exporter in ("otlp", "console"):
        return TraceConfig(exporter=exporter)
    return None
