"""``python -m bench.observability_count LABELS N``: the observability variants between callgrind marks.

Run by ``bench.observability`` under ``bench.instructions.count``: one app, built once; for
each route and variant (tracing into the in-memory exporter, metrics, both, neither) a
warm-up, then ``N`` raw ASGI requests between two ``mark()`` calls (a tenth as many on the
database route). The labels of the measured parts, in order, go to the file ``LABELS``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import warnings
from pathlib import Path

from bench.inprocess import call
from bench.instructions import mark
from bench.observability import ROUTES, VARIANTS, _switch


async def _measure(requests: int) -> list[dict[str, object]]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.cli import tune_gc
    from meshery.config import Settings
    from meshery.observability import metrics, tracing

    parts: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-count-") as tmp:
        app = app_module.create_app(Settings(user_data_folder=Path(tmp) / "meshery", register_static_k8s=False))
        tune_gc()  # the collector as the server sets it (meshery.cli): no full collection mid-part
        try:
            for route, path in ROUTES.items():
                n = requests if route == "version" else max(requests // 10, 20)
                for variant in VARIANTS:
                    _switch(variant)
                    async with app.router.lifespan_context(app):
                        for _ in range(max(n // 5, 20)):
                            await call(app, path)
                        mark()
                        for _ in range(n):
                            await call(app, path)
                        tracing.flush()  # the exporter's share of these requests, inside the part
                        mark()
                    parts.append({"route": route, "variant": variant, "requests": n})
        finally:
            tracing.uninstall()
            metrics.enable("public")
    return parts


def main() -> int:
    labels, requests = Path(sys.argv[1]), int(sys.argv[2])
    labels.write_text(json.dumps(asyncio.run(_measure(requests))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
