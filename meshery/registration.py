"""The connection registration wizard (upstream ``ProcessConnectionRegistration``): initialize, register, connect.

A registration is stored between steps (``connection_registrations``) with its input sealed by
the credentials box, since it may hold a kubeconfig or a secret. Steps:

- ``initialize``: checks the input (for ``kubernetes`` the kubeconfig parses and the chosen
  context exists) and answers the registration id.
- ``register``: for ``kubernetes``, contacts the context (it must answer) and stores it as a
  connection with its credential (``meshery.contexts.register``); for any other kind, stores the
  connection with a new credential (``credential_secret``) or one of the caller's
  (``credential_id``). The connection is ``registered``.
- ``connect``: moves the connection to ``connected`` through the state machine (a Kubernetes
  connection starts MeshSync) and ends the registration.

Cancelling removes the registration and a connection it registered but did not connect; a
registration left unfinished for a day is forgotten.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from generated import errors
from meshery import connections, contexts, credentials, notify
from meshery.context import Services
from meshery.kube import KubeContext
from meshery.secrets import SecretError
from meshery.store import connections as connection_repo
from meshery.store import workspaces as repo
from meshery.store.workspaces import ConnectionRegistration

INITIALIZED, REGISTERED, CONNECTED, CANCELLED = "initialized", "registered", "connected", "cancelled"
# A registration left unfinished this long is forgotten (checked whenever one starts).
PENDING_FOR = timedelta(days=1)
_FIELDS = (
    "kind",
    "name",
    "type",
    "sub_type",
    "metadata",
    "credential_id",
    "credential_secret",
    "kubeconfig",
    "context",
)


def _answer(
    row: ConnectionRegistration, status: str, state: dict[str, Any], conn: dict[str, Any] | None
) -> dict[str, Any]:
    name = (conn or {}).get("name") or state.get("name") or state.get("context") or ""
    answer: dict[str, Any] = {"id": row.id, "status": status, "kind": row.kind, "name": name}
    if conn is not None:
        answer["connection"] = conn
    return answer


def _context(state: dict[str, Any]) -> KubeContext:
    """The kubeconfig context a Kubernetes registration names (the current one by default)."""
    text = state.get("kubeconfig")
    if not isinstance(text, str) or not text.strip():
        raise errors.ErrRegistrationStep("kind kubernetes needs `kubeconfig` (the kubeconfig text)")
    found = contexts.parse(text.encode())
    wanted = state.get("context")
    for ctx in found:
        if (wanted and ctx.name == wanted) or (not wanted and ctx.current):
            return ctx
    if not wanted and len(found) == 1:
        return found[0]
    names = sorted(c.name for c in found)
    raise errors.ErrRegistrationStep(
        f"context {wanted!r} is not in the kubeconfig (contexts: {names})"
        if wanted
        else f"the kubeconfig has no current context; name one of {names} in `context`"
    )


def _check(state: dict[str, Any]) -> None:
    if not state.get("kind"):
        raise errors.ErrRegistrationStep("`kind` is required")
    if state["kind"] == "kubernetes":
        _context(state)


def _state(services: Services, row: ConnectionRegistration) -> dict[str, Any]:
    try:
        value = credentials.box(services).open(row.state)
    except SecretError as exc:
        raise errors.ErrCredentialUnreadable(str(exc)) from None
    return value if isinstance(value, dict) else {}


async def _load(services: Services, owner: str, registration_id: str | None) -> ConnectionRegistration:
    if not registration_id:
        raise errors.ErrRegistrationStep("`id` (from the initialize step) is required")
    row = await repo.get_registration(services.store, registration_id.lower(), owner)
    if row is None:
        raise errors.ErrRegistrationNotFound(f"registration {registration_id}")
    return row


async def _store(services: Services, row: ConnectionRegistration, state: dict[str, Any]) -> None:
    row.state = credentials.box(services).seal(state)
    row.updated_at = repo.now()
    await repo.save_registration(services.store, row)


async def step(services: Services, owner: str, body: dict[str, Any]) -> dict[str, Any]:
    given = {k: body[k] for k in _FIELDS if body.get(k) is not None}
    status = body["status"]
    if status == "initialize":
        _check(given)
        stamp = repo.now()
        await repo.delete_registrations_before(services.store, stamp - PENDING_FOR)
        row = ConnectionRegistration(
            id=str(uuid.uuid4()),
            owner=owner,
            kind=str(given["kind"]),
            status=INITIALIZED,
            connection_id=None,
            state="",
            created_at=stamp,
            updated_at=stamp,
        )
        await _store(services, row, given)
        return _answer(row, INITIALIZED, given, None)
    row = await _load(services, owner, body.get("id"))
    state = {**_state(services, row), **given}
    if state.get("kind") != row.kind:
        raise errors.ErrRegistrationOrder(f"this registration is of kind {row.kind!r}")
    if status == "register":
        if row.status != INITIALIZED:
            raise errors.ErrRegistrationOrder(f"the registration is {row.status}; the next step is connect")
        conn = await _register(services, owner, state)
        row.status, row.connection_id = REGISTERED, conn.id
        await _store(services, row, state)
        return _answer(row, REGISTERED, state, await connections.answer(services, conn))
    # connect
    if row.status != REGISTERED or not row.connection_id:
        raise errors.ErrRegistrationOrder("the registration is not registered yet; the next step is register")
    conn = await connections.update(services, row.connection_id, {"status": connections.CONNECTED})
    await repo.delete_registration(services.store, row.id)
    return _answer(row, CONNECTED, state, await connections.answer(services, conn))


async def _register(services: Services, owner: str, state: dict[str, Any]) -> Any:
    if state["kind"] == "kubernetes":
        return await contexts.register(services, owner=owner, ctx=_context(state))
    if not state.get("name"):
        raise errors.ErrRegistrationStep("`name` is required to register a connection")
    if not isinstance(state.get("credential_secret"), dict) and not state.get("credential_id"):
        raise errors.ErrRegistrationStep("a credential is required: `credential_secret` or `credential_id`")
    payload: dict[str, Any] = {
        k: state[k]
        for k in ("name", "kind", "type", "sub_type", "metadata", "credential_id", "credential_secret")
        if k in state
    }
    return await connections.create(services, owner, {**payload, "status": connections.REGISTERED})


async def cancel(services: Services, owner: str, registration_id: str) -> dict[str, Any]:
    row = await _load(services, owner, registration_id)
    state = _state(services, row)
    if row.status == REGISTERED and row.connection_id:
        conn = await connection_repo.get_connection(services.store, row.connection_id)
        if conn is not None and conn.status == connections.REGISTERED:
            await connections.delete(services, conn.id)
    await repo.delete_registration(services.store, row.id)
    await notify.raise_event(
        services,
        category="connection",
        action="register",
        severity="informational",
        description=f"Registration of a {row.kind} connection cancelled",
        user_id=owner,
        acted_upon=row.connection_id,
    )
    return _answer(row, CANCELLED, state, None)
