"""Providers authenticate requests and own user data (upstream provider model).

``base`` is the interface; ``local`` the built-in provider "None" (no login,
one fixed user); ``remote`` a provider reached over HTTP; ``registry`` holds
the providers of a server and picks the one of a request; ``flow`` is the
login/logout/token-callback logic the page routes use. ``meshery.session``
is the one place that asks a provider for a session.
"""

from __future__ import annotations

from meshery.context import Provider
from meshery.providers.base import BaseProvider
from meshery.providers.local import LOCAL_USER, LocalProvider
from meshery.providers.registry import PROVIDER_COOKIE, ProviderRegistry
from meshery.providers.remote import RemoteProvider

__all__ = [
    "LOCAL_USER",
    "PROVIDER_COOKIE",
    "BaseProvider",
    "LocalProvider",
    "Provider",
    "ProviderRegistry",
    "RemoteProvider",
]
