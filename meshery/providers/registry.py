"""The providers a server offers and which one serves a request.

Built from the settings: the local provider "None" (not under
``PLAYGROUND=true``, where upstream always uses a remote provider) and one
remote provider per ``PROVIDER_BASE_URLS`` entry. A request's provider is,
in order: the one ``PROVIDER`` enforces (the first remote one in a
playground build), the one its ``meshery-provider`` cookie names, and, when
no remote provider is configured, the local provider. Otherwise it has none
and must choose one at ``/provider`` (as upstream).
"""

from __future__ import annotations

import asyncio
import logging

from meshery.config import Settings
from meshery.context import Provider
from meshery.providers.base import BaseProvider
from meshery.providers.local import LocalProvider
from meshery.providers.remote import RemoteProvider
from meshery.providers.revocations import Revocations
from meshery.store import Store

log = logging.getLogger(__name__)

PROVIDER_COOKIE = "meshery-provider"
PROVIDER_COOKIE_SECONDS = 30 * 24 * 3600
# Upstream probes an enforced provider for up to 15 s at start-up.
START_TIMEOUT = 15.0


class ProviderRegistry:
    def __init__(self, providers: list[BaseProvider], *, enforce: str = "", playground: bool = False) -> None:
        self.providers = providers
        self.enforce = enforce
        self.playground = playground
        self._forced: Provider | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ProviderRegistry:
        providers: list[BaseProvider] = []
        if not settings.playground:
            providers.append(LocalProvider(build=settings.build))
        for url in settings.provider_base_urls:
            providers.append(
                RemoteProvider(
                    url,
                    build=settings.build,
                    os_name=settings.os_name,
                    playground=settings.playground,
                    capabilities_file=settings.provider_capabilities_filepath,
                )
            )
        return cls(providers, enforce=settings.provider, playground=settings.playground)

    async def start(self, *, store: Store | None = None) -> None:
        remotes = [p for p in self.providers if isinstance(p, RemoteProvider)]
        if not remotes:
            return
        if store is not None:
            for remote in remotes:
                remote.revocations = Revocations(store)
        try:
            await asyncio.wait_for(asyncio.gather(*(p.start() for p in remotes)), START_TIMEOUT)
        except TimeoutError:
            log.warning("remote providers still loading after %.0f s; going on", START_TIMEOUT)
        log.info("providers: %s", ", ".join(repr(p.name) for p in self.providers))
        if self.enforce and self.get(self.enforce) is None:
            log.warning("PROVIDER=%r matches no provider yet; the chooser is shown instead", self.enforce)

    async def stop(self) -> None:
        for provider in self.providers:
            await provider.stop()

    def force(self, provider: Provider) -> None:
        """Serve every request with this provider (tests, and embedding)."""
        self._forced = provider

    def all(self) -> dict[str, BaseProvider]:
        """Providers by name; a later provider with a taken name is keyed by its URL host."""
        out: dict[str, BaseProvider] = {}
        for provider in self.providers:
            key = provider.name
            if key in out and isinstance(provider, RemoteProvider):
                key = provider.host
            out[key] = provider
        return out

    def get(self, name: str) -> BaseProvider | None:
        found = self.all().get(name)
        if found is not None:
            return found
        for provider in self.providers:
            if isinstance(provider, RemoteProvider) and name in (provider.host, provider.url):
                return provider
        return None

    @property
    def enforced(self) -> BaseProvider | None:
        if self.enforce:
            return self.get(self.enforce)
        if self.playground:
            return next((p for p in self.providers if isinstance(p, RemoteProvider)), None)
        return None

    @property
    def default(self) -> Provider | None:
        """The provider of a request that names none."""
        if self._forced is not None:
            return self._forced
        enforced = self.enforced
        if enforced is not None:
            return enforced
        if all(not isinstance(p, RemoteProvider) for p in self.providers) and self.providers:
            return self.providers[0]
        return None

    def for_request(self, cookie: str | None) -> Provider | None:
        if self._forced is not None or self.enforced is not None:
            return self.default
        if cookie:
            return self.get(cookie)
        return self.default
