"""MeshSync: discovery of what runs in connected clusters, stored in upstream's tables.

Two sources feed one ingestion path (``ingest``): the embedded mode (``embedded``, default), a
list+watch per connected context inside this server, and the operator mode (``operator``),
which consumes the upstream MeshSync messages from NATS. ``model`` converts objects and wire
messages to rows and back; ``readback`` answers the REST and GraphQL queries; ``manager`` owns the
running parts of one server.
"""
