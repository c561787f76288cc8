"""Every mapped table, imported in one place so ``Base.metadata`` is complete."""

from meshery.store import (  # noqa: F401
    adapters,
    connections,
    designs,
    events,
    meshsync,
    registry_tables,
    tables,
    users,
    workspaces,
)
from meshery.store import ownership  # noqa: F401  (the scoping hooks of every session)
from meshery.store.base import Base

metadata = Base.metadata
