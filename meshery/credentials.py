"""Credentials of the caller: secrets sealed at rest and never answered in full.

Secrets are sealed with the server's credentials key (``meshery.secrets``, the box the Kubernetes
side uses for contexts), so the database holds ciphertext only. Answers carry the secret's keys
with every value replaced by ``MASK``; an update whose secret holds ``MASK`` for a key keeps the
stored value of that key, so a masked credential can be edited and sent back. Events and logs
name credentials, never their values.
"""

from __future__ import annotations

import uuid
from typing import Any

from generated import errors
from meshery import notify
from meshery.context import Services
from meshery.secrets import SecretBox, SecretError
from meshery.store import credentials as repo
from meshery.store.connections import Credential
from meshery.store.workspaces import now

MASK = "********"


def mask(value: Any) -> Any:
    """The shape of a secret with its values hidden: keys kept, every leaf replaced by MASK."""
    if isinstance(value, dict):
        return {str(k): mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return MASK


def unmask(new: Any, old: Any) -> Any:
    """``new`` with each MASK leaf replaced by the stored value at the same place."""
    if new == MASK:
        return old
    if isinstance(new, dict):
        prior = old if isinstance(old, dict) else {}
        return {k: unmask(v, prior.get(k, MASK)) for k, v in new.items()}
    if isinstance(new, list):
        prior_list = old if isinstance(old, list) else []
        return [unmask(v, prior_list[i] if i < len(prior_list) else MASK) for i, v in enumerate(new)]
    return new


def box(services: Services) -> SecretBox:
    return services.kube.box


def _opened(services: Services, cred: Credential) -> Any:
    try:
        return box(services).open(cred.secret)
    except SecretError as exc:
        raise errors.ErrCredentialUnreadable(str(exc)) from None


def view(services: Services, cred: Credential) -> dict[str, Any]:
    """What a credential's answer carries by Python name: the secret's shape, never its values."""
    try:
        shape = mask(box(services).open(cred.secret))
    except SecretError:
        shape = {}  # unreadable with this key: still listed, its shape unknown
    return {
        "id": cred.id,
        "user_id": cred.user_id or "",
        "name": cred.name,
        "type": cred.type,
        "secret": shape if isinstance(shape, dict) else {},
        "created_at": cred.created_at,
        "updated_at": cred.updated_at,
        "deleted_at": cred.deleted_at,
    }


async def list_page(
    services: Services, owner: str, *, page: int, page_size: int, search: str | None, order: str | None
) -> dict[str, Any]:
    rows, total = await repo.list_credentials(
        services.store, owner, page=page, page_size=page_size, search=search, order=order
    )
    return {
        "page": page,
        "page_size": page_size,
        "total_count": total,
        "resultType": "credentials",
        "credential": [view(services, r) for r in rows],
    }


async def get(services: Services, owner: str, credential_id: str) -> Credential:
    cred = await repo.get_owned(services.store, credential_id.lower(), owner)
    if cred is None:
        raise errors.ErrCredentialNotFound(f"credential {credential_id}")
    return cred


def new_credential(services: Services, owner: str, *, name: str, type_: str, secret: dict[str, Any]) -> Credential:
    """A credential row with its secret sealed (not yet stored)."""
    stamp = now()
    return Credential(
        id=str(uuid.uuid4()),
        name=name,
        user_id=owner,
        type=type_,
        secret=box(services).seal(secret),
        created_at=stamp,
        updated_at=stamp,
        deleted_at=None,
    )


async def create(services: Services, owner: str, body: dict[str, Any]) -> Credential:
    secret: dict[str, Any] = body["secret"] if isinstance(body.get("secret"), dict) else {}
    cred = new_credential(services, owner, name=str(body["name"]), type_=str(body["type"]), secret=secret)
    await repo.save(services.store, cred)
    await notify.raise_event(
        services,
        category="credential",
        action="create",
        severity="informational",
        description=f"Credential {cred.name} created",
        acted_upon=cred.id,
        user_id=owner,
        metadata={"name": cred.name, "type": cred.type},
    )
    return cred


async def update(services: Services, owner: str, body: dict[str, Any]) -> Credential:
    cred = await get(services, owner, str(body["id"]))
    if body.get("name"):
        cred.name = str(body["name"])
    if body.get("type"):
        cred.type = str(body["type"])
    if isinstance(body.get("secret"), dict):
        cred.secret = box(services).seal(unmask(body["secret"], _opened(services, cred)))
    cred.updated_at = now()
    await repo.save(services.store, cred)
    await notify.raise_event(
        services,
        category="credential",
        action="update",
        severity="informational",
        description=f"Credential {cred.name} updated",
        acted_upon=cred.id,
        user_id=owner,
        metadata={"name": cred.name, "type": cred.type},
    )
    return cred


async def delete(services: Services, owner: str, credential_id: str) -> Credential:
    cred = await get(services, owner, credential_id)
    users = await repo.users_of(services.store, cred.id)
    if users:
        raise errors.ErrCredentialInUse(f"credential {cred.id} is used by connection(s) {', '.join(users[:5])}")
    await repo.delete(services.store, cred.id)
    await notify.raise_event(
        services,
        category="credential",
        action="delete",
        severity="informational",
        description=f"Credential {cred.name} deleted",
        acted_upon=cred.id,
        user_id=owner,
        metadata={"name": cred.name, "type": cred.type},
    )
    return cred
