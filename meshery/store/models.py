"""Every mapped table, imported in one place so ``Base.metadata`` is complete."""

from meshery.store import (  # noqa: F401
    adapters,
    connections,
    designs,
    events,
    filters,
    meshsync,
    ownership,
    perf,
    registry_tables,
    tables,
    users,
    workspaces,
)
from meshery.store.base import Base

metadata = Base.metadata
