"""Conformance with upstream's published API package ``@meshery/schemas`` (served operations,
request bodies, client query parameters, answers against its response schemas)."""
