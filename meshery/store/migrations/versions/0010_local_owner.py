"""local owner: rows of the local provider's user owned by its UUID instead of "meshery"

The local provider's user owned its rows by the name "meshery"; `@meshery/schemas` and upstream's
answers carry a UUID in every `owner`/`userId`. From this revision on the local user owns its rows
by its stable UUID (``meshery.providers.local.LOCAL_USER_UUID``); this rewrites the owner of the
rows stored before, in every table with an owner column. Only data changes; it also joins the
area branches into one head.

Revision ID: 0010_local_owner
Revises: 0002, 0003, 0004, 0005, 0006, 0007, 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_local_owner"
down_revision: str | tuple[str, ...] | None = ("0002", "0003", "0005", "0006", "0008", "0009_ownership")
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# Frozen here: a migration keeps the values it was written with.
OLD_OWNER = "meshery"
NEW_OWNER = "2e5d8c1f-7a4b-5c3e-9f60-1b2a3c4d5e6f"
# (table, owner column) of every table that records who a row belongs to.
OWNED: tuple[tuple[str, str], ...] = (
    ("adapter_operations", "user_id"),
    ("connection_registrations", "owner"),
    ("connections", "user_id"),
    ("credentials", "user_id"),
    ("environments", "owner"),
    ("event_counts", "user_key"),
    ("events", "user_id"),
    ("meshery_patterns", "user_id"),
    ("user_adapters", "user_id"),
    ("user_preferences", "user_id"),
    ("workspaces", "owner"),
)


def _rewrite(old: str, new: str) -> None:
    for name, column in OWNED:
        table = sa.table(name, sa.column(column, sa.String()))
        op.execute(table.update().where(table.c[column] == old).values({column: new}))


def upgrade() -> None:
    _rewrite(OLD_OWNER, NEW_OWNER)


def downgrade() -> None:
    _rewrite(NEW_OWNER, OLD_OWNER)
