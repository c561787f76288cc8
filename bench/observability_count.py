"""``python -m bench.observability_count LABELS N``: the observability variants between callgrind marks.

Run by ``bench.observability`` under ``bench.instructions.count``: one app, built once and
started once, its timer-driven loops stopped (``bench.wire.quiet``); for each route and
variant (tracing into the in-memory exporter, metrics, both, neither, neither again) a
warm-up, then ``N`` requests over uvicorn's protocol in process (``bench.wire``, 16
connections; a fifth as many on the database route) between two ``mark()`` calls. The labels
of the measured parts, in order, go to the file ``LABELS``.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import tempfile
import warnings
from pathlib import Path

from bench.instructions import mark
from bench.observability import MEASURED, ROUTES, WIRE_CONNECTIONS, _switch, requests_for
from bench.wire import Wire, quiet


async def _measure(requests: int) -> list[dict[str, object]]:
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
    from meshery import app as app_module
    from meshery.cli import tune_gc
    from meshery.config import Settings
    from meshery.observability import metrics, tracing

    parts: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="meshery-bench-observability-count-") as tmp:
        app = app_module.create_app(Settings(user_data_folder=Path(tmp) / "meshery", register_static_k8s=False))
        tune_gc()  # the collector as the server sets it (meshery.cli)
        try:
            async with app.router.lifespan_context(app):
                await quiet(app)
                wire = Wire(app, connections=WIRE_CONNECTIONS)
                for route, path in ROUTES.items():
                    batches = max(requests_for(route, requests) // WIRE_CONNECTIONS, 1)
                    for variant in MEASURED:
                        _switch(variant)
                        await wire.run(path, max(batches // 4, 2))
                        gc.collect()  # every part starts with the same young generation: none
                        mark()
                        await wire.run(path, batches)
                        tracing.flush()  # the exporter's share of these requests, inside the part
                        mark()
                        parts.append({"route": route, "variant": variant, "requests": batches * WIRE_CONNECTIONS})
                wire.close()
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
