"""Identity service: organizations, teams, the users of an organization and permission keys.

Under a remote provider every call is forwarded with the user's token and the provider's answer is
returned as it is (``Forwarded``): the organization list to the provider's ``organizations``
endpoint, keys to ``<organizations endpoint>/<orgId>/users/keys`` (upstream's remote provider),
user lists to its ``users-identity`` endpoint, anything else to the same path on the provider
(Meshery Cloud serves the ``/api/identity`` paths itself).

Under the local provider (and any other provider without its own identity service) the server
answers itself: one organization, ``LOCAL_ORG_ID`` (the organization environments and workspaces
are created in), whose only member is the caller; no teams; the caller's keys are the rows of the
permission seed file granted to the local provider (``meshery.permissions``). Changing
organizations or teams is refused (``ErrIdentityLocalProvider``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from generated import errors
from generated.handler_types import Paging
from meshery import answers, permissions, users
from meshery.context import RequestContext
from meshery.environments import LOCAL_ORG_ID
from meshery.providers.local import LOCAL_USER_UUID, STARTED_AT
from meshery.providers.remote import Forwarded, RemoteProvider


def _seg(value: str) -> str:
    """An id as one URL path segment for the provider (``x?a=b`` must not become a query)."""
    return quote(value, safe="")


__all__ = ["LOCAL_ORG_ID", "LOCAL_ORG_NAME", "Forwarded"]

LOCAL_ORG_NAME = "Local Provider"
# The theme of an organization without one: no custom logo (empty assets), default colours.
NO_LOGO: dict[str, str] = {"svg": "", "location": ""}
LOCAL_ORG_PREFERENCES: dict[str, Any] = {
    "theme": {
        "id": "00000000-0000-0000-0000-000000000000",
        "logo": {view: NO_LOGO for view in ("desktopView", "mobileView", "darkDesktopView", "darkMobileView")},
        "vars": {},
    },
    "dashboard": {},
}
DEFAULT_PAGE_SIZE = 10


# --- forwarding ---------------------------------------------------------------------------------


def spelled(operation_id: str, answer: Forwarded) -> bytes:
    """A forwarded answer with the spellings of this server's answer added when it fits the spec
    (``page_size`` gains ``pageSize``...); otherwise the provider's bytes as they are."""
    encoder = answers.adapter(operation_id, answer.status)
    if encoder is None or not answer.body:
        return answer.body
    try:
        checked = encoder.validate_json(answer.body)
    except ValidationError:
        return answer.body
    return encoder.dump_json(checked, by_alias=True, exclude_unset=True)


def remote_of(ctx: RequestContext) -> RemoteProvider | None:
    provider = ctx.provider_impl
    return provider if isinstance(provider, RemoteProvider) else None


def _query(values: dict[str, Any]) -> dict[str, str]:
    """Query parameters to forward: those given, as text (booleans as ``true``/``false``)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def paging_query(paging: Paging | None) -> dict[str, Any]:
    if paging is None:
        return {}
    return {"page": paging.page, "pagesize": paging.size_text, "search": paging.search, "order": paging.order}


async def forward(
    ctx: RequestContext,
    remote: RemoteProvider,
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: Any = None,
) -> Forwarded:
    """One identity call forwarded to the remote provider; its 2xx answer as it is, else an error."""
    response = await remote.forward(method, path, ctx.credentials, params=_query(query or {}), body=body)
    where = f"{remote.url}{path}"
    if response.status_code == 404:
        raise errors.ErrIdentityNotFoundAtProvider(f"{where} answered 404")
    if not 200 <= response.status_code < 300:
        raise errors.ErrProviderResponse(f"{where} answered {response.status_code}")
    content = response.content
    if response.status_code == 204 or not content.strip():
        return Forwarded(response.status_code, b"")
    try:
        json.loads(content)
    except ValueError:
        raise errors.ErrProviderResponse(f"{where} did not answer JSON") from None
    return Forwarded(response.status_code, content)


def _orgs_path(remote: RemoteProvider) -> str:
    endpoint = remote.endpoint("organizations")
    return endpoint.rstrip("/") if endpoint else "/api/identity/orgs"


def _users_path(remote: RemoteProvider) -> str:
    endpoint = remote.endpoint("users-identity")
    return endpoint.rstrip("/") if endpoint else "/api/identity/users"


# --- local answers --------------------------------------------------------------------------------


async def _profile(ctx: RequestContext) -> dict[str, Any]:
    return await users.user_details(ctx)


def _owner_id(profile: dict[str, Any]) -> str:
    return str(profile.get("id") or profile.get("user_id") or "")


def local_org(owner: str) -> dict[str, Any]:
    return {
        "id": LOCAL_ORG_ID,
        "name": LOCAL_ORG_NAME,
        "description": "The organization of this server's local provider",
        "country": "",
        "region": "",
        "owner": owner,
        "metadata": {"preferences": LOCAL_ORG_PREFERENCES},
        "created_at": STARTED_AT,
        "updated_at": STARTED_AT,
    }


def page_of(
    items: list[Any], key: str, paging: Paging | None, *, default_size: int = DEFAULT_PAGE_SIZE
) -> dict[str, Any]:
    """One page of ``items`` under ``key`` (``pagesize=all`` answers them all)."""
    page = paging.page if paging else 0
    if paging is not None and paging.unbounded:
        size = max(len(items), 1)
        window = items
        page = 0
    else:
        size = paging.page_size(default_size) if paging else default_size
        window = items[page * size : page * size + size]
    return {"page": page, "page_size": size, "total_count": len(items), key: window}


def _matches(search: str | None, *texts: Any) -> bool:
    if not search:
        return True
    needle = search.lower()
    return any(needle in str(t or "").lower() for t in texts)


def _check_org(org_id: str) -> None:
    if org_id.lower() != LOCAL_ORG_ID:
        raise errors.ErrOrganizationNotFound(f"organization {org_id}")


def _refuse(what: str) -> errors.MesheryError:
    return errors.ErrIdentityLocalProvider(f"{what}: the local provider has one organization and no teams")


# --- operations -------------------------------------------------------------------------------------


async def organizations(ctx: RequestContext, paging: Paging, *, all_: bool | None) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", _orgs_path(remote), query={**paging_query(paging), "all": all_})
    org = local_org(_owner_id(await _profile(ctx)))
    found = [org] if _matches(paging.search, org["name"], org["description"]) else []
    return page_of(found, "organizations", None if all_ else paging)


async def organization(ctx: RequestContext, org_id: str) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", f"/api/identity/orgs/{_seg(org_id)}")
    _check_org(org_id)
    return page_of([local_org(_owner_id(await _profile(ctx)))], "organizations", None)


async def organization_by_domain(ctx: RequestContext, domain: str) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", "/api/identity/orgs/by-domain", query={"domain": domain})
    raise errors.ErrOrganizationNotFound(f"no organization has the domain {domain!r} (the local one has none)")


async def organization_preferences(ctx: RequestContext, org_id: str) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", f"/api/identity/orgs/{_seg(org_id)}/preferences")
    _check_org(org_id)
    return {"preferences": LOCAL_ORG_PREFERENCES}


async def teams(ctx: RequestContext, org_id: str, paging: Paging) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", f"/api/identity/orgs/{_seg(org_id)}/teams", query=paging_query(paging))
    _check_org(org_id)
    return page_of([], "teams", paging)


async def team(ctx: RequestContext, org_id: str, team_id: str) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", f"/api/identity/orgs/{_seg(org_id)}/teams/{_seg(team_id)}")
    _check_org(org_id)
    raise errors.ErrTeamNotFound(f"team {team_id}")


async def team_users(
    ctx: RequestContext, team_id: str, paging: Paging, *, org_id: str | None = None
) -> dict[str, Any] | Forwarded:
    """The members of a team (``org_id`` None) or the organization's users outside it."""
    remote = remote_of(ctx)
    path = (
        f"/api/identity/teams/{_seg(team_id)}/users"
        if org_id is None
        else f"/api/identity/orgs/{_seg(org_id)}/teams/{_seg(team_id)}/users"
    )
    if remote is not None:
        return await forward(ctx, remote, "GET", path, query=paging_query(paging))
    if org_id is not None:
        _check_org(org_id)
    raise errors.ErrTeamNotFound(f"team {team_id}")


