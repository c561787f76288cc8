"""API area "metrics": the server's own metrics in Prometheus text format (``GET /metrics``)."""

from __future__ import annotations

from generated import errors
from meshery import context, http
from meshery.observability import metrics


async def get_metrics() -> http.Reply:
    """Every metric of ``meshery.observability.metrics``, as ``METRICS_ACCESS`` allows."""
    if metrics.ACCESS == "off":
        raise errors.ErrMetricsDisabled("METRICS_ACCESS=off")
    if metrics.ACCESS == "session":
        ctx = context.maybe_current()
        if ctx is None or ctx.user is None:
            raise errors.ErrUnauthenticated("METRICS_ACCESS=session: /metrics needs a provider session")
    return http.raw(metrics.exposition(), media_type=metrics.CONTENT_TYPE)
