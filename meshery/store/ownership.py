"""Ownership as a rule of the store: every ORM statement is scoped by the caller.

The request layer opens a ``Scope`` for the request's user (``meshery.context.activate``);
while it is open, every ORM read, update and delete of an owned table made through any
session of any store is narrowed by that table's rule below (SQLAlchemy's
``with_loader_criteria``, added by one ``do_orm_execute`` hook), so a store function or a
route cannot forget it: another user's row is simply not there (the services answer 404).

- Owned tables carry their owner (``user_id`` or ``owner``); new rows get the scope's user
  when the caller left the owner empty.
- Shared rows are readable by all and writable by their owner only: public and published
  designs and filters, system events (no owner). A filter's module follows its filter.
- Link tables (workspace members, environment connections) are scoped through both ends.
- MeshSync data are scoped through the connection's owner: a user sees the resources of the
  clusters (``kubernetes_server_id``) of their own Kubernetes connections.

Work outside a request (start-up, MeshSync ingest, background tasks that outlive the request
that started them) runs without a scope and sees every row, as does ``unscoped()`` (used by
admin-only operations such as the database reset).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import event, false, inspect, or_, select
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from generated import errors
from meshery.store.connections import Connection, Credential
from meshery.store.designs import SHARED_VISIBILITIES, PatternRow
from meshery.store.events import EventCount, EventRow
from meshery.store.filters import FilterFileRow, FilterRow
from meshery.store.meshsync import (
    KubernetesKeyValue,
    KubernetesResource,
    KubernetesResourceObjectMeta,
    KubernetesResourceSpec,
    KubernetesResourceStatus,
)
from meshery.store.perf import PerfProfileRow, PerfResultRow, ScheduleRow, SmpConfigRow
from meshery.store.workspaces import (
    ConnectionRegistration,
    Environment,
    EnvironmentConnection,
    Workspace,
    WorkspaceMember,
)


@dataclass
class Scope:
    """Whose rows the statements of one request see; ``user_id`` None sees only shared rows."""

    user_id: str | None
    open: bool = True

    def criteria(self, *, write: bool) -> tuple[Any, ...]:
        return _criteria(self.user_id, write)


_scope: ContextVar[Scope | None] = ContextVar("meshery_store_scope", default=None)


def enter(user_id: str | None) -> Token[Scope | None]:
    """Open a scope for ``user_id`` in the current context (and the tasks it starts)."""
    return _scope.set(Scope(user_id))


def leave(token: Token[Scope | None]) -> None:
    """Close the scope opened by ``enter``: tasks that outlive the request run unscoped."""
    scope = _scope.get()
    if scope is not None:
        scope.open = False
    _scope.reset(token)


def current() -> Scope | None:
    """The open scope of this context, or None (system work: every row)."""
    scope = _scope.get()
    return scope if scope is not None and scope.open else None


def owner() -> str | None:
    """The user the current statements are scoped to (None outside a request)."""
    scope = current()
    return None if scope is None else scope.user_id


@contextmanager
def unscoped() -> Iterator[None]:
    """Run the enclosed statements as the system (every row); for admin-only operations."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


# --- the rules ---------------------------------------------------------------------------------


def _owned_connection_ids(user: str | None) -> Any:
    return select(Connection.id).where(Connection.user_id == user)


def _owned_clusters(user: str | None) -> Any:
    return select(Connection.meta["kubernetes_server_id"].as_string()).where(
        Connection.user_id == user, Connection.kind == "kubernetes"
    )


def _visible_resources(user: str | None) -> Any:
    return select(KubernetesResource.id).where(KubernetesResource.cluster_id.in_(_owned_clusters(user)))


def _readable_designs(user: str | None) -> Any:
    return select(PatternRow.id).where(or_(PatternRow.user_id == user, PatternRow.visibility.in_(SHARED_VISIBILITIES)))


def _filter_rule(user: str | None, write: bool) -> Any:
    owned = FilterRow.user_id == user
    return owned if write else or_(owned, FilterRow.visibility.in_(SHARED_VISIBILITIES))


def _filter_file_rule(user: str | None, write: bool) -> Any:
    # A module is seen (changed) with its filter: through the filter's owner and visibility.
    return FilterFileRow.filter_id.in_(select(FilterRow.id).where(_filter_rule(user, write)))


def _member_rule(user: str | None, write: bool) -> Any:
    owned_workspace = WorkspaceMember.workspace_id.in_(select(Workspace.id).where(Workspace.owner == user))
    if write:
        return owned_workspace
    # A member is shown when its workspace is the user's and the member is readable by them.
    readable = or_(
        WorkspaceMember.kind != "design",
        WorkspaceMember.member_id.in_(_readable_designs(user)),
    )
    owned_env = or_(
        WorkspaceMember.kind != "environment",
        WorkspaceMember.member_id.in_(select(Environment.id).where(Environment.owner == user)),
    )
    return owned_workspace & readable & owned_env


Rule = Callable[[str | None, bool], Any]

