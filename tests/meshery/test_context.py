"""The request context: require_user() is the one check that a request has a user."""

from __future__ import annotations

from contextvars import Token
from typing import cast

import pytest

from generated import errors
from meshery import context
from meshery.context import RequestContext, Services, User

ALICE = User(user_id="alice")


def _activate(user: User | None) -> Token[RequestContext]:
    return context.activate(RequestContext(services=cast(Services, None), provider="None", user=user))


def test_require_user_returns_the_user_of_the_request() -> None:
    token = _activate(ALICE)
    try:
        assert context.require_user() is ALICE
        assert context.current().require_user().user_id == "alice"
    finally:
        context.deactivate(token)


def test_require_user_without_a_user_is_a_401() -> None:
    token = _activate(None)
    try:
        with pytest.raises(errors.ErrUnauthenticated) as raised:
            context.require_user()
        assert raised.value.http_status == 401
    finally:
        context.deactivate(token)


def test_require_user_outside_a_request_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        context.require_user()
