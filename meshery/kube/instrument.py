"""A client span around each Kubernetes API call (``KubeClient.request``), while tracing is on.

Named ``kube <METHOD>`` with the path, the context and the API server as attributes. Watches
are long-lived streams and get no span; the list that starts each one does.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from opentelemetry.trace import SpanKind

from meshery.observability import tracing

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def traced(request: F) -> F:
    """``request`` (a ``KubeClient`` method taking method and path first) with a span around each call."""

    @functools.wraps(request)
    async def call(client: Any, method: str, path: str, **kwargs: Any) -> Any:
        if not tracing.ON:
            return await request(client, method, path, **kwargs)
        attributes = {
            "http.request.method": method,
            "url.path": path,
            "k8s.context.name": client.context.name,
            "server.address": client.context.server,
        }
        with tracing.span(f"kube {method}", kind=SpanKind.CLIENT, attributes=attributes):
            return await request(client, method, path, **kwargs)

    return cast(F, call)
