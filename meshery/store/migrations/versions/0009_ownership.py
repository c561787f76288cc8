"""ownership: rows stored before owners were kept get the local user's

Every owned table already has its owner column (``user_id`` or ``owner``); rows written
without one (connections and credentials registered at start-up, designs imported by the
system) become the local provider user's (``meshery``), so the store's ownership rule
(``meshery.store.ownership``) shows them to that user instead of to nobody. Events without
an owner stay system events (shared).

Revision ID: 0009_ownership
Revises: 0004, 0007 (joins the connections and designs branches)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_ownership"
down_revision: str | tuple[str, ...] | None = ("0004", "0007")
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

LOCAL_OWNER = "meshery"  # the local user's owner value until 0010_local_owner rewrites it to its UUID
TABLES = ("connections", "credentials", "meshery_patterns")


def upgrade() -> None:
    for name in TABLES:
        table = sa.table(name, sa.column("user_id", sa.String))
        op.execute(table.update().where(table.c.user_id.is_(None)).values(user_id=LOCAL_OWNER))


def downgrade() -> None:
    """Owners stay: which rows had none before is not recorded."""
