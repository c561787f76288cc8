"""The request context: services, user and provider, reachable from any handler.

Set once per request (REST by ``meshery.session``, GraphQL by its context
factory) in a context variable, so handlers keep the spec's parameters as
their only arguments and still reach the store, the bus and the user.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from generated import errors
from meshery.bus import Bus
from meshery.config import Settings
from meshery.store import Store, ownership

if TYPE_CHECKING:
    from meshery.adapters.service import AdapterRuntime
    from meshery.meshsync.manager import KubeRuntime
    from meshery.providers.base import BaseProvider
    from meshery.providers.registry import ProviderRegistry


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
    # The providers this server offers (set by the app's lifespan).
    providers: ProviderRegistry | None = None
    # The Kubernetes side (sealed credentials, MeshSync, connection status): created by
    # ``meshery.lifecycle`` right after this object, so it is there before any request.
    kube: KubeRuntime = field(init=False, repr=False)
    # Set when a graceful stop began (``meshery.lifecycle.begin_drain``): readiness answers 503.
    draining: bool = False


@dataclass(frozen=True)
class User:
    """The authenticated user (upstream ``models.User`` fields in JSON)."""

    user_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    avatar_url: str = ""
    provider: str = "None"


@dataclass
class Credentials:
    """The session token of one request; a provider that refreshes it updates it here.

    The session middleware sends a refreshed token back as the ``token`` cookie.
    """

    token: str | None = None
    refreshed: bool = False

    def replace(self, token: str) -> None:
        self.token = token
        self.refreshed = True


@dataclass(frozen=True)
class Session:
    """A validated session: its user and the token to use from now on."""

    user: User
    token: str | None = None
    refreshed: bool = False


class Provider(Protocol):
    """What the session layer needs of a provider (see ``meshery.providers``)."""

    name: str

    async def authenticate(self, *, token: str | None) -> Session | User | None:
        """The session of a token, or None when the token is not valid."""
        ...


@dataclass
class AppState:
    """Filled by the lifespan; read by middlewares built before it ran."""

    providers: ProviderRegistry
    services: Services | None = None

    @property
    def provider(self) -> Provider | None:
        """The provider every request gets when none is chosen (tests replace it)."""
        return self.providers.default

    @provider.setter
    def provider(self, provider: Provider) -> None:
        self.providers.force(provider)


@dataclass(frozen=True)
class RequestInfo:
    """What handlers may know of the HTTP request besides its parameters."""

    base_url: str = "http://localhost"
    path: str = "/"
    query: str = ""
    cookies: Mapping[str, str] = field(default_factory=dict)
    secure: bool = False
    accept: str = ""


@dataclass(frozen=True)
class RequestContext:
    services: Services
    provider: str
    user: User | None
    token: str | None = None
    # The provider object itself (None when no provider is chosen yet).
    provider_impl: BaseProvider | Provider | None = None
    credentials: Credentials = field(default_factory=Credentials)
    request: RequestInfo = field(default_factory=RequestInfo)

    def require_user(self) -> User:
        """The user of this request; ErrUnauthenticated (401) when the session has none."""
        if self.user is None:
            raise errors.ErrUnauthenticated("no user in this session")
        return self.user


_current: ContextVar[RequestContext] = ContextVar("meshery_request_context")


def current() -> RequestContext:
    """The context of the request being served (LookupError outside a request)."""
    return _current.get()


def require_user() -> User:
    """The user of the request being served (the owner of what it reads and writes), or a 401."""
    return current().require_user()


def maybe_current() -> RequestContext | None:
    """The request context, or None outside a request or before start-up finished."""
    return _current.get(None)


@dataclass(frozen=True)
class Activation:
    """What ``activate`` set: the request context and the store's ownership scope of its user."""

    context: Token[RequestContext]
    scope: Token[ownership.Scope | None]


def activate(ctx: RequestContext) -> Activation:
    """Make ``ctx`` the current request; the store scopes every statement to its user from now on."""
    return Activation(_current.set(ctx), ownership.enter(ctx.user.user_id if ctx.user else None))


def deactivate(token: Activation) -> None:
    ownership.leave(token.scope)
    _current.reset(token.context)
