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


async def main() -> int:
    reason = package.unavailable()
    if reason:
        print(reason, file=sys.stderr)
        return 2
    pkg = package.load()
    with tempfile.TemporaryDirectory(prefix="conformance-") as folder:
        settings = Settings(user_data_folder=Path(folder) / "meshery", register_static_k8s=False)
        app = create_app(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
        ):
            result = await checks.run(client, pkg, differences.documented())
    counts = f"{len(pkg.operations)} Meshery Server operations, {len(pkg.client)} client calls"
    print(f"@meshery/schemas {pkg.version}: {counts}")
    print(checks.report(result))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
