"""The request context: services, user and provider, reachable from any handler.

Set once per request (REST by ``meshery.session``, GraphQL by its context
factory) in a context variable, so handlers keep the spec's parameters as
their only arguments and still reach the store, the bus and the user.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from meshery.bus import Bus
from meshery.config import Settings
from meshery.store import Store

if TYPE_CHECKING:
    from meshery.adapters.service import AdapterRuntime


@dataclass
class Services:
    """Long-lived parts of one running server, built by the app's lifespan."""

    settings: Settings
    store: Store
    bus: Bus
    started_at: float = field(default_factory=time.monotonic)
    instance_id: str = ""
    background: list[asyncio.Task[None]] = field(default_factory=list)
    adapters: AdapterRuntime | None = None


@dataclass(frozen=True)
class User:
    """The authenticated user (upstream ``models.User`` fields in JSON)."""

    user_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    avatar_url: str = ""
    provider: str = "None"


class Provider(Protocol):
    """What the session layer needs of a provider (see ``meshery.providers``)."""

    name: str

    async def authenticate(self, *, token: str | None) -> User | None:
        """The user of a session token, or None when the token is not valid."""
        ...


@dataclass
class AppState:
    """Filled by the lifespan; read by middlewares built before it ran."""

    provider: Provider
    services: Services | None = None


@dataclass(frozen=True)
class RequestContext:
    services: Services
    provider: str
    user: User | None
    token: str | None = None


_current: ContextVar[RequestContext] = ContextVar("meshery_request_context")


def current() -> RequestContext:
    """The context of the request being served (LookupError outside a request)."""
    return _current.get()


def maybe_current() -> RequestContext | None:
    """The request context, or None outside a request or before start-up finished."""
    return _current.get(None)


def activate(ctx: RequestContext) -> Token[RequestContext]:
    return _current.set(ctx)


def deactivate(token: Token[RequestContext]) -> None:
    _current.reset(token)