# table -> rule(user, write): the condition a row must meet to be seen (write=False) or changed.
RULES: dict[type[Any], Rule] = {
    Connection: lambda u, w: Connection.user_id == u,
    Credential: lambda u, w: Credential.user_id == u,
    PatternRow: lambda u, w: (
        PatternRow.user_id == u if w else or_(PatternRow.user_id == u, PatternRow.visibility.in_(SHARED_VISIBILITIES))
    ),
    FilterRow: _filter_rule,
    FilterFileRow: _filter_file_rule,
    EventRow: lambda u, w: EventRow.user_id == u if w else or_(EventRow.user_id == u, EventRow.user_id.is_(None)),
    EventCount: lambda u, w: EventCount.user_key.in_([u or "", ""]),
    Workspace: lambda u, w: Workspace.owner == u,
    Environment: lambda u, w: Environment.owner == u,
    ConnectionRegistration: lambda u, w: ConnectionRegistration.owner == u,
    WorkspaceMember: _member_rule,
    EnvironmentConnection: lambda u, w: (
        EnvironmentConnection.environment_id.in_(select(Environment.id).where(Environment.owner == u))
        & EnvironmentConnection.connection_id.in_(_owned_connection_ids(u))
    ),
    KubernetesResource: lambda u, w: KubernetesResource.cluster_id.in_(_owned_clusters(u)),
    KubernetesResourceObjectMeta: lambda u, w: KubernetesResourceObjectMeta.id.in_(_visible_resources(u)),
    KubernetesKeyValue: lambda u, w: KubernetesKeyValue.id.in_(_visible_resources(u)),
    KubernetesResourceSpec: lambda u, w: KubernetesResourceSpec.id.in_(_visible_resources(u)),
    KubernetesResourceStatus: lambda u, w: KubernetesResourceStatus.id.in_(_visible_resources(u)),
    PerfProfileRow: lambda u, w: PerfProfileRow.user_id == u,
    PerfResultRow: lambda u, w: PerfResultRow.user_id == u,
    ScheduleRow: lambda u, w: ScheduleRow.user_id == u,
    SmpConfigRow: lambda u, w: SmpConfigRow.user_id == u,
}

# The column a new row's owner goes in (filled from the scope when the caller left it empty).
OWNER_COLUMNS: dict[type[Any], str] = {
    Connection: "user_id",
    Credential: "user_id",
    PatternRow: "user_id",
    FilterRow: "user_id",
    Workspace: "owner",
    Environment: "owner",
    ConnectionRegistration: "owner",
    PerfProfileRow: "user_id",
    PerfResultRow: "user_id",
    ScheduleRow: "user_id",
    SmpConfigRow: "user_id",
}


@lru_cache(maxsize=4096)
def _criteria(user: str | None, write: bool) -> tuple[Any, ...]:
    """The statement options of one user (immutable, so built once per user and shared)."""
    options = []
    for model, rule in RULES.items():
        condition = rule(user, write) if user is not None or not write else false()
        if user is None and not write:
            # No user (a public route): only shared rows.
            condition = _shared_only(model)
        options.append(with_loader_criteria(model, condition, include_aliases=True, propagate_to_loaders=True))
    return tuple(options)


def _shared_only(model: type[Any]) -> Any:
    if model is PatternRow:
        return PatternRow.visibility.in_(SHARED_VISIBILITIES)
    if model is FilterRow:
        return FilterRow.visibility.in_(SHARED_VISIBILITIES)
    if model is FilterFileRow:
        return FilterFileRow.filter_id.in_(select(FilterRow.id).where(FilterRow.visibility.in_(SHARED_VISIBILITIES)))
    if model is EventRow:
        return EventRow.user_id.is_(None)
    if model is EventCount:
        return EventCount.user_key == ""
    return false()


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    scope = current()
    if scope is None or not (state.is_select or state.is_update or state.is_delete):
        return
    # A statement may ask to be scoped as a read (e.g. a view counter any reader may bump).
    write = not state.is_select and state.execution_options.get("scope_as") != "read"
    state.statement = state.statement.options(*scope.criteria(write=write))


@event.listens_for(Session, "before_flush")
def _stamp_owner(session: Session, _flush_context: Any, _instances: Any) -> None:
    user = owner()
    if user is None:
        return
    for obj in session.new:
        column = OWNER_COLUMNS.get(type(obj))
        if column is not None and not getattr(obj, column, None):
            setattr(obj, column, user)
    # Rows read as shared (a public design) are not the reader's to change or delete.
    for obj in (*session.dirty, *session.deleted):
        column = OWNER_COLUMNS.get(type(obj))
        if column is not None and _stored_owner(obj, column) not in (user, None):
            raise errors.ErrNotOwned(f"{type(obj).__tablename__} {getattr(obj, 'id', '')}")


@event.listens_for(Engine, "handle_error")
def _taken_id(context: ExceptionContext) -> BaseException | None:
    """A new row whose id is another user's row's (invisible to the writer) is that "not found"."""
    if owner() is None or not isinstance(context.sqlalchemy_exception, IntegrityError):
        return None
    message = str(context.original_exception)
    for table in _OWNED_TABLES:
        if f"{table}.id" in message or f'"pk_{table}"' in message:
            return errors.ErrNotOwned(f"{table}: the id is taken by a record that is not yours")
    return None


_OWNED_TABLES = tuple(m.__tablename__ for m in RULES if hasattr(m, "id"))


def _stored_owner(obj: Any, column: str) -> Any:
    history = inspect(obj).attrs[column].load_history()
    stored = [*history.unchanged, *history.deleted]
    return stored[0] if stored else getattr(obj, column, None)
