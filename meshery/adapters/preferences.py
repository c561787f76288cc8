"""Each user's adapter list (upstream: ``meshAdapters`` in the user's preferences).

``AdapterPreferences`` is the interface the service uses; ``StoredAdapterPreferences`` keeps
the list in this area's own table, which also tells start-up every location any user added.
The service mirrors each change into the user's preferences (``meshery.users``, so
``GET /api/user/prefs`` shows ``meshAdapters`` and a remote provider receives it) and accepts
locations found there too.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any, Protocol

from meshery.adapters.client import Operation
from meshery.store import Store
from meshery.store import adapters as table


@dataclass(frozen=True)
class SavedAdapter:
    """One entry of a user's list: where the adapter is and what it said when it was added."""

    location: str
    name: str
    version: str = ""
    git_commit_sha: str = ""
    operations: list[Operation] = field(default_factory=list)

    def to_row(self) -> dict[str, Any]:
        return {
            "location": self.location, "name": self.name, "version": self.version,
            "git_commit_sha": self.git_commit_sha,
            "ops": [{"key": o.key, "value": o.value, "category": o.category} for o in self.operations],
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SavedAdapter:
        ops = [Operation(str(o.get("key", "")), str(o.get("value", "")), int(o.get("category", 0)))
               for o in row.get("ops") or []]
        return cls(location=row["location"], name=row["name"], version=row["version"],
                   git_commit_sha=row["git_commit_sha"], operations=ops)


class AdapterPreferences(Protocol):
    async def list(self, user_id: str) -> builtins.list[SavedAdapter]:
        """The user's adapters, oldest first."""
        ...

    async def add(self, user_id: str, adapter: SavedAdapter) -> bool:
        """Append to the user's list; False when the location is already there."""
        ...

    async def remove(self, user_id: str, location: str) -> bool:
        """Drop a location from the user's list; False when it was not there."""
        ...

    async def locations(self) -> builtins.list[str]:
        """Every location in any user's list (watched from start-up)."""
        ...


class StoredAdapterPreferences:
    """The lists in the ``user_adapters`` table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def list(self, user_id: str) -> builtins.list[SavedAdapter]:
        return [SavedAdapter.from_row(r) for r in await table.list_for_user(self.store, user_id)]

    async def add(self, user_id: str, adapter: SavedAdapter) -> bool:
        return await table.add(self.store, user_id, adapter.to_row())

    async def remove(self, user_id: str, location: str) -> bool:
        return await table.remove(self.store, user_id, location)

    async def locations(self) -> builtins.list[str]:
        return await table.all_locations(self.store)