async def org_users(
    ctx: RequestContext, org_id: str, paging: Paging, *, filter_: str | None, team_id: str | None
) -> dict[str, Any] | Forwarded:
    remote = remote_of(ctx)
    if remote is not None:
        query = {**paging_query(paging), "filter": filter_, "teamId": team_id}
        return await forward(ctx, remote, "GET", f"/api/identity/orgs/{_seg(org_id)}/users", query=query)
    _check_org(org_id)
    return await _local_users(ctx, paging, in_team=team_id)


async def all_users(ctx: RequestContext, paging: Paging, *, filter_: str | None) -> dict[str, Any] | Forwarded:
    """Upstream ``GetUsers``: the users the caller may see."""
    remote = remote_of(ctx)
    if remote is not None:
        return await forward(ctx, remote, "GET", _users_path(remote), query={**paging_query(paging), "filter": filter_})
    return await _local_users(ctx, paging, in_team=None)


async def _local_users(ctx: RequestContext, paging: Paging, *, in_team: str | None) -> dict[str, Any]:
    me = await _profile(ctx)
    found = [] if in_team else [me]
    found = [
        u
        for u in found
        if _matches(paging.search, u.get("user_id"), u.get("first_name"), u.get("last_name"), u.get("email"))
    ]
    return page_of(found, "data", paging)


async def keys(ctx: RequestContext, org_id: str, paging: Paging) -> dict[str, Any] | Forwarded:
    """The caller's permission keys in an organization (the local provider ignores the organization)."""
    remote = remote_of(ctx)
    if remote is not None:
        endpoint = remote.endpoint("organizations")
        org = _seg(org_id)
        path = f"{endpoint.rstrip('/')}/{org}/users/keys" if endpoint else f"/api/identity/orgs/{org}/users/keys"
        return await forward(ctx, remote, "GET", path, query=paging_query(paging))
    owner = _owner_id(await _profile(ctx)) or LOCAL_USER_UUID
    rows = [
        {
            "id": row.id,
            "owner": owner,
            "function": row.function,
            "category": row.category,
            "subcategory": row.subcategory,
            "description": row.description,
            "created_at": STARTED_AT,
            "updated_at": STARTED_AT,
        }
        for row in permissions.local_keys(ctx.services.settings.keys_path)
        if _matches(paging.search, row.function, row.category, row.subcategory)
    ]
    # Upstream answers every key in one page: the UI reads them all to build its permissions.
    return {"page": 0, "page_size": len(rows), "total_count": len(rows), "keys": rows}


async def change(
    ctx: RequestContext, method: str, path: str, *, org_id: str | None = None, body: Any = None, what: str
) -> Forwarded:
    """A change of organizations, teams or memberships: the remote provider's; refused locally
    (an organization other than the local one is not found first)."""
    remote = remote_of(ctx)
    if remote is None:
        if org_id is not None:
            _check_org(org_id)
        raise _refuse(what)
    return await forward(ctx, remote, method, path, body=body)
