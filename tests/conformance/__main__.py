"""Report command: ``python -m tests.conformance`` (or ``make conformance``) prints the figures of
the ``@meshery/schemas`` conformance (operations served, bodies, parameters, answer differences)
and, per operation, what is wrong. Runs the app in process on SQLite in a temporary folder."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

from meshery.app import create_app
from meshery.config import Settings
from tests.conformance import checks, differences, package
from tests.fixtures.remote_provider import RemoteProviderProcess

BASE_URL = "http://testserver"
REMOTE_USER = "conformance"  # the reference provider's user whose session checks identity
LOCAL = {"meshery-provider": "None"}  # the local provider's session


async def main() -> int:
    reason = package.unavailable()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    pkg = package.load()
    with tempfile.TemporaryDirectory(prefix="conformance-") as folder:
        # the reference remote provider, for the identity operations a remote provider answers
        provider = RemoteProviderProcess(Path(folder))
        provider.start()
        try:
            settings = Settings(
                user_data_folder=Path(folder) / "meshery",
                register_static_k8s=False,
                provider_base_urls=(provider.url,),
            )
            app = create_app(settings)
            transport = httpx.ASGITransport(app=app)
            cookies = {"meshery-provider": provider.name, "token": provider.issue(REMOTE_USER)}
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url=BASE_URL, cookies=LOCAL) as client,
                httpx.AsyncClient(transport=transport, base_url=BASE_URL, cookies=cookies) as remote,
            ):
                result = await checks.run(client, pkg, differences.documented(), remote)
        finally:
            provider.stop()
    counts = f"{len(pkg.operations)} Meshery Server operations, {len(pkg.client)} client calls"
    print(f"@meshery/schemas {pkg.version}: {counts}")
    print(checks.report(result))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
