"""The server's own telemetry: OpenTelemetry traces, Prometheus metrics, their request hooks.

The lowest layer of ``meshery``: the store, the bus, Kubernetes and adapter clients call into
it, so it imports nothing of the server but ``generated``. Each part has a fast path for when
it is off (a module flag read per call), so a server without traces or metrics pays next to
nothing for the hooks.

- ``otel_config``: what ``OTEL_CONFIG`` and the standard ``OTEL_*`` variables ask for.
- ``tracing``: the process's tracer, spans, and trace context over message headers.
- ``metrics``: the Prometheus registry and every metric the server exports at ``/metrics``.
- ``rest`` and ``gql``: one span and one sample per REST operation and GraphQL operation.
- ``setup``: turns the settings into all of the above at start-up.
"""
