"""Lists of workspaces, credentials and environment connections: microseconds per request, in process.

``python -m bench.workspaces [--rows N]`` stores N workspaces, N credentials (secrets of five
keys, sealed) and N connections attached to one environment, then times pages of 100 of each
(raw ASGI calls, no sockets) against ``GET /api/system/version`` measured in the same run: the
ratio is the price of the list over the framework's floor. A credential page opens and masks
100 sealed secrets; a connection page also reads the environments of its connections.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import inprocess, results
from meshery.context import Services


async def _seed(services: Services, rows: int) -> str:
    from meshery import credentials
    from meshery.store import workspaces as repo
    from meshery.store.connections import Connection
    from meshery.store.workspaces import Environment, EnvironmentConnection, Workspace

    store = services.store
    stamp = repo.now()
    env_id = str(uuid.uuid4())
    started = time.perf_counter()
    async with store.write() as session:
        session.add(
            Environment(
                id=env_id,
                name="bench",
                description="",
                organization_id=str(uuid.uuid4()),
                owner="meshery",
                meta={},
                created_at=stamp,
                updated_at=stamp,
            )
        )
        for i in range(rows):
            session.add(
                Workspace(
                    id=str(uuid.uuid4()),
                    name=f"ws-{i:05d}",
                    description="",
                    owner="meshery",
                    organization_id=env_id,
                    meta={},
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            cred = credentials.new_credential(
                services,
                "meshery",
                name=f"cred-{i:05d}",
                type_="token",
                secret={f"k{j}": f"value-{i}-{j}" for j in range(5)},
            )
            session.add(cred)
            conn_id = str(uuid.uuid4())
            session.add(
                Connection(
                    id=conn_id,
                    name=f"conn-{i:05d}",
                    credential_id=None,
                    type="platform",
                    sub_type="",
                    kind="prometheus",
                    meta={},
                    status="connected",
                    user_id="meshery",
                    created_at=stamp,
                    updated_at=stamp,
                    deleted_at=None,
                )
            )
            session.add(
                EnvironmentConnection(
                    environment_id=env_id, connection_id=conn_id, id=str(uuid.uuid4()), created_at=stamp
                )
            )
    print(
        f"  stored {rows} workspaces, credentials and attached connections in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return env_id


async def _measure(rows: int, n: int) -> dict[str, float]:
    from meshery import app as app_module
    from meshery.config import Settings

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="meshery-bench-workspaces-") as tmp:
        app = app_module.create_app(Settings(user_data_folder=Path(tmp), register_static_k8s=False))
        async with app.router.lifespan_context(app):
            env_id = await _seed(app.state.meshery.services, rows)
            base = await inprocess.per_request_us(app, "/api/system/version", n=n * 5)
            figures["baseline: GET /api/system/version (us)"] = base
            cases = {
                "GET /api/workspaces?pagesize=100": ("/api/workspaces", "pagesize=100"),
                "GET /api/integrations/credentials?pagesize=100": ("/api/integrations/credentials", "pagesize=100"),
                "GET /api/environments/{id}/connections?pagesize=100": (
                    f"/api/environments/{env_id}/connections",
                    "pagesize=100",
                ),
                "GET /api/integrations/connections?pagesize=100": ("/api/integrations/connections", "pagesize=100"),
            }
            for label, (path, query) in cases.items():
                us = await inprocess.per_request_us(app, path, query=query, n=n)
                figures[f"{label} (us)"] = us
                figures[f"{label} (x baseline)"] = round(us / base, 1)
    return figures


def run(*, rows: int = 1000, requests: int = 100) -> bool:
    figures = asyncio.run(_measure(rows, requests))
    path = results.write(
        "workspaces", parameters={"rows": rows, "requests": requests, "best_of": 3}, figures=figures, ok=True
    )
    print("\nPages of 100 over stored rows, in process (microseconds, best of 3; ratio to the version route)")
    print(results.table(["case", "value"], [[k, v] for k, v in figures.items()]))
    print(f"OK; written {path.relative_to(path.parents[2])}\n")
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.workspaces", description=__doc__)
    parser.add_argument("--rows", type=int, default=1000, help="stored workspaces, credentials, connections (1000)")
    parser.add_argument("--requests", type=int, default=100, help="requests timed per case, best of 3 (100)")
    args = parser.parse_args()
    sys.exit(0 if run(rows=args.rows, requests=args.requests) else 1)
