"""Alembic environment: runs on the connection the server hands over.

For ``alembic revision --autogenerate`` during development, set DATABASE_URL
(or nothing, for a throw-away SQLite file) and run alembic with
``-c meshery/store/alembic.ini``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from meshery.store.models import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTER TABLE
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("DATABASE_URL", "sqlite:///alembic-dev.sqlite3")
    url = url.replace("postgres://", "postgresql+psycopg://", 1).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
