"""API area "users": the current user, profiles by id, preferences and the session sync."""

from __future__ import annotations

from typing import Any

from meshery import context, http, users


async def get_user() -> http.Answer:
    return http.json(await users.user_details(context.current()))


async def get_identity_user_profile() -> http.Answer:
    return http.json(await users.user_details(context.current()))


async def get_user_by_id(id_: str) -> http.Answer:
    return http.json(await users.user_by_id(context.current(), id_))


async def get_identity_user_by_id(id_: str) -> http.Answer:
    return http.json(await users.user_by_id(context.current(), id_))


async def get_user_preferences() -> http.Answer:
    return http.json(await users.preferences(context.current()))


async def update_user_preferences(body: dict[str, Any]) -> http.Answer:
    return http.json(await users.record_preferences(context.current(), body))


async def get_session_sync() -> http.Answer:
    return http.json(await users.session_sync(context.current()))
