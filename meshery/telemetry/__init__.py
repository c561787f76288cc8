"""Telemetry: Grafana and Prometheus connections of a user, read and queried through the server.

``fetch`` is the one way out to a connection's URL; ``targets`` turns a connection (its
metadata ``url`` and its credential's ``secret``) into a target; ``grafana`` and ``prometheus``
are the clients the routes use, ``batch`` runs a board's range queries in one request,
``ping`` checks a connection and raises its event, ``boards`` normalizes Grafana dashboards and
builds the static Prometheus boards, ``templating`` answers board template-variable queries,
``saved`` keeps what a user pins on a connection, and ``config`` the older form-based
configuration routes of the 2024 UI.
"""
