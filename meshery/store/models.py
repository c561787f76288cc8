"""Every mapped table, imported in one place so ``Base.metadata`` is complete."""

from meshery.store import adapters, connections, designs, events, meshsync, registry_tables, tables, users  # noqa: F401
from meshery.store.base import Base

metadata = Base.metadata
