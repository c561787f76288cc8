"""Telemetry: Grafana and Prometheus connections of a user, read and queried through the server.

``fetch`` is the one way out to a connection's URL; ``targets`` turns a connection (its
metadata ``url`` and its credential's ``secret``) into a target; ``grafana`` and ``prometheus``
are the clients the routes use, ``boards`` normalizes Grafana dashboards and builds the static
Prometheus boards, ``saved`` keeps what a user pins on a connection, and ``config`` the older
form-based configuration routes of the 2024 UI.
"""
