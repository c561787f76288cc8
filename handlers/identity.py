"""API area "identity": organizations, teams, users of an organization and the caller's permission keys."""

from __future__ import annotations

from typing import Any

from generated.handler_types import Paging
from meshery import context, http
from meshery import identity as service


def _reply(operation_id: str, value: dict[str, Any] | service.Forwarded, status: int = 200) -> http.Reply:
    """A local answer (encoded from the spec) or a remote provider's answer passed on (with both spellings)."""
    if isinstance(value, service.Forwarded):
        return http.raw(service.spelled(operation_id, value), value.status)
    return http.json(value, status)


async def get_orgs(*, paging: Paging, all_: bool | None = None) -> http.Reply:
    return _reply("getOrgs", await service.organizations(context.current(), paging, all_=all_))


async def create_org(body: dict[str, Any]) -> http.Reply:
    return _reply(
        "createOrg",
        await service.change(context.current(), "POST", "/api/identity/orgs", body=body, what="create an organization"),
    )


async def get_org_by_domain(domain: str) -> http.Reply:
    return _reply("getOrgByDomain", await service.organization_by_domain(context.current(), domain))


async def get_org(org_id: str) -> http.Reply:
    return _reply("getOrg", await service.organization(context.current(), org_id))


async def update_org(org_id: str, body: dict[str, Any]) -> http.Reply:
    ctx = context.current()
    return _reply(
        "updateOrg",
        await service.change(
            ctx, "PUT", f"/api/identity/orgs/{org_id}", body=body, org_id=org_id, what="change an organization"
        ),
    )


async def delete_org(org_id: str) -> http.Reply:
    ctx = context.current()
    return _reply(
        "deleteOrg",
        await service.change(
            ctx, "DELETE", f"/api/identity/orgs/{org_id}", org_id=org_id, what="delete an organization"
        ),
    )


async def get_org_preferences(org_id: str) -> http.Reply:
    return _reply("getOrgPreferences", await service.organization_preferences(context.current(), org_id))


async def get_teams(org_id: str, *, paging: Paging) -> http.Reply:
    return _reply("getTeams", await service.teams(context.current(), org_id, paging))


async def create_team(org_id: str, body: dict[str, Any]) -> http.Reply:
    ctx = context.current()
    return _reply(
        "createTeam",
        await service.change(
            ctx, "POST", f"/api/identity/orgs/{org_id}/teams", body=body, org_id=org_id, what="create a team"
        ),
    )


async def get_team_by_id(org_id: str, team_id: str) -> http.Reply:
    return _reply("getTeamById", await service.team(context.current(), org_id, team_id))


async def add_team_to_org(org_id: str, team_id: str, body: dict[str, Any] | None = None) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/teams/{team_id}"
    return _reply(
        "addTeamToOrg",
        await service.change(context.current(), "POST", path, body=body or {}, org_id=org_id, what="add a team"),
    )


async def update_team(org_id: str, team_id: str, body: dict[str, Any]) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/teams/{team_id}"
    return _reply(
        "updateTeam",
        await service.change(context.current(), "PUT", path, body=body, org_id=org_id, what="change a team"),
    )


async def delete_team(org_id: str, team_id: str) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/teams/{team_id}"
    return _reply(
        "deleteTeam", await service.change(context.current(), "DELETE", path, org_id=org_id, what="delete a team")
    )


async def remove_team_from_org(org_id: str, team_id: str) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/teams/{team_id}/remove"
    return _reply(
        "removeTeamFromOrg", await service.change(context.current(), "POST", path, org_id=org_id, what="remove a team")
    )


async def list_users_not_in_team(org_id: str, team_id: str, *, paging: Paging) -> http.Reply:
    return _reply("listUsersNotInTeam", await service.team_users(context.current(), team_id, paging, org_id=org_id))


async def add_user_to_team(org_id: str, team_id: str, user_id: str) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/teams/{team_id}/users/{user_id}"
    return _reply(
        "addUserToTeam",
        await service.change(context.current(), "POST", path, org_id=org_id, what="add a user to a team"),
    )


async def remove_user_from_team(org_id: str, team_id: str, user_id: str) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/teams/{team_id}/users/{user_id}"
    return _reply(
        "removeUserFromTeam",
        await service.change(context.current(), "DELETE", path, org_id=org_id, what="remove a user from a team"),
    )


async def get_users_for_org(
    org_id: str, *, paging: Paging, filter_: str | None = None, team_id: str | None = None
) -> http.Reply:
    return _reply(
        "getUsersForOrg", await service.org_users(context.current(), org_id, paging, filter_=filter_, team_id=team_id)
    )


async def get_user_keys(org_id: str, *, paging: Paging) -> http.Reply:
    return _reply("getUserKeys", await service.keys(context.current(), org_id, paging))


async def add_user_to_org(org_id: str, user_id: str) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/users/{user_id}"
    return _reply(
        "addUserToOrg",
        await service.change(context.current(), "POST", path, org_id=org_id, what="add a user to an organization"),
    )


async def delete_user_from_org(org_id: str, user_id: str) -> http.Reply:
    path = f"/api/identity/orgs/{org_id}/users/{user_id}"
    return _reply(
        "deleteUserFromOrg",
        await service.change(
            context.current(), "DELETE", path, org_id=org_id, what="remove a user from an organization"
        ),
    )


async def get_team_users(team_id: str, *, paging: Paging) -> http.Reply:
    return _reply("getTeamUsers", await service.team_users(context.current(), team_id, paging))


async def get_identity_users(*, paging: Paging, filter_: str | None = None) -> http.Reply:
    return _reply("getIdentityUsers", await service.all_users(context.current(), paging, filter_=filter_))


async def get_users(*, paging: Paging, filter_: str | None = None) -> http.Reply:
    return _reply("getUsers", await service.all_users(context.current(), paging, filter_=filter_))
