"""Persistence: SQLAlchemy 2 (async) over SQLite (default) or PostgreSQL.

The only package that imports SQLAlchemy. Services use ``Store.read()`` and
``Store.write()`` sessions and the repository modules beside this one.
"""

from meshery.store.engine import Store

__all__ = ["Store"]
